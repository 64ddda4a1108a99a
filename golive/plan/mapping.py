"""Which check decides which plan item.

Built-in recognisers read the usual phrasing ("API p95 response time <500ms", "LCP <2.5s",
"No N+1 queries remaining") and take the threshold from the text itself, so "API p95 < 300ms"
is checked against 300 ms. A ``[[mapping]]`` rule in golive.toml wins over them; items nothing
recognises stay "manual" and need a sign-off.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from golive.config import MappingRule
from golive.plan.model import Item

_NUM = r"(\d+(?:\.\d+)?)"
_LT = r"(?:<=?|≤|under|below|less than|at most)"
_GE = r"(?:>=?|≥|at least|over|above)"


@dataclass(frozen=True)
class Mapping:
    check: str | None  # None: manual
    slo: tuple[str, ...] = ()
    source: str = "none"  # "builtin" | "config" | "none"
    note: str = ""


Recogniser = tuple[re.Pattern[str], Callable[[re.Match[str]], Mapping]]


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _fixed(check: str, *slo: str, note: str = "") -> Callable[[re.Match[str]], Mapping]:
    return lambda _m: Mapping(check, tuple(slo), "builtin", note)


def _op(symbol: str) -> str:
    return {"≤": "<=", "≥": ">=", "<=": "<=", ">=": ">=", ">": ">="}.get(symbol, "<")


RECOGNISERS: list[Recogniser] = [
    # latency percentiles: "API p95 response time <500ms", "API p99 <1000ms"
    (_r(rf"\bp\s?(\d{{2}}(?:\.\d+)?)\b[^<≤\d]*?{_LT}\s*{_NUM}\s*(ms|s)\b"),
     lambda m: Mapping("load.latency", (f"p({m[1]}) < {m[2]}{m[3].lower()}",), "builtin")),
    # "Load testing completed (1000+ concurrent users)", "Load test passed (1000+ …)"
    (_r(r"load test\w*.*?(\d[\d,]*)\s*\+?\s*(?:concurrent\s+)?users"),
     lambda m: Mapping("load.latency", (f"users >= {m[1].replace(',', '')}",), "builtin")),
    (_r(r"load test\w* (?:completed|passed|done)"), _fixed("load.latency")),
    (_r(r"no performance regressions?"), _fixed("load.regression")),
    # frontend
    (_r(rf"lighthouse score\s*{_GE}\s*{_NUM}"),
     lambda m: Mapping("frontend.lighthouse", (f"min_score >= {m[1]}",), "builtin")),
    (_r(r"\btest with lighthouse|lighthouse audit"), _fixed("frontend.lighthouse")),
    (_r(rf"\bLCP\s*{_LT}\s*{_NUM}\s*(ms|s)\b"),
     lambda m: Mapping("frontend.vitals", (f"lcp_ms < {m[1]}{m[2].lower()}",), "builtin")),
    (_r(rf"\bINP\s*{_LT}\s*{_NUM}\s*(ms|s)\b"),
     lambda m: Mapping("frontend.vitals", (f"inp_ms < {m[1]}{m[2].lower()}",), "builtin")),
    (_r(rf"\bFID\s*{_LT}\s*{_NUM}\s*ms\b"),
     _fixed("frontend.vitals", "inp_ms < 200ms",
            note="browsers no longer report FID; INP (its successor) is checked at 200 ms")),
    (_r(rf"\bCLS\s*{_LT}\s*(\d*\.\d+|\d+)"),
     lambda m: Mapping("frontend.vitals", (f"cls < {m[1]}",), "builtin")),
    (_r(r"bundle size reduced by\s*(\d+)\s*%"),
     lambda m: Mapping("frontend.bundle", (f"reduction_pct >= {m[1]}%",), "builtin")),
    (_r(r"analy[sz]e bundle size"), _fixed("frontend.bundle")),
    (_r(r"optimi[sz]e images"), _fixed("frontend.assets", "image_issues <= 0")),
    (_r(r"optimi[sz]e fonts"), _fixed("frontend.assets", "font_issues <= 0")),
    (_r(r"service worker"), _fixed("frontend.assets", "service_worker >= 1")),
    # http / security
    (_r(r"security headers"), _fixed("http.security_headers")),
    (_r(r"health[- ]?checks?"), _fixed("http.health")),
    (_r(r"\bgzip\b|\bbrotli\b|compression to (?:api )?responses|http compression"),
     _fixed("http.compression")),
    (_r(r"https enforcement|enforce https|http\s*->\s*https"), _fixed("http.tls")),
    (_r(r"rate[- ]limit"), _fixed("security.rate_limit")),
    (_r(r"no known vulnerabilities|dependency vulnerabilit|scan dependencies"),
     _fixed("security.dependencies")),
    (_r(r"\bSAST\b|security scanning"), _fixed("security.sast")),
    (_r(r"secrets"), _fixed("security.secrets")),
    # no check can decide a whole OWASP review: the report's OWASP table shows what the
    # checks cover and what stays manual; a sign-off decides
    (_r(r"owasp"), lambda _m: Mapping(None, (), "builtin",
                                      "see the OWASP Top 10 table of the report")),
    # database
    (_r(r"n\s*\+\s*1"), _fixed("database.n_plus_one")),
    (_r(r"\bindexes\b"), _fixed("database.indexes")),
    (_r(r"database queries optimi[sz]ed|slow query"), _fixed("database.slow_queries")),
    (_r(r"connection pool"), _fixed("database.pool")),
    # drills and monitoring
    (_r(r"backup.{0,20}restore|restore.{0,20}backup"), _fixed("drills.backup")),
    (_r(r"failover"), _fixed("drills.failover")),
    (_r(r"blue[- ]green"), _fixed("drills.blue_green")),
    (_r(r"rollback"), _fixed("drills.rollback")),
    (_r(r"alerts? trigger|alerting configured|test monitoring alerts"),
     _fixed("monitoring.alerts")),
]


def map_item(item: Item, rules: Iterable[MappingRule] = ()) -> Mapping:
    """The check for one item: config rule first, then recognisers, else manual."""
    for rule in rules:
        if (rule.item and rule.item.lower() == item.key.lower()) or (
            rule.match and rule.match.lower() in item.text.lower()
        ):
            if rule.check == "manual":
                return Mapping(None, (), "config")
            return Mapping(rule.check, tuple(rule.slo), "config")
    for pattern, build in RECOGNISERS:
        match = pattern.search(item.text)
        if match:
            return build(match)
    return Mapping(None)
