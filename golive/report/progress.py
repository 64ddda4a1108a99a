"""Progress while an audit runs: a live bar on a terminal, plain lines elsewhere (CI logs)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from golive.checks import Check
from golive.results import Result
from golive.runner import Events


class ProgressEvents(Events):
    def __init__(self, console: Console, prefix: str = "") -> None:
        self.console = console
        self.prefix = prefix
        self.total = 0
        self.done = 0
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def started(self, run_id: int, total: int) -> None:
        self.total = total
        if self.console.is_terminal:
            self.progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                console=self.console, transient=True)
            self.progress.start()
            self.task = self.progress.add_task(f"{self.prefix}run {run_id}", total=total)
        else:
            self.console.print(f"{self.prefix}run {run_id}: {total} checks")

    def check_started(self, check: Check) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, description=f"{self.prefix}{check.id}")

    def check_finished(self, result: Result) -> None:
        self.done += 1
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task)
        else:
            self.console.print(f"{self.prefix}[{self.done}/{self.total}] {result.check}: "
                               f"{result.status}")

    def message(self, text: str) -> None:
        if self.progress is not None:
            self.progress.console.print(f"{self.prefix}{text}")

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


@contextmanager
def progress_events(console: Console, prefix: str = "") -> Iterator[ProgressEvents]:
    events = ProgressEvents(console, prefix)
    try:
        yield events
    finally:
        events.close()
