"""The readiness plan as data: tasks, their fields and items, the checklist, the summary table.

Every element remembers its source line, so rendering can rewrite exactly the lines that
evidence changes and keep every other byte of the user's text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

STATUS_ALIASES = {
    "Pending": ("pending", "not started", "todo", "to do", "open", "planned", "backlog", "new"),
    "In Progress": ("in progress", "in-progress", "wip", "started", "ongoing", "doing",
                    "in review", "review"),
    "Done": ("done", "complete", "completed", "finished", "closed", "verified", "resolved"),
    "Blocked": ("blocked", "on hold", "stalled"),
}
_STATUS_BY_ALIAS = {alias: name for name, aliases in STATUS_ALIASES.items() for alias in aliases}


def canonical_status(value: str) -> str:
    key = re.sub(r"[^a-z -]", "", value.strip().lower()).strip()
    return _STATUS_BY_ALIAS.get(key, value.strip() or "Pending")


@dataclass
class Item:
    """A subtask, an acceptance criterion or a checklist item."""

    key: str  # stable id: "PHASE5-002:criteria:1", "checklist:performance:2"
    kind: str  # "subtask" | "criterion" | "checklist"
    text: str
    line: int  # 1-based
    done: bool | None = None  # None: written without a checkbox
    note: str = ""  # golive's evidence note, read back from a rendered plan
    indent: str = "  "
    bullet: str = "-"


@dataclass
class FieldLine:
    name: str
    value: str
    line: int


@dataclass
class Task:
    id: str
    title: str
    line: int
    fields: list[FieldLine] = field(default_factory=list)
    subtasks: list[Item] = field(default_factory=list)
    criteria: list[Item] = field(default_factory=list)

    def field(self, name: str) -> FieldLine | None:
        for f in self.fields:
            if f.name.lower() == name.lower():
                return f
        return None

    @property
    def status(self) -> str:
        f = self.field("Status")
        return canonical_status(f.value) if f else "Pending"

    @property
    def priority(self) -> str:
        f = self.field("Priority")
        return f.value.strip().title() if f and f.value.strip() else "Unset"

    @property
    def description(self) -> str:
        f = self.field("Description")
        return f.value if f else ""


@dataclass
class Category:
    name: str
    line: int
    items: list[Item] = field(default_factory=list)


@dataclass
class SummaryRow:
    name: str
    value: str
    line: int


@dataclass
class Plan:
    path: str
    title: str
    lines: list[str]  # the source, one entry per line, without line endings
    newline_at_end: bool = True
    tasks: list[Task] = field(default_factory=list)
    checklist: list[Category] = field(default_factory=list)
    summary: list[SummaryRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def items(self) -> list[tuple[str, Item]]:
        """Every item with the task id (or ``checklist:Category``) it belongs to."""
        out: list[tuple[str, Item]] = []
        for task in self.tasks:
            out += [(task.id, i) for i in task.subtasks]
            out += [(task.id, i) for i in task.criteria]
        for cat in self.checklist:
            out += [(f"checklist:{cat.name}", i) for i in cat.items]
        return out

    def find_item(self, ref: str) -> tuple[str, Item] | None:
        """An item by key, or by a case-insensitive piece of its text when that is unique."""
        everything = self.items()
        for owner, item in everything:
            if item.key.lower() == ref.lower():
                return owner, item
        matches = [(o, i) for o, i in everything if ref.lower() in i.text.lower()]
        exact = [(o, i) for o, i in matches if i.text.lower() == ref.lower()]
        if len(exact) >= 1 and len({i.text.lower() for _, i in exact}) == 1:
            return exact[0]
        return matches[0] if len(matches) == 1 else None

    def stats(self) -> dict[str, Any]:
        subtasks = [i for t in self.tasks for i in t.subtasks]
        checklist = [i for c in self.checklist for i in c.items]
        return {
            "tasks": len(self.tasks),
            "by_priority": dict(Counter(t.priority for t in self.tasks)),
            "by_status": dict(Counter(t.status for t in self.tasks)),
            "subtasks": len(subtasks),
            "subtasks_done": sum(1 for i in subtasks if i.done),
            "criteria": sum(len(t.criteria) for t in self.tasks),
            "checklist_items": len(checklist),
            "checklist_done": sum(1 for i in checklist if i.done),
        }

    def overall_status(self) -> str:
        statuses = {t.status for t in self.tasks}
        if not statuses or statuses == {"Pending"}:
            return "Not Started"
        if statuses == {"Done"}:
            return "Complete"
        return "In Progress"

    def expected_summary(self) -> dict[str, str]:
        """What each recognised summary row should say, by lower-cased row name."""
        stats = self.stats()
        expected = {
            "total tasks": str(stats["tasks"]),
            "tasks": str(stats["tasks"]),
            "total subtasks": str(stats["subtasks"]),
            "subtasks": str(stats["subtasks"]),
            "subtasks done": str(stats["subtasks_done"]),
            "completed subtasks": str(stats["subtasks_done"]),
            "status": self.overall_status(),
        }
        for row in self.summary:
            m = re.fullmatch(r"(\w+) priority", row.name.strip().lower())
            if m:
                expected[row.name.strip().lower()] = str(stats["by_priority"].get(m[1].title(), 0))
        return expected

    def summary_drift(self) -> list[dict[str, Any]]:
        """Rows of the written summary that disagree with the content."""
        expected = self.expected_summary()
        drift = []
        for row in self.summary:
            want = expected.get(row.name.strip().lower())
            if want is not None and row.value.strip() != want:
                drift.append({"row": row.name, "written": row.value, "counted": want,
                              "line": row.line})
        return drift
