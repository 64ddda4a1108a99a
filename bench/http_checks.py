"""Benchmark: wall time of each http check and of a whole audit against the demo shop.

Run with `make bench` (or `.venv/bin/python bench/http_checks.py`). Prints figures; asserts
nothing. Timings on a shared 2-core machine are noisy: compare the rows of one run.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from golive.checks import CheckContext
from golive.config import Config, TargetConfig
from golive.demo.server import demo_process
from golive.runner import run_check, select_checks
from golive.session import AuditRequest, run_session
from golive.site import Site
from golive.store import Store

ROUNDS = 3


def time_checks(url: str) -> dict[str, float]:
    config = Config(target=TargetConfig(url=url))
    times: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        with httpx.Client(base_url=url, timeout=60) as client:
            ctx = CheckContext(target=url, config=config, client=client,
                               site=Site(client, url, config.target))
            for selected in select_checks(config):
                start = time.perf_counter()
                run_check(selected, ctx)
                times.setdefault(selected.check.id, []).append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> int:
    rows: dict[str, dict[str, float]] = {}
    audits: dict[str, float] = {}
    for flaws in ("none", "all"):
        start = time.perf_counter()
        with demo_process(flaws) as shop:
            started = time.perf_counter() - start
            rows[flaws] = time_checks(shop.url)
            with tempfile.TemporaryDirectory() as tmp:
                store = Store(f"sqlite:///{Path(tmp) / 'b.db'}")
                start = time.perf_counter()
                run_session(AuditRequest(
                    target=shop.url, config=Config(target=TargetConfig(url=shop.url)),
                    store=store))
                audits[flaws] = time.perf_counter() - start
                store.close()
        print(f"demo shop ({flaws}): seeded and ready in {started:.2f}s")
    print(f"\nmedian of {ROUNDS} rounds, seconds")
    print(f"{'check':24} {'tuned':>8} {'all flaws':>10}")
    for check in rows["none"]:
        print(f"{check:24} {rows['none'][check]:8.3f} {rows['all'][check]:10.3f}")
    print(f"{'whole audit':24} {audits['none']:8.3f} {audits['all']:10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
