"""security.tls: the TLS endpoint's protocol versions, certificate and chain.

One handshake per protocol version (TLS 1.0 to 1.3, each pinned as minimum and maximum, with
OpenSSL's security level 0 so that the client itself can still offer the old versions), then a
verifying handshake (system trust store plus ``[target] ca_bundle``) for the chain, hostname
and expiry."""

from __future__ import annotations

import ssl
import warnings
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from golive.checks import Check, CheckContext, higher, lower
from golive.results import Finding, Measurement, Severity
from golive.safety import check_host, connect

VERSIONS = ("TLSv1", "TLSv1_1", "TLSv1_2", "TLSv1_3")
LEGACY = ("TLSv1", "TLSv1_1")
LABEL = {"TLSv1": "TLS 1.0", "TLSv1_1": "TLS 1.1", "TLSv1_2": "TLS 1.2", "TLSv1_3": "TLS 1.3"}


class TLSOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: a certificate expiring sooner is a high finding (warning days: medium)
    expiry_critical_days: int = Field(14, ge=0)
    expiry_warning_days: int = Field(30, ge=0)
    timeout_s: float = Field(5.0, gt=0)


def offered(host: str, port: int, version: str, timeout_s: float,
            allow: tuple[str, ...] = ()) -> bool | None:
    """Whether the server completes a handshake pinned to ``version`` (None: this client's
    OpenSSL cannot offer it, so it is unknown)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.set_ciphers("ALL:@SECLEVEL=0")
            tls_version = getattr(ssl.TLSVersion, version)
            ctx.minimum_version = tls_version
            ctx.maximum_version = tls_version
    except (ValueError, ssl.SSLError, AttributeError):
        return None
    try:
        with connect(host, port, timeout_s, allow) as raw, \
                ctx.wrap_socket(raw, server_hostname=host) as tls:
            return tls.version() is not None
    except ssl.SSLError:
        return False
    except OSError:
        return False


def certificate(host: str, port: int, cafile: str, timeout_s: float,
                allow: tuple[str, ...] = ()) -> tuple[dict[str, Any] | None, str]:
    """The verified peer certificate, or None and the verification error."""
    ctx = ssl.create_default_context(cafile=cafile or None)
    try:
        with connect(host, port, timeout_s, allow) as raw, \
                ctx.wrap_socket(raw, server_hostname=host) as tls:
            return tls.getpeercert(), ""
    except ssl.SSLCertVerificationError as err:
        return None, err.verify_message or str(err)
    except (ssl.SSLError, OSError) as err:
        return None, str(err)


class TLSCheck(Check):
    id = "security.tls"
    title = "TLS: no legacy protocol, a valid certificate chain that is not about to expire"
    fix = "Offer TLS 1.2 and 1.3 only; renew certificates automatically (e.g. ACME)."
    slo = ("legacy_protocols == 0", "days_to_expiry >= 14")
    better = lower("legacy_protocols") | higher("days_to_expiry")
    Options = TLSOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: TLSOptions = self.options  # type: ignore[assignment]
        url = ctx.target if ctx.target.startswith("https://") else ctx.config.target.https_url
        if not url:
            return Measurement.skip("the target is plain http and no TLS endpoint is known",
                                    enable="set [target] https_url (or audit the https URL)")
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or 443
        allow = tuple(ctx.config.target.allow_targets)
        check_host(host, allow)
        protocols = {LABEL[v]: offered(host, port, v, opts.timeout_s, allow) for v in VERSIONS}
        findings: list[Finding] = []
        legacy = [LABEL[v] for v in LEGACY if protocols[LABEL[v]]]
        for name in legacy:
            findings.append(Finding(f"{name} offered", Severity.HIGH, location=f"{host}:{port}",
                                    detail="deprecated (RFC 8996): downgrade and weak ciphers",
                                    fix="Set the minimum protocol to TLS 1.2."))
        if not (protocols["TLS 1.2"] or protocols["TLS 1.3"]):
            findings.append(Finding("Neither TLS 1.2 nor TLS 1.3 offered", Severity.HIGH,
                                    location=f"{host}:{port}", fix=self.fix))
        cert, error = certificate(host, port, ctx.config.target.ca_bundle, opts.timeout_s,
                                  allow)
        metrics: dict[str, float] = {"legacy_protocols": float(len(legacy))}
        evidence: dict[str, Any] = {"endpoint": f"{host}:{port}",
                                    "protocols": {k: ("unknown (this client cannot offer it)"
                                                      if v is None else v)
                                                  for k, v in protocols.items()}}
        if cert is None:
            findings.append(Finding("Certificate not trusted", Severity.HIGH,
                                    location=f"{host}:{port}", detail=error,
                                    fix="Serve the full chain from a trusted CA; the name must "
                                        "match the host."))
        else:
            expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), UTC)
            days = (expires - datetime.now(UTC)).total_seconds() / 86400
            metrics["days_to_expiry"] = round(days, 1)
            subject = dict(x[0] for x in cert.get("subject", ()))
            issuer = dict(x[0] for x in cert.get("issuer", ()))
            evidence.update(subject=subject, issuer=issuer, not_after=expires.isoformat(),
                            san=[v for _, v in cert.get("subjectAltName", ())])
            if days < opts.expiry_critical_days:
                findings.append(Finding("Certificate expires soon", Severity.HIGH,
                                        location=f"{host}:{port}",
                                        detail=f"{days:.0f} days left ({expires:%Y-%m-%d})",
                                        fix="Renew it now and automate renewal."))
            elif days < opts.expiry_warning_days:
                findings.append(Finding("Certificate expires within a month", Severity.MEDIUM,
                                        location=f"{host}:{port}",
                                        detail=f"{days:.0f} days left ({expires:%Y-%m-%d})",
                                        fix="Renew it and automate renewal."))
        shown = ", ".join(k for k, v in protocols.items() if v)
        return Measurement(
            metrics=metrics, findings=findings, evidence=evidence,
            summary=(f"{host}:{port} offers {shown or 'nothing'}; certificate "
                     + (f"valid for {metrics['days_to_expiry']:.0f} more days"
                        if "days_to_expiry" in metrics else f"not trusted: {error}")))
