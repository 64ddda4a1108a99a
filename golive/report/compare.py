"""Compare two runs: per check, the status change; per metric, before, after and change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from golive.results import STATUS_ORDER, Status
from golive.store import RunRecord

_LOWER_IS_BETTER = ("_ms", "_bytes", "bytes", "missing_headers", "leaks", "responses_5xx",
                    "generator_cpu_pct", "regressions",
                    "items_max", "error_rate_pct", "errors")
_HIGHER_IS_BETTER = ("_pct", "_score", "score", "rps", "hsts_max_age_s", "redirects_to_https")


def lower_is_better(metric: str) -> bool | None:
    """Which way is better for a metric, from its name; None when the name does not say."""
    if metric == "error_rate_pct" or any(metric.endswith(s) for s in _LOWER_IS_BETTER):
        return True
    if any(metric.endswith(s) for s in _HIGHER_IS_BETTER):
        return False
    return None


@dataclass
class MetricChange:
    check: str
    metric: str
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def change_pct(self) -> float | None:
        if self.change is None or not self.before:
            return None
        return 100.0 * self.change / abs(self.before)

    @property
    def direction(self) -> str:
        """'better', 'worse', 'same' or '' when unknown."""
        if self.change is None:
            return ""
        if self.change == 0 or self._within_noise():
            return "same"
        lower = lower_is_better(self.metric)
        if lower is None:
            return ""
        return "better" if (self.change < 0) == lower else "worse"

    def _within_noise(self) -> bool:
        """Latencies move by small amounts between any two runs: call a change only when it
        exceeds max(5 %, 2 ms), the rule golive uses for load-test regressions."""
        if not self.metric.endswith("_ms") or self.before is None or self.change is None:
            return False
        return abs(self.change) <= max(0.05 * abs(self.before), 2.0)

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "metric": self.metric, "before": self.before,
                "after": self.after, "change": self.change, "change_pct": self.change_pct,
                "direction": self.direction}


@dataclass
class StatusChange:
    check: str
    before: Status | None
    after: Status | None

    @property
    def direction(self) -> str:
        if self.before == self.after or self.before is None or self.after is None:
            return "same" if self.before == self.after else ""
        return "better" if STATUS_ORDER[self.after] > STATUS_ORDER[self.before] else "worse"


@dataclass
class Comparison:
    before: RunRecord
    after: RunRecord
    statuses: list[StatusChange] = field(default_factory=list)
    metrics: list[MetricChange] = field(default_factory=list)
    #: load figures per endpoint with the noise-aware verdict (when both runs measured load)
    load: list[dict[str, Any]] = field(default_factory=list)

    @property
    def improved(self) -> list[StatusChange]:
        return [s for s in self.statuses if s.direction == "better"]

    @property
    def regressed(self) -> list[StatusChange]:
        return [s for s in self.statuses if s.direction == "worse"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "golive.compare/1",
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "checks": [{"check": s.check, "before": s.before and str(s.before),
                        "after": s.after and str(s.after), "direction": s.direction}
                       for s in self.statuses],
            "metrics": [m.to_dict() for m in self.metrics],
            "load": self.load,
        }


def compare_runs(before: RunRecord, after: RunRecord) -> Comparison:
    a = {r.check: r for r in before.results}
    b = {r.check: r for r in after.results}
    comparison = Comparison(before, after)
    for check in list(dict.fromkeys([*a, *b])):
        ra, rb = a.get(check), b.get(check)
        comparison.statuses.append(StatusChange(check, ra.status if ra else None,
                                                rb.status if rb else None))
        names = list(dict.fromkeys([*(ra.metrics if ra else {}), *(rb.metrics if rb else {})]))
        for name in names:
            comparison.metrics.append(MetricChange(
                check, name, ra.metrics.get(name) if ra else None,
                rb.metrics.get(name) if rb else None))
    la, lb = a.get("load.latency"), b.get("load.latency")
    if la is not None and lb is not None and "histograms" in la.evidence \
            and "histograms" in lb.evidence:
        from golive.checks.load.regression import compare_load

        comparison.load = compare_load(la.evidence, lb.evidence)
    return comparison
