"""What the server says about itself: a request id per request (``X-Request-ID``, taken from
the client when it is a sane one), one structured JSON log line per request (structlog: method,
route, status, duration, request id; never a header, a body or a query string, so never a
token), and RED metrics per route for Prometheus (prometheus-client; multiprocess mode when
``PROMETHEUS_MULTIPROC_DIR`` is set, as with several workers)."""

from __future__ import annotations

import os
import re
import sys
import time
import uuid
from typing import Any

import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from golive.asgi import ASGIApp, Message, Receive, Scope, Send, header

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = structlog.get_logger("golive.server")


def configure_logging() -> None:
    """JSON lines on stderr, with the request's context bound per request."""
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso", utc=True),
                    structlog.processors.JSONRenderer()],
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True)


class Metrics:
    """The server's Prometheus collectors, in a registry of their own."""

    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry()
        self.requests = Counter("golive_server_requests", "HTTP requests by route and status",
                                ("method", "route", "status"), registry=self.registry)
        self.duration = Histogram(
            "golive_server_request_duration_seconds", "HTTP request duration by route",
            ("method", "route"), registry=self.registry,
            buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
        self.cache = Counter("golive_server_cache", "cache lookups by outcome (hit, miss)",
                             ("outcome",), registry=self.registry)
        self.uploads = Counter("golive_server_uploads", "runs uploaded by outcome",
                               ("outcome",), registry=self.registry)

    def exposition(self) -> tuple[bytes, str]:
        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class Observe:
    """The outermost middleware: request id, log line, metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = header(scope["headers"], b"x-request-id").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def wrapped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = {**message, "headers": [*message["headers"],
                                                  (b"x-request-id", request_id.encode())]}
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, wrapped)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.duration.labels(scope["method"], route).observe(elapsed)
            fields: dict[str, Any] = {"method": scope["method"], "route": route,
                                      "path": scope["path"], "status": status,
                                      "duration_ms": round(elapsed * 1000, 2)}
            log.info("request", **fields)
            structlog.contextvars.unbind_contextvars("request_id")
