"""http.tls: plain HTTP redirects to HTTPS, and the HTTPS endpoint sends a long HSTS."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import BaseModel, ConfigDict

from golive.checks import Check, CheckContext, higher
from golive.checks.http.caching import parse_cache_control
from golive.checks.http.headers import HSTS_MIN_AGE_S
from golive.results import Finding, Measurement, Severity
from golive.safety import check_target
from golive.site import tls_verify


class TLSOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_hsts_age_s: int = HSTS_MIN_AGE_S


class TLSRedirect(Check):
    id = "http.tls"
    title = "HTTPS redirect and HSTS"
    fix = ("Redirect every http:// request to https:// with 301/308 and send "
           "Strict-Transport-Security: max-age=31536000; includeSubDomains.")
    slo = ("redirects_to_https == 1", "hsts_max_age_s >= 15552000")
    better = higher("redirects_to_https", "hsts_max_age_s")
    Options = TLSOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: TLSOptions = self.options  # type: ignore[assignment]
        cfg = ctx.config.target
        https_url = cfg.https_url or (ctx.target if ctx.target.startswith("https://") else "")
        if not https_url:
            return Measurement.skip(
                "needs a TLS endpoint: the target is plain http",
                enable="set [target] https_url = 'https://…' in golive.toml",
            )
        check_target(https_url, cfg.allow_targets)
        plain_url = ctx.target if ctx.target.startswith("http://") else _as_http(https_url)
        findings: list[Finding] = []
        evidence: dict[str, object] = {"https_url": https_url, "http_url": plain_url}
        verify = tls_verify(cfg.ca_bundle)
        metrics: dict[str, float] = {}
        with ctx.http(verify=verify, timeout=cfg.timeout_s) as client:
            try:
                plain = client.get(plain_url, follow_redirects=False)
                location = plain.headers.get("location", "")
                redirects = plain.status_code in (301, 302, 307, 308) and location.startswith(
                    "https://")
                evidence["http_status"] = plain.status_code
                evidence["location"] = location
                metrics["redirects_to_https"] = 1.0 if redirects else 0.0
                if not redirects:
                    findings.append(Finding(
                        "Plain HTTP is not redirected to HTTPS", Severity.HIGH,
                        location=plain_url, detail=f"answered {plain.status_code}",
                        fix="Redirect http:// to https:// with 301 or 308.",
                    ))
                elif plain.status_code in (302, 307):
                    findings.append(Finding(
                        "HTTPS redirect is temporary", Severity.LOW, location=plain_url,
                        detail=f"{plain.status_code} -> {location}",
                        fix="Use a permanent redirect (301 or 308).",
                    ))
            except httpx.TransportError as err:
                evidence["http_error"] = repr(err)
            try:
                secure = client.get(https_url)
            except httpx.ConnectError as err:
                findings.append(Finding(
                    "HTTPS endpoint unusable", Severity.HIGH, location=https_url,
                    detail=str(err)[:300],
                    fix="Serve a certificate the client trusts (or set [target] ca_bundle).",
                ))
                return Measurement(metrics=metrics, findings=findings, evidence=evidence,
                                   summary="TLS handshake failed")
        hsts = secure.headers.get("strict-transport-security", "")
        evidence["hsts"] = hsts
        max_age = parse_cache_control(hsts.replace(";", ",")).get("max-age")
        age = int(max_age) if max_age and max_age.isdigit() else 0
        metrics["hsts_max_age_s"] = float(age)
        if not hsts:
            findings.append(Finding("No HSTS header", Severity.HIGH, location=https_url,
                                    fix=self.fix))
        elif age < opts.min_hsts_age_s:
            findings.append(Finding(
                "HSTS max-age shorter than six months", Severity.MEDIUM, location=https_url,
                detail=hsts, fix=f"Use max-age of at least {opts.min_hsts_age_s}.",
            ))
        return Measurement(
            metrics=metrics, findings=findings, evidence=evidence,
            summary=f"http -> {evidence.get('http_status', '?')}, HSTS max-age {age}s",
        )


def _as_http(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    return urlunsplit(("http", netloc, parts.path or "/", parts.query, ""))
