"""Decide each plan item from a run's results and the recorded sign-offs.

A sign-off belongs to an item by the item's task and its normalised text (case, spacing and
trailing punctuation do not count), never by its position: a bullet inserted above a signed
item does not move the sign-off, and a sign-off whose text matches no item any more is
reported as stale (:func:`stale_signoffs`), never passed on to another item.
"""

from __future__ import annotations

import re
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


def normalise(text: str) -> str:
    """An item's identity within its task: lower case, single spaces, no trailing
    punctuation, no checkbox or golive evidence note."""
    text = re.sub(r"^\s*[-*+]\s*(\[[ xX]\]\s*)?", "", text)
    return re.sub(r"\s+", " ", text).strip().rstrip(".;:,!").strip().lower()


def _identity(task: str | None, text: str) -> tuple[str, str]:
    return ((task or "").lower(), normalise(text))


def _signoff_task(s: Signoff) -> str:
    if s.task:
        return s.task
    parts = s.item.split(":")  # sign-offs from before 0004 name the task in their key
    return f"checklist:{parts[1]}" if parts[0] == "checklist" and len(parts) > 2 else parts[0]


def match_signoffs(plan: Plan, signoffs: Iterable[Signoff]) -> dict[tuple[str, str], Signoff]:
    """(task, normalised text) -> the latest sign-off of that item."""
    signed: dict[tuple[str, str], Signoff] = {}
    for s in signoffs:
        signed[_identity(_signoff_task(s), s.text)] = s  # the latest sign-off wins
    return signed


def stale_signoffs(plan: Plan, signoffs: Iterable[Signoff]) -> list[Signoff]:
    """Sign-offs whose task and text match no item of the plan (the item was reworded,
    moved to another task or removed): they decide nothing until signed again."""
    items = {_identity(owner, i.text) for owner, i in plan.items()}
    latest = match_signoffs(plan, signoffs)
    return [s for key, s in latest.items() if key not in items]


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
    signed = match_signoffs(plan, signoffs)
    outcomes = []
    for owner, item in plan.items():
        mapping = map_item(item, rules)
        status, note = _decide(item, mapping, results, installed)
        if mapping.check and mapping.check not in results and earlier \
                and mapping.check in earlier:
            run_id, when, result = earlier[mapping.check]
            status, note = _decide(item, mapping, {mapping.check: result}, installed)
            note += f" (run {run_id}, {when:%Y-%m-%d})"
        identity = _identity(owner, item.text)
        if status in (Status.MANUAL, Status.SKIPPED) and identity in signed:
            s = signed[identity]
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


def outcomes_from_rows(plan: Plan, rows: Iterable[MappingT[str, Any]]) -> list[ItemOutcome]:
    """A stored run's plan items (``RunRecord.criteria``) as outcomes of ``plan``, the plan as
    that run read it (``RunRecord.plan_text``): the updated plan renders again from the
    history."""
    items = {i.key: (owner, i) for owner, i in plan.items()}
    out = []
    for row in rows:
        found = items.get(row.get("key", ""))
        if found is None:
            continue
        owner, item = found
        out.append(ItemOutcome(owner, item, Mapping(row.get("check"), tuple(row.get("slo") or ()),
                                                    "stored"),
                               Status(row["status"]), row.get("note", "")))
    return out
