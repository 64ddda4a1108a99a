"""`golive demo`: the Phase 5 story on the bundled shop — baseline, improvements, verified."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from golive.config import CheckSettings, Config, TargetConfig
from golive.demo.server import demo_process
from golive.plan import parse_text, render_plan
from golive.report import compare_runs, print_comparison, print_run, render_html
from golive.report.progress import progress_events
from golive.runner import AuditOutcome, run_audit
from golive.store import RunRecord, Store

DEMO_LOAD: dict[str, Any] = {"model": "paced", "rate": 80, "users": 80, "ramp_s": 3, "hold_s": 15}


def run_demo(console: Console, err: Console, *, store: Store, html_out: str,
             plan_out: str | None = None, products: int = 20_000,
             reviews: int = 200_000) -> tuple[RunRecord, RunRecord]:
    started = time.perf_counter()
    plan_text = (resources.files("golive") / "data" / "phase5-task-list.md").read_text("utf-8")
    plan = parse_text(plan_text, "phase5-task-list.md (bundled)")
    runs: list[tuple[str, RunRecord, AuditOutcome]] = []
    for label, flaws, title in (
        ("baseline", "all", "Baseline: the shop with every flaw on"),
        ("tuned", "none", "Tuned: the same shop with every flaw fixed"),
    ):
        err.print(Text(f"starting the demo shop ({label}: flaws {flaws}) …", style="dim"))
        with demo_process(flaws, products=products, reviews=reviews) as shop:
            config = Config(target=TargetConfig(url=shop.url), checks={
                # a short paced run: enough samples for p99, and a rate that a stalled
                # baseline cannot keep (reported, not hidden)
                "load.latency": CheckSettings(**DEMO_LOAD)})
            with progress_events(err, prefix=f"{label}: ") as events:
                outcome = run_audit(target=shop.url, config=config, store=store, plan=plan,
                                    label=f"demo-{label}", events=events)
        record = store.get_run(outcome.run_id)
        print_run(console, record, title=f"{title} · run {record.id}")
        if outcome.interrupted:  # the partial run is stored; do not start the next one
            raise KeyboardInterrupt
        runs.append((title, record, outcome))
    (_, before, _), (_, after, tuned) = runs
    comparison = compare_runs(before, after)
    print_comparison(console, comparison)
    Path(html_out).write_text(render_html(
        [(title, rec) for title, rec, _ in runs], comparison,
        title="golive demo: baseline → tuned"), encoding="utf-8")
    console.print(f"wrote {html_out}")
    if plan_out:
        Path(plan_out).write_text(render_plan(plan, tuned.items, after.id), encoding="utf-8")
        console.print(f"wrote {plan_out} (the Phase 5 plan updated from run {after.id})")
    console.print(Text(
        f"demo finished in {time.perf_counter() - started:.0f}s: baseline {before.verdict}, "
        f"tuned {after.verdict}. 'golive history' lists the runs; 'golive compare "
        f"{before.id} {after.id}' compares them again.", style="bold"))
    return before, after
