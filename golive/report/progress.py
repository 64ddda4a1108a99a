"""Progress while an audit runs: on a terminal a live bar with the current check and its
current step (the load test's seconds, Lighthouse run n of m); elsewhere (CI logs) one plain
line per check and per step, a step repeated at most every ``STEP_EVERY_S`` seconds."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
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

#: without a terminal, a check's steps are printed at most this often (its first always)
STEP_EVERY_S = 5.0


class ProgressEvents(Events):
    def __init__(self, console: Console, prefix: str = "",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self.prefix = prefix
        self.clock = clock
        self.total = 0
        self.done = 0
        self.current = ""
        self.last_step = -1e9
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def started(self, run_id: int, total: int) -> None:
        self.total = total
        if self.console.is_terminal:
            self.progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                TextColumn("[dim]{task.fields[step]}"),
                console=self.console, transient=True)
            self.progress.start()
            self.task = self.progress.add_task(f"{self.prefix}run {run_id}", total=total,
                                               step="")
        else:
            self.console.print(f"{self.prefix}run {run_id}: {total} checks")

    def check_started(self, check: Check) -> None:
        self.current = check.id
        self.last_step = -1e9
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, description=f"{self.prefix}{check.id}", step="")

    def check_finished(self, result: Result) -> None:
        self.done += 1
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, advance=1, step="")
        else:
            self.console.print(f"{self.prefix}[{self.done}/{self.total}] {result.check}: "
                               f"{result.status}")

    def message(self, text: str) -> None:
        """A step of the current check."""
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, step=text)
            return
        now = self.clock()
        if now - self.last_step >= STEP_EVERY_S:
            self.last_step = now
            self.console.print(f"{self.prefix}  {self.current or 'golive'}: {text}")

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
