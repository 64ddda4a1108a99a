"""Connecting to the target's PostgreSQL and finding out what the database area may do there.

Every missing precondition becomes a skip that names the exact SQL or configuration line that
enables it; nothing here ever raises for a database that is merely less equipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from golive.checks import CheckContext
from golive.results import Measurement

#: application_name of golive's own sessions (left out of every activity count)
APP_NAME = "golive"
ENABLE_URL = "set [database] url in golive.toml or pass --db postgresql://user@host/db"


def database_url(ctx: CheckContext) -> str:
    return ctx.config.database.url


#: every statement golive sends starts with this comment, which pg_stat_statements keeps in
#: the query text: golive's own statements are recognised and left out of every count
MARKER = "/* golive */ "


class MarkedConnection(psycopg.Connection[dict[str, Any]]):
    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None,
                binary: bool = False) -> Any:
        if isinstance(query, str):
            query = MARKER + query
        return super().execute(query, params, prepare=prepare, binary=binary)


@contextmanager
def connect(url: str, *, autocommit: bool = True) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A connection that identifies itself as golive, marks its statements and never holds a
    lock for long."""
    conn = MarkedConnection.connect(url, autocommit=autocommit, row_factory=dict_row,
                                    application_name=APP_NAME, connect_timeout=10,
                                    prepare_threshold=None)
    try:
        conn.execute("SET lock_timeout = '2s'")
        conn.execute("SET statement_timeout = '60s'")
        yield conn
    finally:
        conn.close()


@dataclass
class Capabilities:
    """What this database lets golive see and do."""

    server_version: int = 0
    user: str = ""
    database: str = ""
    superuser: bool = False
    read_all_stats: bool = False
    statements: bool = False  # pg_stat_statements installed and preloaded
    statements_reason: str = ""
    statements_enable: str = ""
    hypopg: bool = False
    hypopg_reason: str = ""
    hypopg_enable: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"server_version": self.server_version, "user": self.user,
                "database": self.database, "superuser": self.superuser,
                "pg_read_all_stats": self.read_all_stats,
                "pg_stat_statements": self.statements, "hypopg": self.hypopg}

    def skip_without_statements(self) -> Measurement | None:
        if self.statements and (self.read_all_stats or self.superuser):
            return None
        if not self.statements:
            return Measurement.skip(self.statements_reason, enable=self.statements_enable)
        return Measurement.skip(
            f"role {self.user} cannot read other roles' statements",
            enable=f"GRANT pg_read_all_stats TO {self.user};")


def probe(conn: psycopg.Connection[dict[str, Any]]) -> Capabilities:
    """Read the server version, the role's rights and the extensions golive uses."""
    row = conn.execute(
        "SELECT current_setting('server_version_num')::int AS version, current_user AS usr, "
        "current_database() AS db, "
        "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser, "
        "pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS read_all_stats, "
        "current_setting('shared_preload_libraries') AS preload").fetchone()
    assert row is not None
    caps = Capabilities(server_version=row["version"], user=row["usr"], database=row["db"],
                        superuser=bool(row["superuser"]),
                        read_all_stats=bool(row["read_all_stats"]))
    installed = {r["extname"]: r["extversion"] for r in conn.execute(
        "SELECT extname, extversion FROM pg_extension")}
    available = {r["name"] for r in conn.execute(
        "SELECT name FROM pg_available_extensions WHERE name IN "
        "('pg_stat_statements', 'hypopg')")}
    preloaded = "pg_stat_statements" in (row["preload"] or "")
    if not preloaded:
        caps.statements_reason = "pg_stat_statements is not in shared_preload_libraries"
        caps.statements_enable = (
            "postgresql.conf: shared_preload_libraries = 'pg_stat_statements' (restart), then "
            "CREATE EXTENSION pg_stat_statements;")
    elif "pg_stat_statements" not in installed:
        caps.statements_reason = (
            f"the pg_stat_statements extension is not created in database {caps.database}")
        caps.statements_enable = "CREATE EXTENSION pg_stat_statements;"
    else:
        caps.statements = True
    if "hypopg" in installed:
        caps.hypopg = True
    elif "hypopg" in available:
        caps.hypopg_reason = f"the hypopg extension is not created in database {caps.database}"
        caps.hypopg_enable = "CREATE EXTENSION hypopg;"
    else:
        caps.hypopg_reason = "hypopg is not installed on the database server"
        caps.hypopg_enable = ("install it (Debian: apt-get install postgresql-"
                              f"{caps.server_version // 10000}-hypopg), then "
                              "CREATE EXTENSION hypopg;")
    return caps


def open_or_skip(ctx: CheckContext) -> tuple[str, Measurement | None]:
    """The database URL, or a skip saying how to give one / why it cannot be reached."""
    url = database_url(ctx)
    if not url:
        return "", Measurement.skip("no database configured", enable=ENABLE_URL)
    try:
        with connect(url):
            pass
    except psycopg.Error as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return url, Measurement.skip(f"cannot connect to the database: {reason}",
                                     enable="check [database] url (host, port, role, password)")
    return url, None


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
