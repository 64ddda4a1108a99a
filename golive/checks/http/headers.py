"""http.security_headers: the basic security headers are present.

The graded check (MDN Observatory scoring, CSP analysis) lives in the security area; this one
only asks whether each header is there, on the home page and on an API response.
"""

from __future__ import annotations

from golive.checks import Check, CheckContext, lower
from golive.results import Finding, Measurement, Severity

HSTS_MIN_AGE_S = 15_552_000  # six months


class SecurityHeaders(Check):
    id = "http.security_headers"
    title = "Basic security headers"
    fix = ("Send Content-Security-Policy, X-Content-Type-Options: nosniff, "
           "X-Frame-Options: DENY (or CSP frame-ancestors) and Referrer-Policy.")
    slo = ("missing_headers == 0",)
    better = lower("missing_headers")

    def run(self, ctx: CheckContext) -> Measurement:
        site = ctx.site
        paths = ["/", *site.list_endpoints[:1]]
        https = ctx.target.startswith("https://")
        findings: list[Finding] = []
        seen: dict[str, dict[str, str]] = {}
        missing = 0
        for path in paths:
            response = site.get(path)
            headers = {k.lower(): v for k, v in response.headers.items()}
            seen[path] = {k: v for k, v in headers.items() if k in _INTERESTING}
            html = "html" in headers.get("content-type", "")
            csp = headers.get("content-security-policy", "")
            expected = [
                ("x-content-type-options", headers.get("x-content-type-options", "").lower()
                 == "nosniff", Severity.MEDIUM, "X-Content-Type-Options: nosniff"),
                ("referrer-policy", "referrer-policy" in headers, Severity.LOW,
                 "Referrer-Policy: strict-origin-when-cross-origin"),
            ]
            if html:
                expected += [
                    ("content-security-policy", bool(csp), Severity.HIGH,
                     "Content-Security-Policy: default-src 'self'"),
                    ("x-frame-options", "x-frame-options" in headers
                     or "frame-ancestors" in csp, Severity.MEDIUM,
                     "X-Frame-Options: DENY, or CSP frame-ancestors 'none'"),
                ]
            if https:
                expected.append(("strict-transport-security",
                                 "strict-transport-security" in headers, Severity.HIGH,
                                 f"Strict-Transport-Security: max-age={HSTS_MIN_AGE_S}"))
            for name, present, severity, example in expected:
                if not present:
                    missing += 1
                    findings.append(Finding(
                        f"Missing {_TITLE[name]}", severity, location=path,
                        detail=f"{'HTML' if html else 'API'} response without {_TITLE[name]}",
                        fix=f"Send {example}.",
                    ))
        evidence: dict[str, object] = {"headers": seen}
        if not https:
            evidence["hsts"] = "needs a TLS endpoint: HSTS is checked over https only"
        return Measurement(
            metrics={"missing_headers": float(missing)}, findings=findings, evidence=evidence,
            summary=(f"{missing} basic security header(s) missing" if missing
                     else f"basic security headers present on {len(paths)} response(s)"),
        )


_TITLE = {
    "content-security-policy": "Content-Security-Policy",
    "x-content-type-options": "X-Content-Type-Options",
    "x-frame-options": "X-Frame-Options",
    "referrer-policy": "Referrer-Policy",
    "strict-transport-security": "Strict-Transport-Security",
}
_INTERESTING = set(_TITLE) | {"permissions-policy", "cross-origin-opener-policy",
                              "cross-origin-resource-policy", "server", "x-powered-by"}
