"""Plan phrasing the security area decides."""

from __future__ import annotations

from golive.plan.mapping import Recogniser, fixed, pattern

RECOGNISERS: list[Recogniser] = [
    (pattern(r"rate[- ]limit"), fixed("security.rate_limit")),
    (pattern(r"no known vulnerabilities|dependency vulnerabilit|scan dependencies"),
     fixed("security.dependencies")),
    (pattern(r"\bSAST\b|security scanning"), fixed("security.sast")),
    (pattern(r"secrets"), fixed("security.secrets")),
    # no check can decide a whole OWASP review: the report's OWASP table shows what the
    # checks cover and what stays manual; a sign-off decides
    (pattern(r"owasp"), fixed(None, note="see the OWASP Top 10 table of the report")),
]
