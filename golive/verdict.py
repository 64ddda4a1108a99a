"""Thresholds and decisions: SLO expressions, a check's status, the run's gate.

SLO expressions follow k6's threshold style::

    p(95) < 500ms        error_rate < 1%        score >= 85        latency_ms <= 0.2s

The left side names a metric. ``p(N)`` means ``pN_ms``, ``avg`` ``mean_ms``, ``med`` ``p50_ms``,
``error_rate`` ``error_rate_pct``; any other name is looked up as written, then with the unit
suffix its value implies (``latency < 200ms`` finds ``latency_ms``). The value is converted to
the metric's unit, taken from its suffix (``_ms``, ``_s``, ``_pct``, ``_bytes``).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum

from golive.exceptions import SLOError
from golive.results import (
    SEVERITY_RANK,
    Measurement,
    Result,
    Severity,
    SLOOutcome,
    Status,
    format_number,
)


class ExitStatus(IntEnum):
    READY = 0
    NOT_READY = 1
    ERROR = 2  # usage or configuration mistake
    INCOMPLETE = 3  # errors or inconclusive results (with --strict), or nothing decided
    INTERNAL = 4  # golive itself (or a plugin) failed; the run is stored with status 'error'
    INTERRUPTED = 130


_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}

_SLO_RE = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][\w.]*(?:\(\s*\d+(?:\.\d+)?\s*\))?)\s*"
    r"(?P<op><=|>=|==|!=|<|>|≤|≥)\s*"
    r"(?P<value>-?\d+(?:\.\d+)?)\s*(?P<unit>[A-Za-z%]*)\s*$"
)

# factor to convert a value in the key unit into the metric's base unit
_UNITS: dict[str, dict[str, float]] = {
    "ms": {"": 1.0, "us": 0.001, "µs": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0},
    "s": {"": 1.0, "ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0},
    "pct": {"%": 1.0, "": 1.0},
    "bytes": {
        "": 1.0, "b": 1.0, "kb": 1e3, "mb": 1e6, "gb": 1e9,
        "kib": 1024.0, "mib": 1024.0**2, "gib": 1024.0**3,
    },
}
_SUFFIX_FOR_UNIT = {"ms": "_ms", "us": "_ms", "s": "_ms", "m": "_ms", "%": "_pct",
                    "b": "_bytes", "kb": "_bytes", "mb": "_bytes", "gb": "_bytes",
                    "kib": "_bytes", "mib": "_bytes", "gib": "_bytes"}
_ALIASES = {"avg": "mean_ms", "med": "p50_ms", "max": "max_ms", "min": "min_ms",
            "error_rate": "error_rate_pct", "rate": "rps"}


@dataclass(frozen=True)
class SLO:
    """A parsed threshold such as ``p(95) < 500ms``."""

    expression: str
    metric: str  # canonical name as written (aliases resolved)
    op: str
    value: float
    unit: str
    blocking: bool = True

    @classmethod
    def parse(cls, text: str, *, blocking: bool = True) -> SLO:
        match = _SLO_RE.match(text)
        if not match:
            raise SLOError(
                f"cannot read the threshold {text!r}: write it as 'METRIC OP VALUE[UNIT]', "
                "for example 'p(95) < 500ms', 'error_rate < 1%' or 'score >= 85'"
            )
        metric = match["metric"].replace(" ", "")
        pmatch = re.fullmatch(r"p\((\d+(?:\.\d+)?)\)", metric)
        if pmatch:
            metric = "p" + pmatch[1].replace(".", "") + "_ms"
        metric = _ALIASES.get(metric, metric)
        op = {"≤": "<=", "≥": ">="}.get(match["op"], match["op"])
        slo = cls(text.strip(), metric, op, float(match["value"]), match["unit"], blocking)
        if metric_unit(metric) is not None:
            slo.threshold_in(metric)  # a unit that cannot fit is an error now, not mid-run
        return slo

    def candidates(self) -> list[str]:
        """Metric names this SLO may refer to, most specific first."""
        names = [self.metric]
        suffix = _SUFFIX_FOR_UNIT.get(self.unit.lower())
        if suffix and not self.metric.endswith(suffix):
            names.append(self.metric + suffix)
        return names

    def threshold_in(self, metric: str) -> float:
        """The threshold converted to the unit of ``metric`` (by its suffix)."""
        base = metric_unit(metric)
        unit = self.unit.lower() if base == "bytes" else self.unit
        if base is None:
            if self.unit and self.unit != "%":
                raise SLOError(
                    f"threshold {self.expression!r}: metric {metric!r} has no unit, "
                    f"so the value cannot carry '{self.unit}'"
                )
            return self.value
        table = _UNITS[base]
        if unit not in table:
            raise SLOError(
                f"threshold {self.expression!r}: unit '{self.unit}' does not fit metric "
                f"{metric!r} (use one of: {', '.join(u or 'no unit' for u in table)})"
            )
        return self.value * table[unit]

    def evaluate(self, metrics: Mapping[str, float]) -> SLOOutcome:
        for name in self.candidates():
            if name in metrics:
                actual = float(metrics[name])
                ok = _OPS[self.op](actual, self.threshold_in(name))
                return SLOOutcome(self.expression, name, actual, ok, self.blocking)
        return SLOOutcome(self.expression, self.candidates()[-1], None, None, self.blocking)


def metric_unit(metric: str) -> str | None:
    """The unit a metric name carries by its suffix (``p95_ms``: ms), or None."""
    for suffix, unit in (("_ms", "ms"), ("_s", "s"), ("_pct", "pct"), ("_bytes", "bytes")):
        if metric.endswith(suffix):
            return unit
    if metric == "bytes":
        return "bytes"
    return None


def parse_slos(texts: Iterable[str], *, blocking: bool = True) -> list[SLO]:
    return [SLO.parse(t, blocking=blocking) for t in texts]


def decide(
    *,
    check: str,
    area: str,
    title: str,
    measurement: Measurement,
    slos: list[SLO],
    blocking: bool = True,
    fix: str = "",
    duration_s: float = 0.0,
    better: Mapping[str, str] | None = None,
) -> Result:
    """Turn a measurement into a result.

    Order of precedence: skipped, inconclusive, then thresholds and findings. A failed blocking
    threshold or a high/critical finding fails a blocking check; anything milder warns. A check
    whose severity is ``warn`` never fails: it warns instead.
    """
    result = Result(
        check=check, area=area, title=title, status=Status.PASS, summary=measurement.summary,
        severity="blocking" if blocking else "warn", metrics=dict(measurement.metrics),
        findings=list(measurement.findings), evidence=dict(measurement.evidence), fix=fix,
        duration_s=duration_s, artifacts=list(measurement.artifacts),
        scoped={k: dict(v) for k, v in measurement.scoped.items()},
        better={k: v for k, v in (better or {}).items()
                if k in measurement.metrics or any(k in s for s in measurement.scoped.values())},
    )
    if measurement.skipped is not None:
        result.status = Status.SKIPPED
        result.reason = measurement.skipped + (
            f" (to enable: {measurement.enable})" if measurement.enable else ""
        )
        return result
    outcomes = [slo.evaluate(measurement.metrics) for slo in slos]
    result.thresholds = outcomes
    if measurement.inconclusive is not None:
        result.status = Status.INCONCLUSIVE
        result.reason = measurement.inconclusive
        return result
    missing = [o for o in outcomes if o.ok is None]
    worst = max((SEVERITY_RANK[f.severity] for f in measurement.findings), default=-1)
    failed = [o for o in outcomes if o.ok is False]
    hard = [o for o in failed if o.blocking] or worst >= SEVERITY_RANK[Severity.HIGH]
    soft = failed or worst >= SEVERITY_RANK[Severity.LOW]
    reasons = [f"{o.metric}={format_number(o.actual or 0)} breaks {o.expression}" for o in failed]
    if measurement.findings:
        reasons.append(f"{len(measurement.findings)} finding(s)")
    if hard:
        result.status = Status.FAIL if blocking else Status.WARN
    elif missing:
        result.status = Status.INCONCLUSIVE
        reasons.insert(0, "not measured: " + ", ".join(o.metric for o in missing))
    elif soft:
        result.status = Status.WARN
    result.reason = "; ".join(reasons)
    return result


@dataclass(frozen=True)
class Gate:
    """The run's overall verdict and the exit code it maps to."""

    verdict: str  # "ready" | "not-ready" | "incomplete"
    exit_status: ExitStatus
    reason: str


