from __future__ import annotations

from pathlib import Path

import pytest

from golive.exceptions import PlanError
from golive.plan import parse_plan, parse_text, plan_to_dict, render_plan
from tests.conftest import SPEC

VARIED = """# Launch checklist

Some intro text that golive keeps as it is.

## Tasks

### OPS-1: Ship the API
* **Status**: In Progress
* **Priority**: high
* **Owner**: Dana
* **Subtasks**:
    * [X] Write the handler
    * [x] Add compression to API responses


    * [ ] Implement health check endpoints
* **Acceptance Criteria**:
    - [ ] API p95 response time < 300ms
    - Health checks functional
    - Customers are happy

---

### OPS-2: Docs
- **Status**: Done
- **Priority**: Low
- **Description**: Write the docs
- **Subtasks**:
  - [x] Runbook
- **Acceptance Criteria**:
  - Runbooks documented

### OPS-3: Hardening
- **Status**: Blocked
- **Priority**: Critical
- **Subtasks**:
  - [ ] Implement security headers
- **Acceptance Criteria**:
  - Security headers implemented

## Production Readiness Checklist

### Performance
- [x] API p99 <1000ms
- [ ] Lighthouse score ≥90 (all categories)

### People
* [ ] Team trained

## Notes
- Keep it short
"""


def test_spec_counts() -> None:
    plan = parse_plan(SPEC)
    stats = plan.stats()
    assert stats["tasks"] == 10
    assert stats["subtasks"] == 98
    assert stats["criteria"] == 57
    assert stats["checklist_items"] == 25
    assert stats["by_priority"] == {"Critical": 4, "High": 5, "Medium": 1}
    assert stats["by_status"] == {"Pending": 10}
    assert [c.name for c in plan.checklist] == [
        "Performance", "Security", "Reliability", "Testing", "Operations"]
    assert plan.tasks[1].id == "PHASE5-002"
    assert plan.tasks[1].title == "Backend Performance Optimization"
    assert plan.tasks[1].criteria[0].text == "API p95 response time <500ms"
    assert plan.tasks[0].subtasks[0].key == "PHASE5-001:subtasks:1"
    assert len(plan.notes) == 5


def test_spec_summary_drift_is_reported() -> None:
    drift = {d["row"]: (d["written"], d["counted"]) for d in parse_plan(SPEC).summary_drift()}
    assert drift == {"Total Subtasks": ("80+", "98"), "High Priority": ("4", "5"),
                     "Medium Priority": ("2", "1")}


def test_variations() -> None:
    plan = parse_text(VARIED, "varied.md")
    ops1, ops2, ops3 = plan.tasks
    assert (ops1.status, ops2.status, ops3.status) == ("In Progress", "Done", "Blocked")
    assert ops1.priority == "High"
    assert ops1.field("Owner").value == "Dana"  # type: ignore[union-attr]
    assert [s.done for s in ops1.subtasks] == [True, True, False]
    assert [c.done for c in ops1.criteria] == [False, None, None]
    assert ops2.description == "Write the docs"
    assert [i.text for i in plan.checklist[1].items] == ["Team trained"]
    assert plan.stats()["subtasks_done"] == 3
    assert plan.stats()["checklist_done"] == 1
    assert plan.title == "Launch checklist"


@pytest.mark.parametrize("text", [SPEC.read_text(encoding="utf-8"), VARIED])
def test_render_without_evidence_is_byte_identical(text: str) -> None:
    assert render_plan(parse_text(text)) == text


@pytest.mark.parametrize("text", [SPEC.read_text(encoding="utf-8"), VARIED])
def test_roundtrip(text: str) -> None:
    first = parse_text(text)
    again = parse_text(render_plan(first))
    assert plan_to_dict(again) == plan_to_dict(first)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("## Tasks\n### T-1: A\n- **Subtasks**:\n  - [y] bad\n", 4, "malformed checkbox '[y]'"),
        ("## Tasks\n### T-1: A\n- **Subtasks**:\n  - [] empty\n", 4, "malformed checkbox '[]'"),
        ("## Tasks\n### Just a title\n", 2, "must look like '### ID: Title'"),
        ("## Tasks\n### T-1: A\n### T-1: B\n", 3, "task id T-1 is used twice"),
        ("## Tasks\n- [ ] orphan\n", 2, "checkbox outside any task"),
        ("## Production Readiness Checklist\n- [ ] orphan\n", 2, "before any '### Category'"),
        ("just some text\n", 1, "no tasks"),
    ],
)
def test_malformed_plans_name_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(PlanError) as info:
        parse_text(text, "plan.md")
    assert str(info.value).startswith(f"plan.md:{line}: ")
    assert message in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="plan file not found"):
        parse_plan(tmp_path / "nope.md")


def test_find_item_by_key_and_text() -> None:
    plan = parse_plan(SPEC)
    owner, item = plan.find_item("PHASE5-010:criteria:4")  # type: ignore[misc]
    assert (owner, item.text) == ("PHASE5-010", "Team trained on procedures")
    owner, item = plan.find_item("incident response plan")  # type: ignore[misc]
    assert owner == "checklist:Operations"
    assert plan.find_item("documented") is None  # ambiguous
