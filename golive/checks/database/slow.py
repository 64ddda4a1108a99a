"""database.slow_queries: the statements that cost most, overall and during the audit's load
window, each with what its plan shows (sequential scans of large tables, sorts spilling to disk,
row estimates off by 10x)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from golive.checks import Check, CheckContext, lower
from golive.checks.database.connect import connect, open_or_skip, probe
from golive.checks.database.indexes import large_tables
from golive.checks.database.nplusone import short
from golive.checks.database.observe import DatabaseActivity
from golive.checks.database.plans import explain_analyze, flags, generic_plan, is_select
from golive.checks.database.stats import snapshot
from golive.results import Finding, Measurement, Severity


class SlowOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: statements listed per ranking (by total time, by mean time, during load)
    top: int = Field(5, ge=1, le=50)
    #: a sequential scan of a table this large is flagged
    large_table_rows: int = Field(10_000, ge=0)
    #: statements called fewer times are left out of the mean-time ranking
    min_calls: int = Field(2, ge=1)


def _entry(queryid: str, query: str, calls: int, total_ms: float) -> dict[str, Any]:
    return {"queryid": queryid, "query": short(query, 1000), "calls": calls,
            "total_ms": round(total_ms, 3), "mean_ms": round(total_ms / max(calls, 1), 3)}


class SlowQueries(Check):
    id = "database.slow_queries"
    title = "Database queries optimised (slowest statements and their plans)"
    fix = ("Start with the statement of largest total time: read its plan, add the index or "
           "rewrite it; see database.indexes for proven index advice.")
    slo = ("slowest_mean_ms < 100",)
    better = lower("slowest_mean_ms", "load_slowest_mean_ms", "top_total_ms")
    requires = ("load.latency",)  # after the load, so its window can be shown
    needs_target = False
    Options = SlowOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: SlowOptions = self.options  # type: ignore[assignment]
        url, skipped = open_or_skip(ctx)
        if skipped:
            return skipped
        activity = ctx.fact(DatabaseActivity)
        window = (activity.report.get("statements") or []) if activity else []
        with connect(url) as conn:
            caps = probe(conn)
            if (no_stats := caps.skip_without_statements()) is not None:
                return no_stats
            snap = snapshot(conn, set(ctx.config.database.ignore_roles))
            stats = [(str(k[1]), s) for k, s in snap.stats.items()]
            by_total = sorted(stats, key=lambda ks: -ks[1].total_ms)[:opts.top]
            by_mean = sorted((ks for ks in stats if ks[1].calls >= opts.min_calls),
                             key=lambda ks: -ks[1].total_ms / ks[1].calls)[:opts.top]
            rankings: dict[str, list[dict[str, Any]]] = {
                "by_total_time": [_entry(q, s.query, s.calls, s.total_ms) for q, s in by_total],
                "by_mean_time": [_entry(q, s.query, s.calls, s.total_ms) for q, s in by_mean],
                "during_load": window[:opts.top]}
            findings: list[Finding] = []
            plans: dict[str, dict[str, Any]] = {}
            queries = {e["queryid"]: e["query"] for r in rankings.values() for e in r}
            full = {q: s.query for q, s in stats}
            for queryid in queries:
                query = full.get(queryid, queries[queryid])
                if not is_select(query):
                    continue
                analyzed = explain_analyze(conn, query)
                plan = analyzed["Plan"] if analyzed else generic_plan(conn, query)
                if plan is None:
                    continue
                big = large_tables(conn, plan, opts.large_table_rows)
                found = flags(plan, big, analyzed=analyzed is not None)
                plans[queryid] = {"kind": "analyzed" if analyzed else "generic",
                                  "flags": [f.detail for f in found]}
                for flag in found:
                    findings.append(Finding(
                        {"seq_scan": "Sequential scan of a large table",
                         "sort_spill": "Sort spilled to disk",
                         "bad_estimate": "Row estimate off by 10x or more"}[flag.kind],
                        Severity.MEDIUM, location=flag.relation or "plan",
                        detail=f"{flag.detail}; statement: {short(query, 200)}",
                        fix=self.fix))
        slowest = max((e["mean_ms"] for e in rankings["by_mean_time"]), default=0.0)
        metrics = {"statements": float(len(stats)), "slowest_mean_ms": float(slowest),
                   "top_total_ms": float(rankings["by_total_time"][0]["total_ms"]
                                         if rankings["by_total_time"] else 0.0)}
        if window:
            metrics["load_slowest_mean_ms"] = max(float(e["mean_ms"]) for e in window)
        return Measurement(
            metrics=metrics, findings=findings,
            evidence={"database": caps.to_dict(), **rankings, "plans": plans,
                      "load_window": bool(window)},
            summary=(f"{len(stats)} statements recorded; slowest mean {slowest:.1f} ms"
                     + (f"; {len(window)} ran during the load" if window else "")))
