"""drills.backup: back the database up, restore it into a throwaway cluster, prove the copy.

``pg_dump -Fc`` (or the user's own command) in a snapshot that golive exports and keeps open,
so the source figures it compares against are those of the dump even while the service writes;
``pg_restore -j`` into a throwaway cluster that golive starts (never the target;
``archive_mode=off``); ANALYZE; every table's row count and content hash on both sides, with
TimeZone and DateStyle pinned. The restore time is the RTO of this method.
"""

from __future__ import annotations

import os
import re
import shlex
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import dict_row
from pydantic import BaseModel, ConfigDict, Field

from golive.checks import Check, CheckContext, lower
from golive.checks.database.connect import (
    APP_NAME,
    MarkedConnection,
    open_or_skip,
    quote_ident,
)
from golive.config import Config
from golive.pgcluster import ClusterUnavailable, pg_bindir, temporary_cluster
from golive.results import Finding, Measurement, Severity

TABLES_SQL = """
SELECT n.nspname AS schema, c.relname AS table FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_' AND NOT c.relispartition
ORDER BY 1, 2
"""
PIN = ("SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'", "SET IntervalStyle = 'postgres'",
       "SET extra_float_digits = 3")


class BackupOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: your own backup command instead of pg_dump; it must write a pg_dump custom-format
    #: archive to {dump} (placeholders: {dump}, {url})
    backup_command: str = ""
    restore_jobs: int = Field(2, ge=1, le=16)
    #: build the advised indexes (database.indexes) on the restored copy and time the queries
    prove_indexes: bool = False
    timeout_s: float = Field(3600.0, gt=0)


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def table_fingerprints(conn: psycopg.Connection[dict[str, Any]]) -> dict[str, tuple[int, str]]:
    """schema.table -> (rows, content hash): a sum of per-row 64-bit hashes of the row text."""
    for statement in PIN:
        conn.execute(statement)
    out = {}
    for t in conn.execute(TABLES_SQL).fetchall():
        name = f"{quote_ident(t['schema'])}.{quote_ident(t['table'])}"
        row = conn.execute(f"SELECT count(*) AS n, coalesce(sum(hashtextextended(x::text, 0)), 0)"
                           f"::text AS h FROM {name} AS x").fetchone()
        assert row is not None
        out[f"{t['schema']}.{t['table']}"] = (int(row["n"]), str(row["h"]))
    return out


def _timed_run(cmd: list[str] | str, timeout: float
               ) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                          shell=isinstance(cmd, str))  # the user's own command
    return time.perf_counter() - start, proc


