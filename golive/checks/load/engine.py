"""Run Locust in a child process with golive's recorder attached, and collect what it wrote.

Locust is never imported here (it monkey-patches sockets and threads on import): it runs as
``python -m locust`` with ``scenario_locustfile.py`` (or the user's locustfile) plus
``listener.py``, which write one JSON line per process per second into a folder this module
reads while the test runs.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.checks.load.spec import LoadOptions

HERE = Path(__file__).parent
LISTENER = HERE / "listener.py"
SCENARIO = HERE / "scenario_locustfile.py"


@dataclass
class RawRun:
    """What the recorder wrote, per process, plus how Locust exited."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    start: float | None = None
    returncode: int | None = None
    stderr: str = ""
    command: list[str] = field(default_factory=list)
    scenario: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False
    #: the whole machine's CPU during the run: (wall time, busy, total jiffies)
    cpu_samples: list[tuple[float, float, float]] = field(default_factory=list)
    #: True when the target runs on this machine (loopback): a busy machine starves it
    target_local: bool = False


def scenario_json(opts: LoadOptions) -> dict[str, Any]:
    def step(s: Any) -> dict[str, Any]:
        d: dict[str, Any] = s.model_dump(by_alias=True, exclude_defaults=True)
        d.setdefault("path", s.path)
        return d

    return {
        "model": opts.model, "users": opts.users, "rate": opts.rate, "ramp_s": opts.ramp_s,
        "hold_s": opts.hold_s, "down_s": opts.down_s,
        "think": [opts.think_min_s, opts.think_max_s], "timeout_s": opts.timeout_s,
        "requests": [step(r) for r in opts.requests],
        "flows": [{"name": f.name, "weight": f.weight, "steps": [step(s) for s in f.steps]}
                  for f in opts.flows],
        "on_start": [step(s) for s in opts.on_start],
        "headers": opts.headers, "vars": opts.vars,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def locust_command(opts: LoadOptions, target: str, *, master: bool = False,
                   expect_workers: int = 0, master_port: int | None = None,
                   bind_host: str = "127.0.0.1") -> list[str]:
    files = f"{opts.locustfile or SCENARIO},{LISTENER}"
    cmd = [sys.executable, "-m", "locust", "-f", files, "--headless", "--host", target,
           "--loglevel", "WARNING", "--only-summary", "--exit-code-on-error", "0",
           "--stop-timeout", "5"]
    if opts.locustfile:
        assert opts.users is not None and opts.hold_s is not None
        ramp = opts.ramp_s or 0
        cmd += ["--users", str(opts.users),
                "--spawn-rate", str(opts.users / ramp if ramp else opts.users),
                "--run-time", f"{int(ramp + opts.hold_s + opts.down_s)}s"]
    if master:
        cmd += ["--master", "--expect-workers", str(expect_workers),
                "--expect-workers-max-wait", "60", "--master-bind-host", bind_host,
                "--master-bind-port", str(master_port or _free_port())]
    elif opts.processes > 1:
        port = str(master_port or _free_port())  # the forked workers use --master-port
        cmd += ["--processes", str(opts.processes), "--master-bind-host", "127.0.0.1",
                "--master-bind-port", port, "--master-port", port]
    return cmd


def run_locust(opts: LoadOptions, target: str, *,
               progress: Callable[[dict[str, Any]], None] | None = None,
               workdir: str | Path | None = None,
               auth: dict[str, Any] | None = None) -> RawRun:
    """Run one load test to its end (bounded by its schedule plus a margin) and read it.
    ``auth`` (the [auth] login, its accounts and media type) reaches the child in its
    environment only: it is never part of the stored scenario."""
    assert opts.hold_s is not None
    budget = (opts.ramp_s or 0) + opts.hold_s + opts.down_s + 60 + (60 if opts.workers else 0)
    own_dir = None
    if workdir is None:
        own_dir = tempfile.TemporaryDirectory(prefix="golive-load-")
        workdir = own_dir.name
    folder = Path(workdir)
    folder.mkdir(parents=True, exist_ok=True)
    scenario = scenario_json(opts)
    env = {**os.environ, "GOLIVE_LOAD_DIR": str(folder),
           "GOLIVE_SCENARIO": "" if opts.locustfile else json.dumps(scenario),
           "GOLIVE_STALL_MS": str(opts.stall_ms), "PYTHONUNBUFFERED": "1",
           "GOLIVE_AUTH": json.dumps(auth) if auth else ""}
    cmd = locust_command(opts, target, master=bool(opts.workers), expect_workers=opts.workers,
                         master_port=opts.master_port if opts.workers else None,
                         bind_host=opts.master_bind_host)
    raw = RawRun(command=cmd, scenario=scenario)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    offsets: dict[Path, int] = {}
    began = time.monotonic()
    schedule = (opts.ramp_s or 0) + opts.hold_s + opts.down_s
    deadline = began + budget
    try:
        while proc.poll() is None:
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
                break
            time.sleep(0.5)
            new = _read_new(folder, offsets)
            raw.lines += new
            if progress is not None and new:
                progress({**_progress(new), "elapsed_s": time.monotonic() - began,
                          "total_s": schedule})
    except KeyboardInterrupt:
        raw.interrupted = True
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    raw.returncode = proc.returncode
    raw.stderr = (proc.stderr.read() if proc.stderr else "")[-4000:]
    if proc.stderr:
        proc.stderr.close()
    raw.lines += _read_new(folder, offsets)
    starts = [ln["start"] for ln in raw.lines if "start" in ln]
    raw.start = min(starts) if starts else None
    raw.lines = [ln for ln in raw.lines if "start" not in ln]
    if own_dir is not None:
        own_dir.cleanup()
    if raw.interrupted:
        raise KeyboardInterrupt
    return raw


def worker_command(opts: LoadOptions, master_host: str, master_port: int) -> list[str]:
    """A Locust worker running golive's scenario and recorder, for `golive load worker`."""
    files = f"{opts.locustfile or SCENARIO},{LISTENER}"
    return [sys.executable, "-m", "locust", "-f", files, "--worker", "--master-host",
            master_host, "--master-port", str(master_port), "--loglevel", "WARNING"]


def worker_env(opts: LoadOptions) -> dict[str, str]:
    return {**os.environ, "GOLIVE_STALL_MS": str(opts.stall_ms),
            "GOLIVE_SCENARIO": "" if opts.locustfile else json.dumps(scenario_json(opts)),
            "GOLIVE_LOAD_DIR": tempfile.gettempdir()}


def _read_new(folder: Path, offsets: dict[Path, int]) -> list[dict[str, Any]]:
    out = []
    for path in sorted(folder.glob("*.jsonl")):
        with path.open("r", encoding="utf-8") as f:
            f.seek(offsets.get(path, 0))
            while True:
                line = f.readline()
                if not line.endswith("\n"):
                    break  # a line still being written: read it next time
                offsets[path] = f.tell()
                if line.strip():
                    out.append(json.loads(line))
    return out


def _progress(lines: list[dict[str, Any]]) -> dict[str, Any]:
    requests = sum(sum(ln.get("requests", {}).values()) for ln in lines if "t" in ln)
    seconds = len({round(ln["t"]) for ln in lines if "t" in ln}) or 1
    users = sum(ln.get("users") or 0 for ln in lines if "t" in ln) / seconds
    return {"rps": requests / seconds, "users": users}
