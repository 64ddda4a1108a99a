"""database.indexes (missing indexes, proven with hypopg) and database.schema (index hygiene)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from golive.checks import Check, CheckContext, lower
from golive.checks.database.advisor import (
    Advice,
    Proof,
    best,
    candidates,
    covered,
    existing_indexes,
    prove,
    table_columns,
)
from golive.checks.database.connect import connect, open_or_skip, probe
from golive.checks.database.nplusone import QueryEndpoints, short
from golive.checks.database.plans import generic_plan, is_select, nodes, total_cost
from golive.checks.database.schema import hygiene
from golive.checks.database.stats import snapshot
from golive.results import Finding, Measurement, Severity


class IndexOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: statements examined, the most expensive (total time) first
    max_statements: int = Field(25, ge=1)
    #: a hypothetical index must cut the plan cost by at least this much (Dexter's bar)
    min_drop_pct: float = Field(50.0, gt=0, le=100)
    #: sequential scans of smaller tables are fine
    min_table_rows: int = Field(1000, ge=0)


def large_tables(conn: Any, plan: dict[str, Any], min_rows: int) -> dict[str, float]:
    rels = {str(n["Relation Name"]) for n in nodes(plan) if n.get("Relation Name")}
    out = {}
    for rel in rels:
        row = conn.execute(
            "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = to_regclass(%s) AND n.nspname NOT IN ('pg_catalog', "
            "'information_schema')", ('"' + rel.replace('"', '""') + '"',)).fetchone()
        if row and float(row["reltuples"]) >= min_rows:
            out[rel] = float(row["reltuples"])
    return out


def endpoints_by_query(ctx: CheckContext) -> dict[str, list[str]]:
    """queryid -> endpoints that ran it, from database.n_plus_one in this audit."""
    fact = ctx.fact(QueryEndpoints)
    return dict(fact.by_query) if fact else {}


@dataclass(frozen=True)
class IndexAdvice:
    """Fact: the proven index advice (``Advice.to_dict()`` each), for the backup drill."""

    advice: list[dict[str, Any]]


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
            for (_role, queryid), stat in top:
                plan = generic_plan(conn, stat.query)
                entry: dict[str, Any] = {"query": short(stat.query, 500),
                                         "queryid": str(queryid), "calls": stat.calls,
                                         "total_ms": round(stat.total_ms, 3)}
                examined.append(entry)
                if plan is None:
                    entry["note"] = "no generic plan (parameter types could not be inferred)"
                    continue
                before = total_cost(plan)
                entry["cost"] = round(before, 2)
                large = large_tables(conn, plan, opts.min_table_rows)
                cols = {t: table_columns(conn, t) for t in large}
                options = [c for c in candidates(plan, large, cols)
                           if not covered(c, existing_indexes(conn, c.table))]
                entry["candidates"] = [list(c.columns) for c in options]
                winner = best(before, prove(conn, stat.query, plan, options), opts.min_drop_pct)
                if winner is None:
                    continue
                cand, after, size = winner
                proof = Proof(cand, stat.query, str(queryid), stat.calls,
                              stat.total_ms / max(stat.calls, 1), before, after, size)
                entry["proven"] = {"columns": list(cand.columns), "cost_after": round(after, 2)}
                advice.setdefault((cand.table, cand.columns), Advice(cand)).proofs.append(proof)
        by_query = endpoints_by_query(ctx)
        ranked = sorted(advice.values(), key=lambda a: a.saving_ms, reverse=True)
        findings = []
        for adv in ranked:
            adv.endpoints = sorted({e for p in adv.proofs for e in by_query.get(p.queryid, [])})
            top_proof = max(adv.proofs, key=lambda p: p.drop_pct)
            findings.append(Finding(
                "Missing index", Severity.HIGH,
                location=f"{adv.candidate.table} ({', '.join(adv.candidate.columns)})",
                detail=(f"plan cost {top_proof.cost_before:,.1f} -> {top_proof.cost_after:,.1f} "
                        f"(-{top_proof.drop_pct:.0f} %) for {short(top_proof.query, 200)}; "
                        f"{len(adv.proofs)} statement(s), {sum(p.calls for p in adv.proofs)} "
                        f"calls, est. {adv.saving_ms:,.1f} ms saved; index "
                        f"~{max(p.size_bytes for p in adv.proofs) / 1e6:.1f} MB"
                        + (f"; endpoints: {', '.join(adv.endpoints)}" if adv.endpoints else "")),
                fix=adv.candidate.statement()))
        return Measurement(
            metrics={"missing_indexes": float(len(ranked)),
                     "statements_examined": float(len(examined))},
            findings=findings, facts=[IndexAdvice([a.to_dict() for a in ranked])],
            evidence={"database": caps.to_dict(), "advice": [a.to_dict() for a in ranked],
                      "examined": examined, "min_drop_pct": opts.min_drop_pct},
            summary=(f"{len(examined)} statement(s) examined, "
                     f"{len(ranked)} index(es) proven to cut plan cost by "
                     f">= {opts.min_drop_pct:g} %"))


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
    Options = SchemaOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: SchemaOptions = self.options  # type: ignore[assignment]
        url, skipped = open_or_skip(ctx)
        if skipped:
            return skipped
        with connect(url) as conn:
            findings, evidence = hygiene(conn, min_history_h=opts.min_history_h)
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
