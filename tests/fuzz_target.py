"""A tiny API with a documented endpoint that crashes on one input (for the fuzzing tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI

from tests.targets import serve_asgi


def app() -> FastAPI:
    api = FastAPI(title="fuzz target")

    @api.get("/divide")
    def divide(d: int, a: int = 1) -> dict[str, float]:
        return {"result": a / d}  # d=0: ZeroDivisionError -> 500

    return api


@contextmanager
def fuzz_target() -> Iterator[str]:
    with serve_asgi(app()) as url:
        yield url