class BackupDrill(Check):
    id = "drills.backup"
    title = "Backup and restore tested (restored copy identical)"
    fix = ("Make the backup restorable: every table must come back with the same rows; keep "
           "the restore time within your RTO.")
    slo = ("differing_tables == 0", "differing_rows == 0")
    trends = ("rto_s", "differing_rows")
    better = lower("differing_tables", "differing_rows", "dump_s", "restore_s", "rto_s")
    profiles = frozenset()  # a drill runs when named: 'golive drill backup'
    requires = ("database.indexes",)  # its advice, when --prove-indexes asks for it
    needs_target = False
    Options = BackupOptions

    @classmethod
    def acts_on(cls, target: str, config: Config) -> str:
        return redact(config.database.url)

    def run(self, ctx: CheckContext) -> Measurement:
        opts: BackupOptions = self.options  # type: ignore[assignment]
        url, skipped = open_or_skip(ctx)
        if skipped:
            return skipped
        bindir = pg_bindir()
        if bindir is None or not (bindir / "pg_restore").exists():
            return Measurement.skip("PostgreSQL server binaries not found (pg_dump, pg_restore, "
                                    "initdb)", enable="apt-get install postgresql")
        evidence: dict[str, Any] = {"source": redact(url)}
        with tempfile.TemporaryDirectory(prefix="golive-backup-") as work:
            dump = Path(work) / "backup.dump"
            os.chmod(work, 0o755)  # noqa: S103 (a custom backup command may run as another user)
            src = MarkedConnection.connect(url, row_factory=dict_row, application_name=APP_NAME)
            try:
                src.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                snap_row = src.execute("SELECT pg_export_snapshot() AS s").fetchone()
                snapshot_id = str(snap_row["s"]) if snap_row else ""
                ctx.progress("backup drill: dumping")
                if opts.backup_command:
                    cmd: list[str] | str = opts.backup_command.format(
                        dump=shlex.quote(str(dump)), url=shlex.quote(url))
                    evidence["method"] = "backup_command"
                else:
                    cmd = [str(bindir / "pg_dump"), "-Fc", "--snapshot", snapshot_id,
                           "-f", str(dump), "-d", url]
                    evidence["method"] = "pg_dump -Fc (exported snapshot)"
                dump_s, proc = _timed_run(cmd, opts.timeout_s)
                if proc.returncode != 0 or not dump.exists():
                    return Measurement(
                        findings=[Finding("Backup failed", Severity.CRITICAL,
                                          location=evidence["method"],
                                          detail=(proc.stderr or proc.stdout).strip()[-500:],
                                          fix="fix the backup command; golive needs a "
                                              "pg_dump custom-format archive at {dump}")],
                        metrics={"dump_s": dump_s}, evidence=evidence, summary="backup failed")
                ctx.progress("backup drill: fingerprinting the source")
                source = table_fingerprints(src)
            finally:
                src.close()
            evidence.update(dump_s=round(dump_s, 3), dump_bytes=dump.stat().st_size)
            try:
                with temporary_cluster(stats=False) as cluster:
                    return self._restore(ctx, opts, cluster, dump, source, evidence)
            except ClusterUnavailable as err:
                return Measurement.skip(f"cannot start a scratch cluster: {err}",
                                        enable="install PostgreSQL server binaries (initdb)")

    def _restore(self, ctx: CheckContext, opts: BackupOptions, cluster: Any, dump: Path,
                 source: dict[str, tuple[int, str]], evidence: dict[str, Any]) -> Measurement:
        target = cluster.create_database("golive_restore")
        ctx.progress(f"backup drill: restoring with {opts.restore_jobs} job(s)")
        restore_s, proc = _timed_run([str(cluster.bindir / "pg_restore"), "-j",
                                str(opts.restore_jobs), "--no-owner", "--no-privileges",
                                "-d", target, str(dump)], opts.timeout_s)
        errors = [ln for ln in proc.stderr.splitlines() if "error" in ln.lower()]
        with psycopg.connect(target, autocommit=True, row_factory=dict_row) as conn:
            start = time.perf_counter()
            conn.execute("ANALYZE")
            analyze_s = time.perf_counter() - start
            restored = table_fingerprints(conn)
            findings = self._compare(source, restored)
            proofs: list[dict[str, Any]] = []
            if opts.prove_indexes:
                proofs = prove_on_copy(ctx, conn)
        differing = [f for f in findings if f.title != "pg_restore reported errors"]
        diff_rows = sum(abs(source.get(t, (0, ""))[0] - restored.get(t, (0, ""))[0])
                        for t in set(source) | set(restored))
        if errors:
            findings.append(Finding("pg_restore reported errors", Severity.MEDIUM,
                                    location="pg_restore", detail=" | ".join(errors[:5]),
                                    fix="read them: a missing extension or role on the "
                                        "restore side is common"))
        evidence.update(restore_s=round(restore_s, 3), analyze_s=round(analyze_s, 3),
                        restore_jobs=opts.restore_jobs, tables=len(source),
                        rows=sum(n for n, _ in source.values()),
                        restore_errors=errors[:20], restored_into="throwaway cluster "
                        f"127.0.0.1:{cluster.port} (archive_mode=off), removed afterwards",
                        index_proofs=proofs)
        metrics = {"dump_s": float(evidence["dump_s"]), "restore_s": restore_s,
                   "analyze_s": analyze_s, "rto_s": restore_s + analyze_s,
                   "dump_bytes": float(evidence["dump_bytes"]),
                   "tables": float(len(source)), "differing_tables": float(len(differing)),
                   "differing_rows": float(diff_rows)}
        proven = [f"{t['before_ms']:.2f} -> {t['after_ms']:.2f} ms"
                  for p in proofs for t in p["timings"]]
        return Measurement(
            metrics=metrics, findings=findings, evidence=evidence,
            summary=(f"{len(source)} tables, {evidence['rows']:,} rows: dump "
                     f"{evidence['dump_s']:.2f} s ({evidence['dump_bytes'] / 1e6:.1f} MB), "
                     f"restore {restore_s:.2f} s + ANALYZE {analyze_s:.2f} s; "
                     f"{len(differing)} table(s) differ"
                     + (f"; advised indexes on the copy: {', '.join(proven)}" if proven
                        else "")))

    @staticmethod
    def _compare(source: dict[str, tuple[int, str]], restored: dict[str, tuple[int, str]]
                 ) -> list[Finding]:
        out = []
        for table in sorted(set(source) | set(restored)):
            a, b = source.get(table), restored.get(table)
            if a is None or b is None:
                out.append(Finding("Table missing after restore" if b is None else
                                   "Unexpected table after restore", Severity.CRITICAL,
                                   location=table, fix="check what the backup includes"))
            elif a != b:
                out.append(Finding(
                    "Restored table differs", Severity.CRITICAL, location=table,
                    detail=(f"rows {a[0]:,} -> {b[0]:,}" if a[0] != b[0] else
                            f"same {a[0]:,} rows, different content hash"),
                    fix="check the backup for excluded data, encodings or lossy types"))
        return out


