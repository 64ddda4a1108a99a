"""Pure ASGI middlewares of the demo shop: compression, security headers, body limit, banners."""

from __future__ import annotations

import gzip
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import brotli

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COMPRESSIBLE = (b"text/", b"application/json", b"javascript", b"image/svg", b"xml")


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    for k, v in headers:
        if k.lower() == name:
            return v
    return b""


class Compression:
    """br or gzip for compressible bodies of at least ``minimum`` bytes (buffered)."""

    def __init__(self, app: ASGIApp, minimum: int = 512) -> None:
        self.app = app
        self.minimum = minimum

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = _header(scope["headers"], b"accept-encoding").decode("latin-1").lower()
        tokens = {t.split(";")[0].strip(): ("q=0" not in t.replace(" ", ""))
                  for t in accept.split(",") if t.strip()}
        encoding = "br" if tokens.get("br") else "gzip" if tokens.get("gzip") else ""
        start: Message | None = None
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            ctype = _header(headers, b"content-type")
            already = _header(headers, b"content-encoding")
            if (encoding and not already and len(body) >= self.minimum
                    and any(t in ctype for t in COMPRESSIBLE)):
                body = brotli.compress(body, quality=4) if encoding == "br" else gzip.compress(
                    body, compresslevel=6)
                headers.append((b"content-encoding", encoding.encode()))
            if any(t in ctype for t in COMPRESSIBLE):
                headers.append((b"vary", b"Accept-Encoding"))
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, wrapped)


SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     b"object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


class ExtraHeaders:
    """Adds fixed headers to every response; HSTS too when the request came over https."""

    def __init__(self, app: ASGIApp, headers: list[tuple[bytes, bytes]],
                 hsts: bool = False) -> None:
        self.app = app
        self.headers = headers
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(self.headers)
        if self.hsts and scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], *extra]}
            await send(message)

        await self.app(scope, receive, wrapped)


class ResponseCache:
    """A short-lived server-side cache of successful GET responses (the tuned shop's "API
    response caching"): keyed by path, query and negotiated encoding, ``ttl_s`` seconds,
    at most ``max_entries`` (then it starts afresh). Requests with credentials and private
    answers are never cached (golive's security.jwt once got the account of the previous
    caller from it, without a token)."""

    def __init__(self, app: ASGIApp, *, ttl_s: float = 5.0, max_entries: int = 10_000,
                 prefixes: tuple[str, ...] = ("/api/",), exact: tuple[str, ...] = ()
                 ) -> None:
        self.app = app
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.prefixes = prefixes
        self.exact = exact
        self.entries: dict[tuple[str, bytes, str], tuple[float, Message, bytes]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or scope["method"] not in ("GET", "HEAD")
                or not (path.startswith(self.prefixes) or path in self.exact)
                or _header(scope["headers"], b"authorization")):  # one user's answer
            await self.app(scope, receive, send)
            return
        import time

        accept = _header(scope["headers"], b"accept-encoding").lower()
        encoding = "br" if b"br" in accept else "gzip" if b"gzip" in accept else ""
        key = (path, scope.get("query_string", b""), encoding)
        hit = self.entries.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.ttl_s:
            _, start, body = hit
            await send({**start, "headers": [*start["headers"], (b"x-cache", b"hit")]})
            await send({"type": "http.response.body", "body": body})
            return
        start_msg: Message | None = None
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            nonlocal start_msg
            if message["type"] == "http.response.start":
                start_msg = message
                await send({**message, "headers": [*message["headers"], (b"x-cache", b"miss")]})
                return
            await send(message)
            if message["type"] == "http.response.body" and start_msg is not None:
                chunks.append(message.get("body", b""))
                # a response that sets a cookie, or says it is private, is never shared
                private = any(k.lower() == b"set-cookie" or (
                    k.lower() == b"cache-control" and (b"private" in v or b"no-store" in v))
                    for k, v in start_msg["headers"])
                if not message.get("more_body") and start_msg["status"] == 200 \
                        and not private:
                    if len(self.entries) >= self.max_entries:
                        self.entries.clear()
                    self.entries[key] = (now, start_msg, b"".join(chunks))

        await self.app(scope, receive, wrapped)


class BodyLimit:
    """413 for a request whose declared Content-Length exceeds the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = _header(scope["headers"], b"content-length")
            if length.isdigit() and int(length) > self.limit:
                # discard the upload (never kept) so the client reads the 413, not a reset
                while True:
                    message = await receive()
                    if message["type"] != "http.request" or not message.get("more_body"):
                        break
                body = b'{"error":"request body too large"}'
                await send({"type": "http.response.start", "status": 413, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class HttpsRedirect:
    """Answers every request with a 308 to the same path on an https base URL."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        location = self.base + path + (f"?{query}" if query else "")
        await send({"type": "http.response.start", "status": 308, "headers": [
            (b"location", location.encode()), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


class PermissiveCors:
    """The ``permissive_cors`` flaw: echoes any Origin with credentials, answers preflights."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = _header(scope.get("headers", []), b"origin") if scope["type"] == "http" else b""
        if not origin:
            await self.app(scope, receive, send)
            return
        cors = [(b"access-control-allow-origin", origin),
                (b"access-control-allow-credentials", b"true"), (b"vary", b"Origin")]
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": [
                *cors, (b"access-control-allow-methods", b"GET, POST, PUT, DELETE"),
                (b"access-control-allow-headers", b"*")]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], *cors]}
            await send(message)

        await self.app(scope, receive, wrapped)

