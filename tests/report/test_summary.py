"""The first screen as data: the verdict's sentence, failures most severe first, the plan per
task (titles from the plan the run read), one headline figure per check of a comparison."""

from __future__ import annotations

from datetime import UTC, datetime

from golive.compare import compare_runs
from golive.report.summary import failures, headlines, plan_progress, verdict_sentence
from golive.results import Finding, Result, Severity, SLOOutcome, Status
from golive.store import RunRecord

PLAN = """# Phase 5

### PHASE5-002: Backend Performance Optimization
- **Acceptance Criteria**:
  - API p95 response time <500ms
  - No N+1 queries remaining

## Completion Checklist

### Security
- [ ] Security headers implemented
"""


def _result(check: str, status: Status, *findings: Finding, severity: str = "blocking",
            metrics: dict[str, float] | None = None,
            thresholds: list[SLOOutcome] | None = None) -> Result:
    return Result(check=check, area=check.split(".")[0], title=check.title(), status=status,
                  severity=severity, findings=list(findings), metrics=metrics or {},
                  thresholds=thresholds or [])


def _record(run_id: int, results: list[Result], verdict: str = "not-ready",
            criteria: list[dict[str, str]] | None = None) -> RunRecord:
    return RunRecord(id=run_id, started_at=datetime(2026, 12, 1, tzinfo=UTC), target="t",
                     profile="quick", golive_version="0", status="complete", verdict=verdict,
                     results=results, criteria=criteria or [], plan_text=PLAN)


def test_failures_come_most_severe_first_with_where_and_the_findings_fix() -> None:
    run = _record(1, [
        _result("http.caching", Status.FAIL, Finding("No cache", Severity.MEDIUM, "/a")),
        _result("security.jwt", Status.FAIL,
                Finding("Forged token accepted", Severity.CRITICAL, "GET /account", fix="rotate"),
                Finding("Weak key", Severity.HIGH, "login", fix="longer key")),
        _result("database.schema", Status.FAIL, Finding("FK", Severity.CRITICAL, "t.c"),
                severity="warning"),
        _result("http.health", Status.ERROR),
        _result("http.tls", Status.PASS),
    ])
    order = [f.check for f in failures(run)]
    assert order == ["security.jwt", "http.caching", "database.schema", "http.health"]
    jwt = failures(run)[0]
    assert jwt.where == ["GET /account", "login"] and jwt.fix == "rotate"
    assert jwt.figures == ["Forged token accepted"]  # no threshold missed: the worst finding


def test_a_missed_threshold_is_said_as_figure_against_threshold() -> None:
    run = _record(1, [_result("load.latency", Status.FAIL, thresholds=[
        SLOOutcome("p(95) < 500ms", "p95_ms", 2712.0, False),
        SLOOutcome("p(99) < 1000ms", "p99_ms", 900.0, True)])])
    assert failures(run)[0].figures == ["p95 2.71 s, needs p(95) < 500 ms"]


def test_the_sentence_names_the_failing_areas_and_the_gaps() -> None:
    run = _record(1, [_result("http.a", Status.FAIL), _result("http.b", Status.FAIL),
                      _result("load.c", Status.FAIL), _result("db.d", Status.INCONCLUSIVE),
                      _result("x.e", Status.PASS)])
    assert verdict_sentence(run) == ("Not ready: 3 of 5 checks fail (2 in http, 1 in load); "
                                     "1 inconclusive.")
    ready = _record(2, [_result("x.e", Status.PASS), _result("x.f", Status.WARN)], "ready")
    assert verdict_sentence(ready) == "Ready: no check fails (2 of 2 passed, 1 with warnings)."


def test_plan_progress_is_per_task_with_the_plans_titles() -> None:
    criteria = [
        {"task": "PHASE5-002", "kind": "criterion", "text": "API p95", "status": "fail"},
        {"task": "PHASE5-002", "kind": "criterion", "text": "No N+1", "status": "pass"},
        {"task": "checklist:Security", "kind": "checklist", "text": "headers",
         "status": "skipped"},
    ]
    progress = plan_progress(_record(3, [], criteria=criteria))
    assert [(p.title, p.counts["passing"], p.counts["failing"], p.counts["not measured"])
            for p in progress] == [("Backend Performance Optimization", 1, 1, 0),
                                   ("Checklist: Security", 0, 0, 1)]
    assert progress[0].anchor == "plan-3-phase5-002"


def test_a_comparison_has_one_headline_row_per_check_regressions_first() -> None:
    def latency(p95: float, status: Status) -> Result:
        return _result("load.latency", status, metrics={"p95_ms": p95, "rps": 10.0},
                       thresholds=[SLOOutcome("p(95) < 500ms", "p95_ms", p95, p95 < 500)])

    before = _record(1, [latency(2700, Status.FAIL),
                         _result("http.caching", Status.PASS, metrics={"cacheable_pct": 100})])
    after = _record(2, [latency(40, Status.PASS),
                        _result("http.caching", Status.FAIL, metrics={"cacheable_pct": 50})])
    rows = headlines(compare_runs(before, after))
    assert [(h.check, h.before_status, h.after_status) for h in rows] == [
        ("http.caching", "pass", "fail"), ("load.latency", "fail", "pass")]
    assert (rows[1].label, rows[1].before, rows[1].after) == ("p95", "2.70 s", "40 ms")
    assert rows[0].metric == "cacheable_pct" and rows[0].after == "50 %"
