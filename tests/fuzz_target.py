"""A tiny API with a documented endpoint that crashes on one input (for the fuzzing tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI


def app() -> FastAPI:
    api = FastAPI(title="fuzz target")

    @api.get("/divide")
    def divide(d: int, a: int = 1) -> dict[str, float]:
        return {"result": a / d}  # d=0: ZeroDivisionError -> 500

    return api


@contextmanager
def fuzz_target() -> Iterator[str]:
    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app(), log_level="critical"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/openapi.json", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
