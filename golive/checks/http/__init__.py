"""Area ``http``: what one can tell about a service from a handful of plain requests."""

from __future__ import annotations

from golive.checks import Check
from golive.checks.http.caching import StaticCaching
from golive.checks.http.compression import Compression
from golive.checks.http.errors import ErrorHygiene
from golive.checks.http.headers import SecurityHeaders
from golive.checks.http.health import Health
from golive.checks.http.pagination import Pagination
from golive.checks.http.recognise import RECOGNISERS
from golive.checks.http.tls import TLSRedirect
from golive.hookspecs import hookimpl
from golive.plan.mapping import Recogniser

CHECKS: list[type[Check]] = [
    Health, Compression, StaticCaching, SecurityHeaders, ErrorHygiene, Pagination, TLSRedirect,
]


@hookimpl
def golive_checks() -> list[type[Check]]:
    return CHECKS


@hookimpl
def golive_recognisers() -> list[Recogniser]:
    return RECOGNISERS
