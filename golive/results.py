"""The data every layer passes on: statuses, findings, measurements and results.

Checks produce a :class:`Measurement` (metrics, findings, evidence). ``golive.verdict`` turns
it into a :class:`Result` with a status. Results are what the store keeps and reports render.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    INCONCLUSIVE = "inconclusive"
    SKIPPED = "skipped"
    ERROR = "error"
    MANUAL = "manual"


#: Order used to put the most urgent results first.
STATUS_ORDER = {
    Status.FAIL: 0,
    Status.ERROR: 1,
    Status.INCONCLUSIVE: 2,
    Status.WARN: 3,
    Status.MANUAL: 4,
    Status.SKIPPED: 5,
    Status.PASS: 6,
}


class Severity(StrEnum):
    """How bad a finding is. ``high`` and ``critical`` findings fail a blocking check."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


@dataclass(frozen=True)
class Finding:
    """One concrete problem, where it is, and how to fix it."""

    title: str
    severity: Severity
    location: str = ""
    detail: str = ""
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "title": self.title,
            "severity": str(self.severity),
            "location": self.location,
            "detail": self.detail,
            "fix": self.fix,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            title=data["title"],
            severity=Severity(data["severity"]),
            location=data.get("location", ""),
            detail=data.get("detail", ""),
            fix=data.get("fix", ""),
        )


@dataclass(frozen=True)
class Artifact:
    """A file a check keeps beside its evidence (e.g. a whole Lighthouse report). The store
    keeps the bytes; results read back from it carry the name and size only."""

    name: str  # unique within its check's result, e.g. "lighthouse-home.html"
    media_type: str
    data: bytes = field(default=b"", repr=False)
    size: int = -1

    @property
    def bytes(self) -> int:
        return self.size if self.size >= 0 else len(self.data)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "media_type": self.media_type, "bytes": self.bytes}


@dataclass
class Measurement:
    """What a check saw. It never says pass or fail; ``golive.verdict`` does.

    A check that could not measure says why: ``skipped`` (with how to enable it) when a
    precondition is missing, ``inconclusive`` when it measured but the figures cannot be trusted.
    """

    metrics: dict[str, float] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    skipped: str | None = None
    enable: str | None = None
    inconclusive: str | None = None
    artifacts: list[Artifact] = field(default_factory=list)
    #: figures per scope (an endpoint, a page): ``{"GET /api/products": {"p95_ms": 12.0}}``
    scoped: dict[str, dict[str, float]] = field(default_factory=dict)
    #: typed facts for the checks that declare ``requires`` on this one (not stored)
    facts: list[object] = field(default_factory=list)

    @classmethod
    def skip(cls, reason: str, enable: str | None = None) -> Measurement:
        return cls(skipped=reason, enable=enable, summary=reason)


@dataclass(frozen=True)
class SLOOutcome:
    """One threshold evaluated against one measured figure."""

    expression: str
    metric: str
    actual: float | None
    ok: bool | None  # None: the metric was not measured
    blocking: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Result:
    """A check's measurement with its verdict: what the store keeps and reports show."""

    check: str
    area: str
    title: str
    status: Status
    summary: str = ""
    severity: str = "blocking"
    metrics: dict[str, float] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    thresholds: list[SLOOutcome] = field(default_factory=list)
    reason: str = ""
    fix: str = ""
    duration_s: float = 0.0
    artifacts: list[Artifact] = field(default_factory=list)
    #: figures per scope (an endpoint, a page), as the check measured them
    scoped: dict[str, dict[str, float]] = field(default_factory=dict)
    #: which way each metric is better, as the check declared it when it ran (so a stored
    #: run compares right even where the check's plugin is not installed)
    better: dict[str, str] = field(default_factory=dict)

    @property
    def key_figure(self) -> str:
        """The figure a one-line report shows: the first threshold's metric, else the first."""
        for outcome in self.thresholds:
            if outcome.actual is not None:
                return f"{outcome.metric}={format_number(outcome.actual)}"
        for name, value in self.metrics.items():
            return f"{name}={format_number(value)}"
        return ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "area": self.area,
            "title": self.title,
            "status": str(self.status),
            "summary": self.summary,
            "severity": self.severity,
            "metrics": dict(self.metrics),
            "findings": [f.to_dict() for f in self.findings],
            "evidence": self.evidence,
            "thresholds": [t.to_dict() for t in self.thresholds],
            "reason": self.reason,
            "fix": self.fix,
            "duration_s": round(self.duration_s, 3),
            "artifacts": [a.to_dict() for a in self.artifacts],
            "scoped": {k: dict(v) for k, v in self.scoped.items()},
            "better": dict(self.better),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        return cls(
            check=data["check"],
            area=data["area"],
            title=data.get("title", data["check"]),
            status=Status(data["status"]),
            summary=data.get("summary", ""),
            severity=data.get("severity", "blocking"),
            metrics=dict(data.get("metrics") or {}),
            findings=[Finding.from_dict(f) for f in data.get("findings") or []],
            evidence=dict(data.get("evidence") or {}),
            thresholds=[SLOOutcome(**t) for t in data.get("thresholds") or []],
            reason=data.get("reason", ""),
            fix=data.get("fix", ""),
            duration_s=float(data.get("duration_s") or 0.0),
            artifacts=[Artifact(a["name"], a.get("media_type", ""), size=int(a.get("bytes", 0)))
                       for a in data.get("artifacts") or []],
            scoped={str(k): dict(v) for k, v in (data.get("scoped") or {}).items()},
            better=dict(data.get("better") or {}),
        )


def format_number(value: float) -> str:
    """Short human form: integers without decimals, others with at most 3 significant places."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"
