"""security.passive: rules in the spirit of OWASP ZAP's baseline scan, over responses golive
fetches anyway (home page, its assets, the API's GET endpoints, a 404 and a 422). Nothing is
sent that a browser would not send. ZAP rule ids are cited in each finding's title."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field

from golive.checks import Check, CheckContext, lower
from golive.checks.security.observatory import external_scripts, parse_csp, parse_set_cookies
from golive.excerpt import excerpt
from golive.results import Finding, Measurement, Severity

STACK_TRACE = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|"
    r"\bat [\w$.]+\([\w]+\.java:\d+\)|Exception in thread|System\.\w+Exception|"
    r"Werkzeug Debugger|<b>Fatal error</b>|Stack trace:|node_modules/[\w@/.-]+\.js:\d+")
PRIVATE_IP = re.compile(
    r"(?<![\d.])(10\.\d{1,3}\.\d{1,3}\.\d{1,3}|172\.(1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}|"
    r"192\.168\.\d{1,3}\.\d{1,3})(?![\d.])")
VERSION = re.compile(r"\d+\.\d+")
MIXED = re.compile(r"""(?:src|href)\s*=\s*["']http://""", re.IGNORECASE)


class PassiveOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: extra paths to look at (besides the home page, assets and the OpenAPI GETs)
    paths: list[str] = Field(default_factory=list)
    max_responses: int = Field(40, ge=1, le=500)


@dataclass
class Rule:
    zap_id: int
    title: str
    severity: Severity
    fix: str


RULES = {
    "cookie_httponly": Rule(10010, "Cookie without HttpOnly", Severity.MEDIUM,
                            "Set HttpOnly on session cookies."),
    "cookie_secure": Rule(10011, "Cookie without Secure", Severity.MEDIUM,
                          "Set Secure on every cookie (and serve https)."),
    "cookie_samesite": Rule(10054, "Cookie without SameSite", Severity.LOW,
                            "Set SameSite=Lax (or Strict) on cookies."),
    "csp_missing": Rule(10038, "Content Security Policy header not set", Severity.MEDIUM,
                        "Send a Content-Security-Policy on HTML responses."),
    "csp_weak": Rule(10055, "CSP allows unsafe sources", Severity.MEDIUM,
                     "Remove 'unsafe-inline', 'unsafe-eval' and wildcards from script-src."),
    "clickjacking": Rule(10020, "Missing anti-clickjacking header", Severity.MEDIUM,
                         "Send frame-ancestors 'none' in the CSP or X-Frame-Options: DENY."),
    "nosniff": Rule(10021, "X-Content-Type-Options header missing", Severity.LOW,
                    "Send X-Content-Type-Options: nosniff."),
    "server_version": Rule(10036, "Server leaks version information", Severity.LOW,
                           "Drop the version from the Server header."),
    "powered_by": Rule(10037, "Server leaks X-Powered-By", Severity.LOW,
                       "Remove the X-Powered-By header."),
    "stack_trace": Rule(90022, "Application error disclosure (stack trace)", Severity.HIGH,
                        "Turn debug mode off; answer errors with a generic body."),
    "private_ip": Rule(2, "Private IP disclosure", Severity.LOW,
                       "Do not expose internal addresses in responses."),
    "cacheable_session": Rule(10015, "Response setting a session cookie may be cached",
                              Severity.MEDIUM,
                              "Send Cache-Control: no-store (or private) with session cookies."),
    "mixed_content": Rule(10040, "Secure page includes mixed content", Severity.MEDIUM,
                          "Load every subresource over https."),
    "sri_missing": Rule(90003, "Sub Resource Integrity attribute missing", Severity.LOW,
                        "Add integrity= to cross-origin scripts."),
    "cross_domain_js": Rule(10017, "Cross-domain JavaScript source file inclusion",
                            Severity.INFO, "Host third-party scripts yourself, or pin them "
                            "with SRI."),
}


def _finding(key: str, location: str, detail: str) -> Finding:
    rule = RULES[key]
    return Finding(f"{rule.title} (ZAP {rule.zap_id})", rule.severity, location=location,
                   detail=detail, fix=rule.fix)


