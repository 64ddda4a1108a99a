"""golive drill backup against a real PostgreSQL: restore into a throwaway cluster, compare."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from golive.cli import build_cli
from golive.results import Status
from tests.checks.database.conftest import Shop
from tests.checks.helpers import run_one
from tests.conftest import SPEC

CLI = build_cli()

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
PgShop = Callable[[str], Shop]


def test_backup_restores_identical_copy_and_proves_index(pg_shop: PgShop,
                                                          tmp_path: Path) -> None:
    shop = pg_shop("missing_index")
    run_one("database.n_plus_one", shop.url, database=shop.db)  # statements to advise on
    out = tmp_path / "drill.json"
    r = CliRunner().invoke(CLI, ["drill", "backup", "--db", shop.db, "--prove-indexes",
                                 "--json", str(out), "--store",
                                 f"sqlite:///{tmp_path / 'h.db'}"], catch_exceptions=False)
    report = json.loads(out.read_text())
    drill = next(x for x in report["results"] if x["check"] == "drills.backup")
    assert drill["status"] == "pass", drill
    m = drill["metrics"]
    assert m["differing_tables"] == 0 and m["differing_rows"] == 0 and m["tables"] == 5
    assert m["dump_bytes"] > 0 and m["restore_s"] > 0 and m["rto_s"] >= m["restore_s"]
    proofs = drill["evidence"]["index_proofs"]
    timed = [t for p in proofs for t in p["timings"]]
    assert timed and all(t["after_ms"] < t["before_ms"] for t in timed)
    assert r.exit_code == 1  # the missing index fails database.indexes


def test_backup_that_loses_rows_is_caught(pg_shop: PgShop, pg_cluster: object) -> None:
    shop = pg_shop("none")
    pg_dump = Path(pg_cluster.bindir) / "pg_dump"
    lossy = f"{pg_dump} -Fc --exclude-table-data=shop_reviews -f {{dump}} -d {{url}}"
    r = run_one("drills.backup", shop.url, database=shop.db,
                options={"backup_command": lossy})
    assert r.status is Status.FAIL
    assert [f.location for f in r.findings if f.title == "Restored table differs"] == [
        "public.shop_reviews"]
    assert r.metrics["differing_rows"] == 20000


def test_failing_backup_command_is_critical(pg_shop: PgShop) -> None:
    shop = pg_shop("none")
    r = run_one("drills.backup", shop.url, database=shop.db,
                options={"backup_command": "false"})
    assert r.status is Status.FAIL
    assert r.findings[0].title == "Backup failed"


def test_drill_without_database_is_one_line_exit_2(tmp_path: Path) -> None:
    r = CliRunner().invoke(CLI, ["drill", "backup", "--store", f"sqlite:///{tmp_path / 'h.db'}"])
    assert r.exit_code == 2
    assert "no database: pass --db" in r.output and len(r.output.strip().splitlines()) == 1


def test_audit_plan_takes_the_latest_drill(pg_shop: PgShop, tmp_path: Path) -> None:
    shop = pg_shop("none")
    store = ["--store", f"sqlite:///{tmp_path / 'h.db'}"]
    drill = CliRunner().invoke(CLI, ["drill", "backup", "--db", shop.db, *store])
    assert drill.exit_code == 0, drill.output
    out = tmp_path / "audit.json"
    CliRunner().invoke(CLI, ["audit", "--target", shop.url, "--db", shop.db, "--only",
                             "http.health", "--plan", str(SPEC), "--json", str(out), *store],
                       catch_exceptions=False)
    criteria = json.loads(out.read_text())["criteria"]
    backup = [c for c in criteria if "Backup/restore tested" in c["text"]]
    assert backup and all(c["status"] == "pass" for c in backup), backup
    assert "drills.backup pass" in backup[0]["note"] and "(run 1," in backup[0]["note"]
    # a drill of another database (or of another project) decides nothing here
    other = shop.db.rsplit("/", 1)[0] + "/elsewhere"
    for extra in (["--db", other], ["--db", shop.db, "--project", "blog"]):
        CliRunner().invoke(CLI, ["audit", "--target", shop.url, *extra, "--only",
                                 "http.health", "--plan", str(SPEC), "--json", str(out),
                                 *store], catch_exceptions=False)
        backup = [c for c in json.loads(out.read_text())["criteria"]
                  if "Backup/restore tested" in c["text"]]
        assert {c["status"] for c in backup} == {"skipped"}, (extra, backup)
