from __future__ import annotations

import io

from rich.console import Console

from golive.checks.http.health import Health
from golive.report.progress import ProgressEvents
from golive.results import Result, Status


def _result() -> Result:
    return Result(check="http.health", area="http", title="Health", status=Status.PASS)


def test_without_a_terminal_each_check_and_its_steps_are_one_line_throttled() -> None:
    out = io.StringIO()
    now = [0.0]
    events = ProgressEvents(Console(file=out, width=100, color_system=None), "tuned: ",
                            clock=lambda: now[0])
    events.started(7, 2)
    events.check_started(Health())
    for second in range(12):  # a step a second: printed at 0, 5 and 10 s
        now[0] = float(second)
        events.message(f"load: {second} of 12 s")
    events.check_finished(_result())
    events.close()
    assert out.getvalue().splitlines() == [
        "tuned: run 7: 2 checks",
        "tuned:   http.health: load: 0 of 12 s",
        "tuned:   http.health: load: 5 of 12 s",
        "tuned:   http.health: load: 10 of 12 s",
        "tuned: [1/2] http.health: pass",
    ]


def test_on_a_terminal_the_bar_shows_the_current_check_and_step() -> None:
    console = Console(file=io.StringIO(), width=120, force_terminal=True, color_system=None)
    events = ProgressEvents(console)
    events.started(3, 4)
    events.check_started(Health())
    events.message("lighthouse /: run 2 of 3")
    assert events.progress is not None
    task = events.progress.tasks[0]
    assert task.description == "http.health" and task.fields["step"] == "lighthouse /: run 2 of 3"
    events.check_finished(_result())
    assert task.completed == 1 and task.fields["step"] == ""
    events.close()
