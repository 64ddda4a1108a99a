"""The server application: :func:`create_app` builds it on a store (the same history the CLI
writes). Pages are rendered on the server and readable without JavaScript; each has a JSON twin
at the same path plus ``.json``; ``/api/v1`` takes uploads. See docs/server.md."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException

from golive import __version__
from golive.asgi import (
    ASGIApp,
    BodyLimit,
    Compression,
    ExtraHeaders,
    Message,
    Receive,
    Scope,
    Send,
)
from golive.report.html_report import report_css
from golive.server.charts import sparkline
from golive.server.limiting import Cache, Limiter, RedisCache
from golive.server.observe import Metrics, Observe
from golive.server.settings import ServerSettings
from golive.store import Store

#: a page's policy: nothing runs, styles and images only from the server itself
CSP = (b"default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

templates = Environment(loader=PackageLoader("golive", "server/templates"),
                        autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                        lstrip_blocks=True)
templates.globals.update(spark=sparkline, version=__version__)


@dataclass
class Server:
    """What every route reads: the store, the settings, the cache, the limits, the metrics."""

    store: Store
    settings: ServerSettings
    metrics: Metrics
    cache: Cache
    limiter: Limiter
    css: bytes = b""
    css_digest: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def stylesheet(self) -> str:
        return f"/static/golive.{self.css_digest}.css"


def server(request: Request) -> Server:
    found: Server = request.app.state.golive
    return found


def etagged(request: Request, body: bytes, media_type: str, status: int = 200,
            headers: dict[str, str] | None = None) -> Response:
    """A response with a strong ETag; 304 when the client has this very body."""
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    base = {"ETag": tag, "Cache-Control": "no-cache", **(headers or {})}
    if status == 200 and tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=base)
    return Response(body, status_code=status, media_type=media_type, headers=base)


def page(request: Request, template: str, data: dict[str, Any], **context: Any) -> Response:
    """An HTML page (``template`` with ``data`` and ``context``) or, for a path ending in
    ``.json``, its twin: ``data`` as JSON."""
    if request.url.path.endswith(".json"):
        return json_response(request, data)
    s = server(request)
    html = templates.get_template(template).render(
        **{**data, **context}, stylesheet=s.stylesheet, json_href=_json_href(request))
    return etagged(request, html.encode(), "text/html; charset=utf-8")


def _json_href(request: Request) -> str:
    path = request.url.path.rstrip("/") or ""
    query = f"?{request.url.query}" if request.url.query else ""
    return (path if path else "/index") + ".json" + query


def json_response(request: Request, data: Any, status: int = 200) -> Response:
    import json

    body = json.dumps(data, default=str, separators=(",", ":")).encode()
    return etagged(request, body, "application/json", status)


def _error(request: Request, status: int, message: str,
           headers: dict[str, str] | None = None) -> Response:
    wants_json = (request.url.path.startswith("/api/") or request.url.path.endswith(".json")
                  or "application/json" in request.headers.get("accept", ""))
    if wants_json:
        return JSONResponse({"error": message, "status": status}, status_code=status,
                            headers=headers)
    s = server(request)
    html = templates.get_template("base.html.j2").render(
        title=f"{status}: {message}", stylesheet=s.stylesheet, crumbs=[],
        json_href=_json_href(request))
    return Response(html, status_code=status, media_type="text/html; charset=utf-8",
                    headers=headers)


class CatchAll:
    """The innermost middleware: an exception becomes a 500 that names the request id (no
    traceback, no message), logged once, and passes through the outer middlewares (security
    headers, request id, metrics) like any answer. Starlette's own handler for ``Exception``
    answers outside every middleware, so it is not used."""

    def __init__(self, app: ASGIApp, server: Server) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def wrapped(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        except Exception as err:
            import structlog

            structlog.get_logger("golive.server").exception(
                "unhandled", error=type(err).__name__, path=scope["path"])
            if started:  # the answer is on its way: nothing better to do than to end it
                return
            rid = scope.get("state", {}).get("request_id", "")
            response = _error(Request(scope), 500, f"internal error (request {rid})")
            await response(scope, receive, send)


def create_app(settings: ServerSettings | None = None, *, store: Store | None = None
               ) -> FastAPI:
    """The server on ``store`` (else ``settings.store``, which must be migrated already:
    ``golive db upgrade``; the server never migrates)."""
    from golive.server.api import router as api_router
    from golive.server.pages import router as pages_router

    settings = settings or ServerSettings()
    store = store or Store(settings.store, migrate=False)
    metrics = Metrics()
    css = (report_css() + "\n" + templates.loader.get_source(  # type: ignore[union-attr]
        templates, "server.css")[0]).encode()
    cache = (RedisCache(settings.redis_url, settings.cache_ttl_s, metrics)
             if settings.redis_url else Cache(settings.cache_ttl_s, metrics))
    # with Redis the limits count there too, for every worker
    rates = settings.redis_url if settings.redis_url and settings.rate_storage == "memory://" \
        else settings.rate_storage
    state = Server(store, settings, metrics, cache, Limiter(rates), css,
                   hashlib.sha256(css).hexdigest()[:16])
    app = FastAPI(title="golive server", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="Readiness runs per project: upload, browse, compare.")
    app.state.golive = state

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail),
                      dict(exc.headers) if exc.headers else None)

    app.include_router(api_router)
    app.include_router(pages_router)
    app.add_middleware(CatchAll, server=state)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)
    app.add_middleware(Compression)
    app.add_middleware(ExtraHeaders, headers=SECURITY_HEADERS, hsts=True)
    app.add_middleware(Observe, metrics=metrics)
    return app


def app_from_env() -> FastAPI:
    """The factory ``golive server --workers N`` gives uvicorn (settings from the env)."""
    return create_app(ServerSettings.from_env())
