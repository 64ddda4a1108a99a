"""The readiness plan: parse and render task lists, map their items to checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from golive.config import MappingRule
from golive.plan.evaluate import (
    ItemOutcome,
    evaluate_plan,
    normalise,
    outcomes_from_rows,
    stale_signoffs,
)
from golive.plan.mapping import Mapping, map_item
from golive.plan.model import Category, Item, Plan, Task
from golive.plan.parse import parse_plan, parse_text
from golive.plan.render import render_plan

__all__ = [
    "Category", "Item", "ItemOutcome", "Mapping", "Plan", "Task", "evaluate_plan",
    "map_item", "normalise", "outcomes_from_rows", "parse_plan", "parse_text", "plan_to_dict",
    "render_plan", "stale_signoffs",
]


def plan_to_dict(plan: Plan, rules: Iterable[MappingRule] = ()) -> dict[str, Any]:
    """The JSON form of ``golive plan show --json``."""
    rules = list(rules)

    def item(i: Item, with_check: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"key": i.key, "text": i.text, "done": bool(i.done)}
        if with_check:
            m = map_item(i, rules)
            out.update(check=m.check, slo=list(m.slo), mapping=m.source)
            if m.note:
                out["mapping_note"] = m.note
        if i.note:
            out["evidence"] = i.note
        return out

    return {
        "schema": "golive.plan/1",
        "path": plan.path,
        "title": plan.title,
        "tasks": [{
            "id": t.id,
            "title": t.title,
            "status": t.status,
            "priority": t.priority,
            "description": t.description,
            "fields": {f.name: f.value for f in t.fields if f.value},
            "subtasks": [item(i, False) | {"check": map_item(i, rules).check}
                         for i in t.subtasks],
            "criteria": [item(i, True) for i in t.criteria],
        } for t in plan.tasks],
        "checklist": [{"category": c.name, "items": [item(i, True) for i in c.items]}
                      for c in plan.checklist],
        "stats": plan.stats(),
        "summary": {
            "written": {r.name: r.value for r in plan.summary},
            "drift": plan.summary_drift(),
        },
        "notes": plan.notes,
    }
