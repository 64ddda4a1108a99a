"""load.regression: this run's latency against a baseline run, noise-aware."""

from __future__ import annotations

from golive.checks import Check, CheckContext, higher, lower
from golive.checks.load.regression import compare_load
from golive.results import Finding, Measurement, Severity


class LoadRegression(Check):
    id = "load.regression"
    title = "No regression against the baseline"
    fix = "Find what changed since the baseline on the named endpoints (code, queries, data)."
    slo = ("regressions == 0",)
    better = lower("regressions") | higher("improvements")
    severity = "warn"  # --fail-on-regression makes it blocking
    requires = ("load.latency",)

    def run(self, ctx: CheckContext) -> Measurement:
        current = ctx.results.get("load.latency")
        if ctx.baseline is None:
            return Measurement.skip("no baseline to compare with",
                                    enable="pass --baseline NAME|last|FILE")
        if current is None or "histograms" not in current.evidence:
            return Measurement.skip("load.latency did not measure in this run",
                                    enable="run the load area with the baseline")
        base = next((r for r in ctx.baseline.results if r.check == "load.latency"), None)
        if base is None or "histograms" not in base.evidence:
            return Measurement.skip(f"baseline run {ctx.baseline.id} has no load figures",
                                    enable="save a baseline of a run that included the load area")
        if current.status.value == "inconclusive" or base.status.value == "inconclusive":
            return Measurement(inconclusive="one of the two load runs is inconclusive: "
                               "its figures cannot be compared")
        rows = compare_load(base.evidence, current.evidence)
        regressions = [r for r in rows if r["verdict"] == "regression"]
        findings = [Finding(
            f"{r['metric']} regressed", Severity.HIGH, location=r["endpoint"],
            detail=f"{r['before']:g} -> {r['after']:g} ({r['change']:+g}"
                   + (f", {r['change_pct']:+.0f} %" if r.get("change_pct") is not None else "")
                   + ")", fix=self.fix) for r in regressions]
        return Measurement(
            metrics={"regressions": float(len(regressions)),
                     "improvements": float(sum(r["verdict"] == "improvement" for r in rows))},
            findings=findings, evidence={"baseline_run": ctx.baseline.id, "rows": rows},
            summary=f"{len(regressions)} regression(s) against run {ctx.baseline.id}",
        )
