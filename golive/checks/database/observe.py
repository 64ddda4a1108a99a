"""Watch the database while load runs: sessions per application_name (the pool size shows as
the cap on concurrent sessions), waiting and idle-in-transaction sessions, and the statements
of the load window (pg_stat_statements before and after).

The load check starts an :class:`Observer` when ``[database] url`` is set and keeps
:meth:`Observer.report` in its evidence under ``database``; ``database.pool`` and
``database.slow_queries`` read it from there.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg

from golive.checks.database.connect import APP_NAME, connect, probe
from golive.checks.database.stats import Snapshot, snapshot

SAMPLE_SQL = """
SELECT coalesce(nullif(application_name, ''), '(none)') AS app, usename AS role,
       datname IS NOT DISTINCT FROM current_database() AS here,
       count(*) AS sessions,
       count(*) FILTER (WHERE state = 'active') AS active,
       count(*) FILTER (WHERE wait_event_type = 'Lock') AS waiting,
       count(*) FILTER (WHERE state LIKE 'idle in transaction%%') AS idle_in_tx,
       coalesce(max(extract(epoch FROM now() - state_change))
                FILTER (WHERE state LIKE 'idle in transaction%%'), 0) AS idle_in_tx_age_s
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND coalesce(application_name, '') <> %s
GROUP BY 1, 2, 3
"""


def sample_activity(conn: psycopg.Connection[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(SAMPLE_SQL, (APP_NAME,)).fetchall()]


def summarise(samples: list[list[dict[str, Any]]], max_connections: int) -> dict[str, Any]:
    """Peak figures per application of the target's database over a series of activity
    samples; the headroom counts the whole cluster (every database shares max_connections)."""
    apps: dict[str, dict[str, Any]] = {}
    peak_total = peak_here = 0
    for rows in samples:
        peak_total = max(peak_total, sum(int(r["sessions"]) for r in rows))
        peak_here = max(peak_here, sum(int(r["sessions"]) for r in rows if r.get("here", True)))
        for r in rows:
            if not r.get("here", True):  # another database of the cluster: not this pool
                continue
            a = apps.setdefault(r["app"], {"application_name": r["app"], "role": r["role"],
                                           "max_sessions": 0, "max_active": 0,
                                           "max_waiting": 0, "max_idle_in_tx": 0,
                                           "max_idle_in_tx_age_s": 0.0})
            a["max_sessions"] = max(a["max_sessions"], int(r["sessions"]))
            a["max_active"] = max(a["max_active"], int(r["active"]))
            a["max_waiting"] = max(a["max_waiting"], int(r["waiting"]))
            a["max_idle_in_tx"] = max(a["max_idle_in_tx"], int(r["idle_in_tx"]))
            a["max_idle_in_tx_age_s"] = max(a["max_idle_in_tx_age_s"],
                                            round(float(r["idle_in_tx_age_s"]), 3))
    return {"samples": len(samples), "peak_sessions": peak_here,
            "peak_sessions_cluster": peak_total,
            "max_connections": max_connections,
            "headroom_pct": round(100.0 * (1 - peak_total / max_connections), 1)
            if max_connections else None,
            "applications": sorted(apps.values(), key=lambda a: -a["max_sessions"])}


@dataclass(frozen=True)
class DatabaseActivity:
    """Fact: what the database did while the load area's load ran (``Observer.report()``),
    for the checks that declare ``requires = ("load.latency",)``."""

    report: dict[str, Any]


class Observer:
    """Samples pg_stat_activity in a thread every ``interval_s`` until stopped."""

    def __init__(self, url: str, ignore_roles: set[str], interval_s: float = 0.25) -> None:
        self.url = url
        self.ignore_roles = ignore_roles
        self.interval_s = interval_s
        self.samples: list[list[dict[str, Any]]] = []
        self.error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._before: Snapshot | None = None
        self._after: Snapshot | None = None
        self.max_connections = 0
        self.started = 0.0
        self.stopped = 0.0

    def __enter__(self) -> Observer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="golive-db-observer",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.stopped = time.monotonic()

    def _run(self) -> None:
        try:
            with connect(self.url) as conn:
                caps = probe(conn)
                row = conn.execute("SELECT current_setting('max_connections')::int AS m"
                                   ).fetchone()
                self.max_connections = int(row["m"]) if row else 0
                if caps.statements:
                    self._before = snapshot(conn, self.ignore_roles)
                while not self._stop.wait(self.interval_s):
                    self.samples.append(sample_activity(conn))
                if caps.statements:
                    self._after = snapshot(conn, self.ignore_roles)
        except psycopg.Error as err:
            self.error = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)

    def report(self) -> dict[str, Any]:
        out = summarise(self.samples, self.max_connections)
        out["window_s"] = round(self.stopped - self.started, 2)
        if self.error:
            out["error"] = self.error
        if self._before is not None and self._after is not None:
            delta = self._after.minus(self._before)
            out["statements"] = [
                {"queryid": str(k[1]), "role": s.role, "calls": s.calls,
                 "total_ms": round(s.total_ms, 3),
                 "mean_ms": round(s.total_ms / s.calls, 3), "rows": s.rows,
                 "query": " ".join(s.query.split())[:1000]}
                for k, s in sorted(delta.items(), key=lambda ks: -ks[1].total_ms)[:50]]
        return out
