"""The acceptance run: 1000 concurrent users against the tuned demo shop (about 100 s).

    make bench-1000

Prints the load figures and whether the run was valid (not inconclusive), p95 < 500 ms,
p99 < 1000 ms and error-free.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from golive.demo.server import demo_process
from tests.checks.helpers import run_one


def main() -> int:
    with demo_process("none") as shop:
        r = run_one("load.latency", shop.url, options={"users": 1000, "ramp_s": 30,
                                                        "hold_s": 60})
    m = r.metrics
    gens = r.evidence.get("generators", [])
    print(f"status {r.status}; {m.get('users')} users, {m.get('rps')} rps, "
          f"p50 {m.get('p50_ms')} ms, p95 {m.get('p95_ms')} ms, p99 {m.get('p99_ms')} ms, "
          f"max {m.get('max_ms')} ms, errors {m.get('error_rate_pct')} % of "
          f"{int(m.get('requests', 0))} requests")
    print("generators: " + ", ".join(f"{g['cpu_pct']} % of a core, "
                                     f"{g['cpu_s_per_1000_requests']} CPU s/1000 req"
                                     for g in gens))
    ok = (str(r.status) == "pass" and m.get("p95_ms", 1e9) < 500 and m.get("p99_ms", 1e9) < 1000
          and m.get("errors", 1) == 0)
    print("acceptance:", "met" if ok else f"NOT met ({r.reason})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
