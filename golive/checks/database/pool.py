"""database.pool: connections under load (pool size per application, waiting and idle-in-
transaction sessions, headroom to max_connections) and the settings that commonly hurt."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from golive.checks import Check, CheckContext, higher, lower
from golive.checks.database.connect import connect, open_or_skip
from golive.checks.database.observe import DatabaseActivity, Observer
from golive.results import Finding, Measurement, Severity
from golive.site import tls_verify


class PoolOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: without a load run in the same audit, a short burst of this many concurrent clients
    burst_users: int = Field(20, ge=1, le=200)
    burst_s: float = Field(3.0, gt=0, le=30)
    #: idle-in-transaction sessions older than this are reported
    idle_in_tx_s: float = Field(5.0, gt=0)


SETTINGS_SQL = """
SELECT name, reset_val AS setting, unit, source FROM pg_settings WHERE name IN
('shared_buffers', 'work_mem', 'random_page_cost', 'autovacuum', 'statement_timeout',
 'idle_in_transaction_session_timeout', 'max_connections', 'effective_cache_size')
"""


def setting_findings(conn: Any) -> tuple[list[Finding], dict[str, str]]:
    """The short list of settings that commonly hurt (with the evidence that they do)."""
    rows = {r["name"]: r for r in conn.execute(SETTINGS_SQL).fetchall()}
    shown = {n: f"{r['setting']}{r['unit'] or ''}" for n, r in rows.items()}
    out = []

    def add(title: str, severity: Severity, name: str, detail: str, fix: str) -> None:
        out.append(Finding(title, severity, location=f"setting {name} = {shown.get(name)}",
                           detail=detail, fix=fix))

    if rows.get("autovacuum", {}).get("setting") == "off":
        add("Autovacuum is off", Severity.HIGH, "autovacuum",
            "dead rows pile up, tables bloat, statistics go stale and transaction ID "
            "wraparound looms", "ALTER SYSTEM SET autovacuum = on; SELECT pg_reload_conf();")
    sb = rows.get("shared_buffers")
    if sb is not None and sb["source"] == "default":
        add("shared_buffers left at its default", Severity.LOW, "shared_buffers",
            "the default (128MB) suits a small machine only",
            "set shared_buffers to about 25 % of the server's memory (restart)")
    if rows.get("random_page_cost", {}).get("setting") == "4":
        add("random_page_cost tuned for spinning disks", Severity.LOW, "random_page_cost",
            "4 is for rotating disks: on SSD storage the planner then avoids index scans",
            "on SSD: ALTER SYSTEM SET random_page_cost = 1.1; SELECT pg_reload_conf();")
    temp = conn.execute("SELECT temp_files, temp_bytes FROM pg_stat_database "
                        "WHERE datname = current_database()").fetchone()
    if temp and int(temp["temp_files"]) > 0:
        add("Queries spill to temporary files", Severity.LOW, "work_mem",
            f"{int(temp['temp_files'])} temporary file(s), {int(temp['temp_bytes']) / 1e6:.1f} MB "
            "written by sorts and hashes that did not fit work_mem",
            "raise work_mem for the role that runs them, or fix the queries")
    role_timeout = conn.execute(
        "SELECT count(*) AS n FROM pg_db_role_setting s, unnest(s.setconfig) AS c "
        "WHERE c LIKE 'statement_timeout=%%'").fetchone()
    if rows.get("statement_timeout", {}).get("setting") == "0" and not (
            role_timeout and int(role_timeout["n"])):
        add("No statement_timeout", Severity.LOW, "statement_timeout",
            "a runaway query holds its connection (and its locks) for ever",
            "ALTER ROLE app_role SET statement_timeout = '30s';")
    if rows.get("idle_in_transaction_session_timeout", {}).get("setting") == "0":
        add("No idle_in_transaction_session_timeout", Severity.LOW,
            "idle_in_transaction_session_timeout",
            "a client that forgets to commit holds locks and blocks vacuum",
            "ALTER ROLE app_role SET idle_in_transaction_session_timeout = '60s';")
    return out, shown


def burst(ctx: CheckContext, users: int, seconds: float) -> dict[str, Any]:
    """A bounded burst (``users`` threads, ``seconds``, loopback-checked target) over the
    target's GET endpoints, to see the pool fill."""
    paths = ctx.site.list_endpoints or ctx.site.get_endpoints
    deadline = time.monotonic() + seconds
    counts = {"requests": 0, "errors": 0}
    lock = threading.Lock()

    def worker(offset: int) -> None:
        with ctx.http(base_url=ctx.target, timeout=10, headers=ctx.config.target.headers,
                          verify=tls_verify(ctx.config.target.ca_bundle)) as client:
            i = offset
            while time.monotonic() < deadline:
                path = paths[i % len(paths)]
                i += 1
                try:
                    ok = client.get(path).status_code < 500
                except httpx.HTTPError:
                    ok = False
                with lock:
                    counts["requests"] += 1
                    counts["errors"] += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 15)
    return {"users": users, "seconds": seconds, **counts}


