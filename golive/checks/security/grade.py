"""security.observatory: the target's headers graded as the MDN HTTP Observatory does (v6)."""

from __future__ import annotations

import httpx

from golive.checks import Check, CheckContext, higher, lower
from golive.checks.security.observatory import Inputs, grade, run_tests, score
from golive.results import Finding, Measurement, Severity
from golive.site import tls_verify

PROBE_ORIGIN = "https://golive-probe.invalid"


def _severity(modifier: int) -> Severity:
    if modifier <= -40:
        return Severity.CRITICAL if modifier <= -50 else Severity.HIGH
    if modifier <= -20:
        return Severity.MEDIUM
    return Severity.LOW


def lower_headers(response: httpx.Response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items() if k.lower() != "set-cookie"}


class ObservatoryGrade(Check):
    id = "security.observatory"
    title = "Security headers graded (MDN HTTP Observatory, v6)"
    fix = "Fix the failing tests, largest penalty first (each finding names its fix)."
    slo = ("observatory_score >= 90",)
    better = higher("observatory_score", "observatory_score_plain_http") | lower("tests_failed")

    def run(self, ctx: CheckContext) -> Measurement:
        target = ctx.target.rstrip("/")
        https_url = ctx.config.target.https_url.rstrip("/")
        page_url = target if target.startswith("https://") else (https_url or target)
        verify = tls_verify(ctx.config.target.ca_bundle)
        with ctx.http(base_url=page_url, timeout=ctx.config.target.timeout_s, verify=verify,
                          headers=ctx.config.target.headers, follow_redirects=True) as client:
            page = client.get("/")
            preflight = client.request("OPTIONS", "/", headers={
                "Origin": PROBE_ORIGIN, "Access-Control-Request-Method": "GET"})
        http_status: int | None = None
        location = ""
        if target.startswith("http://"):
            plain = ctx.client.get("/")
            http_status, location = plain.status_code, plain.headers.get("location", "")
        html = page.text if "html" in page.headers.get("content-type", "") else None
        tests = run_tests(Inputs(
            url=str(page.url).rstrip("/"), headers=lower_headers(page),
            set_cookies=page.headers.get_list("set-cookie"), html=html,
            preflight=lower_headers(preflight), probe_origin=PROBE_ORIGIN,
            http_status=http_status, http_location=location,
            tls_known=page_url.startswith("https://")))
        full = score(tests)
        assessable = [t for t in tests if not t.needs_tls]
        without = score(assessable)
        needs_tls = [t.test for t in tests if t.needs_tls]
        findings = [Finding(f"Observatory: {t.result}", _severity(t.modifier), location=t.test,
                            detail=f"{t.description} ({t.modifier:+d})", fix=t.fix)
                    for t in assessable if t.modifier < 0]
        metrics = {"observatory_score": float(without if needs_tls else full),
                   "tests_failed": float(sum(1 for t in assessable if not t.passed))}
        summary = f"grade {grade(full)} ({full}/100)"
        if needs_tls:
            metrics["observatory_score_plain_http"] = float(full)
            summary = (f"grade {grade(without)} ({without}) without the tests that need a TLS "
                       f"endpoint ({', '.join(needs_tls)}); {grade(full)} ({full}) with their "
                       "penalties, as the Observatory would grade plain http")
        return Measurement(
            metrics=metrics, findings=findings, summary=summary,
            evidence={"graded_url": str(page.url), "grade": grade(full), "score": full,
                      "grade_without_tls_tests": grade(without), "needs_tls": needs_tls,
                      "tests": [t.to_dict() for t in tests], "algorithm": "observatory v6"})
