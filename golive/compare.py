"""Compare two runs: per check the status change, per metric (and scope) the judged change.

One rule, one place: a check's own ``compare(before, after)`` judges the rows it knows best
(the load area's per-endpoint bootstrap); every other metric gets the generic rule here, with
the direction the check declared (``Check.better``, kept in each stored result). A metric
whose direction nobody declared is shown and "not judged", never guessed from its name.

Verdicts: ``improvement``, ``regression``, ``same``, ``too few samples``, ``not judged``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from golive.results import STATUS_ORDER, Result, Status

if TYPE_CHECKING:
    from golive.checks import Check
    from golive.store import RunRecord

IMPROVEMENT, REGRESSION, SAME = "improvement", "regression", "same"
TOO_FEW, NOT_JUDGED = "too few samples", "not judged"
VERDICTS = (IMPROVEMENT, REGRESSION, SAME, TOO_FEW, NOT_JUDGED)
#: latencies move a little between any two runs: a change counts beyond max(5 %, 2 ms)
LATENCY_REL, LATENCY_ABS_MS = 0.05, 2.0


@dataclass(frozen=True)
class Change:
    check: str
    scope: str  # "overall", or an endpoint / page
    metric: str
    before: float | None
    after: float | None
    verdict: str
    note: str = ""

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def change_pct(self) -> float | None:
        change = self.change
        if change is None or not self.before:
            return None
        return 100.0 * change / abs(self.before)

    def to_dict(self) -> dict[str, Any]:
        pct = self.change_pct
        return {"check": self.check, "scope": self.scope, "metric": self.metric,
                "before": self.before, "after": self.after,
                "change": None if self.change is None else round(self.change, 6),
                "change_pct": None if pct is None else round(pct, 2),
                "verdict": self.verdict, "note": self.note}


def judge(metric: str, before: float | None, after: float | None, better: str | None) -> str:
    """The generic rule for one figure of two runs."""
    if before is None or after is None:
        return NOT_JUDGED
    if before == after:
        return SAME
    if better not in ("lower", "higher"):
        return NOT_JUDGED
    change = after - before
    tolerance = (max(LATENCY_REL * abs(before), LATENCY_ABS_MS) if metric.endswith("_ms")
                 else 1e-9 * max(abs(before), 1.0))
    if abs(change) <= tolerance:
        return SAME
    return IMPROVEMENT if (change < 0) == (better == "lower") else REGRESSION


@dataclass(frozen=True)
class StatusChange:
    check: str
    before: Status | None
    after: Status | None

    @property
    def verdict(self) -> str:
        if self.before == self.after:
            return SAME
        if self.before is None or self.after is None:
            return NOT_JUDGED
        return IMPROVEMENT if STATUS_ORDER[self.after] > STATUS_ORDER[self.before] else REGRESSION


@dataclass
class Comparison:
    before: RunRecord
    after: RunRecord
    statuses: list[StatusChange] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def improved(self) -> list[StatusChange]:
        return [s for s in self.statuses if s.verdict == IMPROVEMENT]

    @property
    def regressed(self) -> list[StatusChange]:
        return [s for s in self.statuses if s.verdict == REGRESSION]

    def of(self, check: str) -> list[Change]:
        return [c for c in self.changes if c.check == check]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "golive.compare/2",
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "checks": [{"check": s.check, "before": s.before and str(s.before),
                        "after": s.after and str(s.after), "verdict": s.verdict}
                       for s in self.statuses],
            "changes": [c.to_dict() for c in self.changes],
        }


def _directions(cls: type[Check] | None, *results: Result | None) -> dict[str, str]:
    out: dict[str, str] = dict(cls.better) if cls is not None else {}
    for r in results:
        if r is not None:
            out.update(r.better)
    return out


def compare_results(check: str, ra: Result | None, rb: Result | None,
                    cls: type[Check] | None = None) -> list[Change]:
    """The changes of one check between two runs: the check's own rows first, then the
    generic rule for every other figure (overall and per scope)."""
    rows: list[Change] = []
    if cls is not None and ra is not None and rb is not None:
        rows = list(cls.compare(ra, rb))
    covered = {(c.scope, c.metric) for c in rows}
    better = _directions(cls, ra, rb)
    figures: dict[str, tuple[Mapping[str, float], Mapping[str, float]]] = {
        "overall": (ra.metrics if ra else {}, rb.metrics if rb else {})}
    for scope in dict.fromkeys([*(ra.scoped if ra else {}), *(rb.scoped if rb else {})]):
        figures[scope] = ((ra.scoped.get(scope, {}) if ra else {}),
                          (rb.scoped.get(scope, {}) if rb else {}))
    for scope, (fa, fb) in figures.items():
        for name in dict.fromkeys([*fa, *fb]):
            if (scope, name) in covered:
                continue
            before, after = fa.get(name), fb.get(name)
            rows.append(Change(check, scope, name, before, after,
                               judge(name, before, after, better.get(name))))
    return rows


def compare_runs(before: RunRecord, after: RunRecord,
                 registry: Mapping[str, type[Check]] | None = None) -> Comparison:
    if registry is None:
        from golive.plugins import all_checks

        registry = all_checks()
    a = {r.check: r for r in before.results}
    b = {r.check: r for r in after.results}
    comparison = Comparison(before, after)
    for check in dict.fromkeys([*a, *b]):
        ra, rb = a.get(check), b.get(check)
        comparison.statuses.append(StatusChange(check, ra.status if ra else None,
                                                rb.status if rb else None))
        comparison.changes += compare_results(check, ra, rb, registry.get(check))
    return comparison
