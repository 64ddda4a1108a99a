"""The store a server can stand on (migration 0004): projects, kinds, exit codes, metrics,
typed plan outcomes, scoped drill lookups, import, explicit migrations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner

from golive.cli import build_cli
from golive.exceptions import StoreError
from golive.report import report_dict
from golive.results import Result, Status
from golive.store import Store, _alembic, run_from_report
from golive.store.schema import metadata


def _result(check: str, status: Status = Status.PASS, **metrics: float) -> Result:
    return Result(check=check, area=check.split(".")[0], title=check, status=status,
                  metrics=dict(metrics), scoped={"GET /a": {"p95_ms": 3.0}},
                  better={k: "lower" for k in metrics})


def test_models_and_migrations_agree(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_metrics_rows_and_series_per_project(store: Store) -> None:
    ids = []
    for project, value in (("shop", 10.0), ("blog", 99.0), ("shop", 12.0)):
        run_id = store.start_run(target="http://127.0.0.1:1", profile="quick",
                                 golive_version="0", project=project, kind="load")
        store.add_result(run_id, 0, _result("load.latency", p95_ms=value))
        ids.append(run_id)
    assert store.metric_series(check="load.latency", name="p95_ms", project="shop") == [
        (ids[0], 10.0), (ids[2], 12.0)]
    assert store.metric_series(check="load.latency", name="p95_ms", project="shop",
                               scope="GET /a") == [(ids[0], 3.0), (ids[2], 3.0)]
    with store.engine.connect() as conn:
        unit = conn.execute(sa.text("SELECT DISTINCT unit FROM metrics")).scalars().all()
    assert unit == ["ms"]
    assert [name for name, _ in store.projects()] == ["blog", "shop"]
    assert store.get_run(ids[1]).kind == "load" and store.get_run(ids[1]).project == "blog"


def test_latest_result_is_of_the_same_project_and_target(store: Store) -> None:
    def drill(project: str, target: str) -> int:
        run_id = store.start_run(target=target, profile="quick", golive_version="0",
                                 project=project, kind="drill")
        store.add_result(run_id, 0, _result("drills.backup", differing_tables=0.0))
        return run_id

    mine = drill("shop", "postgresql://127.0.0.1/shop")
    drill("blog", "postgresql://127.0.0.1/blog")  # newer, of another database
    found = store.latest_result("drills.backup", project="shop")
    assert found is not None and found[0] == mine
    assert store.latest_result("drills.backup", project="shop",
                               target="postgresql://127.0.0.1/other") is None


def test_plan_outcomes_are_rows_and_come_back(store: Store) -> None:
    run_id = store.start_run(target="t", profile="quick", golive_version="0",
                             plan_text="# Plan\n")
    items = [{"task": "T-1", "key": "T-1:criteria:1", "kind": "criterion", "text": "A",
              "check": "http.health", "slo": ["latency_ms < 5ms"], "status": "pass",
              "note": "ok"}]
    store.finish_run(run_id, status="complete", verdict="ready", reason="r", criteria=items,
                     exit_code=0)
    run = store.get_run(run_id)
    assert run.criteria == items and run.plan_text == "# Plan\n" and run.exit_code == 0


def test_a_json_report_round_trips_through_import(store: Store) -> None:
    run_id = store.start_run(target="http://127.0.0.1:1", profile="full", golive_version="0",
                             label="ci", project="shop", plan_text="# P\n")
    store.add_result(run_id, 0, _result("load.latency", p95_ms=10.0))
    store.finish_run(run_id, status="complete", verdict="ready", reason="every check passed",
                     criteria=[{"task": "T", "key": "T:criteria:1", "kind": "criterion",
                                "text": "A", "check": "load.latency", "slo": [],
                                "status": "pass", "note": "n"}], exit_code=0,
                     stale_signoffs=[{"task": "T", "text": "old", "by": "dana"}])
    original = report_dict(store.get_run(run_id))
    new_id = store.import_run(run_from_report(json.loads(json.dumps(original))))
    again = report_dict(store.get_run(new_id))
    assert again["run"].pop("id") == new_id and again["run"].pop("kind") == "import"
    original["run"].pop("id")
    original["run"].pop("kind")
    assert again == original  # every other field kept
    assert store.metric_series(check="load.latency", name="p95_ms", project="shop") == [
        (run_id, 10.0), (new_id, 10.0)]


def _store_at_0003(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    cfg = _alembic()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.execute(sa.text(
            "INSERT INTO runs (started_at, target, profile, label, golive_version, status, "
            "verdict, criteria) VALUES (:t, 'http://127.0.0.1:1', 'quick', '', '0', "
            "'complete', 'ready', :c)"),
            {"t": datetime(2026, 11, 1, tzinfo=UTC), "c": json.dumps([
                {"task": "PHASE5-010", "key": "PHASE5-010:criteria:4", "kind": "criterion",
                 "text": "Team trained on procedures", "check": None, "slo": [],
                 "status": "pass", "note": "signed off"}])})
        conn.execute(sa.text(
            "INSERT INTO signoffs (created_at, item, text, by) VALUES "
            "(:t, 'checklist:Operations:1', 'Team trained', 'dana')"),
            {"t": datetime(2026, 11, 1, tzinfo=UTC)})
    engine.dispose()
    return url


def test_reading_commands_never_migrate_and_say_so(tmp_path: Path) -> None:
    url = _store_at_0003(tmp_path / "old.db")
    with pytest.raises(StoreError, match=r"at schema 0003, this golive needs 0005: run "
                                         r"'golive db upgrade'"):
        Store(url, migrate=False)
    runner = CliRunner()
    for args in (["history"], ["show", "last"], ["compare", "1", "1"], ["baseline", "list"]):
        r = runner.invoke(build_cli(), [*args, "--store", url])
        assert r.exit_code == 2 and "golive db upgrade" in r.stderr, args
    assert Store(url, migrate=False, check=False).revision() == "0003"  # untouched
    status = runner.invoke(build_cli(), ["db", "status", "--store", url])
    assert status.exit_code == 3 and "schema 0003 (this golive needs 0005)" in status.output
    up = runner.invoke(build_cli(), ["db", "upgrade", "--store", url])
    assert up.exit_code == 0 and "schema 0003 -> 0005" in up.output
    store = Store(url, migrate=False)
    (old,) = store.list_runs()
    run = store.get_run(old.id)
    assert run.criteria[0]["text"] == "Team trained on procedures"  # moved into plan_items
    assert (run.project, run.kind) == ("default", "audit")
    assert store.signoffs()[0].task == "checklist:Operations"
    again = runner.invoke(build_cli(), ["db", "upgrade", "--store", url])
    assert "already at schema 0005" in again.output


def test_golive_import_cli(tmp_path: Path, sqlite_store: Store) -> None:
    run_id = sqlite_store.start_run(target="t", profile="quick", golive_version="0")
    sqlite_store.finish_run(run_id, status="complete", verdict="ready", reason="r",
                            criteria=[], exit_code=0)
    report = tmp_path / "r.json"
    report.write_text(json.dumps(report_dict(sqlite_store.get_run(run_id))))
    target = f"sqlite:///{tmp_path / 'server.db'}"
    r = CliRunner().invoke(build_cli(), ["import", str(report), "--project", "shop",
                                         "--store", target])
    assert r.exit_code == 0 and "as run 1 (project shop" in r.output
    assert Store(target).get_run(1).project == "shop"
    (tmp_path / "bad.json").write_text("{}")
    bad = CliRunner().invoke(build_cli(), ["import", str(tmp_path / "bad.json"),
                                           "--store", target])
    assert bad.exit_code == 2 and "not a golive JSON report" in bad.stderr


def test_a_reading_command_creates_no_store(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(build_cli(), ["history"])
    assert r.exit_code == 2 and "no golive history at" in r.stderr
    assert not (tmp_path / ".golive").exists()
