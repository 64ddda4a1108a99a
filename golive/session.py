"""One audit session: a frozen request in, a stored run and its outcome out.

The CLI (``audit``, ``load``, ``drill``), the demo and the server call :func:`run_session`;
none of them rebuilds the chain config -> safety -> store -> runner -> plan -> gate. The run is
opened before the first check and always closed (``finally``): ``complete``, ``interrupted``
(Ctrl-C; verdict ``incomplete``, exit 130) or ``error`` (an exception escaped the runner; the
reason is stored and the exception raised again), with the process exit code stored beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from golive import __version__
from golive.config import Config
from golive.exceptions import SafetyError
from golive.plan import Plan, evaluate_plan, map_item, stale_signoffs
from golive.plugins import all_checks
from golive.results import Result
from golive.runner import AuditOutcome, Events, Selected, run_checks, select_checks
from golive.safety import check_target, validate_config
from golive.store import RunRecord, Store
from golive.verdict import ExitStatus, Gate, gate

KINDS = ("audit", "load", "drill", "smoke", "import")


@dataclass(frozen=True)
class AuditRequest:
    """Everything one audit needs. Frozen: a caller that wants other values builds another."""

    target: str
    config: Config
    store: Store
    plan: Plan | None = None
    profile: str | None = None
    only: tuple[str, ...] = ()
    baseline: RunRecord | None = None
    label: str = ""
    kind: str = "audit"
    #: the project the run is filed under (default: [audit] project)
    project: str | None = None
    strict: bool | None = None
    #: let checks with ``safety = "destructive"`` run (on a configured drill target only)
    allow_destructive: bool = False
    events: Events = field(default_factory=Events, compare=False)


def _destructive_gate(request: AuditRequest, selected: list[Selected]) -> None:
    destructive = [s.check.id for s in selected if s.check.safety == "destructive"]
    if not destructive:
        return
    names = ", ".join(destructive)
    if not request.allow_destructive:
        raise SafetyError(f"{names} disturb the target (kill processes or switch traffic): "
                          "pass --allow-destructive to run them")
    host = urlsplit(request.target).hostname or request.target
    drill = {h.strip().lower() for h in request.config.target.drill_targets}
    if host.lower() not in drill and request.target.lower() not in drill:
        raise SafetyError(f"{names} may only act on a drill target: add '{host}' to "
                          "[target] drill_targets in golive.toml")


def prepare(request: AuditRequest) -> list[Selected]:
    """Validate everything before the run is opened: the checks and their options, every
    configured URL, the target, the destructive-drill rules. Raises a GoliveError."""
    profile = request.profile or request.config.audit.profile
    selected = select_checks(request.config, only=request.only, profile=profile)
    validate_config(request.config)
    if any(item.check.needs_target for item in selected):
        check_target(request.target, request.config.target.allow_targets)
    _destructive_gate(request, selected)
    if request.kind not in KINDS:
        raise ValueError(f"unknown run kind {request.kind!r}")
    return selected


def run_session(request: AuditRequest) -> AuditOutcome:
    selected = prepare(request)
    config, store, plan = request.config, request.store, request.plan
    profile = request.profile or config.audit.profile
    strict = config.audit.strict if request.strict is None else request.strict
    project = request.project or config.audit.project
    run_id = store.start_run(target=request.target, profile=profile,
                             golive_version=__version__, label=request.label,
                             plan_path=plan.path if plan else None, project=project,
                             kind=request.kind,
                             plan_text=("\n".join(plan.lines) + ("\n" if plan.newline_at_end
                                                                 else "")) if plan else None)
    request.events.started(run_id, len(selected))
    results: list[Result] = []
    status, failure = "running", ""
    outcome = AuditOutcome(run_id, request.target, results,
                           Gate("incomplete", ExitStatus.INCOMPLETE, "the run did not finish"),
                           label=request.label)
    try:
        required = frozenset(
            m.check for _, i in (plan.items() if plan else [])
            if (m := map_item(i, config.mapping)).check)
        run_checks(selected, target=request.target, config=config, store=store, run_id=run_id,
                   profile=profile, baseline=request.baseline, required=required,
                   events=request.events, results=results)
        status = "complete"
    except KeyboardInterrupt:
        status = "interrupted"
    except BaseException as err:
        status, failure = "error", f"{type(err).__name__}: {err}"
        raise
    finally:
        outcome = _close(request, outcome, results, status, failure, strict, project)
    return outcome


def _close(request: AuditRequest, outcome: AuditOutcome, results: list[Result], status: str,
           failure: str, strict: bool, project: str) -> AuditOutcome:
    """Decide what finished, evaluate the plan, and close the run in one transaction."""
    store, plan, config = request.store, request.plan, request.config
    items, stale = [], []
    if plan is not None:
        ran = {r.check: r for r in results}
        # drills run on their own ('golive drill backup'): the plan takes their latest outcome
        # from a run of the same project on the same target (a backup drill: the database)
        earlier = {cid: found for cid, cls in all_checks().items()
                   if not cls.profiles and cid not in ran
                   and (found := store.latest_result(
                       cid, project=project, target=cls.acts_on(request.target, config)))
                   is not None}
        signoffs = store.signoffs()
        items = evaluate_plan(plan, ran, rules=config.mapping, signoffs=signoffs,
                              installed=all_checks(), earlier=earlier)
        stale = [s.to_dict() for s in stale_signoffs(plan, signoffs)]
    decision = gate(results, strict=strict)
    if status == "interrupted":
        decision = Gate("incomplete", ExitStatus.INTERRUPTED,
                        f"interrupted after {len(results)} check(s): partial run kept")
        code = int(ExitStatus.INTERRUPTED)
    elif status == "error":
        decision = Gate("incomplete", ExitStatus.INTERNAL, f"golive failed: {failure}")
        code = int(ExitStatus.INTERNAL)
    else:
        code = int(decision.exit_status)
    store.finish_run(outcome.run_id, status=status, verdict=decision.verdict,
                     reason=decision.reason, criteria=[o.to_dict() for o in items],
                     exit_code=code, stale_signoffs=stale)
    outcome.gate, outcome.items, outcome.exit_code = decision, items, code
    outcome.interrupted = status == "interrupted"
    outcome.stale_signoffs = stale
    return outcome
