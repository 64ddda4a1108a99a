"""`golive plan show`: the plan at a glance in the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text


def print_plan(console: Console, data: dict[str, Any]) -> None:
    console.rule(Text(data["title"] or data["path"], style="bold"))
    tasks = Table(expand=True, title="Tasks", title_justify="left")
    for col in ("id", "title", "status", "priority", "subtasks", "criteria (check)"):
        tasks.add_column(col)
    for t in data["tasks"]:
        done = sum(1 for s in t["subtasks"] if s["done"])
        mapped = sum(1 for c in t["criteria"] if c["check"])
        tasks.add_row(t["id"], t["title"], t["status"], t["priority"],
                      f"{done}/{len(t['subtasks'])}", f"{len(t['criteria'])} ({mapped} mapped)")
    console.print(tasks)
    crit = Table(expand=True, title="Acceptance criteria and checklist", title_justify="left")
    for col in ("key", "item", "check", "threshold"):
        crit.add_column(col)
    for t in data["tasks"]:
        for c in t["criteria"]:
            crit.add_row(c["key"], c["text"], c["check"] or Text("manual", style="cyan"),
                         ", ".join(c["slo"]))
    for cat in data["checklist"]:
        for c in cat["items"]:
            crit.add_row(c["key"], ("[x] " if c["done"] else "[ ] ") + c["text"],
                         c["check"] or Text("manual", style="cyan"), ", ".join(c["slo"]))
    console.print(crit)
    s = data["stats"]
    console.print(
        f"[bold]Statistics[/bold]: {s['tasks']} tasks "
        f"({', '.join(f'{n} {p}' for p, n in s['by_priority'].items())}); "
        f"status {', '.join(f'{n} {k}' for k, n in s['by_status'].items())}; "
        f"subtasks {s['subtasks_done']}/{s['subtasks']} done; {s['criteria']} criteria; "
        f"checklist {s['checklist_done']}/{s['checklist_items']} done")
    for d in data["summary"]["drift"]:
        console.print(Text(
            f"summary table disagrees (line {d['line']}): '{d['row']}' says {d['written']!r}, "
            f"counted {d['counted']}", style="yellow"))
    for stale in data.get("stale_signoffs", []):
        console.print(Text(
            f"stale sign-off: {stale['task']}: {stale['text']!r} (by {stale['by']}, "
            f"{stale['created_at'][:10]}) matches no item any more; sign the item off again",
            style="yellow"))
