"""A history with runs of two projects on two branches, and a server on it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from golive.report.json_report import report_dict
from golive.results import Finding, Result, Severity, SLOOutcome, Status
from golive.server.app import create_app
from golive.server.settings import ServerSettings
from golive.store import RunRecord, Store
from golive.store.tokens import create_token
from tests.conftest import SPEC
from tests.targets import serve_asgi


def make_run(n: int, *, project: str = "shop", branch: str = "main", p95: float = 100.0,
             status: Status = Status.PASS) -> RunRecord:
    started = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=n)
    ok = p95 < 500
    return RunRecord(
        id=n, started_at=started, finished_at=started + timedelta(seconds=42),
        target="http://127.0.0.1:1", profile="quick", golive_version="0.1.0",
        status="complete", verdict="ready" if status is Status.PASS and ok else "not-ready",
        reason="r", git_branch=branch, git_commit=f"{n:040x}", project=project,
        plan_text=SPEC.read_text(encoding="utf-8"), plan_path="phase5-task-list.md",
        criteria=[{"task": "PHASE5-002", "key": "PHASE5-002:criteria:1", "kind": "criterion",
                   "text": "API p95 response time <500ms", "check": "load.latency",
                   "slo": ["p(95) < 500ms"], "status": "pass" if ok else "fail",
                   "note": f"p95_ms={p95:g}"}],
        results=[
            Result(check="load.latency", area="load", title="Latency under load",
                   status=Status.PASS if ok else Status.FAIL,
                   metrics={"p95_ms": p95, "p99_ms": p95 * 2, "error_rate_pct": 0.0,
                            "rps": 100.0},
                   thresholds=[SLOOutcome("p(95) < 500ms", "p95_ms", p95, ok)],
                   better={"p95_ms": "lower", "p99_ms": "lower"}),
            Result(check="http.compression", area="http", title="Compression", status=status,
                   metrics={"compressed_pct": 100.0 if status is Status.PASS else 0.0},
                   findings=[] if status is Status.PASS else
                   [Finding("Not compressed", Severity.HIGH, "/api/products")],
                   thresholds=[SLOOutcome("compressed_pct >= 100%", "compressed_pct",
                                          100.0 if status is Status.PASS else 0.0,
                                          status is Status.PASS)]),
        ])


def report_bytes(run: RunRecord) -> bytes:
    return json.dumps(report_dict(run), default=str).encode()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'server.db'}")
    for n, (branch, p95) in enumerate([("main", 900), ("main", 400), ("feature", 300),
                                        ("main", 120), ("feature", 700)], start=1):
        s.import_run(make_run(n, branch=branch, p95=p95), project="shop", kind="audit")
    s.import_run(make_run(9, project="blog"), project="blog", kind="audit")
    yield s
    s.close()


def running(app: Any, *, certfile: str | None = None,
            keyfile: str | None = None) -> contextlib.AbstractContextManager[str]:
    """``app`` served by uvicorn in a thread on a free loopback port, as the server runs
    (no banner, over TLS with a certificate); its base URL."""
    return serve_asgi(app, log_level="warning", server_header=False, access_log=False,
                      ssl_certfile=certfile, ssl_keyfile=keyfile)


@pytest.fixture
def client_for(store: Store) -> Iterator[Callable[..., httpx.Client]]:
    """A client of a real server on ``store`` with the given settings changed."""
    with contextlib.ExitStack() as stack:
        def make(**changes: object) -> httpx.Client:
            settings = ServerSettings(store="unused", **changes)  # type: ignore[arg-type]
            url = stack.enter_context(running(create_app(settings, store=store)))
            return stack.enter_context(httpx.Client(base_url=url, timeout=10))

        yield make


@pytest.fixture
def client(client_for: Callable[..., httpx.Client]) -> httpx.Client:
    return client_for()


@pytest.fixture
def upload_token(store: Store) -> str:
    return create_token(store, "upload", "shop", "CI")[1]