def inspect(path: str, response: httpx.Response) -> list[Finding]:
    """Every passive rule against one response."""
    out: list[Finding] = []
    headers = {k.lower(): v for k, v in response.headers.items()}
    ctype = headers.get("content-type", "")
    is_html = "html" in ctype
    for c in parse_set_cookies(response.headers.get_list("set-cookie")):
        if not c["secure"]:
            out.append(_finding("cookie_secure", path, f"cookie {c['name']}"))
        if c["session"] and not c["httponly"]:
            out.append(_finding("cookie_httponly", path, f"cookie {c['name']}"))
        if c["samesite"] not in ("lax", "strict"):
            out.append(_finding("cookie_samesite", path, f"cookie {c['name']}"
                                + (f" (SameSite={c['samesite']})" if c["samesite"] else "")))
        cache = headers.get("cache-control", "").lower()
        if c["session"] and "no-store" not in cache and "private" not in cache:
            out.append(_finding("cacheable_session", path,
                                f"Cache-Control: {cache or '(none)'} with cookie {c['name']}"))
    if is_html:
        csp_text = headers.get("content-security-policy", "")
        csp = parse_csp(csp_text) if csp_text else None
        if not csp:
            out.append(_finding("csp_missing", path, "no enforced Content-Security-Policy"))
        else:
            script = csp.get("script-src", csp.get("default-src", []))
            weak = sorted({"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data:"}
                          & set(script))
            if weak:
                out.append(_finding("csp_weak", path, f"script sources include {' '.join(weak)}"))
        if "frame-ancestors" not in (csp or {}) and headers.get("x-frame-options", "").lower() \
                not in ("deny", "sameorigin"):
            out.append(_finding("clickjacking", path, "no frame-ancestors, no X-Frame-Options"))
        scheme = urlsplit(str(response.url)).scheme
        if scheme == "https" and MIXED.search(response.text):
            out.append(_finding("mixed_content", path, "http:// subresource on an https page"))
        for s in external_scripts(response.text, str(response.url)):
            out.append(_finding("cross_domain_js", path, s["src"]))
            if not s["integrity"]:
                out.append(_finding("sri_missing", path, s["src"]))
    if headers.get("x-content-type-options", "").lower() != "nosniff" and response.content:
        out.append(_finding("nosniff", path, f"{ctype or 'no content type'}"))
    server = headers.get("server", "")
    if VERSION.search(server):
        out.append(_finding("server_version", path, f"Server: {server}"))
    if headers.get("x-powered-by"):
        out.append(_finding("powered_by", path, f"X-Powered-By: {headers['x-powered-by']}"))
    if ctype.startswith(("text/", "application/json", "application/problem")):
        body = response.text[:200_000]
        trace = STACK_TRACE.search(body)
        if trace:
            out.append(_finding("stack_trace", path, f"{response.status_code}: "
                                f"{excerpt(body, trace.start(), width=200)}"))
        ip = PRIVATE_IP.search(body)
        if ip:
            out.append(_finding("private_ip", path, ip.group(0)))
    return out


def dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and detail; the locations it was seen at are joined."""
    merged: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        merged.setdefault((f.title, f.detail if "cookie" in f.detail or f.title.startswith(
            ("Server leaks", "Private IP", "Application error")) else ""), []).append(f)
    out = []
    for group in merged.values():
        first = group[0]
        places = list(dict.fromkeys(f.location for f in group))
        location = ", ".join(places[:5]) + (f" (+{len(places) - 5} more)" if len(places) > 5
                                            else "")
        out.append(Finding(first.title, first.severity, location=location,
                           detail=first.detail, fix=first.fix))
    return out


class PassiveScan(Check):
    id = "security.passive"
    title = "Passive scan (ZAP baseline rules)"
    fix = "Fix each finding; the rule ids are ZAP's, its docs explain them."
    slo = ("high_findings == 0",)
    better = lower("high_findings", "findings")
    Options = PassiveOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: PassiveOptions = self.options  # type: ignore[assignment]
        paths = ["/", *[a.url for a in ctx.site.static_assets],
                 *ctx.site.get_endpoints[1:], *opts.paths,
                 "/golive-passive-404", "/api/golive-passive-404?id=%00"]
        seen: list[dict[str, Any]] = []
        findings: list[Finding] = []
        for path in list(dict.fromkeys(paths))[:opts.max_responses]:
            try:
                response = ctx.site.get(path)
            except httpx.HTTPError as err:
                seen.append({"path": path, "error": type(err).__name__})
                continue
            seen.append({"path": path, "status": response.status_code,
                         "content_type": response.headers.get("content-type", "")})
            findings += inspect(path, response)
        merged = dedupe(findings)
        counts = {s: sum(1 for f in merged if f.severity == s) for s in Severity}
        return Measurement(
            metrics={"responses": float(len(seen)),
                     "high_findings": float(counts[Severity.HIGH] + counts[Severity.CRITICAL]),
                     "findings": float(len(merged))},
            findings=merged, evidence={"responses": seen},
            summary=f"{len(seen)} responses, {len(merged)} finding(s)")
