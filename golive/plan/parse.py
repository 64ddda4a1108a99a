"""Read task lists written in the format of the Phase 5 spec, and the usual variations.

Recognised: ``# Title``; ``## Section`` headings (tasks, summary, checklist, notes, others kept
as they are); ``### ID: Title`` tasks with ``- **Field**: value`` lines; ``Subtasks`` as
checkboxes (``- [ ]``, ``* [x]``, ``[X]``); ``Acceptance Criteria`` as bullets (checkboxes
allowed); the summary table; ``### Category`` headings with checkbox items in the checklist.
A file that cannot be read raises :class:`~golive.exceptions.PlanError` with ``file:line``.
"""

from __future__ import annotations

import re
from pathlib import Path

from golive.exceptions import PlanError
from golive.plan.model import Category, FieldLine, Item, Plan, SummaryRow, Task

H1 = re.compile(r"^#\s+(?P<text>.+?)\s*#*\s*$")
H2 = re.compile(r"^##\s+(?P<text>.+?)\s*#*\s*$")
H3 = re.compile(r"^###\s+(?P<text>.+?)\s*#*\s*$")
TASK_HEAD = re.compile(r"^(?P<id>[A-Za-z][\w.]*[-_]?\d[\w.-]*)\s*:\s*(?P<title>\S.*)$")
FIELD = re.compile(
    r"^\s*(?:[-*+]\s+)?\*\*(?P<name>[^*:]+?)(?:\*\*\s*:|:\s*\*\*)\s*(?P<value>.*?)\s*$")
BOX = re.compile(r"^(?P<indent>\s*)(?P<bullet>[-*+])\s+\[(?P<mark>[^\]]*)\]\s*(?P<text>.*)$")
BULLET = re.compile(r"^(?P<indent>\s*)(?P<bullet>[-*+])\s+(?P<text>\S.*)$")
TABLE = re.compile(r"^\s*\|(?P<cells>.*)\|\s*$")
NOTE = re.compile(r"\s+_\(golive (?P<note>run .*)\)_\s*$")


def split_note(text: str) -> tuple[str, str]:
    """Separate golive's evidence note from an item's own text."""
    match = NOTE.search(text)
    if not match:
        return text.rstrip(), ""
    return text[: match.start()].rstrip(), match["note"]


def _section_kind(title: str) -> str:
    t = title.lower()
    if "checklist" in t:
        return "checklist"
    if "summary" in t or "statistic" in t:
        return "summary"
    if "task" in t:
        return "tasks"
    if t.startswith("note"):
        return "notes"
    return "other"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "items"


def parse_plan(path: str | Path) -> Plan:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(str(path), 0,
                        "plan file not found (create one with 'golive init')") from None
    except (OSError, UnicodeDecodeError) as err:
        raise PlanError(str(path), 0, f"cannot read the plan: {err}") from None
    return parse_text(text, str(path))


def parse_text(text: str, path: str = "<plan>") -> Plan:
    lines = text.splitlines()
    plan = Plan(path=path, title="", lines=lines, newline_at_end=text.endswith("\n"))
    section = "tasks"  # tasks may come without a '## Task …' heading
    task: Task | None = None
    category: Category | None = None
    list_kind: str | None = None  # "subtask" | "criterion" | "other" | None
    seen_ids: dict[str, int] = {}

    def fail(lineno: int, message: str) -> PlanError:
        return PlanError(path, lineno, message)

    for lineno, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if m := H1.match(line):
            if not plan.title:
                plan.title = m["text"]
            continue
        if m := H2.match(line):
            section = _section_kind(m["text"])
            task, category, list_kind = None, None, None
            continue
        if m := H3.match(line):
            list_kind = None
            if section == "checklist":
                category = Category(m["text"], lineno)
                plan.checklist.append(category)
                continue
            head = TASK_HEAD.match(m["text"])
            if section == "tasks":
                if not head:
                    raise fail(lineno, f"task heading {m['text']!r} must look like "
                                       "'### ID: Title' (for example '### PHASE5-001: Profiling')")
                if head["id"] in seen_ids:
                    raise fail(lineno, f"task id {head['id']} is used twice (first on line "
                                       f"{seen_ids[head['id']]}): give each task its own id")
                seen_ids[head["id"]] = lineno
                task = Task(head["id"], head["title"].strip(), lineno)
                plan.tasks.append(task)
            else:
                task = None
            continue
        if stripped.startswith("#"):
            continue
        if re.fullmatch(r"-{3,}|\*{3,}|_{3,}", stripped):
            list_kind = None
            continue
        box = BOX.match(line)
        if box and box["mark"] not in (" ", "x", "X"):
            raise fail(lineno, f"malformed checkbox '[{box['mark']}]': write '[ ]' or '[x]'")

        if section == "tasks":
            if task is None:
                if box:
                    raise fail(lineno, "checkbox outside any task: put it under a "
                                       "'### ID: Title' heading")
                continue
            if (fm := FIELD.match(line)) and not box:
                name, value = fm["name"].strip(), fm["value"]
                task.fields.append(FieldLine(name, value, lineno))
                low = name.lower()
                if value:
                    list_kind = None
                elif "subtask" in low or low in ("tasks", "steps", "checklist"):
                    list_kind = "subtask"
                elif "criteri" in low or "acceptance" in low or low == "definition of done":
                    list_kind = "criterion"
                else:
                    list_kind = "other"
                continue
            bullet = box or BULLET.match(line)
            if bullet and list_kind in ("subtask", "criterion"):
                items = task.subtasks if list_kind == "subtask" else task.criteria
                kind_key = "subtasks" if list_kind == "subtask" else "criteria"
                text_, note = split_note(bullet["text"])
                items.append(Item(
                    key=f"{task.id}:{kind_key}:{len(items) + 1}", kind=list_kind, text=text_,
                    line=lineno, done=(box["mark"] in "xX") if box else None, note=note,
                    indent=bullet["indent"], bullet=bullet["bullet"],
                ))
            continue

        if section == "checklist":
            bullet = box or BULLET.match(line)
            if not bullet:
                continue
            if category is None:
                raise fail(lineno, "checklist item before any '### Category' heading")
            text_, note = split_note(bullet["text"])
            category.items.append(Item(
                key=f"checklist:{_slug(category.name)}:{len(category.items) + 1}",
                kind="checklist", text=text_, line=lineno,
                done=(box["mark"] in "xX") if box else None, note=note,
                indent=bullet["indent"], bullet=bullet["bullet"],
            ))
            continue

        if section == "summary":
            if m := TABLE.match(line):
                cells = [c.strip() for c in m["cells"].split("|")]
                if len(cells) < 2 or all(re.fullmatch(r":?-+:?", c) for c in cells if c):
                    continue
                if cells[0].lower() in ("metric", "name", "item") and not plan.summary:
                    continue  # the header row
                plan.summary.append(SummaryRow(cells[0], cells[1], lineno))
            continue

        if section == "notes" and (bullet := BULLET.match(line)):
            plan.notes.append(bullet["text"])

    if not plan.tasks and not plan.checklist:
        raise fail(1, "no tasks ('### ID: Title') and no checklist ('## … Checklist' with "
                      "'### Category' headings) found: is this a task list?")
    return plan
