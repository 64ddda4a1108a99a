"""Area ``drills``: exercises that prove a recovery procedure works. They run when named
(``golive drill backup``, or ``--only drills.backup``), never as part of a plain audit."""

from __future__ import annotations

from golive.checks import Check
from golive.checks.drills.backup import BackupDrill
from golive.plugins import hookimpl

CHECKS: list[type[Check]] = [BackupDrill]


@hookimpl
def golive_checks() -> list[type[Check]]:
    return CHECKS
