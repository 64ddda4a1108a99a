"""Every flaw of the demo shop is named by a failing check (issue 17): the baseline shows what
golive finds, flaw by flaw. One audit of the all-flaws shop (small tables, its own database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.demo.flaws import FLAW_CHECKS, FLAWS
from golive.demo.osv import osv_server
from golive.demo.server import demo_process
from golive.demo.story import DEMO_DATA, demo_config
from golive.pgcluster import Cluster, extension_available
from golive.plan import parse_plan
from golive.results import Status
from golive.session import AuditRequest, run_session
from golive.store import Store
from tests.conftest import SMALL, SPEC

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def test_the_map_covers_every_flaw() -> None:
    assert set(FLAW_CHECKS) == set(FLAWS)


def test_every_flaw_is_named_by_a_failing_check_of_the_baseline(tmp_path: Path,
                                                                own_cluster: Cluster) -> None:
    if not extension_available("hypopg", own_cluster.bindir):
        pytest.skip("hypopg is not installed (make install installs it)")
    db = own_cluster.create_database("flaws", ["pg_stat_statements", "hypopg"])
    checks = tuple(sorted({check for check, _ in FLAW_CHECKS.values()}))
    store = Store(f"sqlite:///{tmp_path}/flaws.db")
    try:
        with demo_process("all", db_url=db, **SMALL) as shop, \
                osv_server(DEMO_DATA / "osv") as osv:
            # with the demo's plan, as `golive demo` runs it: an item on rate limiting
            # makes "no 429 within the bound" a failure, not an open question
            outcome = run_session(AuditRequest(
                target=shop.url, config=demo_config(shop.url, db, "all", osv),
                store=store, only=checks, plan=parse_plan(str(SPEC))))
    finally:
        store.close()
    by = {r.check: r for r in outcome.results}
    missed = []
    for flaw, (check, text) in sorted(FLAW_CHECKS.items()):
        result = by[check]
        named = [f for f in result.findings
                 if text in f.title or text in f.location or text in f.detail]
        found = result.status is Status.FAIL and bool(named)
        print(f"{flaw:20} -> {check:24} {'found' if found else 'MISSED'}"
              f" ({result.status}; {named[0].title if named else 'no finding names ' + text})")
        if not found:
            missed.append(flaw)
    assert missed == [], missed
