"""The command line: every exit code, bad input, history commands. Real servers on loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from golive.cli import build_cli
from golive.demo.server import RunningDemo
from tests.conftest import SPEC
from tests.targets import serve

Demo = Callable[[str], RunningDemo]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(build_cli(), list(args), catch_exceptions=False)

    return invoke


def _store_arg(tmp_path: Path) -> list[str]:
    return ["--store", f"sqlite:///{tmp_path / 'h.db'}"]


def test_ready_target_exits_0_and_writes_every_report(run: Callable[..., Result], demo: Demo,
                                                      tmp_path: Path) -> None:
    r = run("audit", "--target", demo("none").url, "--only", "http", "--plan", str(SPEC),
            "--json", "r.json", "--html", "r.html", "--junit", "r.xml", "--plan-out", "plan.md",
            *_store_arg(tmp_path))
    assert r.exit_code == 0, r.output
    assert "Verdict: READY" in r.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["schema"] == "golive.report/2"
    assert report["verdict"] == "ready" and report["exit_code"] == 0
    assert {"id", "target", "git_commit", "golive_version", "profile"} <= set(report["run"])
    checks = {x["check"]: x for x in report["results"]}
    assert checks["http.health"]["status"] == "pass"
    assert checks["http.health"]["metrics"]["latency_ms"] > 0
    crit = {(c["task"], c["text"]): c for c in report["criteria"]}
    assert crit[("PHASE5-005", "Health checks functional")]["status"] == "pass"
    assert crit[("PHASE5-005", "Health checks functional")]["check"] == "http.health"
    assert crit[("PHASE5-001", "Baseline metrics documented")]["status"] == "manual"
    suites = ET.parse(tmp_path / "r.xml").getroot()
    assert suites.tag == "testsuites" and int(suites.get("tests", 0)) == len(report["results"])
    assert "<script" not in (tmp_path / "r.html").read_text()
    plan = (tmp_path / "plan.md").read_text()
    assert "- Health checks functional _(golive run 1: ✅ pass" in plan
    assert "| Total Subtasks | 98 |" in plan
    # the updated plan of that run renders again from the history, byte for byte
    again = run("plan", "render", "1", *_store_arg(tmp_path))
    assert again.exit_code == 0 and again.output == plan


def test_pdf_prints_the_report_or_says_before_any_work_that_it_cannot(
        run: Callable[..., Result], demo: Demo, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from golive.report import snapshot

    if snapshot.find_chromium() is not None:
        r = run("audit", "--target", demo("none").url, "--only", "http.health", "--pdf",
                "r.pdf", *_store_arg(tmp_path))
        assert r.exit_code == 0, r.output
        assert "wrote r.pdf (1 A4 page)" in r.output
        assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
    monkeypatch.setattr(snapshot, "find_chromium", lambda: None)
    r = run("audit", "--target", demo("none").url, "--only", "http.health", "--pdf", "x.pdf",
            *_store_arg(tmp_path))
    assert r.exit_code == 2 and "--pdf prints the report with Chromium" in r.output
    assert not (tmp_path / "x.pdf").exists()


def test_flawed_target_exits_1(run: Callable[..., Result], demo: Demo, tmp_path: Path) -> None:
    r = run("audit", "--target", demo("no_compression").url, "--only", "http",
            *_store_arg(tmp_path))
    assert r.exit_code == 1, r.output
    assert "http.compression" in r.output and "NOT-READY" in r.output
    assert "fix: Enable gzip and brotli" in r.output


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_target_is_an_error_result_exit_3(run: Callable[..., Result],
                                                      tmp_path: Path) -> None:
    r = run("audit", "--target", f"http://127.0.0.1:{_closed_port()}", "--json", "r.json",
            *_store_arg(tmp_path))
    assert r.exit_code == 3, r.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["verdict"] == "incomplete"
    from golive.plugins import all_checks

    needs = {c for c, cls in all_checks().items() if cls.needs_target}
    on_target = [x for x in report["results"] if x["check"] in needs]
    assert on_target and {x["status"] for x in on_target} == {"error"}
    assert all("target unreachable" in x["reason"] for x in on_target)
    # the checks that need no HTTP target still ran (here: skipped, nothing configured)
    assert {x["status"] for x in report["results"] if x["check"] not in needs} <= {"skipped"}


def test_strict_turns_inconclusive_into_exit_3(run: Callable[..., Result], demo: Demo,
                                               tmp_path: Path) -> None:
    (tmp_path / "golive.toml").write_text(
        '[checks."http.health"]\nslo = ["ready_ms < 5ms"]\n', encoding="utf-8")
    args = ["audit", "--target", demo("none").url, "--only", "http", *_store_arg(tmp_path)]
    lenient = run(*args)
    assert lenient.exit_code == 0, lenient.output
    assert "inconclusive" in lenient.output
    strict = run(*args, "--strict")
    assert strict.exit_code == 3, strict.output


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        ({}, ["--config", "nope.toml"], "nope.toml: config file not found"),
        ({"golive.toml": "[target]\nurll = 'x'\n"}, [], "[target] unknown key 'urll'"),
        ({"golive.toml": "[audit]\nprofile = 'fast'\n"}, [], "[audit] key 'profile'"),
        ({"golive.toml": "[target\n"}, [], "golive.toml: not valid TOML"),
        ({"golive.toml": '[checks."http.health"]\nsamplez = 3\n'}, [],
         "[checks.\"http.health\"] unknown key 'samplez'"),
        ({"golive.toml": '[checks."http.nope"]\n'}, [], "names no installed check"),
        ({"golive.toml": '[checks."http.health"]\nslo = ["latency_ms < 5%"]\n'}, [],
         "unit '%' does not fit metric 'latency_ms'"),
        ({"bad.md": "## Tasks\n### T-1: A\n- **Subtasks**:\n  - [?] x\n"},
         ["--plan", "bad.md"], "bad.md:4: malformed checkbox '[?]'"),
        ({}, ["--plan", "missing.md"], "missing.md:0: plan file not found"),
        ({}, ["--only", "httq"], "unknown area or check httq"),
        ({}, ["--json", "no/such/dir/r.json"], "--json no/such/dir/r.json: folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run: Callable[..., Result], tmp_path: Path,
                                          files: dict[str, str], args: list[str],
                                          message: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    r = run("audit", "--target", f"http://127.0.0.1:{_closed_port()}", *args,
            *_store_arg(tmp_path))
    assert r.exit_code == 2, r.output
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.output


def test_non_loopback_target_is_refused_unless_allowed(run: Callable[..., Result],
                                                       tmp_path: Path) -> None:
    r = run("audit", "--target", "http://192.0.2.10:8080", *_store_arg(tmp_path))
    assert r.exit_code == 2
    assert "not loopback" in r.stderr and "allow_targets" in r.stderr
    assert not (tmp_path / "h.db").exists() or "192.0.2.10" not in run(
        "history", *_store_arg(tmp_path)).output


def test_no_target_at_all(run: Callable[..., Result], tmp_path: Path) -> None:
    r = run("audit", *_store_arg(tmp_path))
    assert r.exit_code == 2 and "no target" in r.stderr


@pytest.fixture
def slow_server() -> Iterator[str]:
    # /openapi.json hangs (bounded: longer than the test waits), the rest answers at once
    with serve({"/health": 0, "/openapi.json": 20_000}) as url:
        yield url


def test_ctrl_c_keeps_the_partial_run_exit_130(slow_server: str, tmp_path: Path) -> None:
    store = _store_arg(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive", "audit", "--target", slow_server, "--only", "http",
         *store],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "COLUMNS": "120"})
    assert proc.stderr is not None
    for line in proc.stderr:  # plain progress lines: not a terminal
        if "http.health" in line:
            break
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, _err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out
    shown = subprocess.run([sys.executable, "-m", "golive", "show", "last", "--json", *store],
                           cwd=tmp_path, capture_output=True, text=True, check=True)
    run = json.loads(shown.stdout)
    assert run["run"]["status"] == "interrupted"
    # the process exited 130: the stored run says so, and an interrupted run is not ready
    assert (run["verdict"], run["exit_code"], run["run"]["exit_code"]) == (
        "incomplete", 130, 130)
    assert [r["check"] for r in run["results"]] == ["http.health"]
    assert run["results"][0]["status"] == "pass"


def test_history_show_compare(run: Callable[..., Result], demo: Demo, tmp_path: Path) -> None:
    store = _store_arg(tmp_path)
    assert run("audit", "--target", demo("no_security_headers").url, "--only", "http",
               "--label", "before", *store).exit_code == 1
    assert run("audit", "--target", demo("none").url, "--only", "http", "--label", "after",
               *store).exit_code == 0
    hist = json.loads(run("history", "--json", *store).output)
    assert [(h["label"], h["verdict"]) for h in hist] == [("after", "ready"),
                                                          ("before", "not-ready")]
    assert "before" in run("history", *store).output
    shown = json.loads(run("show", "before", "--json", *store).output)
    assert shown["verdict"] == "not-ready"
    comp = json.loads(run("compare", "before", "after", "--json", *store).output)
    headers = [m for m in comp["changes"] if m["check"] == "http.security_headers"]
    assert headers[0]["metric"] == "missing_headers" and headers[0]["scope"] == "overall"
    assert headers[0]["before"] > 0 and headers[0]["after"] == 0
    assert headers[0]["verdict"] == "improvement"
    assert headers[0]["change"] == -headers[0]["before"] and headers[0]["change_pct"] == -100
    text = run("compare", "1", "2", *store).output
    assert "missing_headers" in text and "improved" in text
    missing = run("show", "42", *store)
    assert missing.exit_code == 2 and "no run '42'" in missing.stderr


def test_signoff_then_audit_counts_it(run: Callable[..., Result], demo: Demo,
                                      tmp_path: Path) -> None:
    store = _store_arg(tmp_path)
    ok = run("signoff", "Team trained on procedures", "--by", "dana", "--evidence",
             "https://wiki.example/training", "--plan", str(SPEC), *store)
    assert ok.exit_code == 0, ok.output
    assert "PHASE5-010:criteria:4" in ok.output
    bad = run("signoff", "documented", "--by", "dana", "--plan", str(SPEC), *store)
    assert bad.exit_code == 2 and "no single item" in bad.stderr
    r = run("audit", "--target", demo("none").url, "--only", "http", "--plan", str(SPEC),
            "--json", "r.json", *store)
    crit = {c["key"]: c for c in json.loads((tmp_path / "r.json").read_text())["criteria"]}
    assert crit["PHASE5-010:criteria:4"]["status"] == "pass"
    assert "signed off by dana" in crit["PHASE5-010:criteria:4"]["note"]
    assert r.exit_code == 0


def test_init_and_plan_show(run: Callable[..., Result], tmp_path: Path) -> None:
    assert run("init").exit_code == 0
    assert (tmp_path / "golive.toml").exists() and (tmp_path / "phase5-plan.md").exists()
    again = run("init")
    assert again.exit_code == 2 and "--force" in again.stderr
    assert run("init", "--force").exit_code == 0
    shown = run("plan", "show", "phase5-plan.md", "--json")
    data = json.loads(shown.output)
    assert data["stats"] == {
        "tasks": 10, "by_priority": {"Critical": 4, "High": 5, "Medium": 1},
        "by_status": {"Pending": 10}, "subtasks": 98, "subtasks_done": 0, "criteria": 57,
        "checklist_items": 25, "checklist_done": 0}
    task = data["tasks"][1]
    assert {"id", "title", "status", "priority", "subtasks", "criteria"} <= set(task)
    assert task["criteria"][0]["check"] == "load.latency"
    assert task["criteria"][4]["check"] is None
    assert data["checklist"][0]["category"] == "Performance"
    assert data["summary"]["drift"][0]["written"] == "80+"
    text = run("plan", "show", "phase5-plan.md").output
    assert "summary table disagrees" in text and "PHASE5-010" in text


def test_plan_show_malformed(run: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "p.md").write_text("## Tasks\n\n### nothing here\n", encoding="utf-8")
    r = run("plan", "show", "p.md")
    assert r.exit_code == 2 and r.stderr.startswith("golive: error: p.md:3: task heading")


def test_version_and_checks(run: Callable[..., Result]) -> None:
    assert run("--version").output.startswith("golive, version")
    out = run("checks").output
    assert "http.health" in out and "http.tls" in out


def test_artifacts_are_listed_and_written_out(run: Callable[..., Result],
                                              tmp_path: Path) -> None:
    from golive.results import Artifact, Status
    from golive.results import Result as CheckResult
    from golive.store import Store

    store = Store(f"sqlite:///{tmp_path / 'h.db'}")
    run_id = store.start_run(target="http://127.0.0.1:1", profile="quick", golive_version="0")
    result = CheckResult(check="frontend.lighthouse", area="frontend", title="t",
                         status=Status.PASS,
                         artifacts=[Artifact("lighthouse-home.report.json", "application/json",
                                             b'{"lighthouseVersion": "12.2.3"}')])
    store.add_result(run_id, 0, result)
    store.close()
    listed = run("artifacts", "last", *_store_arg(tmp_path))
    assert listed.exit_code == 0
    assert "frontend.lighthouse  lighthouse-home.report.json  application/json  31 bytes" \
        in listed.output
    out = tmp_path / "out"
    written = run("artifacts", str(run_id), "--out", str(out), *_store_arg(tmp_path))
    assert written.exit_code == 0
    assert json.loads((out / "frontend.lighthouse" / "lighthouse-home.report.json")
                      .read_text())["lighthouseVersion"] == "12.2.3"
    missing = run("artifacts", "99", *_store_arg(tmp_path))
    assert missing.exit_code == 2 and "no run '99'" in missing.output


def test_signoffs_follow_the_item_not_its_position(run: Callable[..., Result],
                                                   tmp_path: Path) -> None:
    """Insert a bullet above a signed item: the sign-off stays with its item; reword the item:
    the sign-off is reported stale and passes nothing."""
    store = _store_arg(tmp_path)
    plan = tmp_path / "plan.md"
    original = SPEC.read_text(encoding="utf-8")
    plan.write_text(original, encoding="utf-8")
    assert run("signoff", "Team trained on procedures", "--by", "dana", "--plan", str(plan),
               *store).exit_code == 0
    moved = original.replace("  - Runbooks tested and validated\n",
                             "  - Runbooks tested and validated\n  - On-call rota agreed\n", 1)
    assert moved != original
    plan.write_text(moved, encoding="utf-8")
    assert run("audit", "--target", "http://127.0.0.1:9", "--only", "http.health",
               "--plan", str(plan), "--json", "r.json", *store).exit_code in (0, 3)
    crit = {c["text"]: c for c in json.loads((tmp_path / "r.json").read_text())["criteria"]
            if c["task"] == "PHASE5-010"}
    assert crit["Team trained on procedures"]["status"] == "pass"
    assert crit["On-call rota agreed"]["status"] == "manual"  # took the signed one's position
    assert json.loads((tmp_path / "r.json").read_text())["stale_signoffs"] == []
    plan.write_text(moved.replace("Team trained on procedures", "Team trained on runbooks"),
                    encoding="utf-8")
    run("audit", "--target", "http://127.0.0.1:9", "--only", "http.health", "--plan",
        str(plan), "--json", "r.json", *store)
    report = json.loads((tmp_path / "r.json").read_text())
    crit = {c["text"]: c for c in report["criteria"] if c["task"] == "PHASE5-010"}
    assert crit["Team trained on runbooks"]["status"] == "manual"  # never transferred
    (stale,) = report["stale_signoffs"]
    assert (stale["task"], stale["text"], stale["by"]) == (
        "PHASE5-010", "Team trained on procedures", "dana")
    shown = run("plan", "show", str(plan), *store)
    assert "stale sign-off: PHASE5-010: 'Team trained on procedures'" in shown.output
    listed = json.loads(run("plan", "show", str(plan), "--json", *store).output)
    assert [s["text"] for s in listed["stale_signoffs"]] == ["Team trained on procedures"]
    text = run("show", "last", *store).output
    assert "stale sign-off" in text
