"""Benchmark: how accurate and how cheap golive's load measurement is. Prints figures.

    make bench-load      (or: .venv/bin/python bench/load_accuracy.py)

1. A 100 ms endpoint at light load: the reported p50 should be within 100-105 ms.
2. A target that freezes for 1 s every 5 s: p99 should be at least 900 ms, with the stalls
   reported (and the run inconclusive).
3. Generator cost: CPU seconds per 1000 requests of golive's Locust process against a 0 ms
   endpoint, beside those of `hey` (Debian package) in the same run.

Each run is bounded (20 s or less). Needs `hey` on PATH for part 3 (apt-get install hey).
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from golive.results import Result
from tests.checks.helpers import run_one
from tests.targets import serve


def load(url: str, **options: Any) -> Result:
    return run_one("load.latency", url, options=options)


def main() -> int:
    with serve({"/sleep": 100}) as url:
        r = load(url, model="paced", rate=20, users=10, ramp_s=1, hold_s=15,
                 requests=[{"path": "/sleep"}], slo=["p(50) < 1s"])
    p50 = r.metrics.get("p50_ms")
    print(f"1. 100 ms endpoint, 20 rps: p50 = {p50} ms, p95 = {r.metrics.get('p95_ms')} ms, "
          f"{int(r.metrics.get('requests', 0))} requests -> "
          f"{'OK' if p50 is not None and 100 <= p50 <= 105 else 'OUT OF 100-105'}")

    with serve({"/a": 1}, freeze_every_s=5, freeze_for_s=1.0) as url:
        r = load(url, users=50, ramp_s=1, hold_s=20, think_min_s=0.05, think_max_s=0.15,
                 requests=[{"path": "/a"}], slo=["p(50) < 1s"])
    p99 = r.metrics.get("p99_ms", r.evidence.get("overall", {}).get("p99_ms"))
    stalls = r.evidence.get("stalls", [])
    print(f"2. freeze 1 s every 5 s: p99 = {p99} ms, {len(stalls)} stalls "
          f"({', '.join(f'{b - a:.2f}s' for a, b in stalls[:6])}), status {r.status} -> "
          f"{'OK' if p99 and p99 >= 900 and stalls else 'NOT DETECTED'}")

    with serve({"/fast": 0.0001}) as url:
        r = load(url, model="paced", rate=2000, users=100, ramp_s=1, hold_s=10,
                 requests=[{"path": "/fast"}], slo=["p(50) < 1s"])
        gen = r.evidence.get("generators", [{}])[0]
        print(f"3. golive/Locust: {gen.get('cpu_s_per_1000_requests')} CPU s per 1000 requests "
              f"({int(r.metrics.get('requests', 0))} requests, {gen.get('cpu_pct')} % of a core, "
              f"{r.metrics.get('rps')} rps)")
        hey = shutil.which("hey")
        if hey is None:
            print("   hey: not installed (apt-get install hey)")
        else:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            out = subprocess.run([hey, "-z", "10s", "-c", "50", "-q", "200", url + "/fast"],
                                 capture_output=True, text=True, check=False).stdout
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            count = next((int(line.split()[1]) for line in out.splitlines()
                          if "[200]" in line and "responses" in line), 0)
            print(f"   hey:           {1000 * cpu / count if count else float('nan'):.3f} CPU s "
                  f"per 1000 requests ({count} requests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
