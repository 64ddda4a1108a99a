"""Pure ASGI middlewares golive's own web services share (the server, the demo shop):
compression (br, gzip), fixed response headers (HSTS over https), a request body limit."""

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


def header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
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
        accept = header(scope["headers"], b"accept-encoding").decode("latin-1").lower()
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
            ctype = header(headers, b"content-type")
            already = header(headers, b"content-encoding")
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


class BodyLimit:
    """413 for a request whose declared Content-Length exceeds the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = header(scope["headers"], b"content-length")
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
