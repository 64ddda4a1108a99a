"""Area ``database``: what the service does to its PostgreSQL, measured from the database side.

Needs ``[database] url`` (or ``--db``), the ``pg_stat_statements`` extension and a role with
``pg_read_all_stats``; hypopg for index proofs. Each missing piece skips what needs it, with the
line that enables it.
"""

from __future__ import annotations

from golive.checks import Check
from golive.checks.database.indexes import IndexHygiene, MissingIndexes
from golive.checks.database.nplusone import NPlusOne
from golive.checks.database.pool import ConnectionPool
from golive.checks.database.recognise import RECOGNISERS
from golive.checks.database.slow import SlowQueries
from golive.hookspecs import hookimpl
from golive.plan.mapping import Recogniser

CHECKS: list[type[Check]] = [NPlusOne, MissingIndexes, IndexHygiene, SlowQueries, ConnectionPool]


@hookimpl
def golive_checks() -> list[type[Check]]:
    return CHECKS


@hookimpl
def golive_recognisers() -> list[Recogniser]:
    return RECOGNISERS
