"""pg_stat_statements snapshots, their differences, and waiting for a quiet database.

The quiet-window method (FIELD-NOTES): snapshot, send one request, wait until no other session
is active or idle in a transaction and two snapshots agree (the application answers before it
commits), snapshot again. Keyed by (role, queryid); golive's own statements and the roles
named in ``[database] ignore_roles`` are left out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import psycopg

from golive.checks.database.connect import APP_NAME, MARKER

Key = tuple[int, int]  # (userid, queryid)


@dataclass(frozen=True)
class Stat:
    calls: int
    total_ms: float
    rows: int
    query: str
    role: str


@dataclass(frozen=True)
class Snapshot:
    stats: dict[Key, Stat]
    dealloc: int
    taken: float

    def minus(self, before: Snapshot) -> dict[Key, Stat]:
        """Statements that ran between ``before`` and this snapshot (calls > 0)."""
        delta: dict[Key, Stat] = {}
        for key, now in self.stats.items():
            old = before.stats.get(key)
            calls = now.calls - (old.calls if old else 0)
            if calls > 0:
                delta[key] = Stat(calls, now.total_ms - (old.total_ms if old else 0.0),
                                  now.rows - (old.rows if old else 0), now.query, now.role)
        return delta


SNAPSHOT_SQL = """
SELECT s.userid::bigint AS userid, s.queryid, sum(s.calls)::bigint AS calls,
       sum(s.total_exec_time) AS total_ms, sum(s.rows)::bigint AS rows,
       min(s.query) AS query, min(r.rolname) AS role
FROM pg_stat_statements s LEFT JOIN pg_roles r ON r.oid = s.userid
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND s.queryid IS NOT NULL
GROUP BY s.userid, s.queryid
"""


#: golive's own statements: marked (see connect.MARKER), or reading the statistics views
OWN_MARKERS = (MARKER.strip(), "pg_stat_statements", "pg_stat_activity")


def is_own(query: str) -> bool:
    return any(marker in query for marker in OWN_MARKERS)


def snapshot(conn: psycopg.Connection[dict[str, Any]], ignore_roles: set[str]) -> Snapshot:
    rows = conn.execute(SNAPSHOT_SQL).fetchall()
    stats = {(int(r["userid"]), int(r["queryid"])): Stat(int(r["calls"]), float(r["total_ms"]),
                                                         int(r["rows"]), r["query"] or "",
                                                         r["role"] or "")
             for r in rows
             if (r["role"] or "") not in ignore_roles and not is_own(r["query"] or "")}
    try:
        info = conn.execute("SELECT dealloc FROM pg_stat_statements_info").fetchone()
        dealloc = int(info["dealloc"]) if info else 0
    except psycopg.Error:
        dealloc = 0
    return Snapshot(stats, dealloc, time.monotonic())


ACTIVITY_SQL = """
SELECT count(*) FILTER (WHERE state = 'active') AS active,
       count(*) FILTER (WHERE state LIKE 'idle in transaction%%') AS in_tx
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
  AND datname = current_database() AND coalesce(application_name, '') <> %s
"""


def busy_sessions(conn: psycopg.Connection[dict[str, Any]]) -> int:
    row = conn.execute(ACTIVITY_SQL, (APP_NAME,)).fetchone()
    return int(row["active"]) + int(row["in_tx"]) if row else 0


@dataclass
class Quiet:
    ok: bool
    waited_s: float
    snapshot: Snapshot
    reason: str = ""


def wait_quiet(conn: psycopg.Connection[dict[str, Any]], ignore_roles: set[str], *,
               timeout_s: float = 5.0, poll_s: float = 0.02) -> Quiet:
    """Wait until no other session works and two consecutive snapshots agree."""
    start = time.monotonic()
    last = snapshot(conn, ignore_roles)
    while True:
        time.sleep(poll_s)
        busy = busy_sessions(conn)
        now = snapshot(conn, ignore_roles)
        if busy == 0 and not now.minus(last):
            return Quiet(True, time.monotonic() - start, now)
        waited = time.monotonic() - start
        if waited > timeout_s:
            changed = len(now.minus(last))
            reason = (f"the database was not quiet within {timeout_s:g}s "
                      f"({busy} other busy session(s), {changed} statement(s) still running): "
                      "other traffic is present, statements per request cannot be counted")
            return Quiet(False, waited, now, reason)
        last = now
