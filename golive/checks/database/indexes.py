"""database.indexes (missing indexes, proven with hypopg) and database.schema (index hygiene)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from golive.checks import Check, CheckContext, lower
from golive.checks.database.advisor import (
    Advice,
    Proof,
    Table,
    Trial,
    best,
    candidates,
    covered,
    near_misses,
    plan_relations,
    table_info,
    table_rows,
    try_candidates,
)
from golive.checks.database.connect import connect, open_or_skip, probe
from golive.checks.database.nplusone import QueryEndpoints, short
from golive.checks.database.plans import generic_plan, is_select, total_cost
from golive.checks.database.schema import hygiene
from golive.checks.database.stats import snapshot
from golive.results import Finding, Measurement, Severity


class IndexOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: statements examined, the most expensive (total time) first
    max_statements: int = Field(25, ge=1)
    #: an index must cut the cost of the scan (and sort) it replaces by this much (Dexter's bar)
    min_drop_pct: float = Field(50.0, gt=0, le=100)
    #: ... and the whole statement's cost by at least this much
    min_statement_drop_pct: float = Field(10.0, ge=0, le=100)
    #: tables under this many rows are small: their advice says so and is projected
    small_table_rows: int = Field(1000, ge=0)
    #: the table size a small table's scan is projected to
    project_rows: int = Field(100_000, ge=1)


def large_tables(conn: Any, plan: dict[str, Any], min_rows: int) -> dict[str, float]:
    """Rows of the user tables the plan reads that have at least ``min_rows`` rows."""
    out = {}
    for rel in plan_relations(plan):
        rows = table_rows(conn, rel)
        if rows is not None and rows >= min_rows:
            out[rel] = rows
    return out


def endpoints_by_query(ctx: CheckContext) -> dict[str, list[str]]:
    """queryid -> endpoints that ran it, from database.n_plus_one in this audit."""
    fact = ctx.fact(QueryEndpoints)
    return dict(fact.by_query) if fact else {}


@dataclass(frozen=True)
class IndexAdvice:
    """Fact: the proven index advice (``Advice.to_dict()`` each), for the backup drill, and
    the (table, column) pairs that recorded statements filter, join or sort on (candidates
    tried, proven or not), for database.schema's foreign-key finding."""

    advice: list[dict[str, Any]]
    tried: frozenset[tuple[str, str]] = frozenset()


def _pct(value: float) -> str:
    return ">99" if value > 99 else f"{value:.0f}"


def _detail(adv: Advice, small_rows: int) -> str:
    top = max(adv.proofs, key=lambda p: p.trial.node_drop_pct)
    t = top.trial
    calls = sum(p.calls for p in adv.proofs)
    if t.projected_rows:
        head = (f"at {t.projected_rows:,.0f} rows the index would cut the cost of the scan "
                f"by {_pct(t.node_drop_pct)} % (planner cost with the index now "
                f"{t.cost_after:,.1f}{', forced' if not t.chosen else ''}; scan now "
                f"{t.replaced:,.1f}, growing with the table)")
    else:
        head = (f"the statement's cost {t.cost_before:,.1f} -> {t.cost_after:,.1f}: "
                f"-{_pct(t.node_drop_pct)} % of the scan it replaces ({t.replaced:,.1f}), "
                f"-{_pct(t.statement_drop_pct)} % of the statement")
    small = (f"; small table ({t.rows:,.0f} rows, under {small_rows:,}): a sequential scan "
             "reads all of it on every call" if adv.small else "")
    return (f"{head}, for {short(top.query, 200)}; {len(adv.proofs)} statement(s), {calls} "
            f"calls, {adv.rows_read:,.0f} rows read by the scans; index "
            f"~{max(p.trial.size_bytes for p in adv.proofs) / 1e6:.1f} MB{small}"
            + (f"; endpoints: {', '.join(adv.endpoints)}" if adv.endpoints else ""))


