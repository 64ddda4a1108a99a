"""Real Locust (child process) against real servers on loopback. Short, bounded runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from golive.cli import build_cli
from golive.demo.server import RunningDemo
from golive.results import Status
from tests.checks.helpers import run_one
from tests.targets import serve, serve_process

pytestmark = pytest.mark.integration
Demo = Callable[[str], RunningDemo]


def _load(url: str, **options: Any) -> Any:
    return run_one("load.latency", url, options=options)


def test_tuned_demo_passes_with_trustworthy_figures(demo: Demo) -> None:
    r = _load(demo("none").url, model="paced", rate=150, users=40, ramp_s=2, hold_s=8,
              processes=2)
    assert r.status is Status.PASS, (r.reason, r.summary)
    m = r.metrics
    assert m["requests"] >= 1000 and m["error_rate_pct"] == 0
    assert m["p50_ms"] <= m["p95_ms"] <= m["p99_ms"] <= m["max_ms"]
    assert 90 <= m["achieved_rate_pct"] <= 110
    assert m["users"] == 40
    assert len(r.evidence["generators"]) == 2  # --processes 2
    assert all(g["cpu_pct"] < 75 for g in r.evidence["generators"])
    assert "GET /api/products/{product_id}" in r.evidence["endpoints"]
    assert {row["phase"] for row in r.evidence["series"]} >= {"ramp", "hold"}


def test_slow_endpoint_is_named(demo: Demo) -> None:
    r = _load(demo("slow_endpoint,n_plus_one").url, users=40, ramp_s=1, hold_s=8,
              slo=["p(95) < 500ms"])
    slow = [f for f in r.findings if f.title == "Slow endpoint"]
    # the slowest first; others may queue behind its threads, but it leads
    assert slow and slow[0].location == "GET /api/search", r.findings
    assert r.status is Status.FAIL
    assert r.evidence["endpoints"]["GET /api/search"]["p50_ms"] >= 600


def test_flows_variables_and_a_login_per_user(demo: Demo) -> None:
    r = _load(demo("none").url, users=4, ramp_s=1, hold_s=5, think_min_s=0.05,
              think_max_s=0.1, slo=["error_rate < 1%"],
              on_start=[{"method": "POST", "path": "/api/login", "name": "login",
                         "json": {"email": "demo@example.com", "password": "demo"},
                         "extract": {"token": "token"}}],
              headers={"Authorization": "Bearer {token}"},
              flows=[{"name": "browse", "steps": [
                  {"path": "/api/products?limit=5", "name": "list",
                   "extract": {"pid": "items[*].id"}},
                  {"path": "/api/products/{pid}", "name": "detail"}]}])
    assert r.status is Status.PASS, (r.reason, r.findings)
    names = set(r.evidence["endpoints"])
    assert {"GET list", "GET detail"} <= names
    assert r.evidence["endpoints"]["GET detail"]["requests"] > 20
    assert r.metrics["errors"] == 0  # {pid} was filled from the list: no 404s


def test_a_freezing_target_reports_stalls_and_is_not_a_pass() -> None:
    with serve({"/a": 1}, freeze_every_s=3, freeze_for_s=1.3) as url:
        r = _load(url, users=20, ramp_s=0.5, hold_s=6, think_min_s=0.05, think_max_s=0.1,
                  requests=[{"path": "/a"}], slo=["p(50) < 5000ms"])
    # never a pass: inconclusive, or a failure when the freezes already break a threshold
    # (p95 of /a near the freeze length), with the stalls named either way
    assert r.status in (Status.INCONCLUSIVE, Status.FAIL), (r.status, r.reason)
    said = r.reason + " ".join(f.detail for f in r.findings)
    assert "stalled" in said
    assert r.evidence["stalls"] and all(b - a > 1.0 for a, b in r.evidence["stalls"])
    assert r.metrics["max_ms"] >= 900


def test_users_own_locustfile_gets_the_recorder(tmp_path: Path) -> None:
    locustfile = tmp_path / "mine.py"
    locustfile.write_text(
        "from locust import FastHttpUser, constant, task\n\n"
        "class Shopper(FastHttpUser):\n"
        "    wait_time = constant(0.05)\n\n"
        "    @task\n"
        "    def a(self):\n"
        "        self.client.get('/a', name='my-a')\n", encoding="utf-8")
    with serve({"/a": 5}) as url:
        r = _load(url, users=5, ramp_s=1, hold_s=4, locustfile=str(locustfile),
                  slo=["p(50) < 1s"])
    assert list(r.evidence["endpoints"]) == ["GET my-a"]
    assert r.metrics["p50_ms"] >= 5
    assert r.status is Status.PASS, r.reason


def _golive(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "golive", *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "COLUMNS": "120"})


def test_master_and_two_workers_on_loopback(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    scenario = tmp_path / "s.toml"
    scenario.write_text('users = 10\nramp_s = 1\nhold_s = 5\nthink_min_s = 0.05\n'
                        'think_max_s = 0.1\n[[requests]]\npath = "/a"\n', encoding="utf-8")
    with serve({"/a": 2}) as url:
        master = _golive("load", "--target", url, "--scenario", str(scenario), "--master", "2",
                         "--master-port", str(port), "--json", "r.json", "--store",
                         f"sqlite:///{tmp_path / 'h.db'}", cwd=tmp_path)
        time.sleep(1.5)
        workers = [_golive("load", "worker", "--master-host", "127.0.0.1", "--master-port",
                           str(port), "--scenario", str(scenario), cwd=tmp_path)
                   for _ in range(2)]
        _out, err = master.communicate(timeout=120)
        for w in workers:
            w.communicate(timeout=30)
    assert master.returncode in (0, 3), err
    result = json.loads((tmp_path / "r.json").read_text())["results"][0]
    assert len(result["evidence"]["generators"]) == 2, result["evidence"]["generators"]
    assert result["metrics"]["users"] == 10
    assert result["metrics"]["requests"] > 300


def test_baseline_and_regression_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = ["--store", f"sqlite:///{tmp_path / 'h.db'}"]
    scenario = tmp_path / "s.toml"
    scenario.write_text('model = "paced"\nrate = 250\nusers = 50\nramp_s = 1\nhold_s = 7\n'
                        '[[requests]]\npath = "/a"\n[[requests]]\npath = "/b"\n',
                        encoding="utf-8")
    runner = CliRunner()

    def load(url: str, *extra: str) -> Any:
        return runner.invoke(build_cli(), ["load", "--target", url, "--scenario", str(scenario),
                                   *store, *extra], catch_exceptions=False)

    with serve_process({"/a": 20, "/b": 5}) as url:
        first = load(url, "--label", "v1")
        assert first.exit_code == 0, first.output
        saved = runner.invoke(build_cli(), ["baseline", "save", "release", *store])
        assert saved.exit_code == 0 and (tmp_path / ".golive/baselines/release.json").exists()
        same = load(url, "--baseline", "release", "--fail-on-regression", "--json", "same.json")
        assert same.exit_code == 0, same.output
    with serve_process({"/a": 50, "/b": 5}) as url:  # 30 ms added to one endpoint
        worse = load(url, "--baseline", str(tmp_path / ".golive/baselines/release.json"),
                     "--fail-on-regression", "--json", "worse.json")
    assert worse.exit_code == 1, worse.output
    reg = next(r for r in json.loads((tmp_path / "worse.json").read_text())["results"]
               if r["check"] == "load.regression")
    where = {(f["location"], f["title"]) for f in reg["findings"]}
    assert ("GET /a", "p50_ms regressed") in where
    assert not any(loc == "GET /b" for loc, _ in where)
    compared = runner.invoke(build_cli(), ["compare", "v1", "last", *store])
    assert "regression" in compared.output and "GET /a" in compared.output


def test_load_init_writes_a_usable_scenario(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "scenario.toml"
    r = CliRunner().invoke(build_cli(), ["load", "init", "--openapi", demo("none").url +
                                 "/openapi.json", "--out", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert 'path = "/api/search?q=Product%201"' in text
    # ids taken from the list response, not guessed (issue 12: discoverable parameters)
    assert re.search(r"vars\.product_id = \{ choice = \[\d+, \d+", text), text
    import tomllib

    from golive.checks.load.spec import LoadOptions
    from golive.config import CheckSettings

    settings = CheckSettings(**tomllib.loads(text))
    assert settings.slo == ["p(95) < 500ms", "p(99) < 1000ms", "error_rate < 1%"]
    LoadOptions.model_validate(settings.options)  # it is a valid scenario


def test_the_load_generator_does_not_follow_a_redirect_off_the_target() -> None:
    """Locust follows redirects by default; golive's generator does not leave the target: a
    redirect to another host is a failed request naming the host, never a request to it."""
    from http.server import BaseHTTPRequestHandler

    from tests.targets import serve_handler

    class Away(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("location", "http://203.0.113.7/elsewhere"
                             if self.path == "/away" else "/here")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with serve_handler(Away) as url:
        r = _load(url, users=2, ramp_s=0.5, hold_s=2, think_min_s=0.1, think_max_s=0.2,
                  requests=[{"path": "/away", "name": "away"}, {"path": "/local", "name": "local"}])
    away, local = r.evidence["endpoints"]["GET away"], r.evidence["endpoints"]["GET local"]
    assert away["requests"] > 0 and away["error_rate_pct"] == 100
    assert local["requests"] > 0 and local["error_rate_pct"] == 0  # same origin: a response
    assert any("redirect to another host refused: 203.0.113.7" in k
               for k in r.evidence["errors_by_exception"]), r.evidence["errors_by_exception"]
