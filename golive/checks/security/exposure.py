"""security.exposed_docs: interactive API docs, schemas, GraphQL introspection and debug
toolbars reachable on the audited deployment.

Each probe is one GET (one POST for GraphQL introspection), and a path counts only when its
answer carries the tool's signature (Swagger UI's and ReDoc's bundles, an OpenAPI document,
an introspection result, a toolbar's markup): a catch-all 200 page is not a finding. Docs the
team means to publish (``[security] public_docs = true``) are reported as info.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from golive.checks import Check, CheckContext, lower
from golive.checks.security.settings import SecurityConfig
from golive.results import Finding, Measurement, Severity


def _has(pattern: str) -> Callable[[httpx.Response], bool]:
    found = re.compile(pattern, re.IGNORECASE)
    return lambda r: bool(found.search(r.text[:200_000]))


def _schema(r: httpx.Response) -> bool:
    try:
        data = r.json()
    except ValueError:
        return False
    return isinstance(data, dict) and ("openapi" in data or "swagger" in data) and "paths" in data


@dataclass(frozen=True)
class Exposure:
    path: str
    what: str
    kind: str  # docs | schema | debug
    signature: Callable[[httpx.Response], bool]


SWAGGER = _has(r"swagger-ui|SwaggerUIBundle")
EXPOSURES = (
    Exposure("/docs", "Swagger UI (interactive API docs)", "docs", SWAGGER),
    Exposure("/swagger", "Swagger UI", "docs", SWAGGER),
    Exposure("/swagger-ui", "Swagger UI", "docs", SWAGGER),
    Exposure("/swagger-ui.html", "Swagger UI (Springdoc)", "docs", SWAGGER),
    Exposure("/swagger/index.html", "Swagger UI (Swashbuckle)", "docs", SWAGGER),
    Exposure("/api/docs", "Swagger UI", "docs", SWAGGER),
    Exposure("/redoc", "ReDoc (API docs)", "docs", _has(r"redoc")),
    Exposure("/openapi.json", "the OpenAPI schema", "schema", _schema),
    Exposure("/swagger.json", "the Swagger schema", "schema", _schema),
    Exposure("/v3/api-docs", "the OpenAPI schema (Springdoc)", "schema", _schema),
    Exposure("/api-docs", "the API schema", "schema", _schema),
    Exposure("/__debug__/", "Django Debug Toolbar", "debug", _has(r"djdt|debug toolbar")),
    Exposure("/_debug_toolbar/", "Flask-DebugToolbar", "debug",
             _has(r"flDebug|debug toolbar")),
)
INTROSPECTION = {"query": "query { __schema { queryType { name } types { name } } }"}
SEVERITY = {"docs": Severity.MEDIUM, "schema": Severity.INFO, "graphql": Severity.MEDIUM,
            "debug": Severity.HIGH}
WHY = {
    "docs": "anyone can browse and call every operation from a page the service serves",
    "schema": "the whole API surface is published (usually fine for a public API; golive "
              "reads it too)",
    "graphql": "introspection hands out the whole schema, including fields the UI never uses",
    "debug": "a debug toolbar shows settings, SQL and request data, and often runs code",
}


ADMIN_PATHS = ("/admin/login/", "/admin/", "/admin/login", "/admin")
#: the pairs admin panels ship with or tutorials set; at most this many attempts per audit
DEFAULT_CREDENTIALS = (("admin", "admin"), ("admin", "password"), ("admin", "admin123"),
                       ("root", "root"))


class _Form(HTMLParser):
    """The first form with a password field: its action, method and fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = {"action": a.get("action", ""), "method": a.get("method", "get"),
                             "fields": {}, "password": "", "user": ""}
        elif tag == "input" and self._current is not None and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "password":
                self._current["password"] = a["name"]
            elif kind in ("text", "email") and not self._current["user"]:
                self._current["user"] = a["name"]
            elif kind in ("hidden", "submit"):
                self._current["fields"][a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._current is not None:
            self.forms.append(self._current)
            self._current = None

    def login_form(self) -> dict[str, Any] | None:
        return next((f for f in self.forms if f["password"] and f["user"]), None)


def login_form(html: str) -> dict[str, Any] | None:
    parser = _Form()
    try:
        parser.feed(html[:200_000])
    except Exception:
        return None
    return parser.login_form()


class ExposedDocs(Check):
    id = "security.exposed_docs"
    title = "No API docs, introspection or debug toolbars exposed in production"
    fix = ("Serve docs only where they are meant to be public (or behind a login): FastAPI "
           "docs_url=None/redoc_url=None, GraphQL introspection off, debug toolbars never "
           "installed in production.")
    slo = ("exposed == 0",)
    better = lower("exposed")

    def run(self, ctx: CheckContext) -> Measurement:
        public = ctx.config.table(SecurityConfig).public_docs
        graphql = sorted({p for p, _ in ctx.site.operations("post") if "graphql" in p}
                         | {"/graphql"})
        findings: list[Finding] = []
        log: list[dict[str, Any]] = []
        for item in EXPOSURES:
            try:
                r = ctx.client.get(item.path, auth=None)
            except httpx.HTTPError as err:
                log.append({"path": item.path, "error": type(err).__name__})
                continue
            hit = r.status_code == 200 and item.signature(r)
            log.append({"path": item.path, "status": r.status_code, "exposed": hit})
            if hit:
                findings.append(self._finding(item.kind, item.what, f"GET {item.path}", public))
        for path in graphql:
            try:
                r = ctx.client.request("POST", path, json=INTROSPECTION, auth=None)
                data = r.json() if r.status_code == 200 else None
            except (httpx.HTTPError, ValueError, json.JSONDecodeError):
                data = None
            open_schema = isinstance(data, dict) and isinstance(
                (data.get("data") or {}).get("__schema"), dict)
            log.append({"path": path, "graphql_introspection": open_schema})
            if open_schema:
                findings.append(self._finding("graphql", "GraphQL introspection",
                                              f"POST {path}", public))
        findings += self._admin(ctx, log)
        counted = [f for f in findings if f.severity is not Severity.INFO]
        where = ", ".join(f.location for f in findings) or "nothing"
        return Measurement(
            metrics={"exposed": float(len(counted)), "probes": float(len(log))},
            findings=findings, evidence={"probes": log, "public_docs": public},
            summary=f"{len(log)} paths probed; reachable: {where}"
                    + (" (public_docs = true: reported as info)" if public and findings else ""))

    def _admin(self, ctx: CheckContext, log: list[dict[str, Any]]) -> list[Finding]:
        """An admin login page: reachable is info; accepting a default pair is critical. Each
        pair is one login attempt with a fresh cookie jar (the form's CSRF token included)."""
        for path in ADMIN_PATHS:
            with ctx.http(base_url=ctx.target, timeout=ctx.config.target.timeout_s,
                          follow_redirects=False) as probe:
                try:
                    page = probe.get(path)
                except httpx.HTTPError:
                    continue
                form = login_form(page.text) if page.status_code == 200 else None
            if form is None:
                continue
            log.append({"path": path, "admin_login": True})
            action = urljoin(path, form["action"] or path)
            for user, password in DEFAULT_CREDENTIALS:
                with ctx.http(base_url=ctx.target, timeout=ctx.config.target.timeout_s,
                              follow_redirects=False) as probe:
                    try:
                        fresh = login_form(probe.get(path).text) or form
                        r = probe.post(action, data={**fresh["fields"], fresh["user"]: user,
                                                     fresh["password"]: password},
                                       headers={"Referer": f"{ctx.target}{path}"})
                    except httpx.HTTPError:
                        break
                log.append({"path": action, "default_credentials": user, "status": r.status_code})
                if _signed_in(r):
                    return [Finding(
                        "Admin login accepts default credentials", Severity.CRITICAL,
                        location=f"POST {action}",
                        detail=f"the pair {user}/<default> signed in ({r.status_code})",
                        fix="change the admin password (and user name), allow the admin only "
                            "from the office or VPN, add a second factor")]
            return [Finding("Admin login reachable", Severity.INFO, location=f"GET {path}",
                            detail=f"refused {len(DEFAULT_CREDENTIALS)} default pairs",
                            fix="serve the admin only on an internal host or behind a VPN")]
        return []

    def _finding(self, kind: str, what: str, where: str, public: bool) -> Finding:
        severity = Severity.INFO if public and kind != "debug" else SEVERITY[kind]
        return Finding(f"Exposed: {what}", severity, location=where, detail=WHY[kind],
                       fix=("meant to be public: nothing to do" if severity is Severity.INFO
                            and public else self.fix))


def _signed_in(response: httpx.Response) -> bool:
    """A login that worked: a redirect away from the login page (what Django, Rails, Laravel
    and Flask-Admin answer; a page of 200 could be the form again with an error)."""
    if response.status_code in (301, 302, 303, 307, 308):
        target = urlsplit(response.headers.get("location", "")).path
        return bool(target) and "login" not in target.lower()
    return False
