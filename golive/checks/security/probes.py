"""security.probes: bounded active probes that change nothing: CORS with a foreign Origin,
sensitive files, HTTP methods, open redirects, authentication of protected paths.

At most a few dozen requests, one at a time. PUT, DELETE and TRACE go only to ``/`` with an
empty body; redirects are never followed."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field

from golive.checks import Check, CheckContext, lower
from golive.checks.security.settings import SecurityConfig
from golive.results import Finding, Measurement, Severity

FOREIGN_ORIGIN = "https://golive-cors-probe.invalid"
REDIRECT_TARGET = "https://golive-redirect-probe.invalid/landing"
REDIRECT_PARAMS = ("next", "url", "redirect", "redirect_uri", "redirect_url", "return",
                   "returnTo", "return_to", "continue", "dest", "destination", "goto", "target")


@dataclass(frozen=True)
class Sensitive:
    path: str
    what: str
    severity: Severity
    signature: Callable[[bytes], bool]


def _text(pattern: str) -> Callable[[bytes], bool]:
    rx = re.compile(pattern.encode(), re.IGNORECASE | re.MULTILINE)
    return lambda body: bool(rx.search(body[:65536]))


SENSITIVE = (
    Sensitive("/.git/HEAD", "Git metadata (the source and its history)", Severity.HIGH,
              _text(r"^ref: refs/|^[0-9a-f]{40}\s*$")),
    Sensitive("/.git/config", "Git configuration", Severity.HIGH, _text(r"\[core\]")),
    Sensitive("/.env", "an environment file (secrets)", Severity.CRITICAL,
              _text(r"^[A-Z][A-Z0-9_]*=")),
    Sensitive("/.env.production", "an environment file (secrets)", Severity.CRITICAL,
              _text(r"^[A-Z][A-Z0-9_]*=")),
    Sensitive("/backup.sql", "a database dump", Severity.CRITICAL,
              _text(r"CREATE TABLE|INSERT INTO|PostgreSQL database dump")),
    Sensitive("/dump.sql", "a database dump", Severity.CRITICAL,
              _text(r"CREATE TABLE|INSERT INTO|PostgreSQL database dump")),
    Sensitive("/backup.zip", "a backup archive", Severity.HIGH, lambda b: b[:4] == b"PK\x03\x04"),
    Sensitive("/.DS_Store", "a macOS folder index", Severity.LOW, lambda b: b[4:8] == b"Bud1"),
    Sensitive("/server-status", "Apache server status", Severity.MEDIUM,
              _text(r"Apache Server Status")),
    Sensitive("/nginx_status", "nginx status", Severity.LOW, _text(r"Active connections:")),
    Sensitive("/phpinfo.php", "phpinfo()", Severity.MEDIUM, _text(r"phpinfo\(\)|PHP Version")),
    Sensitive("/actuator/env", "Spring Boot actuator environment", Severity.HIGH,
              _text(r"propertySources|activeProfiles")),
    Sensitive("/debug/pprof/", "Go pprof profiler", Severity.MEDIUM, _text(r"goroutine")),
    Sensitive("/console", "a debug console", Severity.HIGH,
              _text(r"Werkzeug|interactive console|H2 Console")),
    Sensitive("/__debug__/", "a debug page", Severity.MEDIUM, _text(r"debug toolbar|djdt")),
)


class ProbeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: extra paths whose parameters named like next/url/redirect are tried for open redirects
    redirect_paths: list[str] = Field(default_factory=list)
    sensitive_files: bool = True
    methods: bool = True


def forged_token() -> str:
    """A JWT with alg 'none' claiming an admin: any server that accepts it is broken."""
    def enc(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return f"{enc({'alg': 'none', 'typ': 'JWT'})}.{enc({'sub': 'admin', 'role': 'admin'})}."


class ActiveProbes(Check):
    id = "security.probes"
    title = "Active probes: CORS, sensitive files, methods, open redirects, authentication"
    fix = "Fix each finding (it names the request that showed it)."
    slo = ("high_findings == 0",)
    better = lower("high_findings", "findings")
    Options = ProbeOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: ProbeOptions = self.options  # type: ignore[assignment]
        log: list[dict[str, Any]] = []
        findings: list[Finding] = []

        def send(method: str, path: str, **kw: Any) -> httpx.Response | None:
            try:
                r = ctx.client.request(method, path, **kw)
            except httpx.HTTPError as err:
                log.append({"method": method, "path": path, "error": type(err).__name__})
                return None
            log.append({"method": method, "path": path, "status": r.status_code})
            return r

        findings += self._cors(ctx, send)
        if opts.sensitive_files:
            findings += self._files(send)
        if opts.methods:
            findings += self._methods(send)
        findings += self._redirects(ctx, opts, send)
        findings += self._malformed(ctx, send)
        auth, protected = self._auth(ctx, send)
        findings += auth
        high = sum(1 for f in findings if f.severity in (Severity.HIGH, Severity.CRITICAL))
        return Measurement(
            metrics={"requests": float(len(log)), "high_findings": float(high),
                     "findings": float(len(findings)), "protected_paths": float(protected)},
            findings=findings, evidence={"requests": log},
            summary=f"{len(log)} probe requests, {len(findings)} finding(s)")

    def _cors(self, ctx: CheckContext, send: Callable[..., httpx.Response | None]
              ) -> list[Finding]:
        paths = list(dict.fromkeys(["/", *ctx.site.get_endpoints[1:3]]))
        out = []
        for path in paths:
            for method, extra in (("OPTIONS", {"Access-Control-Request-Method": "GET"}),
                                  ("GET", {})):
                r = send(method, path, headers={"Origin": FOREIGN_ORIGIN, **extra})
                if r is None:
                    continue
                allowed = r.headers.get("access-control-allow-origin", "")
                creds = r.headers.get("access-control-allow-credentials", "").lower() == "true"
                where = f"{method} {path}"
                if allowed == FOREIGN_ORIGIN and creds:
                    out.append(Finding(
                        "CORS reflects any origin with credentials", Severity.CRITICAL,
                        location=where, detail=f"Origin: {FOREIGN_ORIGIN} -> "
                        "Access-Control-Allow-Origin echoed, Allow-Credentials: true: any site "
                        "can read this API with the user's cookies",
                        fix="Allow a fixed list of trusted origins; never echo the Origin "
                            "header with credentials."))
                    return out
                if allowed == FOREIGN_ORIGIN:
                    out.append(Finding("CORS reflects any origin", Severity.MEDIUM,
                                       location=where, detail=f"Origin {FOREIGN_ORIGIN} echoed",
                                       fix="Allow a fixed list of trusted origins."))
                    return out
        return out

    def _files(self, send: Callable[..., httpx.Response | None]) -> list[Finding]:
        out = []
        for item in SENSITIVE:
            r = send("GET", item.path)
            if r is not None and r.status_code == 200 and item.signature(r.content):
                out.append(Finding(f"Sensitive file exposed: {item.path}", item.severity,
                                   location=f"GET {item.path}",
                                   detail=f"{item.what} is served ({len(r.content)} bytes)",
                                   fix="Do not deploy it, or deny the path at the proxy."))
        return out

    def _methods(self, send: Callable[..., httpx.Response | None]) -> list[Finding]:
        out = []
        trace = send("TRACE", "/", headers={"X-Golive-Trace": "probe"})
        if trace is not None and trace.status_code == 200 and b"X-Golive-Trace" in trace.content:
            out.append(Finding("HTTP TRACE enabled", Severity.MEDIUM, location="TRACE /",
                               detail="the request is echoed back (cross-site tracing)",
                               fix="Disable TRACE at the server or proxy."))
        for method in ("PUT", "DELETE"):
            r = send(method, "/", content=b"")
            if r is not None and 200 <= r.status_code < 300:
                out.append(Finding(f"Unexpected {method} accepted", Severity.MEDIUM,
                                   location=f"{method} /", detail=f"answered {r.status_code}",
                                   fix=f"Answer {method} with 405 where it is not offered."))
        return out

    def _redirects(self, ctx: CheckContext, opts: ProbeOptions,
                   send: Callable[..., httpx.Response | None]) -> list[Finding]:
        candidates: list[tuple[str, str]] = []
        for path, op in ctx.site.operations("get"):
            if "{" in path:
                continue
            for p in op.get("parameters", []) or []:
                if p.get("in") == "query" and p.get("name") in REDIRECT_PARAMS:
                    candidates.append((path, str(p["name"])))
        for path in ["/", "/login", *opts.redirect_paths]:
            candidates += [(path, name) for name in ("next", "url", "redirect", "return_to")]
        out = []
        for path, name in list(dict.fromkeys(candidates))[:20]:
            r = send("GET", f"{path}?{urlencode({name: REDIRECT_TARGET})}")
            if r is None or r.status_code not in (301, 302, 303, 307, 308):
                continue
            dest = urlsplit(r.headers.get("location", ""))
            if dest.hostname == urlsplit(REDIRECT_TARGET).hostname:
                out.append(Finding("Open redirect", Severity.HIGH, location=f"GET {path}",
                                   detail=f"?{name}={REDIRECT_TARGET} redirects there "
                                   f"({r.status_code})",
                                   fix="Redirect only to relative paths or an allowlist."))
        return out

    def _malformed(self, ctx: CheckContext, send: Callable[..., httpx.Response | None]
                   ) -> list[Finding]:
        """Malformed JSON to the POST endpoints, a wrong type to the list endpoints: a 5xx or
        a stack trace in the answer is a finding."""
        from golive.checks.security.passive import inspect

        requests: list[tuple[str, str, dict[str, Any]]] = [
            ("POST", p, {"content": b'{"golive": ', "headers": {
                "Content-Type": "application/json"}}) for p in ctx.site.post_endpoints[:3]]
        requests += [("GET", f"{p}{'&' if '?' in p else '?'}limit=golive%27%22",
                      {}) for p in ctx.site.list_endpoints[:3]]
        out = []
        for method, path, kw in requests:
            r = send(method, path, **kw)
            if r is None:
                continue
            where = f"{method} {path}"
            if r.status_code >= 500:
                out.append(Finding("Server error on malformed input", Severity.MEDIUM,
                                   location=where, detail=f"answered {r.status_code}",
                                   fix="Validate input and answer 400/422."))
            out += [f for f in inspect(where, r) if "stack trace" in f.title]
        return out

    def _auth(self, ctx: CheckContext, send: Callable[..., httpx.Response | None]
              ) -> tuple[list[Finding], int]:
        out = []
        protected = ctx.config.table(SecurityConfig).protected
        for path in protected:
            for label, headers in (
                    ("without credentials", {}),
                    ("with a forged token", {"Authorization": f"Bearer {forged_token()}",
                                             "Cookie": "session=golive-forged"})):
                # auth=None: not the [auth] login's token, whatever the client sends otherwise
                r = send("GET", path, headers=headers, auth=None)
                if r is not None:
                    out += auth_finding(path, label, r.status_code)
        return out, len(protected)


def auth_finding(path: str, label: str, status: int) -> list[Finding]:
    """What a protected path's answer to a request without valid credentials says: served
    (a bypass), a server error, or refused with another status than 401/403 (only a wording
    matter); a redirect (to a login page) and 401/403 are right."""
    where = f"GET {path}"
    what = "the forged token" if "forged" in label else "the request without credentials"
    if 200 <= status < 300:
        return [Finding(f"Protected path served {label}", Severity.CRITICAL, location=where,
                        detail=f"answered {status} {label}: anyone can read it",
                        fix="Require authentication; answer 401 (or 403) before any work.")]
    if status >= 500:
        return [Finding(f"Server error {label}", Severity.MEDIUM, location=where,
                        detail=f"answered {status}: it did not serve the page, but the "
                               "authentication check fails instead of refusing",
                        fix="Check credentials first and answer 401 (or 403).")]
    if 400 <= status < 500 and status not in (401, 403):
        return [Finding(f"Refused {what} ({status}), not with 401", Severity.LOW,
                        location=where,
                        detail=(f"refused {what} with {status}: not a bypass, but clients "
                                "and monitors read 401/403 as 'log in'"),
                        fix="Answer 401 with WWW-Authenticate (or 403) for missing or bad "
                            "credentials.")]
    return []