_PARAM_COL = re.compile(
    r'(?:"?(\w+)"?\.)?"?(\w+)"?\s*(?:=|<=|>=|<|>)\s*\$(\d+)', re.IGNORECASE)
_LIMIT = re.compile(r"\b(LIMIT|OFFSET)\s+\$(\d+)", re.IGNORECASE)


def real_parameters(conn: psycopg.Connection[dict[str, Any]], query: str, table: str
                    ) -> list[str] | None:
    """Values for ``$n``: a value taken from the table for ``col = $n``, 20 for LIMIT, 0 for
    OFFSET. None when a parameter cannot be given a real value."""
    from golive.checks.database.plans import param_count

    n = param_count(query)
    values: dict[int, str] = {}
    for word, num in _LIMIT.findall(query):
        values[int(num)] = "20" if word.upper() == "LIMIT" else "0"
    for _qual, col, num in _PARAM_COL.findall(query):
        if int(num) in values:
            continue
        try:
            row = conn.execute(
                f"SELECT {quote_ident(col)}::text AS v FROM {quote_ident(table)} "
                f"WHERE {quote_ident(col)} IS NOT NULL "
                f"OFFSET (SELECT count(*) / 2 FROM {quote_ident(table)}) LIMIT 1").fetchone()
        except psycopg.Error:
            return None
        if row is None:
            return None
        values[int(num)] = str(row["v"])
    if any(i not in values for i in range(1, n + 1)):
        return None
    return [values[i] for i in range(1, n + 1)]


def _timed(conn: psycopg.Connection[dict[str, Any]], query: str, params: list[str],
           runs: int = 3) -> float:
    """Median execution time (ms, EXPLAIN ANALYZE) of a prepared statement with real values."""
    conn.execute(f"PREPARE golive_real AS {query}")
    try:
        args = ", ".join("'" + p.replace("'", "''") + "'" for p in params)
        times = []
        for _ in range(runs):
            row = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE golive_real"
                               f"{'(' + args + ')' if params else ''}").fetchone()
            assert row is not None
            times.append(float(next(iter(row.values()))[0]["Execution Time"]))
        return statistics.median(times)
    finally:
        conn.execute("DEALLOCATE golive_real")


def prove_on_copy(ctx: CheckContext, conn: psycopg.Connection[dict[str, Any]]
                  ) -> list[dict[str, Any]]:
    """Build each advised index on the restored copy; real before/after timings."""
    advice = _advice(ctx)
    proofs = []
    for adv in advice:
        table, columns = adv["table"], adv["columns"]
        timings = []
        for st in adv["statements"]:
            params = real_parameters(conn, st["query"], table)
            if params is None:
                continue
            timings.append({"query": st["query"], "params": params,
                            "before_ms": _timed(conn, st["query"], params)})
        cols = ", ".join(quote_ident(c) for c in columns)
        start = time.perf_counter()
        conn.execute(f"CREATE INDEX ON {quote_ident(table)} ({cols})")
        build_s = time.perf_counter() - start
        conn.execute(f"ANALYZE {quote_ident(table)}")
        for t in timings:
            t["after_ms"] = _timed(conn, t["query"], t["params"])
            t["speedup"] = round(t["before_ms"] / t["after_ms"], 1) if t["after_ms"] else None
        proofs.append({"create": adv["create"], "build_s": round(build_s, 3),
                       "timings": timings})
    return proofs


def _advice(ctx: CheckContext) -> list[dict[str, Any]]:
    from golive.checks.database.indexes import IndexAdvice, MissingIndexes

    fact = ctx.fact(IndexAdvice)
    if fact is not None:
        return list(fact.advice)

    ctx.progress("backup drill: computing index advice")
    measurement = MissingIndexes().run(ctx)
    return list(measurement.evidence.get("advice", []))
