"""Serve the demo shop, in this process or as a child process on a free loopback port."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from golive.demo.flaws import parse_flaws
from golive.site import tls_verify

DEFAULT_PRODUCTS = 20_000
DEFAULT_REVIEWS = 200_000


def serve(*, flaws: str | None, host: str = "127.0.0.1", port: int = 8000,
          db_url: str | None = None, fd: int | None = None, products: int = DEFAULT_PRODUCTS,
          reviews: int = DEFAULT_REVIEWS, certfile: str | None = None,
          keyfile: str | None = None, redirect_to: str | None = None,
          announce: bool = True) -> None:
    """Seed the database and serve until interrupted (blocking)."""
    import uvicorn

    from golive.demo import db
    from golive.demo.app import ShopSettings, create_app
    from golive.demo.middleware import HttpsRedirect

    chosen = parse_flaws(flaws)
    workdir = None
    if redirect_to:
        app = HttpsRedirect(redirect_to)
    else:
        if db_url is None:
            workdir = tempfile.TemporaryDirectory(prefix="golive-demo-")
            db_url = f"sqlite:///{Path(workdir.name) / 'shop.db'}"
        engine = db.make_engine(db_url)
        took = db.seed(engine, n_products=products, n_reviews=reviews,
                       index_reviews="missing_index" not in chosen)
        if announce:
            print(f"golive demo: seeded {products} products and {reviews} reviews in "
                  f"{took:.1f}s; flaws: {', '.join(sorted(chosen)) or 'none'}", flush=True)
        app = create_app(ShopSettings(chosen, engine))
    config = uvicorn.Config(app, host=host, port=port, log_level="warning",
                            server_header="leaky_errors" in chosen, ssl_certfile=certfile,
                            ssl_keyfile=keyfile, access_log=False)
    try:
        if fd is None:
            uvicorn.Server(config).run()
        else:
            # socket(fileno=) reads the real family (uvicorn's own fd= assumes AF_UNIX, which
            # leaves Nagle on and adds ~40 ms to small responses)
            uvicorn.Server(config).run(sockets=[socket.socket(fileno=fd)])
    finally:
        if workdir is not None:
            workdir.cleanup()


def free_socket(host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(512)
    return sock


@dataclass
class RunningDemo:
    url: str
    port: int
    process: subprocess.Popen[bytes]


@contextmanager
def demo_process(flaws: str = "none", *, products: int = DEFAULT_PRODUCTS,
                 reviews: int = DEFAULT_REVIEWS, db_url: str | None = None,
                 certfile: str | None = None, keyfile: str | None = None,
                 redirect_to: str | None = None, ca_bundle: str | None = None,
                 startup_timeout_s: float = 120.0) -> Iterator[RunningDemo]:
    """Start ``golive demo serve`` in a child process on a free port; stop it on exit.

    The listening socket is bound here (port 0) and handed to the child, so there is no race
    for the port. Yields once the health endpoint answers.
    """
    sock = free_socket()
    port = sock.getsockname()[1]
    scheme = "https" if certfile else "http"
    url = f"{scheme}://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "golive", "demo", "serve", "--flaws", flaws or "none",
           "--fd", str(sock.fileno()), "--products", str(products), "--reviews", str(reviews),
           "--quiet"]
    if db_url:
        cmd += ["--db", db_url]
    if certfile and keyfile:
        cmd += ["--tls-cert", certfile, "--tls-key", keyfile]
    if redirect_to:
        cmd += ["--redirect-to", redirect_to]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, pass_fds=[sock.fileno()], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sock.close()
    try:
        _wait_ready(url, proc, startup_timeout_s, redirect=bool(redirect_to),
                    verify=tls_verify(ca_bundle or ""))
        yield RunningDemo(url, port, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float, *,
                redirect: bool, verify: ssl.SSLContext | bool) -> None:
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"demo server exited with {proc.returncode}: {err[-2000:]}")
        try:
            r = httpx.get(url + "/health", timeout=timeout_s, verify=verify)
            if r.status_code == 200 or (redirect and r.status_code == 308):
                return
        except httpx.HTTPError as err:
            last = err
        time.sleep(0.1)
    raise RuntimeError(f"demo server at {url} not ready after {timeout_s}s: {last!r}")
