"""The MDN HTTP Observatory's scoring (algorithm version 6), in Python.

Start at 100 and add each test's modifier; bonuses (positive modifiers) count only when the
score with penalties alone is 90 or more. The tests read one response (headers, cookies, the
HTML's scripts), a CORS preflight and the plain-http redirection. Over plain HTTP with no TLS
endpoint known, HSTS and redirection cannot be assessed: they are "needs a TLS endpoint", and
the score is given without them and with their penalties (as the Observatory would).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

GRADES = ((100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"),
          (50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"))
SIX_MONTHS = 15_768_000
SESSION_NAMES = re.compile(r"sess|sid|token|auth|login|jwt", re.IGNORECASE)
PRIVATE_REFERRERS = {"no-referrer", "same-origin", "strict-origin",
                     "strict-origin-when-cross-origin"}
UNSAFE_REFERRERS = {"origin", "origin-when-cross-origin", "unsafe-url"}
VALID_REFERRERS = PRIVATE_REFERRERS | UNSAFE_REFERRERS | {"no-referrer-when-downgrade"}


@dataclass(frozen=True)
class TestResult:
    test: str
    result: str
    modifier: int
    passed: bool
    description: str
    fix: str = ""
    needs_tls: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def grade(score: int) -> str:
    return next((g for limit, g in GRADES if score >= limit), "F")


def score(tests: list[TestResult]) -> int:
    penalties = sum(t.modifier for t in tests if t.modifier < 0)
    bonuses = sum(t.modifier for t in tests if t.modifier > 0)
    base = 100 + penalties
    return max(0, base + bonuses if base >= 90 else base)


def parse_csp(value: str) -> dict[str, list[str]] | None:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.strip().split()
        if not tokens:
            continue
        name = tokens[0].lower()
        if not re.fullmatch(r"[a-z-]+", name):
            return None
        directives.setdefault(name, [t.lower() for t in tokens[1:]])
    return directives or None


def _sources(csp: dict[str, list[str]], name: str) -> list[str]:
    return csp.get(name, csp.get("default-src", []))


def assess_csp(headers: dict[str, str]) -> TestResult:
    fix = ("Send Content-Security-Policy with default-src 'none' (or 'self') and no "
           "'unsafe-inline' or 'unsafe-eval' in script-src.")
    value = headers.get("content-security-policy", "")
    if not value:
        if headers.get("content-security-policy-report-only"):
            return TestResult("content-security-policy", "csp-not-implemented", -25, False,
                              "only a report-only policy: nothing is enforced", fix)
        return TestResult("content-security-policy", "csp-not-implemented", -25, False,
                          "no Content-Security-Policy header", fix)
    csp = parse_csp(value)
    if csp is None:
        return TestResult("content-security-policy", "csp-header-invalid", -25, False,
                          "the Content-Security-Policy header cannot be parsed", fix)
    script = _sources(csp, "script-src")
    hashed = any(s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) or
                 s == "'strict-dynamic'" for s in script)
    broad = {"*", "http:", "https:", "data:"} & set(script)
    if ("'unsafe-inline'" in script and not hashed) or broad or not script:
        return TestResult("content-security-policy", "csp-implemented-with-unsafe-inline", -20,
                          False, "scripts may run inline or from anywhere "
                          f"(script sources: {' '.join(script) or 'none set'})", fix)
    if any(s.startswith("http://") for s in script):
        return TestResult("content-security-policy", "csp-implemented-with-insecure-scheme",
                          -20, False, "scripts allowed over plain http", fix)
    if "'unsafe-eval'" in script:
        return TestResult("content-security-policy", "csp-implemented-with-unsafe-eval", -10,
                          False, "'unsafe-eval' allows eval()", fix)
    passive = _sources(csp, "img-src") + _sources(csp, "media-src")
    if any(s.startswith("http:") for s in passive):
        return TestResult("content-security-policy",
                          "csp-implemented-with-insecure-scheme-in-passive-content-only", -10,
                          False, "images or media allowed over plain http", fix)
    if csp.get("default-src") == ["'none'"]:
        return TestResult("content-security-policy",
                          "csp-implemented-with-no-unsafe-default-src-none", 10, True,
                          "a strict policy with default-src 'none'")
    return TestResult("content-security-policy", "csp-implemented-with-no-unsafe", 0, True,
                      "a policy without unsafe sources")


def parse_set_cookies(values: list[str]) -> list[dict[str, Any]]:
    cookies = []
    for raw in values:
        name = raw.split("=", 1)[0].strip()
        attrs = {a.strip().split("=", 1)[0].lower(): (a.split("=", 1)[1].strip()
                                                      if "=" in a else True)
                 for a in raw.split(";")[1:] if a.strip()}
        cookies.append({"name": name, "secure": "secure" in attrs,
                        "httponly": "httponly" in attrs,
                        "samesite": str(attrs.get("samesite", "")).lower(),
                        "session": bool(SESSION_NAMES.search(name)), "raw": raw})
    return cookies


def assess_cookies(set_cookies: list[str], hsts: bool) -> TestResult:
    fix = "Mark cookies Secure, session cookies HttpOnly too, and set SameSite=Lax or Strict."
    cookies = parse_set_cookies(set_cookies)
    if not cookies:
        return TestResult("cookies", "cookies-not-found", 0, True, "no cookies set")
    names = ", ".join(c["name"] for c in cookies)
    bad_samesite = [c for c in cookies if c["samesite"] and c["samesite"] not in
                    ("lax", "strict", "none")]
    session = [c for c in cookies if c["session"]]
    if any(not c["secure"] for c in session):
        mod = -10 if hsts else -40
        return TestResult("cookies", "cookies-session-without-secure-flag"
                          + ("-but-protected-by-hsts" if hsts else ""), mod, False,
                          f"session cookie without Secure ({names})", fix)
    if any(not c["httponly"] for c in session):
        return TestResult("cookies", "cookies-session-without-httponly-flag", -30, False,
                          f"session cookie readable by scripts (no HttpOnly): {names}", fix)
    if bad_samesite:
        return TestResult("cookies", "cookies-samesite-flag-invalid", -20, False,
                          f"invalid SameSite value: {names}", fix)
    if any(not c["secure"] for c in cookies):
        mod = -5 if hsts else -20
        return TestResult("cookies", "cookies-without-secure-flag"
                          + ("-but-protected-by-hsts" if hsts else ""), mod, False,
                          f"cookie without Secure ({names})", fix)
    if all(c["samesite"] in ("lax", "strict") for c in cookies):
        return TestResult("cookies", "cookies-secure-with-httponly-sessions-and-samesite", 5,
                          True, f"every cookie Secure, sessions HttpOnly, SameSite set ({names})")
    return TestResult("cookies", "cookies-secure-with-httponly-sessions", 0, True,
                      f"every cookie Secure, sessions HttpOnly ({names})")


def assess_cors(home: dict[str, str], preflight: dict[str, str], origin: str) -> TestResult:
    fix = ("Allow only the origins you trust; never reflect the request's Origin together with "
           "Access-Control-Allow-Credentials: true.")
    for source in (preflight, home):
        allowed = source.get("access-control-allow-origin", "")
        creds = source.get("access-control-allow-credentials", "").lower() == "true"
        if allowed == origin and creds:
            return TestResult("cross-origin-resource-sharing",
                              "cross-origin-resource-sharing-implemented-with-universal-access",
                              -50, False, "any origin may read responses with the user's "
                              "cookies (the Origin is reflected, with credentials)", fix)
    if home.get("access-control-allow-origin") == "*":
        return TestResult("cross-origin-resource-sharing",
                          "cross-origin-resource-sharing-implemented-with-public-access", 0,
                          True, "public content readable from any origin, without credentials")
    if preflight.get("access-control-allow-origin") or home.get("access-control-allow-origin"):
        return TestResult("cross-origin-resource-sharing",
                          "cross-origin-resource-sharing-implemented-with-restricted-access", 0,
                          True, "CORS limited to chosen origins")
    return TestResult("cross-origin-resource-sharing",
                      "cross-origin-resource-sharing-not-implemented", 0, True,
                      "no cross-origin access granted")


def assess_redirection(status: int | None, location: str, target_host: str,
                     tls_known: bool) -> TestResult:
    fix = "Redirect every plain-http request to https on the same host (301 or 308)."
    if status is None:
        if not tls_known:
            return TestResult("redirection", "redirection-needs-tls", -20, False,
                              "needs a TLS endpoint: the target is plain http",
                              "serve https and set [target] https_url", needs_tls=True)
        return TestResult("redirection", "redirection-not-needed-no-http", 0, True,
                          "no plain-http endpoint known")
    if status in (301, 302, 303, 307, 308):
        dest = urlsplit(location)
        if dest.scheme != "https":
            return TestResult("redirection", "redirection-not-to-https", -20, False,
                              f"http redirects to {location}", fix)
        if dest.hostname and dest.hostname != target_host:
            return TestResult("redirection", "redirection-off-host-from-http", -5, False,
                              f"http redirects off host to {location}", fix)
        return TestResult("redirection", "redirection-to-https", 0, True,
                          f"http redirects to {location}")
    if not tls_known:
        return TestResult("redirection", "redirection-needs-tls", -20, False,
                          "needs a TLS endpoint: the target is plain http and answers "
                          f"{status}", "serve https and set [target] https_url", needs_tls=True)
    return TestResult("redirection", "redirection-missing", -20, False,
                      f"plain http answers {status} instead of redirecting", fix)


def hsts_max_age(value: str) -> int | None:
    m = re.search(r"max-age\s*=\s*\"?(\d+)", value, re.IGNORECASE)
    return int(m.group(1)) if m else None


def assess_hsts(headers: dict[str, str], https: bool) -> TestResult:
    fix = "Send Strict-Transport-Security: max-age=63072000; includeSubDomains over https."
    if not https:
        return TestResult("strict-transport-security", "hsts-needs-tls", -20, False,
                          "needs a TLS endpoint: HSTS is only honoured over https",
                          "serve https and set [target] https_url", needs_tls=True)
    value = headers.get("strict-transport-security", "")
    if not value:
        return TestResult("strict-transport-security", "hsts-not-implemented", -20, False,
                          "no Strict-Transport-Security header", fix)
    age = hsts_max_age(value)
    if age is None:
        return TestResult("strict-transport-security", "hsts-header-invalid", -20, False,
                          f"no max-age in {value!r}", fix)
    if age < SIX_MONTHS:
        return TestResult("strict-transport-security",
                          "hsts-implemented-max-age-less-than-six-months", -10, False,
                          f"max-age={age} is under six months", fix)
    return TestResult("strict-transport-security", "hsts-implemented-max-age-at-least-six-months",
                      0, True, f"max-age={age}")


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script" and a.get("src"):
            self.scripts.append(a)


def external_scripts(html: str, page_url: str) -> list[dict[str, str]]:
    parser = _Scripts()
    parser.feed(html)
    page = urlsplit(page_url)
    out = []
    for s in parser.scripts:
        src = urlsplit(s["src"])
        if src.netloc and (src.scheme or page.scheme, src.netloc) != (page.scheme, page.netloc):
            out.append({"src": s["src"], "integrity": s.get("integrity", ""),
                        "scheme": src.scheme or page.scheme})
    return out


def assess_sri(html: str | None, page_url: str) -> TestResult:
    fix = "Give cross-origin scripts an integrity= hash and load them over https."
    if html is None:
        return TestResult("subresource-integrity", "sri-not-implemented-response-not-html", 0,
                          True, "the page is not HTML")
    ext = external_scripts(html, page_url)
    if not ext:
        return TestResult("subresource-integrity", "sri-not-implemented-but-no-scripts-loaded"
                          if "<script" not in html.lower() else
                          "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0,
                          True, "no cross-origin scripts")
    insecure = [s for s in ext if s["scheme"] != "https"]
    missing = [s for s in ext if not s["integrity"]]
    if missing and insecure:
        return TestResult("subresource-integrity",
                          "sri-not-implemented-and-external-scripts-not-loaded-securely", -50,
                          False, f"cross-origin script over http without integrity: "
                          f"{insecure[0]['src']}", fix)
    if insecure:
        return TestResult("subresource-integrity",
                          "sri-implemented-but-external-scripts-not-loaded-securely", -20, False,
                          f"cross-origin script over http: {insecure[0]['src']}", fix)
    if missing:
        return TestResult("subresource-integrity",
                          "sri-not-implemented-but-external-scripts-loaded-securely", -5, False,
                          f"cross-origin script without integrity: {missing[0]['src']}", fix)
    return TestResult("subresource-integrity", "sri-implemented-and-external-scripts-loaded"
                      "-securely", 5, True, "every cross-origin script has integrity")


def assess_xcto(headers: dict[str, str]) -> TestResult:
    value = headers.get("x-content-type-options", "")
    if not value:
        return TestResult("x-content-type-options", "x-content-type-options-not-implemented",
                          -5, False, "no X-Content-Type-Options header",
                          "Send X-Content-Type-Options: nosniff.")
    if value.strip().lower() != "nosniff":
        return TestResult("x-content-type-options", "x-content-type-options-header-invalid",
                          -5, False, f"invalid value {value!r}",
                          "Send X-Content-Type-Options: nosniff.")
    return TestResult("x-content-type-options", "x-content-type-options-nosniff", 0, True,
                      "nosniff")


def assess_xfo(headers: dict[str, str]) -> TestResult:
    fix = "Send Content-Security-Policy frame-ancestors 'none' (or X-Frame-Options: DENY)."
    csp = parse_csp(headers.get("content-security-policy", "")) or {}
    if "frame-ancestors" in csp:
        return TestResult("x-frame-options", "x-frame-options-implemented-via-csp", 5, True,
                          f"frame-ancestors {' '.join(csp['frame-ancestors'])}")
    value = headers.get("x-frame-options", "").strip().lower()
    if not value:
        return TestResult("x-frame-options", "x-frame-options-not-implemented", -20, False,
                          "the page can be framed by any site (clickjacking)", fix)
    if value in ("deny", "sameorigin"):
        return TestResult("x-frame-options", "x-frame-options-sameorigin-or-deny", 0, True,
                          value.upper())
    if value.startswith("allow-from"):
        return TestResult("x-frame-options", "x-frame-options-allow-from-origin", 0, True, value)
    return TestResult("x-frame-options", "x-frame-options-header-invalid", -20, False,
                      f"invalid value {value!r}", fix)


def assess_referrer(headers: dict[str, str]) -> TestResult:
    fix = "Send Referrer-Policy: strict-origin-when-cross-origin (or stricter)."
    raw = headers.get("referrer-policy", "")
    if not raw:
        return TestResult("referrer-policy", "referrer-policy-not-implemented", 0, True,
                          "no Referrer-Policy (browsers default to "
                          "strict-origin-when-cross-origin)")
    values = [v.strip().lower() for v in raw.split(",") if v.strip()]
    valid = [v for v in values if v in VALID_REFERRERS]
    if not valid:
        return TestResult("referrer-policy", "referrer-policy-header-invalid", -5, False,
                          f"invalid value {raw!r}", fix)
    last = valid[-1]  # browsers use the last value they understand
    if last in UNSAFE_REFERRERS:
        return TestResult("referrer-policy", "referrer-policy-unsafe", -5, False,
                          f"{last} leaks full URLs or origins", fix)
    if last in PRIVATE_REFERRERS:
        return TestResult("referrer-policy", "referrer-policy-private", 5, True, last)
    return TestResult("referrer-policy", "referrer-policy-no-referrer-when-downgrade", 0, True,
                      last)


CROSS_ORIGIN = {
    "cross-origin-resource-policy": {"same-site", "same-origin", "cross-origin"},
    "cross-origin-opener-policy": {"unsafe-none", "same-origin-allow-popups", "same-origin",
                                   "noopener-allow-popups"},
    "cross-origin-embedder-policy": {"unsafe-none", "require-corp", "credentialless"},
}


def assess_cross_origin(headers: dict[str, str]) -> list[TestResult]:
    out = []
    for name, valid in CROSS_ORIGIN.items():
        value = headers.get(name, "").split(";")[0].strip().lower()
        if not value:
            out.append(TestResult(name, f"{name}-not-implemented", 0, True, "not set"))
        elif value in valid:
            out.append(TestResult(name, f"{name}-implemented", 10, True, value))
        else:
            out.append(TestResult(name, f"{name}-header-invalid", -5, False,
                                  f"invalid value {value!r}", f"Fix the {name} header."))
    return out


@dataclass
class Inputs:
    url: str  # the page graded (https when a TLS endpoint is known)
    headers: dict[str, str]  # lower-case names; Set-Cookie kept separately
    set_cookies: list[str]
    html: str | None
    preflight: dict[str, str]
    probe_origin: str
    http_status: int | None  # the plain-http endpoint's answer (None: none known)
    http_location: str
    tls_known: bool


def run_tests(i: Inputs) -> list[TestResult]:
    https = urlsplit(i.url).scheme == "https"
    hsts = https and bool(i.headers.get("strict-transport-security"))
    return [
        assess_csp(i.headers),
        assess_cookies(i.set_cookies, hsts),
        assess_cors(i.headers, i.preflight, i.probe_origin),
        assess_redirection(i.http_status, i.http_location, urlsplit(i.url).hostname or "",
                         i.tls_known),
        assess_referrer(i.headers),
        assess_hsts(i.headers, https),
        assess_sri(i.html, i.url),
        assess_xcto(i.headers),
        assess_xfo(i.headers),
        *assess_cross_origin(i.headers),
    ]
