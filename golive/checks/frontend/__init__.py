"""Area ``frontend``: Lighthouse scores (median of several runs) and one real-browser pass per
page (Core Web Vitals with INP, JS and CSS coverage, asset compression and caching, images,
fonts, render-blocking resources, the service worker). Pages come from ``[frontend] pages``."""

from __future__ import annotations

from golive.checks import Check
from golive.checks.frontend.assets import AssetAudit
from golive.checks.frontend.bundle import BundleSize
from golive.checks.frontend.recognise import RECOGNISERS
from golive.checks.frontend.scores import LighthouseScores
from golive.checks.frontend.settings import FrontendConfig
from golive.checks.frontend.vitals import WebVitals
from golive.config import ConfigTable
from golive.hookspecs import hookimpl
from golive.plan.mapping import Recogniser

CHECKS: list[type[Check]] = [LighthouseScores, WebVitals, BundleSize, AssetAudit]


@hookimpl
def golive_checks() -> list[type[Check]]:
    return CHECKS


@hookimpl
def golive_recognisers() -> list[Recogniser]:
    return RECOGNISERS


@hookimpl
def golive_config_tables() -> list[type[ConfigTable]]:
    return [FrontendConfig]
