"""The check interface.

A check has a stable id ``area.name``, a title, typed options and one ``run(ctx)`` that returns
a :class:`~golive.results.Measurement`. It measures and keeps evidence; it never decides pass or
fail: its default thresholds (``slo``) and ``golive.verdict`` do. Checks are registered through
the ``golive_checks`` plugin hook (see :mod:`golive.hookspecs`), the built-in ones too.

What belongs to one check lives on its class: which way each metric is better (``better``),
the report blocks it draws from a stored result (``views``), comparison rows beyond the generic
metric diff (``compare``), the checks it reads facts from (``requires``) and how much it may
disturb the target (``safety``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict

from golive.results import Measurement

if TYPE_CHECKING:
    from golive.auth import Authenticator
    from golive.blocks import Block
    from golive.compare import Change
    from golive.config import Config
    from golive.results import Result
    from golive.site import Site
    from golive.store import RunRecord
    from golive.verdict import SLO

F = TypeVar("F")

#: how much a check may disturb the target: ``read`` only reads, ``writes`` changes data the
#: way a user would (orders, sign-ups), ``destructive`` kills processes or switches traffic
#: and runs only with ``--allow-destructive`` on a target the config names as a drill target
Safety = Literal["read", "writes", "destructive"]
Better = Literal["lower", "higher"]


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Check:
    """Base class of every check. Subclasses set the class attributes and ``run``."""

    id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: one-line fix shown beside a failure
    fix: ClassVar[str] = ""
    #: default thresholds (overridable in ``[checks."id"] slo``)
    slo: ClassVar[tuple[str, ...]] = ()
    #: "blocking" fails the run; "warn" only warns
    severity: ClassVar[str] = "blocking"
    #: profiles the check runs in (empty: only when named, e.g. a drill)
    profiles: ClassVar[frozenset[str]] = frozenset({"quick", "full"})
    #: checks whose facts this one reads; they run first when both are selected
    requires: ClassVar[tuple[str, ...]] = ()
    #: True for a check that puts the target under load: every check that does not require
    #: it (directly or through another) runs before it, on a quiet target
    loads: ClassVar[bool] = False
    #: False for checks that work without an HTTP target (e.g. the backup drill)
    needs_target: ClassVar[bool] = True
    safety: ClassVar[Safety] = "read"
    #: which way each metric is better; a metric not named here is shown, never judged
    better: ClassVar[Mapping[str, Better]] = {}
    #: the figures a dashboard charts over runs (none declared: its thresholds' metrics)
    trends: ClassVar[tuple[str, ...]] = ()
    Options: ClassVar[type[BaseModel]] = NoOptions

    def __init__(self, options: BaseModel | None = None) -> None:
        self.options = options if options is not None else self.Options()

    @classmethod
    def area(cls) -> str:
        return cls.id.split(".", 1)[0]

    def run(self, ctx: CheckContext) -> Measurement:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def acts_on(cls, target: str, config: Config) -> str:
        """What the check's stored runs name as their target (a drill of the database names
        the database): a plan item mapped to a check that runs on its own (a drill) takes the
        latest result of the same project whose target is this."""
        return target

    @classmethod
    def views(cls, result: Result) -> list[Block]:
        """Report blocks (tables, time series, notes) drawn from a stored result. Every
        renderer (terminal, JSON, HTML, server) shows them; the default is none."""
        return []

    @classmethod
    def compare(cls, before: Result, after: Result) -> list[Change]:
        """Comparison rows beyond the generic per-metric diff (e.g. load figures per
        endpoint). A metric a row names at scope ``overall`` is not diffed again."""
        return []


@dataclass(frozen=True)
class CheckContext:
    """What a check gets to work with: the target, an HTTP client, shared discovery."""

    target: str
    config: Config
    client: httpx.Client
    site: Site
    profile: str = "quick"
    progress: Callable[[str], None] = field(default=lambda _msg: None)
    #: the thresholds the verdict will apply (a check may say which figures it cannot trust)
    slos: tuple[SLO, ...] = ()
    #: results of the checks that already ran in this audit, by check id
    results: Mapping[str, Result] = field(default_factory=dict)
    #: typed facts earlier checks handed on (see :meth:`fact`), by type
    facts: Mapping[type, object] = field(default_factory=dict)
    #: the run to compare with (``--baseline``), if any
    baseline: RunRecord | None = None
    #: check ids the audit's plan maps an item to (a check may be stricter when asked for)
    required: frozenset[str] = frozenset()
    #: what one check measured for others of the audit (e.g. the frontend area's one browser
    #: pass), keyed by a name its area chooses
    shared: dict[str, Any] = field(default_factory=dict)
    #: build an HTTP client that passes golive's safety check on every request
    http: Callable[..., httpx.Client] = field(default=httpx.Client)
    #: the ``[auth]`` login (None without one): ``ctx.client`` already sends its token; a
    #: check that talks through another channel (a browser, Locust) asks it for a session
    auth: Authenticator | None = None

    def fact(self, kind: type[F]) -> F | None:
        """The fact of this type an earlier check of the audit handed on, or None."""
        found = self.facts.get(kind)
        return found if isinstance(found, kind) else None


def lower(*metrics: str) -> dict[str, Better]:
    """``better`` entries for metrics where less is better: ``better = lower("p95_ms")``."""
    return dict.fromkeys(metrics, "lower")


def higher(*metrics: str) -> dict[str, Better]:
    """``better`` entries for metrics where more is better."""
    return dict.fromkeys(metrics, "higher")
