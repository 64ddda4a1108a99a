"""Throwaway PostgreSQL clusters: ``initdb`` into a temporary directory, ``pg_ctl`` on a free
loopback port, removed afterwards.

Used by the demo (a database with ``pg_stat_statements`` preloaded), by the backup drill (a
scratch cluster to restore into, never the target) and by the tests. The machine's own
PostgreSQL server is never reconfigured. When run as root (initdb refuses to), the cluster runs
as the ``postgres`` system user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: settings every throwaway cluster gets: fast, loopback only, never archiving
BASE_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "archive_mode": "off",
    "max_connections": "100",
    "shared_buffers": "128MB",
}
STATS_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "top",
    "pg_stat_statements.max": "5000",
    "track_io_timing": "on",
}


class ClusterUnavailable(RuntimeError):
    """PostgreSQL server binaries are missing or the cluster would not start."""


def pg_bindir() -> Path | None:
    """The directory of ``initdb``/``pg_ctl`` (newest installed major), or None."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                 timeout=10, check=True).stdout.strip()
            candidates.append(Path(out))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                           key=_major, reverse=True)]
    for d in candidates:
        if (d / "initdb").exists() and (d / "pg_ctl").exists() and (d / "postgres").exists():
            return d
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found is None:
            return None
    return Path(shutil.which("initdb") or "").resolve().parent


def _major(path: str) -> int:
    try:
        return int(Path(path).parent.name)
    except ValueError:
        return 0


def extension_available(name: str, bindir: Path | None = None) -> bool:
    """Whether the server's extension directory holds ``name`` (e.g. hypopg)."""
    bindir = bindir or pg_bindir()
    if bindir is None:
        return False
    share = _sharedir(bindir)
    return share is not None and (share / "extension" / f"{name}.control").exists()


def _sharedir(bindir: Path) -> Path | None:
    pg_config = bindir / "pg_config"
    if pg_config.exists():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            return Path(subprocess.run([str(pg_config), "--sharedir"], capture_output=True,
                                       text=True, timeout=10, check=True).stdout.strip())
    major = bindir.parent.name
    share = Path("/usr/share/postgresql") / major
    return share if share.exists() else None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    """A running throwaway cluster. ``url(db)`` gives a DSN for one of its databases."""

    datadir: Path
    port: int
    bindir: Path
    user: str = "postgres"
    settings: dict[str, str] = field(default_factory=dict)

    def url(self, database: str = "postgres", *, application_name: str = "") -> str:
        app = f"?application_name={application_name}" if application_name else ""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}{app}"

    def create_database(self, name: str, extensions: Sequence[str] = ()) -> str:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        if extensions:
            with psycopg.connect(self.url(name), autocommit=True) as conn:
                for ext in extensions:
                    conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(
                        sql.Identifier(ext)))
        return self.url(name)


def _as_user(cmd: list[str]) -> list[str]:
    """Run as ``postgres`` when we are root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser") or shutil.which("setpriv")
    if runuser is None:
        raise ClusterUnavailable("running as root and neither runuser nor setpriv is available")
    if runuser.endswith("runuser"):
        return [runuser, "-u", "postgres", "--", *cmd]
    return [runuser, "--reuid=postgres", "--regid=postgres", "--init-groups", *cmd]


@contextlib.contextmanager
def temporary_cluster(*, stats: bool = True, settings: dict[str, str] | None = None,
                      start_timeout_s: float = 60.0) -> Iterator[Cluster]:
    """Start a throwaway cluster (``pg_stat_statements`` preloaded when ``stats``); stop and
    delete it on exit, whatever happens inside."""
    bindir = pg_bindir()
    if bindir is None:
        raise ClusterUnavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install them "
            "(Debian: apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="golive-pg-"))
    datadir, sockdir = root / "data", root / "sock"
    sockdir.mkdir()
    root.chmod(0o755)
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            raise ClusterUnavailable("running as root and there is no 'postgres' user to run "
                                     "the cluster as") from None
        os.chown(root, pw.pw_uid, pw.pw_gid)
        os.chown(sockdir, pw.pw_uid, pw.pw_gid)
    effective = {**BASE_SETTINGS, **(STATS_SETTINGS if stats else {}), **(settings or {})}
    port = free_port()
    effective["port"] = str(port)
    effective["unix_socket_directories"] = str(sockdir)
    started = False
    try:
        _run(_as_user([str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "-A",
                       "trust", "-E", "UTF8", "--locale=C", "--no-sync"]), "initdb")
        with (datadir / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
            for key, value in effective.items():
                conf.write(f"{key} = '{value}'\n")
        _run(_as_user([str(bindir / "pg_ctl"), "-D", str(datadir), "-l", str(root / "log"),
                       "-w", "-t", str(int(start_timeout_s)), "start"]), "pg_ctl start",
             timeout=start_timeout_s + 10, log=root / "log")
        started = True
        yield Cluster(datadir, port, bindir, settings=effective)
    finally:
        if started:
            with contextlib.suppress(ClusterUnavailable):
                _run(_as_user([str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate",
                               "-w", "stop"]), "pg_ctl stop")
        shutil.rmtree(root, ignore_errors=True)


def _run(cmd: list[str], what: str, *, timeout: float = 120.0, log: Path | None = None) -> None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ClusterUnavailable(f"{what} failed: {err}") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        if log is not None and log.exists():
            tail += log.read_text(errors="replace").strip().splitlines()[-3:]
        raise ClusterUnavailable(f"{what} failed ({proc.returncode}): {' | '.join(tail)}")
