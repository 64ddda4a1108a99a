"""Run the selected checks: order them, run each one (one failure never stops the run), decide,
store each result as soon as it is decided.

:func:`golive.session.run_session` is the one entry point the CLI, the demo and the server use;
it opens and closes the stored run around :func:`run_checks`.
"""

from __future__ import annotations

import dataclasses
import functools
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import ValidationError

from golive.auth import Authenticator, LoginFailed
from golive.checks import Check, CheckContext
from golive.config import Config, describe_validation_error
from golive.exceptions import ConfigError, GoliveError
from golive.plan import ItemOutcome
from golive.plugins import all_checks
from golive.results import Measurement, Result, Status
from golive.safety import TargetRefused, http_client
from golive.site import Site, tls_verify
from golive.store import RunRecord, Store
from golive.verdict import SLO, Gate, decide, parse_slos


@dataclass(frozen=True)
class Selected:
    """A check instance with its effective settings."""

    check: Check
    slos: tuple[SLO, ...]
    blocking: bool


def select_checks(config: Config, *, only: Iterable[str] = (), profile: str = "quick",
                  registry: dict[str, type[Check]] | None = None) -> list[Selected]:
    """The checks an audit runs, with options and thresholds validated from the config, in the
    order their ``requires`` and ``loads`` ask for."""
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
        slos = tuple(parse_slos(slo_texts, blocking=severity == "blocking"))
        selected.append(Selected(cls(options), slos, severity == "blocking"))
    return order(selected)


def order(selected: list[Selected]) -> list[Selected]:
    """Registration order, except that a check runs after the checks it ``requires`` and that
    checks which neither load the target nor need a loading one run first (on a quiet target).
    A dependency cycle is a plugin bug: its checks keep their registration order."""
    by_id = {s.check.id: s for s in selected}

    @functools.cache
    def after_load(check_id: str, seen: frozenset[str] = frozenset()) -> bool:
        item = by_id[check_id]
        if item.check.loads:
            return True
        return any(dep in by_id and dep not in seen and after_load(dep, seen | {check_id})
                   for dep in item.check.requires)

    done: list[Selected] = []
    placed: set[str] = set()
    pending = sorted(selected, key=lambda s: after_load(s.check.id))  # stable
    while pending:
        for item in pending:
            deps = [d for d in item.check.requires if d in by_id and d not in placed]
            if not deps:
                break
        else:  # a cycle: place the first as it is
            item = pending[0]
        done.append(item)
        placed.add(item.check.id)
        pending.remove(item)
    return done


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
    #: the process exit code stored with the run
    exit_code: int = 0
    #: sign-offs whose item text no longer matches any item of the plan
    stale_signoffs: list[Any] = field(default_factory=list)

    @property
    def criteria(self) -> list[dict[str, Any]]:
        return [o.to_dict() for o in self.items]


def run_check(selected: Selected, ctx: CheckContext) -> Result:
    """Run one check and decide it. Exceptions become results (never raised), except Ctrl-C."""
    return run_check_with_facts(selected, ctx)[0]


def run_check_with_facts(selected: Selected, ctx: CheckContext) -> tuple[Result, list[object]]:
    """:func:`run_check`, and the typed facts the measurement hands to later checks."""
    check = selected.check
    started = time.perf_counter()
    ctx = dataclasses.replace(ctx, slos=selected.slos)
    try:
        measurement = check.run(ctx)
    except KeyboardInterrupt:
        raise
    except TargetRefused as err:  # a redirect or connection off the allowlist
        measurement = Measurement.skip(
            str(err), enable=f"add '{err.host}' to [target] allow_targets if golive may "
                             "connect to it")
    except httpx.TransportError as err:
        return _error(check, selected, f"target unreachable or broken connection: {err!r}",
                      started, {}), []
    except GoliveError as err:  # a user or config mistake: one line, no traceback
        return _error(check, selected, str(err), started, {}), []
    except Exception as err:  # a bug in the check: keep the traceback as evidence
        return _error(check, selected, f"{type(err).__name__}: {err}", started,
                      {"traceback": traceback.format_exc()}), []
    return decide(check=check.id, area=check.area(), title=check.title, measurement=measurement,
                  slos=list(selected.slos), blocking=selected.blocking, fix=check.fix,
                  duration_s=time.perf_counter() - started,
                  better=check.better), list(measurement.facts)


def _error(check: Check, selected: Selected, reason: str, started: float,
           evidence: dict[str, Any]) -> Result:
    result = decide(check=check.id, area=check.area(), title=check.title,
                    measurement=Measurement(evidence=evidence), slos=[],
                    blocking=selected.blocking, fix=check.fix,
                    duration_s=time.perf_counter() - started)
    return dataclasses.replace(result, status=Status.ERROR, reason=reason, summary=reason)


def _login(authenticator: Authenticator) -> str:
    """Log in once before the checks: why it failed ("" when it worked)."""
    try:
        authenticator.session(0)
    except LoginFailed as err:
        return f"[auth]: {err}"
    return ""


def _unreachable(site: Site) -> str:
    """Why the target cannot be reached at all ("" when it answers anything). The home page
    fetched here stays in the site's cache for the checks."""
    try:
        site.get("/")
    except httpx.TransportError as err:
        return f"target unreachable: {type(err).__name__}: {err}"
    return ""


def run_checks(selected: list[Selected], *, target: str, config: Config, store: Store,
               run_id: int, profile: str, baseline: RunRecord | None = None,
               required: frozenset[str] = frozenset(), events: Events | None = None,
               results: list[Result] | None = None) -> list[Result]:
    """Run the checks in order, storing each result as it is decided. ``results`` (if given)
    collects them as they come, so an interruption keeps what finished."""
    events = events or Events()
    results = results if results is not None else []
    http = any(item.check.needs_target for item in selected)
    allow = tuple(config.target.allow_targets)
    factory: Callable[..., httpx.Client] = functools.partial(http_client, allow)
    plain = functools.partial(factory, headers=config.target.headers,
                              verify=tls_verify(config.target.ca_bundle))
    authenticator = Authenticator(
        config.auth, plain, target, openapi_path=config.target.openapi_path,
        timeout_s=config.target.timeout_s) if config.auth.login and http else None
    client = factory(
        base_url=target if http else "http://127.0.0.1", timeout=config.target.timeout_s,
        headers=config.target.headers,
        verify=tls_verify(config.target.ca_bundle), follow_redirects=False,
        auth=authenticator.httpx_auth() if authenticator else None,
    )
    done: dict[str, Result] = {}
    facts: dict[type, object] = {}
    with client:
        site = Site(client, target, config.target)
        ctx = CheckContext(target=target, config=config, client=client, site=site,
                           profile=profile, progress=events.message, baseline=baseline,
                           required=required, results=done, facts=facts, http=factory,
                           auth=authenticator)
        # the login first: every request after it (discovery included) carries its token
        unreachable = _login(authenticator) if authenticator is not None else ""
        if http and not unreachable:
            unreachable = _unreachable(ctx.site)
        for position, item in enumerate(selected):
            events.check_started(item.check)
            if unreachable and item.check.needs_target:
                result = _error(item.check, item, unreachable, time.perf_counter(), {})
            else:
                result, handed = run_check_with_facts(item, ctx)
                facts.update({type(f): f for f in handed})
            store.add_result(run_id, position, result)
            results.append(result)
            done[result.check] = result
            events.check_finished(result)
    return results
