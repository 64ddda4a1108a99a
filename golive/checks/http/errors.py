"""http.error_hygiene: bad requests get a clean 4xx, never a 5xx, a stack trace or a banner."""

from __future__ import annotations

import re
import secrets
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from golive.checks import Check, CheckContext, lower
from golive.excerpt import excerpt
from golive.results import Finding, Measurement, Severity

# (pattern, what it reveals)
LEAK_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Traceback \(most recent call last\)"), "a Python stack trace"),
    (re.compile(r'File "[^"]+", line \d+'), "a Python stack frame"),
    (re.compile(r"\bat [\w.$]+\([\w$]+\.(?:java|kt|scala):\d+\)"), "a JVM stack trace"),
    (re.compile(r"\bat .+ \(.*\.[cm]?js:\d+:\d+\)"), "a JavaScript stack trace"),
    (re.compile(r"goroutine \d+ \[running\]"), "a Go panic"),
    (re.compile(r"in /[\w/.-]+\.php on line \d+"), "a PHP error"),
    (re.compile(r"System\.\w+Exception"), "a .NET exception"),
    (re.compile(r"SQLSTATE\[|\b(?:psycopg2?|sqlite3|sqlalchemy\.exc|pymysql)\.\w+"),
     "a database error"),
    (re.compile(r"Werkzeug Debugger|Whitelabel Error Page|DEBUG = True|Django Version:"
                r"|Laravel|<title>Action Controller: Exception"), "a framework debug page"),
]
VERSION_RE = re.compile(r"[A-Za-z][\w.-]*/\d+(?:\.\d+)*")
LEAKY_HEADERS = ("x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-runtime")


class ErrorOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    oversized_bytes: int = 2 * 1024 * 1024


class ErrorHygiene(Check):
    id = "http.error_hygiene"
    title = "Error hygiene"
    fix = ("Return 4xx for bad input, catch unexpected errors with a generic JSON body, "
           "turn off debug mode and drop Server/X-Powered-By details.")
    slo = ("responses_5xx == 0", "leaks == 0")
    better = lower("responses_5xx", "leaks")
    Options = ErrorOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: ErrorOptions = self.options  # type: ignore[assignment]
        token = secrets.token_hex(4)
        post = ctx.site.post_endpoints[0] if ctx.site.post_endpoints else None
        probes: list[tuple[str, str, str, dict[str, str], bytes | None, tuple[int, ...]]] = [
            ("not found", "GET", f"/golive-probe-{token}", {}, None, (404,)),
            ("wrong method", "PUT", "/", {"Content-Type": "application/json"}, b"{}", (405,)),
        ]
        if post:
            probes += [
                ("malformed body", "POST", post, {"Content-Type": "application/json"},
                 b'{"golive": "probe", ', (400, 422)),
                ("oversized body", "POST", post, {"Content-Type": "application/json"},
                 b'{"pad": "' + b"x" * opts.oversized_bytes + b'"}', (413,)),
            ]
        rows: list[dict[str, Any]] = []
        findings: list[Finding] = []
        n5xx = leaks = 0
        for name, method, path, headers, body, ideal in probes:
            try:
                response = ctx.client.request(method, path, headers=headers, content=body)
            except httpx.TransportError as err:
                if name == "oversized body":  # a server may reset an oversized upload
                    rows.append({"probe": name, "method": method, "path": path,
                                 "status": None, "note": f"connection closed: {err!r}"})
                    continue
                raise
            status = response.status_code
            findings += _header_findings(response.headers, "response headers")
            rows.append({"probe": name, "method": method, "path": path, "status": status,
                         "body": excerpt(response.text, width=300)})
            where = f"{method} {path}"
            if status >= 500:
                n5xx += 1
                findings.append(Finding(
                    f"{name.capitalize()} gives {status}", Severity.HIGH, location=where,
                    detail=excerpt(response.text), fix=f"Answer {ideal[0]} for a {name}.",
                ))
            elif status < 400:
                severity = Severity.MEDIUM if name == "oversized body" else Severity.LOW
                findings.append(Finding(
                    f"{name.capitalize()} accepted with {status}", severity, location=where,
                    detail=f"expected {'/'.join(map(str, ideal))}",
                    fix=f"Answer {ideal[0]} for a {name}"
                    + (" (limit request bodies)" if name == "oversized body" else "") + ".",
                ))
            for pattern, what in LEAK_PATTERNS:
                match = pattern.search(response.text)
                if match:
                    leaks += 1
                    findings.append(Finding(
                        f"Error response reveals {what}", Severity.HIGH, location=where,
                        detail=excerpt(response.text, match.start()), fix=self.fix,
                    ))
                    break
        return Measurement(
            metrics={"probes": float(len(rows)), "responses_5xx": float(n5xx),
                     "leaks": float(leaks)},
            findings=_dedupe(findings), evidence={"probes": rows, "post_endpoint": post},
            summary=f"{len(rows)} bad requests: {n5xx} got 5xx, {leaks} leaked internals",
        )


def _header_findings(headers: httpx.Headers, where: str) -> list[Finding]:
    found = []
    lowered = {k.lower(): v for k, v in headers.items()}
    server = lowered.get("server", "")
    if server:
        versioned = bool(VERSION_RE.search(server))
        found.append(Finding(
            "Server header reveals " + ("software and version" if versioned else "software"),
            Severity.MEDIUM if versioned else Severity.LOW, location=where,
            detail=f"Server: {server}", fix="Remove the Server header or make it generic.",
        ))
    for name in LEAKY_HEADERS:
        if name in lowered:
            found.append(Finding(
                f"{name.title()} header reveals the stack", Severity.MEDIUM, location=where,
                detail=f"{name}: {lowered[name]}", fix=f"Stop sending {name.title()}.",
            ))
    return found


def _dedupe(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))
