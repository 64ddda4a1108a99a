"""Area ``drills``: exercises that prove a recovery procedure works. They run when named
(``golive drill backup``, or ``--only drills.backup``), never as part of a plain audit."""

from __future__ import annotations

import click

from golive.checks import Check
from golive.checks.drills.backup import BackupDrill
from golive.checks.drills.recognise import RECOGNISERS
from golive.hookspecs import hookimpl
from golive.plan.mapping import Recogniser

CHECKS: list[type[Check]] = [BackupDrill]


@hookimpl
def golive_checks() -> list[type[Check]]:
    return CHECKS


@hookimpl
def golive_recognisers() -> list[Recogniser]:
    return RECOGNISERS


@hookimpl
def golive_commands(cli: click.Group) -> None:
    from golive.checks.drills.commands import drill_backup

    drill = cli.commands.get("drill")
    if isinstance(drill, click.Group):
        drill.add_command(drill_backup)
