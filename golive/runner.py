"""Run an audit: select checks, run each one (one failure never stops the run), decide, store.

The run is written to the store when it starts and each result as soon as it is decided, so
Ctrl-C keeps everything that finished; the run is then closed as ``interrupted``.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import ValidationError

from golive import __version__
from golive.checks import Check, CheckContext
from golive.config import Config, describe_validation_error
from golive.exceptions import ConfigError
from golive.plan import ItemOutcome, Plan, evaluate_plan
from golive.plan.mapping import map_item
from golive.plugins import all_checks
from golive.results import Measurement, Result, Status
from golive.safety import check_target
from golive.site import Site, tls_verify
from golive.store import RunRecord, Store
from golive.verdict import SLO, Gate, decide, gate, parse_slos


@dataclass
class Selected:
    """A check instance with its effective settings."""

    check: Check
    slos: list[SLO]
    blocking: bool


def select_checks(config: Config, *, only: Iterable[str] = (), profile: str = "quick",
                  registry: dict[str, type[Check]] | None = None) -> list[Selected]:
    """The checks an audit runs, with options and thresholds validated from the config."""
    registry = registry if registry is not None else all_checks()
    areas = {a.strip() for a in only if a.strip()} or set(config.audit.areas)
    known_areas = {cls.area() for cls in registry.values()}
    unknown = sorted(a for a in areas if a not in known_areas and a not in registry)
    if unknown:
        raise ConfigError(
            f"unknown area or check {', '.join(unknown)}: installed areas are "
            f"{', '.join(sorted(known_areas))}")
    for check_id in config.checks:
        if check_id not in registry:
            raise ConfigError(
                f"{config.source or 'golive.toml'}: [checks.\"{check_id}\"] names no installed "
                f"check (installed: {', '.join(registry)})")
    selected = []
    for check_id, cls in registry.items():
        if areas and cls.area() not in areas and check_id not in areas:
            continue
        named = check_id in areas or cls.area() in areas
        if profile not in cls.profiles and not named:  # naming a check runs it in any profile
            continue
        settings = config.checks.get(check_id)
        if settings is not None and not settings.enabled:
            continue
        try:
            options = cls.Options.model_validate(settings.options if settings else {})
        except ValidationError as err:
            raise ConfigError(
                f"{config.source or 'golive.toml'}: [checks.\"{check_id}\"] "
                f"{describe_validation_error(err).removeprefix('[] ')}") from None
        severity = (settings.severity if settings and settings.severity else cls.severity)
        slo_texts = settings.slo if settings and settings.slo is not None else list(cls.slo)
        slos = parse_slos(slo_texts, blocking=severity == "blocking")
        selected.append(Selected(cls(options), slos, severity == "blocking"))
    return sorted(selected, key=lambda s: s.check.stage)


class Events:
    """Progress callbacks; the CLI draws a progress bar with them. All are optional."""

    def started(self, run_id: int, total: int) -> None: ...
    def check_started(self, check: Check) -> None: ...
    def check_finished(self, result: Result) -> None: ...
    def message(self, text: str) -> None: ...


@dataclass
class AuditOutcome:
    run_id: int
    target: str
    results: list[Result]
    gate: Gate
    interrupted: bool = False
    items: list[ItemOutcome] = field(default_factory=list)
    label: str = ""

    @property
    def criteria(self) -> list[dict[str, Any]]:
        return [o.to_dict() for o in self.items]


def run_check(selected: Selected, ctx: CheckContext) -> Result:
    """Run one check and decide it. Exceptions become ``error`` results (never raised)."""
    check = selected.check
    started = time.perf_counter()
    ctx.slos = selected.slos
    try:
        measurement = check.run(ctx)
    except httpx.TransportError as err:
        return _error(check, selected, f"target unreachable or broken connection: {err!r}",
                      started, {})
    except (KeyboardInterrupt, ConfigError):
        raise
    except Exception as err:  # a bug in the check: keep the traceback as evidence
        return _error(check, selected, f"{type(err).__name__}: {err}", started,
                      {"traceback": traceback.format_exc()})
    return decide(check=check.id, area=check.area(), title=check.title, measurement=measurement,
                  slos=selected.slos, blocking=selected.blocking, fix=check.fix,
                  duration_s=time.perf_counter() - started)


def _error(check: Check, selected: Selected, reason: str, started: float,
           evidence: dict[str, Any]) -> Result:
    result = decide(check=check.id, area=check.area(), title=check.title,
                    measurement=Measurement(evidence=evidence), slos=[],
                    blocking=selected.blocking, fix=check.fix,
                    duration_s=time.perf_counter() - started)
    result.status = Status.ERROR
    result.reason = reason
    result.summary = reason
    return result


def _unreachable(site: Site) -> str:
    """Why the target cannot be reached at all ("" when it answers anything). The home page
    fetched here stays in the site's cache for the checks."""
    try:
        site.get("/")
    except httpx.TransportError as err:
        return f"target unreachable: {type(err).__name__}: {err}"
    return ""


def run_audit(
    *,
    target: str,
    config: Config,
    store: Store,
    only: Iterable[str] = (),
    profile: str | None = None,
    strict: bool | None = None,
    plan: Plan | None = None,
    label: str = "",
    baseline: RunRecord | None = None,
    events: Events | None = None,
) -> AuditOutcome:
    events = events or Events()
    profile = profile or config.audit.profile
    strict = config.audit.strict if strict is None else strict
    selected = select_checks(config, only=only, profile=profile)
    http = any(item.check.needs_target for item in selected)
    if http:
        check_target(target, config.target.allow_targets)
    run_id = store.start_run(target=target, profile=profile, golive_version=__version__,
                             label=label, plan_path=plan.path if plan else None)
    events.started(run_id, len(selected))
    results: list[Result] = []
    interrupted = False
    client = httpx.Client(
        base_url=target if http else "http://127.0.0.1", timeout=config.target.timeout_s,
        headers=config.target.headers,
        verify=tls_verify(config.target.ca_bundle), follow_redirects=False,
    )
    try:
        with client:
            required = frozenset(
                m.check for _, i in (plan.items() if plan else [])
                if (m := map_item(i, config.mapping)).check)
            ctx = CheckContext(target=target, config=config, client=client,
                               site=Site(client, target, config.target), profile=profile,
                               progress=events.message, baseline=baseline, required=required)
            unreachable = _unreachable(ctx.site) if http else ""
            for position, item in enumerate(selected):
                events.check_started(item.check)
                if unreachable:
                    result = _error(item.check, item, unreachable, time.perf_counter(), {})
                else:
                    result = run_check(item, ctx)
                store.add_result(run_id, position, result)
                results.append(result)
                ctx.results[result.check] = result
                events.check_finished(result)
    except KeyboardInterrupt:
        interrupted = True
    items: list[ItemOutcome] = []
    if plan is not None:
        ran = {r.check: r for r in results}
        # drills run on their own ('golive drill backup'): the plan takes their latest outcome
        earlier = {cid: found for cid, cls in all_checks().items()
                   if not cls.profiles and cid not in ran
                   and (found := store.latest_result(cid)) is not None}
        items = evaluate_plan(plan, ran, rules=config.mapping, signoffs=store.signoffs(),
                              installed=all_checks(), earlier=earlier)
    decision = gate(results, strict=strict)
    store.finish_run(run_id, status="interrupted" if interrupted else "complete",
                     verdict=decision.verdict, reason=decision.reason,
                     criteria=[o.to_dict() for o in items])
    return AuditOutcome(run_id, target, results, decision, interrupted, items, label)