def gate(results: Iterable[Result], *, strict: bool = False) -> Gate:
    """Decide the run.

    - any ``fail`` -> not-ready, exit 1;
    - nothing decided at all (no pass, warn or fail: every check errored or was skipped) ->
      incomplete, exit 3, with or without ``--strict``;
    - ``error`` or ``inconclusive`` results -> with ``--strict`` incomplete (exit 3), without it
      ready with the gap named in the reason;
    - otherwise ready, exit 0.
    """
    results = list(results)
    counts = {s: sum(1 for r in results if r.status is s) for s in Status}
    if counts[Status.FAIL]:
        failed = ", ".join(r.check for r in results if r.status is Status.FAIL)
        return Gate("not-ready", ExitStatus.NOT_READY, f"failed: {failed}")
    decided = counts[Status.PASS] + counts[Status.WARN]
    gaps = counts[Status.ERROR] + counts[Status.INCONCLUSIVE]
    if not decided:
        return Gate("incomplete", ExitStatus.INCOMPLETE, "no check could decide anything")
    if gaps:
        undecided = ", ".join(
            r.check for r in results if r.status in (Status.ERROR, Status.INCONCLUSIVE)
        )
        if strict:
            return Gate("incomplete", ExitStatus.INCOMPLETE, f"undecided (--strict): {undecided}")
        return Gate("ready", ExitStatus.READY, f"ready, but undecided: {undecided}")
    return Gate("ready", ExitStatus.READY, "every decided check passed")
