"""Decide each plan item from a run's results and the recorded sign-offs."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping as MappingT
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from golive.config import MappingRule
from golive.plan.mapping import Mapping, map_item
from golive.plan.model import Item, Plan
from golive.results import Result, Status, format_number
from golive.store import Signoff
from golive.verdict import parse_slos

_UNDECIDED = (Status.SKIPPED, Status.ERROR, Status.INCONCLUSIVE, Status.MANUAL)


@dataclass
class ItemOutcome:
    task: str
    item: Item
    mapping: Mapping
    status: Status
    note: str  # one line: the figure or the reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "key": self.item.key,
            "kind": self.item.kind,
            "text": self.item.text,
            "check": self.mapping.check,
            "slo": list(self.mapping.slo),
            "status": str(self.status),
            "note": self.note,
        }


def evaluate_plan(
    plan: Plan,
    results: MappingT[str, Result],
    *,
    rules: Iterable[MappingRule] = (),
    signoffs: Iterable[Signoff] = (),
    installed: Iterable[str] = (),
    earlier: MappingT[str, tuple[int, datetime, Result]] | None = None,
) -> list[ItemOutcome]:
    """Decide each plan item from this audit's results; a check that did not run here (a drill)
    is decided by its latest stored result in ``earlier`` (run id, date, result), said so in
    the note."""
    rules = list(rules)
    installed = set(installed)
    signed: dict[str, Signoff] = {}
    for s in signoffs:
        signed[s.item.lower()] = s  # the latest sign-off of an item wins
    outcomes = []
    for owner, item in plan.items():
        mapping = map_item(item, rules)
        status, note = _decide(item, mapping, results, installed)
        if mapping.check and mapping.check not in results and earlier \
                and mapping.check in earlier:
            run_id, when, result = earlier[mapping.check]
            status, note = _decide(item, mapping, {mapping.check: result}, installed)
            note += f" (run {run_id}, {when:%Y-%m-%d})"
        if status in (Status.MANUAL, Status.SKIPPED) and item.key.lower() in signed:
            s = signed[item.key.lower()]
            status = Status.PASS
            note = f"signed off by {s.by} on {s.created_at:%Y-%m-%d}" + (
                f" ({s.evidence})" if s.evidence else "")
        outcomes.append(ItemOutcome(owner, item, mapping, status, note))
    return outcomes


def _decide(item: Item, mapping: Mapping, results: MappingT[str, Result],
            installed: set[str]) -> tuple[Status, str]:
    if mapping.check is None:
        return Status.MANUAL, "needs a sign-off (golive signoff)"
    result = results.get(mapping.check)
    if result is None:
        if mapping.check in installed:
            return Status.SKIPPED, f"{mapping.check} did not run in this audit"
        return Status.SKIPPED, f"no check {mapping.check} is installed yet"
    if result.status in _UNDECIDED:
        return result.status, f"{mapping.check} {result.status}: {result.reason or result.summary}"
    if not mapping.slo:
        figure = result.key_figure
        return result.status, f"{mapping.check} {result.status}" + (f", {figure}" if figure else "")
    outcomes = [slo.evaluate(result.metrics) for slo in parse_slos(mapping.slo)]
    missing = [o for o in outcomes if o.ok is None]
    if missing:
        return Status.INCONCLUSIVE, f"{mapping.check} did not measure {missing[0].metric}"
    parts = [f"{o.metric}={format_number(o.actual or 0)} ({o.expression})" for o in outcomes]
    ok = all(o.ok for o in outcomes)
    return (Status.PASS if ok else Status.FAIL), ", ".join(parts)
