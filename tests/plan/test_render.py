from __future__ import annotations

from datetime import UTC, datetime

from golive.plan import evaluate_plan, parse_text, plan_to_dict, render_plan
from golive.results import Result, SLOOutcome, Status
from golive.store import Signoff
from tests.plan.test_parse import VARIED


def _results() -> dict[str, Result]:
    return {
        "http.health": Result(check="http.health", area="http", title="", status=Status.PASS,
                              metrics={"latency_ms": 2.0},
                              thresholds=[SLOOutcome("latency_ms < 500ms", "latency_ms", 2.0,
                                                     True)]),
        "http.compression": Result(check="http.compression", area="http", title="",
                                   status=Status.FAIL, metrics={"compressed_pct": 0.0}),
        "load.latency": Result(check="load.latency", area="load", title="",
                               status=Status.PASS, metrics={"p95_ms": 250.0, "p99_ms": 900.0}),
    }


def test_outcomes_follow_results_and_thresholds_from_the_text() -> None:
    plan = parse_text(VARIED)
    out = {o.item.text: o for o in evaluate_plan(plan, _results(), installed=["http.tls"])}
    assert out["API p95 response time < 300ms"].status is Status.PASS
    assert "p95_ms=250 (p(95) < 300ms)" in out["API p95 response time < 300ms"].note
    assert out["API p99 <1000ms"].status is Status.PASS
    assert out["Health checks functional"].status is Status.PASS
    assert out["Add compression to API responses"].status is Status.FAIL
    assert out["Customers are happy"].status is Status.MANUAL
    assert out["Security headers implemented"].status is Status.SKIPPED
    assert "did not run" not in out["Lighthouse score ≥90 (all categories)"].note
    assert "no check frontend.lighthouse" in out["Lighthouse score ≥90 (all categories)"].note


def test_threshold_in_text_can_fail_where_the_check_passed() -> None:
    results = _results()
    results["load.latency"].metrics["p95_ms"] = 320.0
    out = {o.item.text: o for o in evaluate_plan(parse_text(VARIED), results)}
    assert out["API p95 response time < 300ms"].status is Status.FAIL


def test_render_updates_checkboxes_notes_statuses_and_summary() -> None:
    plan = parse_text(VARIED + "\n## Summary Statistics\n\n| Metric | Value |\n|---|---|\n"
                      "| Total Tasks | 7 |\n| Status | Not Started |\n")
    outcomes = evaluate_plan(plan, _results())
    text = render_plan(plan, outcomes, run_id=12)
    lines = text.splitlines()
    assert "    * [ ] Add compression to API responses _(golive run 12: ❌ fail — " \
           "http.compression fail, compressed_pct=0)_" in lines
    assert any(ln.startswith("    * [x] Implement health check endpoints _(golive run 12: ✅")
               for ln in lines)
    assert "| Total Tasks | 3 |" in lines
    assert "| Status | In Progress |" in lines
    reparsed = parse_text(text)
    assert reparsed.tasks[0].subtasks[1].done is False  # was [x], evidence says fail
    assert reparsed.tasks[0].subtasks[2].done is True
    assert reparsed.tasks[0].subtasks[1].text == "Add compression to API responses"
    assert reparsed.tasks[0].subtasks[1].note.startswith("run 12: ❌ fail")
    # a second run replaces the note instead of piling a new one on
    again = render_plan(reparsed, evaluate_plan(reparsed, _results()), run_id=13)
    assert "run 12" not in again and again.count("_(golive run 13") == text.count(
        "_(golive run 12")
    assert plan_to_dict(parse_text(render_plan(reparsed))) == plan_to_dict(reparsed)


def test_signoff_decides_a_manual_item() -> None:
    plan = parse_text(VARIED)
    s = Signoff(id=1, created_at=datetime(2026, 11, 28, tzinfo=UTC), item="OPS-1:criteria:3",
                text="Customers are happy", by="dana", evidence="https://wiki/x")
    out = {o.item.key: o for o in evaluate_plan(plan, _results(), signoffs=[s])}
    assert out["OPS-1:criteria:3"].status is Status.PASS
    assert out["OPS-1:criteria:3"].note == "signed off by dana on 2026-11-28 (https://wiki/x)"


def test_task_done_when_everything_is_met() -> None:
    plan = parse_text("""## Tasks
### T-1: Health
- **Status**: Pending
- **Subtasks**:
  - [ ] Implement health check endpoints
- **Acceptance Criteria**:
  - Health checks functional
""")
    text = render_plan(plan, evaluate_plan(plan, _results()), run_id=1)
    assert "- **Status**: Done" in text
