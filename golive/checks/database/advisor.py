"""Index advice proven with hypothetical indexes (hypopg), in the manner of Dexter.

Candidates come from the plan of each expensive statement: the columns a sequential scan of a
large table filters or joins on, alone and as ordered pairs (with the sort keys above it).
Each candidate is created as a hypothetical index and the statement re-planned (prepared after
the index exists: a statement prepared before keeps its plan). Only a plan-cost drop of at
least ``min_drop_pct`` (50 % by default, Dexter's bar) counts; a candidate an existing index
already covers (same leading columns) is never proposed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import permutations
from typing import Any

import psycopg

from golive.checks.database.connect import quote_ident
from golive.checks.database.plans import generic_plan, nodes, total_cost

_IDENT = re.compile(r'(?:"?([A-Za-z_][\w$]*)"?\.)?"?([A-Za-z_][\w$]*)"?')
_JOIN_KEYS = ("Hash Cond", "Merge Cond", "Join Filter")


@dataclass
class Candidate:
    table: str
    columns: tuple[str, ...]

    @property
    def ddl(self) -> str:
        cols = ", ".join(quote_ident(c) for c in self.columns)
        return f"CREATE INDEX ON {quote_ident(self.table)} ({cols})"

    def statement(self) -> str:
        name = "ix_" + "_".join([self.table, *self.columns])[:59]
        cols = ", ".join(quote_ident(c) for c in self.columns)
        return (f"CREATE INDEX CONCURRENTLY {quote_ident(name)} "
                f"ON {quote_ident(self.table)} ({cols});")


@dataclass
class Proof:
    candidate: Candidate
    query: str
    queryid: str
    calls: int
    mean_ms: float
    cost_before: float
    cost_after: float
    size_bytes: int

    @property
    def drop_pct(self) -> float:
        return 100.0 * (1.0 - self.cost_after / self.cost_before) if self.cost_before else 0.0

    @property
    def saving_ms(self) -> float:
        """Estimated execution time saved over the statistics period: calls x mean x drop."""
        return self.calls * self.mean_ms * self.drop_pct / 100.0


@dataclass
class Advice:
    candidate: Candidate
    proofs: list[Proof] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)

    @property
    def saving_ms(self) -> float:
        return sum(p.saving_ms for p in self.proofs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.candidate.table, "columns": list(self.candidate.columns),
            "create": self.candidate.statement(),
            "size_bytes": max((p.size_bytes for p in self.proofs), default=0),
            "saving_ms": round(self.saving_ms, 3), "endpoints": self.endpoints,
            "statements": [{"query": p.query, "queryid": p.queryid, "calls": p.calls,
                            "mean_ms": round(p.mean_ms, 3),
                            "cost_before": round(p.cost_before, 2),
                            "cost_after": round(p.cost_after, 2),
                            "drop_pct": round(p.drop_pct, 1)} for p in self.proofs],
        }


def table_columns(conn: psycopg.Connection[dict[str, Any]], table: str) -> set[str]:
    rows = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
        "AND NOT attisdropped", (quote_ident(table),)).fetchall()
    return {r["attname"] for r in rows}


def existing_indexes(conn: psycopg.Connection[dict[str, Any]], table: str) -> list[list[str]]:
    """Column lists of the table's plain (non-partial, non-expression) indexes."""
    rows = conn.execute(
        "SELECT array_agg(a.attname ORDER BY k.ord) AS cols FROM pg_index i "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = to_regclass(%s) AND i.indpred IS NULL "
        "GROUP BY i.indexrelid", (quote_ident(table),)).fetchall()
    return [list(r["cols"]) for r in rows]


def covered(candidate: Candidate, indexes: list[list[str]]) -> bool:
    n = len(candidate.columns)
    return any(tuple(cols[:n]) == candidate.columns for cols in indexes)


def _columns_in(expr: str, columns: set[str], names: set[str]) -> list[str]:
    found: list[str] = []
    for qualifier, name in _IDENT.findall(expr):
        if name in columns and (not qualifier or qualifier in names) and name not in found:
            found.append(name)
    return found


def candidates(plan: dict[str, Any], large: dict[str, float],
               columns_of: dict[str, set[str]], max_per_statement: int = 12) -> list[Candidate]:
    """Single columns and ordered pairs worth trying, from sequential scans of large tables."""
    found: list[Candidate] = []

    def walk(node: dict[str, Any], sort_keys: list[str], join_exprs: list[str]) -> None:
        if node.get("Node Type") in ("Sort", "Incremental Sort"):
            sort_keys = sort_keys + [str(k) for k in node.get("Sort Key", []) or []]
        for key in _JOIN_KEYS:
            if node.get(key):
                join_exprs = [*join_exprs, str(node[key])]
        rel = str(node.get("Relation Name", ""))
        if node.get("Node Type") == "Seq Scan" and rel in large:
            cols = columns_of.get(rel, set())
            names = {rel, str(node.get("Alias", rel))}
            where = _columns_in(str(node.get("Filter", "")), cols, names)
            joins = [c for e in join_exprs for c in _columns_in(e, cols, names)]
            sorts = [c for k in sort_keys for c in _columns_in(k.split(" ")[0], cols, names)]
            leading = list(dict.fromkeys(where + joins))
            for col in leading:
                found.append(Candidate(rel, (col,)))
            for a, b in permutations(list(dict.fromkeys(leading + sorts)), 2):
                if a in leading:
                    found.append(Candidate(rel, (a, b)))
        for child in node.get("Plans", []) or []:
            walk(child, sort_keys, join_exprs)

    walk(plan, [], [])
    unique: dict[tuple[str, tuple[str, ...]], Candidate] = {}
    for c in found:
        unique.setdefault((c.table, c.columns), c)
    return list(unique.values())[:max_per_statement]


def prove(conn: psycopg.Connection[dict[str, Any]], query: str, plan: dict[str, Any],
          options: list[Candidate]) -> list[tuple[Candidate, float, int]]:
    """(candidate, cost with it, estimated size) for each candidate the planner would use."""
    results = []
    for cand in options:
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
            used = any(f"<{oid}>" in str(n.get("Index Name", "")) for n in nodes(new_plan))
            if used:
                size_row = conn.execute("SELECT hypopg_relation_size(%s) AS size",
                                        (oid,)).fetchone()
                size = int(size_row["size"]) if size_row else 0
                results.append((cand, total_cost(new_plan), size))
        finally:
            conn.execute("SELECT hypopg_reset()")
    return results


def best(before: float, proven: list[tuple[Candidate, float, int]],
         min_drop_pct: float) -> tuple[Candidate, float, int] | None:
    """The cheapest plan among candidates that cut the cost by ``min_drop_pct`` or more; among
    near-equal costs (within 5 %) the narrower index."""
    good = [p for p in proven if before > 0 and 100.0 * (1 - p[1] / before) >= min_drop_pct]
    if not good:
        return None
    cheapest = min(p[1] for p in good)
    near = [p for p in good if p[1] <= cheapest * 1.05 + 0.01]
    return min(near, key=lambda p: (len(p[0].columns), p[1]))