def _trial_dict(t: Trial) -> dict[str, Any]:
    return {"table": t.candidate.table, "columns": list(t.candidate.columns),
            "drop_pct": round(t.node_drop_pct, 1),
            "statement_drop_pct": round(t.statement_drop_pct, 1),
            "projected_rows": round(t.projected_rows), "planner_chooses_it": t.chosen}


class MissingIndexes(Check):
    id = "database.indexes"
    title = "No missing index (hypothetical indexes proven on the real plans)"
    fix = "Create the advised index with CREATE INDEX CONCURRENTLY, then re-run the audit."
    slo = ("missing_indexes == 0",)
    better = lower("missing_indexes")
    requires = ("database.n_plus_one",)
    needs_target = False
    Options = IndexOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: IndexOptions = self.options  # type: ignore[assignment]
        url, skipped = open_or_skip(ctx)
        if skipped:
            return skipped
        tried: set[tuple[str, str]] = set()
        near: list[dict[str, Any]] = []
        with connect(url) as conn:
            caps = probe(conn)
            if (no_stats := caps.skip_without_statements()) is not None:
                return no_stats
            if not caps.hypopg:
                return Measurement.skip(f"index advice needs hypopg: {caps.hypopg_reason}",
                                        enable=caps.hypopg_enable)
            snap = snapshot(conn, set(ctx.config.database.ignore_roles))
            top = sorted(((k, s) for k, s in snap.stats.items() if is_select(s.query)),
                         key=lambda ks: ks[1].total_ms, reverse=True)[:opts.max_statements]
            advice: dict[tuple[str, tuple[str, ...]], Advice] = {}
            examined: list[dict[str, Any]] = []
            tables: dict[str, Table] = {}
            for (_role, queryid), stat in top:
                plan = generic_plan(conn, stat.query)
                entry: dict[str, Any] = {"query": short(stat.query, 500),
                                         "queryid": str(queryid), "calls": stat.calls,
                                         "total_ms": round(stat.total_ms, 3)}
                examined.append(entry)
                if plan is None:
                    entry["note"] = "no generic plan (parameter types could not be inferred)"
                    continue
                entry["cost"] = round(total_cost(plan), 2)
                for rel in plan_relations(plan) - set(tables):
                    if (info := table_info(conn, rel)) is not None:
                        tables[rel] = info
                seen = {r: tables[r] for r in plan_relations(plan) if r in tables}
                options = [c for c in candidates(plan, seen)
                           if not covered(c, seen[c.table].indexes)]
                tried.update((c.table, c.columns[0]) for c in options)
                entry["candidates"] = [list(c.columns) for c in options]
                trials = try_candidates(conn, stat.query, plan, options, seen,
                                        min_drop_pct=opts.min_drop_pct,
                                        small_table_rows=opts.small_table_rows,
                                        project_rows=opts.project_rows)
                entry["trials"] = [_trial_dict(t) for t in trials]
                winner = best(trials, opts.min_drop_pct, opts.min_statement_drop_pct)
                if winner is None:
                    near += [{**_trial_dict(t), "query": short(stat.query, 200)}
                             for t in near_misses(trials, opts.min_drop_pct)]
                    continue
                cand = winner.candidate
                proof = Proof(winner, stat.query, str(queryid), stat.calls,
                              stat.total_ms / max(stat.calls, 1),
                              small=winner.rows < opts.small_table_rows)
                entry["proven"] = _trial_dict(winner)
                advice.setdefault((cand.table, cand.columns), Advice(cand)).proofs.append(proof)
        by_query = endpoints_by_query(ctx)
        ranked = sorted(advice.values(), key=lambda a: (a.projected, -a.rows_read))
        findings = []
        for adv in ranked:
            adv.endpoints = sorted({e for p in adv.proofs for e in by_query.get(p.queryid, [])})
            findings.append(Finding(
                "Missing index", Severity.MEDIUM if adv.small else Severity.HIGH,
                location=f"{adv.candidate.table} ({', '.join(adv.candidate.columns)})",
                detail=_detail(adv, opts.small_table_rows), fix=adv.candidate.statement()))
        projected = sum(1 for a in ranked if a.projected)
        summary = (f"{len(examined)} statement(s) examined, {len(ranked)} index(es) proven to cut "
                   f"the cost of the scan they replace by >= {opts.min_drop_pct:g} %"
                   + (f" ({projected} on small tables, projected to "
                      f"{opts.project_rows:,} rows)" if projected else ""))
        if near:
            summary += (f"; {len(near)} candidate(s) within 10 points under the bar "
                        "(not advised; see evidence 'near_misses')")
        return Measurement(
            metrics={"missing_indexes": float(len(ranked)),
                     "statements_examined": float(len(examined))},
            findings=findings,
            facts=[IndexAdvice([a.to_dict() for a in ranked], frozenset(tried))],
            evidence={"database": caps.to_dict(), "advice": [a.to_dict() for a in ranked],
                      "examined": examined, "near_misses": near,
                      "min_drop_pct": opts.min_drop_pct,
                      "min_statement_drop_pct": opts.min_statement_drop_pct,
                      "small_table_rows": opts.small_table_rows,
                      "project_rows": opts.project_rows},
            summary=summary)


class SchemaOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: hours of index-usage statistics before "unused" is more than a hint
    min_history_h: float = Field(24.0, ge=0)


class IndexHygiene(Check):
    id = "database.schema"
    title = "Index hygiene: primary keys, indexed foreign keys, no unused or duplicate index"
    fix = "Add primary keys and indexes on foreign keys; drop indexes nothing uses."
    slo = ("fk_without_index == 0", "tables_without_pk == 0")
    better = lower("fk_without_index", "tables_without_pk", "duplicate_indexes", "unused_indexes")
    severity = "warn"
    needs_target = False
    requires = ("database.indexes",)  # its advice, so the two findings agree
    Options = SchemaOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: SchemaOptions = self.options  # type: ignore[assignment]
        url, skipped = open_or_skip(ctx)
        if skipped:
            return skipped
        with connect(url) as conn:
            findings, evidence = hygiene(conn, min_history_h=opts.min_history_h)
        findings = [agree(f, ctx.fact(IndexAdvice)) for f in findings]
        count = {t: sum(1 for f in findings if f.title == t) for t in
                 ("Unused index", "Duplicate index", "Table without a primary key",
                  "Foreign key without an index")}
        return Measurement(
            metrics={"unused_indexes": float(count["Unused index"]),
                     "duplicate_indexes": float(count["Duplicate index"]),
                     "tables_without_pk": float(count["Table without a primary key"]),
                     "fk_without_index": float(count["Foreign key without an index"])},
            findings=findings, evidence=evidence,
            summary=", ".join(f"{n} {t.lower()}" for t, n in count.items()))


def agree(finding: Finding, advice: IndexAdvice | None) -> Finding:
    """A foreign key without an index, told in the advisor's terms: the index it proved, or
    that recorded statements use the column and no index met the bar, or that none does."""
    if finding.title != "Foreign key without an index" or advice is None:
        return finding
    table = finding.location.split(" (")[0].split(".")[-1]
    column = finding.location.split(" (")[-1].rstrip(")").split(", ")[0]
    proven = [a for a in advice.advice if a["table"] == table and a["columns"][0] == column]
    if proven:
        note = f"database.indexes proved the index: {proven[0]['create']}"
    elif (table, column) in advice.tried:
        note = ("recorded statements filter, join or sort on it, but a hypothetical index did "
                "not meet database.indexes' bar on them (see its evidence)")
    else:
        note = "no recorded statement filters or joins on it (deletes of the parent still scan)"
    return replace(finding, detail=f"{finding.detail}; {note}")
