"""The history store on SQLite and on PostgreSQL (a throwaway database on the local server)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from golive.exceptions import StoreError
from golive.results import Artifact, Finding, Result, Severity, SLOOutcome, Status
from golive.store import Store, normalise_url


def _result(check: str = "http.health", status: Status = Status.PASS) -> Result:
    return Result(check=check, area="http", title="Health", status=status, summary="ok",
                  metrics={"latency_ms": 1.5, "nan": float("nan")},
                  findings=[Finding("x", Severity.LOW, "/", "d", "f")],
                  evidence={"body": "é", "nested": {"a": [1, 2]}},
                  thresholds=[SLOOutcome("latency_ms < 500ms", "latency_ms", 1.5, True)])


def test_run_lifecycle(store: Store) -> None:
    run_id = store.start_run(target="http://127.0.0.1:1", profile="quick",
                             golive_version="0.1", label="baseline", plan_path="p.md")
    assert store.get_run(run_id).status == "running"
    store.add_result(run_id, 0, _result())
    store.add_result(run_id, 1, _result("http.compression", Status.FAIL))
    store.finish_run(run_id, status="complete", verdict="not-ready", reason="failed",
                     criteria=[{"task": "T", "key": "T:criteria:1", "kind": "criterion",
                                "text": "Team trained", "check": None, "status": "pass"}])
    run = store.get_run(run_id)
    assert (run.status, run.verdict, run.label, run.plan_path) == (
        "complete", "not-ready", "baseline", "p.md")
    assert [r.check for r in run.results] == ["http.health", "http.compression"]
    first = run.results[0]
    assert first.metrics == {"latency_ms": 1.5, "nan": None}
    assert first.findings[0].severity is Severity.LOW
    assert first.evidence["body"] == "é"
    assert first.thresholds[0].ok is True
    assert run.criteria[0]["key"] == "T:criteria:1"
    assert run.started_at.tzinfo is not None and run.finished_at is not None


def test_resolve_run_references(store: Store) -> None:
    ids = [store.start_run(target="t", profile="quick", golive_version="0", label=f"l{i}")
           for i in range(3)]
    assert store.resolve_run_id("last") == ids[-1]
    assert store.resolve_run_id("last~1") == ids[-2]
    assert store.resolve_run_id(str(ids[0])) == ids[0]
    assert store.resolve_run_id("l1") == ids[1]
    assert [r.id for r in store.list_runs(2)] == [ids[2], ids[1]]
    with pytest.raises(StoreError, match="no run '999'"):
        store.get_run("999")
    with pytest.raises(StoreError, match="no run 'nope'"):
        store.get_run("nope")


def test_signoffs(store: Store) -> None:
    store.add_signoff(item="T:criteria:1", text="Team trained", by="dana",
                      evidence="https://wiki/x")
    store.add_signoff(item="T:criteria:1", text="Team trained", by="lee")
    rows = store.signoffs()
    assert [(s.item, s.by, s.evidence) for s in rows] == [
        ("T:criteria:1", "dana", "https://wiki/x"), ("T:criteria:1", "lee", None)]


def test_migrations_are_idempotent_and_recorded(store: Store) -> None:
    again = Store(store.url)
    with again.engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        tables = set(sa.inspect(conn).get_table_names())
    again.close()
    assert version == "0005"
    assert {"runs", "results", "signoffs", "baselines", "artifacts", "projects", "metrics",
            "plan_items", "tokens", "alembic_version"} <= tables


def test_git_commit_and_branch_are_recorded(tmp_path: Path, sqlite_store: Store) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", "-b", "trunk", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.email=a@b", "-c", "user.name=a",
                    "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    run_id = sqlite_store.start_run(target="t", profile="quick", golive_version="0",
                                    cwd=tmp_path)
    run = sqlite_store.get_run(run_id)
    assert run.git_branch == "trunk" and run.git_commit and len(run.git_commit) == 40


def test_bad_store_urls(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not usable"):
        Store("nosuchdb://x")
    with pytest.raises(StoreError, match="cannot open the store"):
        Store("postgresql://nobody@127.0.0.1:1/x")
    assert normalise_url("postgresql://a@h/db") == "postgresql+psycopg://a@h/db"


def test_artifacts_are_kept_compressed_and_read_back(store: Store) -> None:
    run_id = store.start_run(target="http://127.0.0.1:1", profile="quick", golive_version="0.1")
    body = b'{"lighthouseVersion": "12.2.3"}' * 2000
    result = _result("frontend.lighthouse")
    result.artifacts = [Artifact("lighthouse-home.report.json", "application/json", body),
                        Artifact("lighthouse-home.report.html", "text/html", b"<html></html>")]
    store.add_result(run_id, 0, result)
    listed = store.artifacts(run_id)
    assert [(c, a.name, a.bytes) for c, a in listed] == [
        ("frontend.lighthouse", "lighthouse-home.report.json", len(body)),
        ("frontend.lighthouse", "lighthouse-home.report.html", 13)]
    assert store.artifact(run_id, "frontend.lighthouse", "lighthouse-home.report.json").data \
        == body
    with store.engine.connect() as conn:  # stored gzip-compressed
        stored = conn.execute(sa.text("SELECT length(data) FROM artifacts WHERE name LIKE "
                                      "'%json'")).scalar()
    assert stored < len(body) / 10
    # the result read back names its artifacts (without their bytes)
    again = store.get_run(run_id).results[0]
    assert [(a.name, a.bytes, a.data) for a in again.artifacts] == [
        ("lighthouse-home.report.json", len(body), b""), ("lighthouse-home.report.html", 13, b"")]
    with pytest.raises(StoreError, match="keeps no artifact 'nope'"):
        store.artifact(run_id, "frontend.lighthouse", "nope")
