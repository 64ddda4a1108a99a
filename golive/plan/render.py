"""Write the plan back to Markdown, changing only what evidence changes.

Checkboxes of decided items follow the evidence (ticked on pass, cleared on fail), each decided
item gets a short note ``_(golive run N: …)_`` (replaced on the next run, never piled up), task
statuses follow their items, and the summary table is recomputed. Every other line is kept
byte for byte, so ``parse(render(parse(x)))`` equals ``parse(x)``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from golive.plan.evaluate import ItemOutcome
from golive.plan.model import Item, Plan
from golive.plan.parse import BOX, BULLET, FIELD, TABLE, split_note
from golive.results import Status

_NOTED = (Status.PASS, Status.FAIL, Status.WARN, Status.INCONCLUSIVE, Status.ERROR)
_MARK = {Status.PASS: "✅", Status.FAIL: "❌", Status.WARN: "⚠️",
         Status.INCONCLUSIVE: "❔", Status.ERROR: "💥"}


def render_plan(plan: Plan, outcomes: Iterable[ItemOutcome] = (),
                run_id: int | str | None = None, *, update_summary: bool | None = None) -> str:
    """The plan as Markdown, updated from ``outcomes``.

    Without outcomes the plan comes back exactly as written. The summary table is recomputed
    when there are outcomes, or when ``update_summary`` asks for it.
    """
    lines = list(plan.lines)
    updated = copy.deepcopy(plan)
    by_key = {o.item.key: o for o in outcomes}
    if update_summary is None:
        update_summary = bool(by_key)
    new_items = {i.key: i for _, i in updated.items()}
    for key, outcome in by_key.items():
        item = new_items.get(key)
        if item is None or outcome.status not in _NOTED:
            continue
        if item.done is not None and outcome.status in (Status.PASS, Status.FAIL):
            item.done = outcome.status is Status.PASS
        note = f"run {run_id}: {_MARK[outcome.status]} {outcome.status} — {outcome.note}"
        item.note = note.replace("\n", " ")
        lines[item.line - 1] = _item_line(lines[item.line - 1], item)

    for task in updated.tasks:
        status_field = task.field("Status")
        derived = _derived_status(task.status, [i.key for i in task.subtasks + task.criteria],
                                  new_items, by_key)
        if status_field and derived and derived != task.status:
            line = lines[status_field.line - 1]
            m = FIELD.match(line)
            if m:
                head, tail = line[: m.start("value")], line[m.end("value"):]
                lines[status_field.line - 1] = head + derived + tail
                status_field.value = derived

    expected = updated.expected_summary() if update_summary else {}
    for row in updated.summary:
        want = expected.get(row.name.strip().lower())
        if want is None or want == row.value.strip():
            continue
        lines[row.line - 1] = _table_cell(lines[row.line - 1], want)
    return "\n".join(lines) + ("\n" if plan.newline_at_end else "")


def _item_line(line: str, item: Item) -> str:
    m = BOX.match(line)
    if m:
        mark = "x" if item.done else " "
        head = f"{m['indent']}{m['bullet']} [{mark}] "
    else:
        m = BULLET.match(line)
        if not m:
            return line
        head = line[: m.start("text")]
    text, _old = split_note(m["text"])
    return f"{head}{text} _(golive {item.note})_" if item.note else f"{head}{text}"


def _derived_status(written: str, keys: list[str], items: dict[str, Item],
                    outcomes: dict[str, ItemOutcome]) -> str | None:
    decided = [outcomes[k] for k in keys if k in outcomes and outcomes[k].status in _NOTED]
    if not decided:
        return None
    failing = any(o.status is Status.FAIL for o in decided)
    passing = any(o.status is Status.PASS for o in decided)
    all_met = all(
        (items[k].done if items[k].kind != "criterion" else
         (k in outcomes and outcomes[k].status is Status.PASS))
        for k in keys
    )
    if all_met and not failing:
        return "Done"
    if written == "Done" and failing:
        return "In Progress"
    if written == "Pending" and passing:
        return "In Progress"
    return None


def _table_cell(line: str, value: str) -> str:
    m = TABLE.match(line)
    if not m:
        return line
    cells = m["cells"].split("|")
    old = cells[1]
    lead = old[: len(old) - len(old.lstrip())] or " "
    trail = old[len(old.rstrip()):] or " "
    cells[1] = f"{lead}{value}{trail}"
    start = line.index("|")
    return line[:start] + "|" + "|".join(cells) + "|"

