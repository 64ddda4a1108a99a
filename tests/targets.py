"""Tiny threaded HTTP targets for tests: any handler on a free loopback port, and one for load
tests with fixed delays per path and optional freezes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@contextmanager
def serve(delays_ms: dict[str, float] | None = None, *, freeze_every_s: float = 0,
          freeze_for_s: float = 0) -> Iterator[str]:
    delays = delays_ms or {}
    t0 = time.monotonic()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if freeze_every_s:
                phase = (time.monotonic() - t0) % freeze_every_s
                if phase < freeze_for_s:  # the whole service hangs until the freeze ends
                    time.sleep(freeze_for_s - phase)
            path = self.path.split("?")[0]
            if delays.get(path):
                time.sleep(delays[path] / 1000)
            body = b'{"ok": true}'
            self.send_response(200 if path in delays or path == "/" else 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with serve_handler(Handler) as url:
        yield url


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the listen backlog: the default 5 drops connection bursts


@contextmanager
def serve_handler(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a free loopback port in a thread; yields the base URL."""
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_asgi(app: Any, **config: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port in a thread; yields the URL
    once uvicorn has started. ``config`` goes to ``uvicorn.Config`` (``ssl_certfile`` and
    ``ssl_keyfile``: served over TLS, an https URL)."""
    import uvicorn

    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, **{"log_level": "critical", **config}))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    scheme = "https" if config.get("ssl_certfile") else "http"
    url = f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _serve_forever(delays_ms: dict[str, float], port: Any) -> None:
    with serve(delays_ms) as url:
        port.put(url)
        threading.Event().wait()


@contextmanager
def serve_process(delays_ms: dict[str, float]) -> Iterator[str]:
    """:func:`serve` in a process of its own: its latency does not share the test process's
    GIL with golive (comparisons of two runs of one unchanged target need that)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_serve_forever, args=(delays_ms, queue), daemon=True)
    proc.start()
    try:
        yield str(queue.get(timeout=30))
    finally:
        proc.terminate()
        proc.join(timeout=10)
