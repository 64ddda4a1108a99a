"""Benchmark: wall time of one page's frontend audit (3 Lighthouse runs and one browser pass).

Run with `make bench-frontend` (or `.venv/bin/python bench/frontend_audit.py [FLAWS]`). Starts
the demo shop (tuned, or with the flaws given), runs the frontend area in the `full` profile
and prints the figures; the aim here is under 40 s. Asserts nothing: the machine is shared.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from golive.checks.frontend.settings import FrontendConfig
from golive.checks.frontend.tools import find_tools
from golive.config import Config, TargetConfig
from golive.demo.server import demo_process
from golive.session import AuditRequest, run_session
from golive.store import Store

AIM_S = 40.0


def main() -> int:
    flaws = sys.argv[1] if len(sys.argv) > 1 else "none"
    tools = find_tools(FrontendConfig())
    missing = tools.missing_lighthouse()
    if missing:
        print(f"cannot run: {missing} (make install)")
        return 2
    with demo_process(flaws, products=2000, reviews=20000) as shop, \
            tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        config = Config(target=TargetConfig(url=shop.url))
        started = time.perf_counter()
        outcome = run_session(AuditRequest(target=shop.url, config=config, store=store,
                                           only=("frontend",), profile="full"))
        wall = time.perf_counter() - started
        store.close()
    print(f"frontend audit of one page ({flaws} flaws), profile full: {wall:.1f} s "
          f"(aim < {AIM_S:.0f} s: {'met' if wall < AIM_S else 'missed'})")
    for r in outcome.results:
        print(f"  {r.check:22} {r.duration_s:6.1f} s  {r.status:5}  {r.summary[:70]}")
    lighthouse = next(r for r in outcome.results if r.check == "frontend.lighthouse")
    for page, data in (lighthouse.evidence.get("pages") or {}).items():
        perf = [run["scores"]["performance_score"] for run in data["runs"]]
        print(f"  lighthouse {page}: {len(perf)} runs, performance {perf}, median run "
              f"{data['median_run']}")
    browser = next(r for r in outcome.results if r.check == "frontend.vitals")
    print(f"  browser pass (vitals, coverage, assets, crawl): "
          f"{browser.evidence.get('browser_pass_s', 0):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
