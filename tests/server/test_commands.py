"""The commands: `golive server` (a real process), `server token`, `golive upload`,
`golive audit --upload`."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from golive.cli import build_cli
from golive.demo.server import RunningDemo
from golive.server.app import create_app
from golive.server.settings import ServerSettings
from golive.store import Store
from tests.server.conftest import make_run, report_bytes, running

CLI = build_cli()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_token_create_list_revoke(tmp_path: Path) -> None:
    store = ["--store", f"sqlite:///{tmp_path / 'h.db'}"]
    runner = CliRunner()
    made = runner.invoke(CLI, ["server", "token", "create", "--project", "shop", *store])
    assert made.exit_code == 0, made.output
    text = made.stdout.strip().splitlines()[0]
    assert text.startswith("glv_") and "not shown again" in made.stderr
    listed = json.loads(runner.invoke(CLI, ["server", "token", "list", "--json",
                                            *store]).output)
    assert [(t["kind"], t["project"]) for t in listed] == [("upload", "shop")]
    assert text not in json.dumps(listed)
    assert runner.invoke(CLI, ["server", "token", "create", *store]).exit_code == 2
    revoked = runner.invoke(CLI, ["server", "token", "revoke", listed[0]["id"], *store])
    assert revoked.exit_code == 0 and "revoked" in revoked.output


def test_golive_upload_and_audit_upload(tmp_path: Path, store: Store, upload_token: str,
                                        demo: Callable[[str], RunningDemo],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    report = tmp_path / "r.json"
    report.write_bytes(report_bytes(make_run(7, branch="release")))
    with running(create_app(ServerSettings(store="unused"), store=store)) as url:
        runner = CliRunner()
        monkeypatch.delenv("GOLIVE_TOKEN", raising=False)
        no_token = runner.invoke(CLI, ["upload", str(report), "--server", url])
        assert no_token.exit_code == 2 and "set GOLIVE_TOKEN" in no_token.output
        monkeypatch.setenv("GOLIVE_TOKEN", upload_token)
        r = runner.invoke(CLI, ["upload", str(report), "--server", url])
        assert r.exit_code == 0, r.output
        assert f"uploaded {report} to {url}/runs/" in r.output and "project shop" in r.output
        refused = runner.invoke(CLI, ["upload", str(report), "--server", url,
                                      "--project", "blog"])
        assert refused.exit_code == 2 and "403" in refused.output
        # an audit uploads its run when it is done
        audit = runner.invoke(CLI, [
            "audit", "--target", demo("none").url, "--only", "http.health", "--project",
            "shop", "--upload", url, "--store", f"sqlite:///{tmp_path / 'local.db'}"])
        assert audit.exit_code == 0, audit.output
        assert f"uploaded run 1 to {url}/runs/" in audit.output
        runs = httpx.get(f"{url}/api/v1/projects/shop/runs").json()["runs"]
        assert runs[0]["target"] == demo("none").url and runs[1]["branch"] == "release"
    # the server is gone: the run stays here and the message says how to send it later
    gone = runner.invoke(CLI, ["audit", "--target", demo("none").url, "--only", "http.health",
                               "--upload", url, "--store", f"sqlite:///{tmp_path / 'local.db'}"])
    assert gone.exit_code == 2 and "run 2 is kept here" in gone.output


def test_upload_is_refused_to_a_host_outside_the_allowlist(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    report = tmp_path / "r.json"
    report.write_bytes(report_bytes(make_run(7)))
    monkeypatch.setenv("GOLIVE_TOKEN", "glv_x")
    r = CliRunner().invoke(CLI, ["upload", str(report), "--server", "http://example.com"])
    assert r.exit_code == 2 and "example.com" in r.output


@pytest.mark.integration
def test_the_server_process_serves_logs_json_and_stops_gracefully(tmp_path: Path,
                                                                  store: Store) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive", "server", "--port", str(port), "--store",
         str(store.engine.url)], stderr=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "no server"
            time.sleep(0.1)
        page = httpx.get(f"http://127.0.0.1:{port}/p/shop",
                         headers={"X-Request-ID": "ci-run-12345678"})
        assert page.status_code == 200 and "server" not in page.headers
        assert page.headers["x-request-id"] == "ci-run-12345678"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    # uvicorn finishes the requests in flight, then re-raises the signal it caught
    assert proc.returncode in (0, -signal.SIGTERM), err[-2000:]
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    mine = [e for e in lines if e.get("request_id") == "ci-run-12345678"]
    assert mine and mine[0]["route"] == "/p/{project}" and mine[0]["status"] == 200
    assert mine[0]["level"] == "info" and "timestamp" in mine[0]


def test_the_server_refuses_a_store_it_would_have_to_migrate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    Store(url, migrate=False, check=False).close()  # an empty database: schema none
    r = CliRunner().invoke(CLI, ["server", "--store", url, "--port", str(_free_port())])
    assert r.exit_code == 2 and "golive db upgrade" in r.output


def test_demo_server_serves_the_demos_history(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """`golive demo --server PORT` hands the demo's store to the server (the demo itself is
    tested end to end in tests/demo; here it is replaced by its two runs)."""
    import golive.demo.story
    import golive.server.serve

    served: dict[str, object] = {}
    before, after = make_run(1, project="demo"), make_run(2, project="demo")
    monkeypatch.setattr(golive.demo.story, "run_demo", lambda *a, **k: (before, after))
    monkeypatch.setattr(golive.server.serve, "serve",
                        lambda settings, **kw: served.update(settings=settings, **kw))
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    r = CliRunner().invoke(CLI, ["demo", "--quick", "--server", "8123", "--store", url])
    assert r.exit_code == 0, r.output
    assert "http://127.0.0.1:8123/p/demo (comparison: /compare/1/2" in r.output
    assert served["port"] == 8123 and served["host"] == "127.0.0.1"
    assert served["settings"].store == Store(url).url  # type: ignore[attr-defined]
    assert CliRunner().invoke(CLI, ["demo", "--server", "0"]).exit_code == 2


@pytest.mark.integration
def test_several_workers_report_one_set_of_metrics(store: Store) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive", "server", "--port", str(port), "--workers", "2",
         "--store", str(store.engine.url)], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "no server"
            time.sleep(0.1)
        for _ in range(30):  # new connections: both workers answer some of them
            assert httpx.get(base + "/healthz").status_code == 200
        text = httpx.get(base + "/metrics").text
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    counts = re.findall(r'golive_server_requests_total\{method="GET",route="/healthz",'
                        r'status="200"\} ([0-9.]+)', text)
    assert [float(c) for c in counts] == [30.0], text[:2000]
