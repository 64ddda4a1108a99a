"""Area ``frontend``: Lighthouse scores (median of several runs) and one real-browser pass per
page (Core Web Vitals with INP, JS and CSS coverage, asset compression and caching, images,
fonts, render-blocking resources, the service worker). Pages come from ``[frontend] pages``."""

from __future__ import annotations

from golive.checks import Check
from golive.checks.frontend.assets import AssetAudit
from golive.checks.frontend.bundle import BundleSize
from golive.checks.frontend.scores import LighthouseScores
from golive.checks.frontend.vitals import WebVitals
from golive.plugins import hookimpl

CHECKS: list[type[Check]] = [LighthouseScores, WebVitals, BundleSize, AssetAudit]


@hookimpl
def golive_checks() -> list[type[Check]]:
    return CHECKS
