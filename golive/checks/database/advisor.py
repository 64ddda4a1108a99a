"""Index advice proven with hypothetical indexes (hypopg), in the manner of Dexter.

Candidates come from the plan of each expensive statement: the columns a sequential scan
filters or joins on, alone and as ordered pairs with the sort keys above it, and the sort keys
alone (``ORDER BY created_at DESC LIMIT 20`` has no filter). Each candidate is created as a
hypothetical index and the statement re-planned (prepared after the index exists: a statement
prepared before keeps its plan).

The bar (``min_drop_pct``, 50 %, Dexter's) applies to the part of the plan the index replaces:
the sequential scan, and the sort above it when the index gives that order. A join of three
scans where one index removes one scan saves most of that scan's cost, and only a third of the
statement's. A statement-level floor (``min_statement_drop_pct``) keeps advice for a scan that
hardly matters out.

Small tables (under ``small_table_rows``) are where real services start. A scan of one reads
the whole table on every call; when the rows it returns stay flat as the table grows (a foreign
key: children grow with their parents; a column whose distinct values the statistics say grow
with the table, ``n_distinct < 0``; a sort under a LIMIT), its cost grows with the table while
the index's does not. The planner's cost with the index is taken now (forced with
``enable_seqscan = off`` when the planner would still rather scan), the scan's cost is
projected to ``project_rows`` rows, and the bar applies to the projection. Such advice says
the table is small.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import permutations
from typing import Any

import psycopg

from golive.checks.database.connect import quote_ident
from golive.checks.database.plans import generic_plan, nodes, total_cost

_IDENT = re.compile(r'(?:"?([A-Za-z_][\w$]*)"?\.)?"?([A-Za-z_][\w$]*)"?')
_JOIN_KEYS = ("Hash Cond", "Merge Cond", "Join Filter")
_SORTS = ("Sort", "Incremental Sort")
#: nodes between a scan and what consumes it that an index on the scan removes or shrinks
_PASSTHROUGH = ("Gather", "Gather Merge", "Hash", "Materialize", "Memoize")
#: PostgreSQL's disable_cost (costsize.c), added to each path a disabled method still takes
DISABLE_COST = 1.0e10


@dataclass(frozen=True)
class Table:
    """What the advisor needs to know about one table the plan reads."""

    rows: float
    columns: frozenset[str]
    foreign_keys: frozenset[str] = frozenset()  # first columns of its foreign keys
    growing: frozenset[str] = frozenset()  # columns whose n_distinct grows with the table
    #: column lists of its plain indexes (existing_indexes)
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def indexed(self) -> frozenset[str]:
        """First columns of its existing indexes."""
        return frozenset(ix[0] for ix in self.indexes if ix)


@dataclass(frozen=True)
class Candidate:
    table: str
    columns: tuple[str, ...]
    sort: bool = False  # the columns include the sort key of a Sort above the scan

    @property
    def ddl(self) -> str:
        cols = ", ".join(quote_ident(c) for c in self.columns)
        return f"CREATE INDEX ON {quote_ident(self.table)} ({cols})"

    def statement(self) -> str:
        name = "ix_" + "_".join([self.table, *self.columns])[:59]
        cols = ", ".join(quote_ident(c) for c in self.columns)
        return (f"CREATE INDEX CONCURRENTLY {quote_ident(name)} "
                f"ON {quote_ident(self.table)} ({cols});")


@dataclass(frozen=True)
class Trial:
    """One candidate tried on one statement: the statement's and the replaced part's costs."""

    candidate: Candidate
    cost_before: float  # the statement
    cost_after: float  # the statement with the index (forced when the planner would not)
    replaced: float  # cost of the scan (and sort) the index replaces, before
    rows: float  # rows of the table the replaced scan reads per execution
    size_bytes: int
    chosen: bool  # the planner uses the index without being forced
    projected_rows: float = 0.0  # > 0: the figures below are projected to this table size

    def _scaled(self) -> tuple[float, float]:
        """(statement cost before, replaced cost before) at the projected size."""
        if not self.projected_rows:
            return self.cost_before, self.replaced
        scale = self.projected_rows / max(self.rows, 1.0)
        replaced = self.replaced * scale
        return self.cost_before - self.replaced + replaced, replaced

    @property
    def node_drop_pct(self) -> float:
        before, replaced = self._scaled()
        if replaced <= 0:
            return 0.0
        return max(0.0, min(100.0, 100.0 * (before - self.cost_after) / replaced))

    @property
    def statement_drop_pct(self) -> float:
        before, _ = self._scaled()
        return max(0.0, 100.0 * (1.0 - self.cost_after / before)) if before > 0 else 0.0


@dataclass
class Proof:
    trial: Trial
    query: str
    queryid: str
    calls: int
    mean_ms: float
    small: bool  # the table is under small_table_rows

    @property
    def candidate(self) -> Candidate:
        return self.trial.candidate

    @property
    def rows_read(self) -> float:
        """Rows the replaced scan read over the statistics period: calls x table rows."""
        return self.calls * self.trial.rows


@dataclass
class Advice:
    candidate: Candidate
    proofs: list[Proof] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> float:
        return sum(p.rows_read for p in self.proofs)

    @property
    def small(self) -> bool:
        return all(p.small for p in self.proofs)

    @property
    def projected(self) -> bool:
        return all(p.trial.projected_rows for p in self.proofs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.candidate.table, "columns": list(self.candidate.columns),
            "create": self.candidate.statement(),
            "size_bytes": max((p.trial.size_bytes for p in self.proofs), default=0),
            "rows_read": round(self.rows_read), "small_table": self.small,
            "projected": self.projected, "endpoints": self.endpoints,
            "statements": [{
                "query": p.query, "queryid": p.queryid, "calls": p.calls,
                "mean_ms": round(p.mean_ms, 3), "table_rows": round(p.trial.rows),
                "cost_before": round(p.trial.cost_before, 2),
                "cost_after": round(p.trial.cost_after, 2),
                "replaced_cost": round(p.trial.replaced, 2),
                "drop_pct": round(p.trial.node_drop_pct, 1),
                "statement_drop_pct": round(p.trial.statement_drop_pct, 1),
                "planner_chooses_it": p.trial.chosen,
                "projected_rows": round(p.trial.projected_rows)} for p in self.proofs],
        }


def table_rows(conn: psycopg.Connection[dict[str, Any]], table: str) -> float | None:
    """Rows of a user table (the planner's figure, or live rows when never analysed); None
    for catalogs and unknown names."""
    row = conn.execute(
        # reltuples is -1 until the first VACUUM or ANALYZE; n_live_tup only then (its
        # counters arrive late: an ANALYZE right after a bulk insert can count it twice)
        "SELECT CASE WHEN c.reltuples >= 0 THEN c.reltuples "
        "ELSE coalesce(s.n_live_tup, 0) END AS rows FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
        "WHERE c.oid = to_regclass(%s) AND n.nspname NOT IN ('pg_catalog', "
        "'information_schema')", (quote_ident(table),)).fetchone()
    return None if row is None else float(row["rows"])


def table_info(conn: psycopg.Connection[dict[str, Any]], table: str) -> Table | None:
    """Rows, columns, foreign-key columns, growing columns and indexes of a user table; None
    for catalogs and unknown names."""
    rows = table_rows(conn, table)
    if rows is None:
        return None
    reg = quote_ident(table)
    cols = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
        "AND NOT attisdropped", (reg,)).fetchall()
    fks = conn.execute(
        "SELECT a.attname FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid "
        "AND a.attnum = k.conkey[1] WHERE k.conrelid = to_regclass(%s) AND k.contype = 'f'",
        (reg,)).fetchall()
    growing = conn.execute(
        "SELECT s.attname FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
        "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname "
        "WHERE c.oid = to_regclass(%s) AND s.n_distinct < 0", (reg,)).fetchall()
    return Table(rows, frozenset(r["attname"] for r in cols),
                 frozenset(r["attname"] for r in fks), frozenset(r["attname"] for r in growing),
                 tuple(tuple(ix) for ix in existing_indexes(conn, table)))


def existing_indexes(conn: psycopg.Connection[dict[str, Any]], table: str) -> list[list[str]]:
    """Column lists of the table's plain (non-partial, non-expression) indexes."""
    rows = conn.execute(
        "SELECT array_agg(a.attname ORDER BY k.ord) AS cols FROM pg_index i "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = to_regclass(%s) AND i.indpred IS NULL "
        "GROUP BY i.indexrelid", (quote_ident(table),)).fetchall()
    return [list(r["cols"]) for r in rows]


def covered(candidate: Candidate, indexes: Sequence[Sequence[str]]) -> bool:
    n = len(candidate.columns)
    return any(tuple(cols[:n]) == candidate.columns for cols in indexes)


def _columns_in(expr: str, columns: frozenset[str], names: set[str]) -> list[str]:
    found: list[str] = []
    for qualifier, name in _IDENT.findall(expr):
        if name in columns and (not qualifier or qualifier in names) and name not in found:
            found.append(name)
    return found


def plan_relations(plan: dict[str, Any]) -> set[str]:
    return {str(n["Relation Name"]) for n in nodes(plan) if n.get("Relation Name")}


def candidates(plan: dict[str, Any], tables: dict[str, Table],
               max_per_statement: int = 12) -> list[Candidate]:
    """Single columns, ordered pairs and sort keys worth trying, from sequential scans."""
    found: list[Candidate] = []

    def walk(node: dict[str, Any], sort_keys: list[str], join_exprs: list[str]) -> None:
        if node.get("Node Type") in _SORTS:
            sort_keys = sort_keys + [str(k) for k in node.get("Sort Key", []) or []]
        for key in _JOIN_KEYS:
            if node.get(key):
                join_exprs = [*join_exprs, str(node[key])]
        rel = str(node.get("Relation Name", ""))
        if node.get("Node Type") == "Seq Scan" and rel in tables:
            cols = tables[rel].columns
            names = {rel, str(node.get("Alias", rel))}
            where = _columns_in(str(node.get("Filter", "")), cols, names)
            joins = [c for e in join_exprs for c in _columns_in(e, cols, names)]
            sorts = list(dict.fromkeys(
                c for k in sort_keys for c in _columns_in(k.split(" ")[0], cols, names)))
            leading = list(dict.fromkeys(where + joins))
            for col in leading:
                found.append(Candidate(rel, (col,)))
            for a, b in permutations(list(dict.fromkeys(leading + sorts)), 2):
                if a in leading:
                    found.append(Candidate(rel, (a, b), sort=b in sorts))
            if sorts and not leading:  # ORDER BY ... LIMIT with no filter: the order itself
                found.append(Candidate(rel, (sorts[0],), sort=True))
                if len(sorts) > 1:
                    found.append(Candidate(rel, tuple(sorts[:2]), sort=True))
        for child in node.get("Plans", []) or []:
            walk(child, sort_keys, join_exprs)

    walk(plan, [], [])
    unique: dict[tuple[str, tuple[str, ...]], Candidate] = {}
    for c in found:
        unique.setdefault((c.table, c.columns), c)
    return list(unique.values())[:max_per_statement]


def replaced_cost(plan: dict[str, Any], candidate: Candidate) -> float:
    """Cost of what an index on the candidate replaces: each sequential scan of its table,
    with the single-input nodes above it (a Hash, a Gather), and the Sort above it when the
    index gives that order."""
    total = 0.0

    def walk(node: dict[str, Any], chain: list[dict[str, Any]]) -> None:
        nonlocal total
        if (node.get("Node Type") == "Seq Scan"
                and node.get("Relation Name") == candidate.table):
            cost = total_cost(node)
            for parent in reversed(chain):
                kind = parent.get("Node Type")
                if len(parent.get("Plans", []) or []) != 1:
                    break
                if kind in _PASSTHROUGH or (kind in _SORTS and candidate.sort):
                    cost = total_cost(parent)
                else:
                    break
            total += cost
        for child in node.get("Plans", []) or []:
            walk(child, [*chain, node])

    walk(plan, [])
    return total


def flat_output(candidate: Candidate, table: Table, plan: dict[str, Any]) -> bool:
    """Whether the rows the scan hands on stay flat as the table grows, so that an index pays
    off once it has grown: the leading column is a foreign key (children grow with their
    parents) or its distinct values grow with the table, or the index gives the order under a
    LIMIT; and no existing index leads with that column already."""
    lead = candidate.columns[0]
    if lead in table.indexed:  # the planner scans a small table although an index exists:
        return False  # that index serves the column once the table grows
    if lead in table.foreign_keys or lead in table.growing:
        return True
    return candidate.sort and any(n.get("Node Type") == "Limit" for n in nodes(plan))


def _real_cost(plan: dict[str, Any]) -> float:
    """The plan's cost without the disable_cost of sequential scans it still takes."""
    scans = sum(1 for n in nodes(plan) if n.get("Node Type") == "Seq Scan")
    return total_cost(plan) - DISABLE_COST * scans


def _uses(plan: dict[str, Any], oid: int) -> bool:
    return any(f"<{oid}>" in str(n.get("Index Name", "")) for n in nodes(plan))


def try_candidates(conn: psycopg.Connection[dict[str, Any]], query: str, plan: dict[str, Any],
                   options: list[Candidate], tables: dict[str, Table], *, min_drop_pct: float,
                   small_table_rows: float, project_rows: float) -> list[Trial]:
    """Each candidate as a hypothetical index: a trial when the planner uses it, or, for a
    small table whose scan output stays flat, when it uses it with sequential scans off."""
    before = total_cost(plan)
    trials = []
    for cand in options:
        table = tables[cand.table]
        replaced = replaced_cost(plan, cand)
        if replaced <= 0:
            continue
        try:
            row = conn.execute("SELECT indexrelid FROM hypopg_create_index(%s)",
                               (cand.ddl,)).fetchone()
        except psycopg.Error:
            continue
        try:
            if row is None:
                continue
            oid = int(row["indexrelid"])
            new_plan = generic_plan(conn, query)
            if new_plan is None:
                continue
            size_row = conn.execute("SELECT hypopg_relation_size(%s) AS size",
                                    (oid,)).fetchone()
            size = int(size_row["size"]) if size_row else 0
            chosen = _uses(new_plan, oid)
            now = Trial(cand, before, total_cost(new_plan), replaced, table.rows, size,
                        chosen=True) if chosen else None
            growth = (table.rows < small_table_rows and project_rows > table.rows
                      and flat_output(cand, table, plan))
            if now is not None and (now.node_drop_pct >= min_drop_pct or not growth):
                trials.append(now)
                continue
            if not growth:
                continue
            if now is not None:
                cost_after = now.cost_after
            else:
                forced = generic_plan(conn, query, settings={"enable_seqscan": "off"})
                if forced is None or not _uses(forced, oid):
                    continue
                cost_after = _real_cost(forced)
            trials.append(Trial(cand, before, cost_after, replaced, table.rows, size,
                                chosen=chosen, projected_rows=project_rows))
        finally:
            conn.execute("SELECT hypopg_reset()")
    return trials


def best(trials: list[Trial], min_drop_pct: float,
         min_statement_drop_pct: float) -> Trial | None:
    """The cheapest plan among trials over both bars, those proven at today's size before
    projected ones; among near-equal costs (within 5 %) the narrower index."""
    good = [t for t in trials if t.node_drop_pct >= min_drop_pct
            and t.statement_drop_pct >= min_statement_drop_pct]
    if not good:
        return None
    now = [t for t in good if not t.projected_rows]
    pool = now or good
    cheapest = min(t.cost_after for t in pool)
    near = [t for t in pool if t.cost_after <= cheapest * 1.05 + 0.01]
    return min(near, key=lambda t: (len(t.candidate.columns), t.cost_after))


def near_misses(trials: list[Trial], min_drop_pct: float, margin: float = 10.0) -> list[Trial]:
    """Trials within ``margin`` points under the bar: shown, so that advice that would flip
    with the next ANALYZE is visible before it does."""
    return [t for t in trials if min_drop_pct - margin <= t.node_drop_pct < min_drop_pct]
