"""Shared fixtures: real demo servers on loopback, stores on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from golive.config import Config, TargetConfig
from golive.demo.server import RunningDemo, demo_process
from golive.pgcluster import Cluster
from golive.store import Store

# golive's plugin manager loads no entry points under the test suite (tests register what
# they test, see tests/test_plugins.py)
sys._golive_called_from_test = True  # type: ignore[attr-defined]

SMALL = {"products": 2000, "reviews": 20000}
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SPEC = Path(__file__).resolve().parents[1] / "golive" / "data" / "phase5-task-list.md"


@pytest.fixture(scope="session")
def demo() -> Iterator[Callable[[str], RunningDemo]]:
    """Start (once per flaw set) a demo shop on a free loopback port: ``demo("no_compression")``."""
    running: dict[str, RunningDemo] = {}
    with contextlib.ExitStack() as stack:
        def get(flaws: str = "none") -> RunningDemo:
            if flaws not in running:
                running[flaws] = stack.enter_context(demo_process(flaws, **SMALL))
            return running[flaws]

        yield get


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A CA made for the test session and a certificate for 127.0.0.1 (trustme)."""
    import trustme

    folder: Path = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    files = {"ca": folder / "ca.pem", "cert": folder / "cert.pem", "key": folder / "key.pem"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    cert.cert_chain_pems[0].write_to_path(str(files["cert"]))
    cert.private_key_pem.write_to_path(str(files["key"]))
    return {k: str(v) for k, v in files.items()}


@pytest.fixture
def config_for() -> Callable[..., Config]:
    def make(url: str, **target: object) -> Config:
        return Config(target=TargetConfig(url=url, **target))  # type: ignore[arg-type]

    return make


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster of the test's own (pg_stat_statements preloaded):
    statement counts see no other test's shop. Skipped without PostgreSQL's server."""
    from golive.pgcluster import ClusterUnavailable, temporary_cluster

    try:
        manager = temporary_cluster()
        cluster = manager.__enter__()
    except ClusterUnavailable as err:
        pytest.skip(f"no throwaway PostgreSQL cluster: {err}")
    try:
        yield cluster
    finally:
        manager.__exit__(None, None, None)


def _pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def pg_database() -> Iterator[Callable[[], str]]:
    """Create throwaway databases on the local PostgreSQL; dropped at the end of the session."""
    if not _pg_available():
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}")
    created: list[str] = []

    def make() -> str:
        name = f"golive_test_{secrets.token_hex(4)}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return f"postgresql://postgres@127.0.0.1:5432/{name}"

    yield make
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


#: fixtures that start a real server or process: a test using one is an integration test
#: (left out of `make test-fast`)
SERVER_FIXTURES = {"demo", "pg_database", "pg_shop", "slow_server", "installed", "tls_files"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'golive.db'}")
    else:
        s = Store(request.getfixturevalue("pg_database")())
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'golive.db'}")
    yield s
    s.close()
