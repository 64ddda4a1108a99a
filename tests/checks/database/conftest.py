"""A throwaway PostgreSQL cluster (pg_stat_statements preloaded, hypopg when installed) and
demo shops running on it, one database per flaw set."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from golive.demo.server import demo_process
from golive.pgcluster import Cluster, ClusterUnavailable, extension_available, temporary_cluster
from tests.conftest import SMALL


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    try:
        with temporary_cluster() as cluster:
            yield cluster
    except ClusterUnavailable as err:
        pytest.skip(f"no throwaway PostgreSQL cluster: {err}")


@dataclass
class Shop:
    url: str  # the shop's HTTP URL
    db: str  # its database


@pytest.fixture(scope="session")
def pg_shop(pg_cluster: Cluster) -> Iterator[Callable[[str], Shop]]:
    """``pg_shop("n_plus_one")``: a demo shop on its own database of the cluster."""
    if not extension_available("hypopg", pg_cluster.bindir):
        pytest.skip("hypopg is not installed (make install installs postgresql-15-hypopg)")
    running: dict[str, Shop] = {}
    with contextlib.ExitStack() as stack:
        def get(flaws: str = "none") -> Shop:
            if flaws not in running:
                name = "shop_" + flaws.replace(",", "_")
                db = pg_cluster.create_database(name, ["pg_stat_statements", "hypopg"])
                app = stack.enter_context(demo_process(flaws, db_url=db, **SMALL))
                running[flaws] = Shop(app.url, db)
            return running[flaws]

        yield get
