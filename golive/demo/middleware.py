"""Pure ASGI middlewares of the demo shop: its security headers, a response cache, CORS and
the https redirect (compression and the body limit are golive.asgi's)."""

from __future__ import annotations

from golive.asgi import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    header,
)

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
                or header(scope["headers"], b"authorization")):  # one user's answer
            await self.app(scope, receive, send)
            return
        import time

        accept = header(scope["headers"], b"accept-encoding").lower()
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
        origin = header(scope.get("headers", []), b"origin") if scope["type"] == "http" else b""
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

