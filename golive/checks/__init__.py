"""The check interface.

A check has a stable id ``area.name``, a title, typed options and one ``run(ctx)`` that returns
a :class:`~golive.results.Measurement`. It measures and keeps evidence; it never decides pass or
fail: its default thresholds (``slo``) and ``golive.verdict`` do. Checks are registered through
the ``golive_checks`` plugin hook (see :mod:`golive.plugins`), the built-in ones too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict

from golive.results import Measurement

if TYPE_CHECKING:
    from golive.config import Config
    from golive.results import Result
    from golive.site import Site
    from golive.store import RunRecord
    from golive.verdict import SLO


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
    #: profiles the check runs in
    profiles: ClassVar[frozenset[str]] = frozenset({"quick", "full"})
    #: when it runs in an audit: 0 needs a quiet target (before any load), 1 is the load,
    #: 2 reads what the load left (its evidence, the database's statistics)
    stage: ClassVar[int] = 0
    #: False for checks that work without an HTTP target (e.g. the backup drill)
    needs_target: ClassVar[bool] = True
    Options: ClassVar[type[BaseModel]] = NoOptions

    def __init__(self, options: BaseModel | None = None) -> None:
        self.options = options if options is not None else self.Options()

    @classmethod
    def area(cls) -> str:
        return cls.id.split(".", 1)[0]

    def run(self, ctx: CheckContext) -> Measurement:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass
class CheckContext:
    """What a check gets to work with: the target, an HTTP client, shared discovery."""

    target: str
    config: Config
    client: httpx.Client
    site: Site
    profile: str = "quick"
    progress: Callable[[str], None] = field(default=lambda _msg: None)
    #: the thresholds the verdict will apply (a check may say which figures it cannot trust)
    slos: list[SLO] = field(default_factory=list)
    #: results of the checks that already ran in this audit, by check id
    results: dict[str, Result] = field(default_factory=dict)
    #: the run to compare with (``--baseline``), if any
    baseline: RunRecord | None = None
    #: check ids the audit's plan maps an item to (a check may be stricter when asked for)
    required: frozenset[str] = frozenset()
    #: what one check measured for others of the audit (e.g. the frontend area's one browser
    #: pass), keyed by a name its area chooses
    shared: dict[str, Any] = field(default_factory=dict)
