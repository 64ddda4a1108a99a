"""Area ``security``: graded headers, passive and active probes, rate limits, TLS, API
fuzzing, dependencies, static analysis and secrets. Every probe is bounded in requests and time
and changes nothing unless ``[security] allow_writes`` says so."""

from __future__ import annotations

from golive.blocks import Section
from golive.checks import Check
from golive.checks.security.code import Dependencies, StaticAnalysis
from golive.checks.security.enumeration import UserEnumeration
from golive.checks.security.exposure import ExposedDocs
from golive.checks.security.fuzz import ApiFuzz
from golive.checks.security.grade import ObservatoryGrade
from golive.checks.security.owasp import owasp_section
from golive.checks.security.passive import PassiveScan
from golive.checks.security.probes import ActiveProbes
from golive.checks.security.ratelimit import RateLimit
from golive.checks.security.recognise import RECOGNISERS
from golive.checks.security.secrets import Secrets
from golive.checks.security.settings import SecurityConfig
from golive.checks.security.tls import TLSCheck
from golive.checks.security.tokens import JwtForgery
from golive.config import ConfigTable
from golive.hookspecs import hookimpl
from golive.plan.mapping import Recogniser
from golive.store import RunRecord

#: the login's neighbours run before the rate-limit burst, which uses up the login's budget
CHECKS: list[type[Check]] = [
    ObservatoryGrade, PassiveScan, ActiveProbes, ExposedDocs, TLSCheck, ApiFuzz, JwtForgery,
    UserEnumeration, RateLimit, Dependencies, StaticAnalysis, Secrets,
]


@hookimpl
def golive_checks() -> list[type[Check]]:
    return CHECKS


@hookimpl
def golive_recognisers() -> list[Recogniser]:
    return RECOGNISERS


@hookimpl
def golive_config_tables() -> list[type[ConfigTable]]:
    return [SecurityConfig]


@hookimpl
def golive_report_sections(run: RunRecord) -> list[Section]:
    return owasp_section(run)
