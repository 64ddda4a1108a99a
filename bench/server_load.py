"""Benchmark: the golive server under load: the run list, a project page and the trend API.

    make bench-server          # or: .venv/bin/python bench/server_load.py [USERS] [HOLD_S]

Seeds a history with 1000 runs (3 projects, 2 branches), starts `golive server` twice on it
(2 workers with the cache; 1 worker without it) and runs golive's own load test against
each (closed model, default 1000 users, 30 s hold after a 10 s ramp). Prints p50/p95/p99,
throughput and errors side by side; the aim is p95 < 50 ms with 2 workers. Asserts nothing:
generator and server share this 2-core machine (the figures say so when they cannot be
trusted), so compare the two rows of one run, not runs of different days.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from golive.store import Store
from tests.checks.helpers import run_one
from tests.server.conftest import make_run

AIM_P95_MS = 50.0
REQUESTS = [
    {"path": "/api/v1/projects/shop/runs?per_page=50", "name": "runs", "weight": 3},
    {"path": "/p/shop", "name": "project page", "weight": 1},
    {"path": "/api/v1/projects/shop/metrics?check=load.latency&metric=p95_ms",
     "name": "trend", "weight": 2},
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str, runs: int = 1000) -> None:
    store = Store(url)
    for n in range(1, runs + 1):
        project = ("shop", "blog", "search")[n % 3]
        store.import_run(make_run(n, project=project, branch=("main", "feature")[n % 2],
                                  p95=80 + (n * 37) % 700), project=project, kind="audit")
    store.close()


def measure(store_url: str, workers: int, cache_ttl: float, users: int, hold_s: float
            ) -> dict[str, float | str]:
    port = _port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive", "server", "--port", str(port), "--workers",
         str(workers), "--cache-ttl", str(cache_ttl), "--store", store_url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        r = run_one("load.latency", base, options={
            "users": users, "ramp_s": 10, "hold_s": hold_s, "requests": REQUESTS,
            "max_machine_cpu_pct": 100.0})
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    m = r.metrics
    return {"status": str(r.status), "p50_ms": m.get("p50_ms", -1), "p95_ms": m.get("p95_ms", -1),
            "p99_ms": m.get("p99_ms", -1), "rps": m.get("rps", -1),
            "error_rate_pct": m.get("error_rate_pct", -1), "reason": r.reason}


def main() -> int:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    hold_s = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        started = time.perf_counter()
        seed(url)
        print(f"seeded 1000 runs in {time.perf_counter() - started:.1f} s; {users} users, "
              f"{hold_s:g} s hold")
        rows = {"2 workers, cache": measure(url, 2, 30.0, users, hold_s),
                "1 worker, no cache": measure(url, 1, 0.0, users, hold_s)}
    print(f"{'':20} {'status':13} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'rps':>8} "
          f"{'errors %':>9}")
    for name, row in rows.items():
        print(f"{name:20} {row['status']:13} {row['p50_ms']:>8} {row['p95_ms']:>8} "
              f"{row['p99_ms']:>8} {row['rps']:>8} {row['error_rate_pct']:>9}")
        if row["reason"]:
            print(f"{'':20} {row['reason']}"[:300])
    best = rows["2 workers, cache"]
    print("aim (p95 < 50 ms with 2 workers):",
          "met" if 0 <= float(best["p95_ms"]) < AIM_P95_MS else "not met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