class ConnectionPool(Check):
    id = "database.pool"
    title = "Connection pool and database settings"
    fix = ("Size the application's pool below max_connections (or put PgBouncer in front); "
           "set statement and idle-in-transaction timeouts.")
    slo = ("headroom_pct >= 20", "waiting_max == 0")
    better = lower("waiting_max", "idle_in_tx_age_max_s") | higher("headroom_pct")
    requires = ("load.latency",)  # reads what the database did during the load
    Options = PoolOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: PoolOptions = self.options  # type: ignore[assignment]
        url, skipped = open_or_skip(ctx)
        if skipped:
            return skipped
        activity = ctx.fact(DatabaseActivity)
        observed = activity.report if activity else None
        source = "the audit's load run"
        traffic: dict[str, Any] = {}
        if not observed or not observed.get("samples"):
            source = f"a {opts.burst_s:g} s burst of {opts.burst_users} clients"
            ctx.progress(f"database: {source}")
            with Observer(url, set(ctx.config.database.ignore_roles)) as observer:
                time.sleep(0.3)
                traffic = burst(ctx, opts.burst_users, opts.burst_s)
            observed = observer.report()
        if observed.get("error"):
            return Measurement(inconclusive=f"could not watch the sessions: {observed['error']}",
                               evidence={"activity": observed})
        with connect(url) as conn:
            findings, settings = setting_findings(conn)
        apps = observed.get("applications", [])
        pool = max((a["max_sessions"] for a in apps), default=0)
        waiting = max((a["max_waiting"] for a in apps), default=0)
        idle_age = max((a["max_idle_in_tx_age_s"] for a in apps), default=0.0)
        for a in apps:
            if a["max_idle_in_tx_age_s"] >= opts.idle_in_tx_s:
                findings.append(Finding(
                    "Long idle-in-transaction sessions", Severity.MEDIUM,
                    location=f"application_name {a['application_name']}",
                    detail=(f"a session stayed idle inside a transaction for "
                            f"{a['max_idle_in_tx_age_s']:.1f} s during load"),
                    fix="commit or roll back promptly; set idle_in_transaction_session_timeout"))
        headroom = observed.get("headroom_pct")
        metrics: dict[str, float] = {"pool_size_max": float(pool), "waiting_max": float(waiting),
                                     "idle_in_tx_age_max_s": float(idle_age),
                                     "peak_sessions": float(observed.get("peak_sessions", 0)),
                                     "peak_sessions_cluster": float(
                                         observed.get("peak_sessions_cluster", 0)),
                                     "max_connections": float(observed.get("max_connections", 0))}
        if headroom is not None:
            metrics["headroom_pct"] = float(headroom)
        busiest = apps[0]["application_name"] if apps else "(none)"
        return Measurement(
            metrics=metrics, findings=findings,
            evidence={"source": source, "activity": observed, "settings": settings,
                      "burst": traffic},
            summary=(f"during {source}: at most {pool} session(s) for {busiest}, "
                     f"{observed.get('peak_sessions', 0)} on this database, "
                     f"{observed.get('peak_sessions_cluster', 0)} of "
                     f"{observed.get('max_connections')} connections of the cluster in use, "
                     f"{waiting} waiting on locks"))
