"""Plan phrasing the http area decides."""

from __future__ import annotations

from golive.plan.mapping import Recogniser, fixed, pattern

RECOGNISERS: list[Recogniser] = [
    (pattern(r"security headers"), fixed("http.security_headers")),
    (pattern(r"health[- ]?checks?"), fixed("http.health")),
    (pattern(r"\bgzip\b|\bbrotli\b|compression to (?:api )?responses|http compression"),
     fixed("http.compression")),
    (pattern(r"https enforcement|enforce https|http\s*->\s*https"), fixed("http.tls")),
]
