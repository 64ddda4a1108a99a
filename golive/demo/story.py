"""`golive demo`: the Phase 5 story on the bundled shop — baseline, improvements, verified."""

from __future__ import annotations

import contextlib
import time
from importlib import resources
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from golive.auth import AuthConfig
from golive.checks.security.settings import SecurityConfig
from golive.compare import compare_runs
from golive.config import CheckSettings, Config, DatabaseConfig, TargetConfig
from golive.demo.flaws import parse_flaws
from golive.demo.osv import osv_server
from golive.demo.server import demo_process
from golive.pgcluster import Cluster, ClusterUnavailable, extension_available, temporary_cluster
from golive.plan import Plan, parse_text, render_plan
from golive.report import print_comparison, print_run, render_html
from golive.report.artifacts import export_artifacts
from golive.report.progress import progress_events
from golive.runner import AuditOutcome
from golive.session import AuditRequest, run_session
from golive.store import RunRecord, Store

DEMO_LOAD: dict[str, Any] = {"model": "paced", "rate": 80, "users": 80, "ramp_s": 3, "hold_s": 15}
#: the demo's own files: the OSV records pip-audit is served, the shop's source per run
DEMO_DATA = Path(str(resources.files("golive") / "data" / "demo"))
#: the shop's demo account: security.jwt and security.enumeration need a login; the load test
#: stays anonymous (80 users logging in at once would meet the tuned login's limit)
DEMO_AUTH = AuthConfig(  # the shop's public demo account (its login page says so)
    login="POST /api/login", username_field="email", username="demo@example.com",
    password="demo", token_json="token", load_users=False)  # noqa: S106


def run_demo(console: Console, err: Console, *, store: Store, html_out: str,
             plan_out: str | None = None, products: int = 20_000,
             reviews: int = 200_000) -> tuple[RunRecord, RunRecord]:
    started = time.perf_counter()
    plan_text = (resources.files("golive") / "data" / "phase5-task-list.md").read_text("utf-8")
    plan = parse_text(plan_text, "phase5-task-list.md (bundled)")
    runs: list[tuple[str, RunRecord, AuditOutcome]] = []
    with contextlib.ExitStack() as stack:
        cluster = _cluster(stack, err)
        osv_url = stack.enter_context(osv_server(DEMO_DATA / "osv"))
        err.print(Text("serving a local OSV-compatible vulnerability fixture for pip-audit "
                       f"({osv_url}): this machine has no vulnerability service", style="dim"))
        for label, flaws, title in (
            ("baseline", "all", "Baseline: the shop with every flaw on"),
            ("tuned", "none", "Tuned: the same shop with every flaw fixed"),
        ):
            # the tuned run is compared with the baseline (bundle reduction, regressions)
            baseline = runs[0][1] if runs else None
            runs.append(_audit_shop(console, err, store, plan, cluster, label, flaws, title,
                                    products, reviews, baseline, osv_url=osv_url))
    (_, before, _), (_, after, tuned) = runs
    comparison = compare_runs(before, after)
    print_comparison(console, comparison)
    links = export_artifacts(store, [rec.id for _, rec, _ in runs], html_out)
    Path(html_out).write_text(render_html(
        [(title, rec) for title, rec, _ in runs], comparison,
        title="golive demo: baseline → tuned", artifacts=links), encoding="utf-8")
    console.print(f"wrote {html_out}")
    if plan_out:
        Path(plan_out).write_text(render_plan(plan, tuned.items, after.id), encoding="utf-8")
        console.print(f"wrote {plan_out} (the Phase 5 plan updated from run {after.id})")
    console.print(Text(
        f"demo finished in {time.perf_counter() - started:.0f}s: baseline {before.verdict}, "
        f"tuned {after.verdict}. 'golive history' lists the runs; 'golive compare "
        f"{before.id} {after.id}' compares them again.", style="bold"))
    return before, after


def _cluster(stack: contextlib.ExitStack, err: Console) -> Cluster | None:
    """A throwaway PostgreSQL cluster for the shop (pg_stat_statements preloaded), or None
    (SQLite; the database area is then skipped) when the server binaries are missing."""
    try:
        cluster = stack.enter_context(temporary_cluster())
    except ClusterUnavailable as why:
        err.print(Text(f"the shop runs on SQLite, the database area is skipped: {why}",
                       style="yellow"))
        return None
    err.print(Text(f"PostgreSQL: throwaway cluster on 127.0.0.1:{cluster.port} "
                   "(pg_stat_statements preloaded; removed at the end)", style="dim"))
    return cluster


def demo_config(url: str, db_url: str, flaws: str, osv_url: str) -> Config:
    """The demo's golive.toml for a shop with ``flaws``: its database, its demo account, its
    own source (the baseline's has a vulnerable pin, a committed key and a shell command built
    from input: flaw vulnerable_source; the tuned one none) and the local OSV fixture."""
    source = DEMO_DATA / ("source-baseline" if "vulnerable_source" in parse_flaws(flaws)
                          else "source-tuned")
    security = SecurityConfig(source=str(source), osv_url=osv_url,
                              requirements=[str(source / "requirements.txt")])
    return Config(target=TargetConfig(url=url), database=DatabaseConfig(url=db_url),
                  auth=DEMO_AUTH, checks={
        # a short paced run: enough samples for p99, and a rate that a stalled
        # baseline cannot keep (reported, not hidden)
        "load.latency": CheckSettings(**DEMO_LOAD),
        # the baseline is the flawed shop: the tuned run takes it for the bundle
        # reduction, and a latency regression against a stalled shop means nothing
        "load.regression": CheckSettings(enabled=False)}).override(security=security)


def _audit_shop(console: Console, err: Console, store: Store, plan: Plan, cluster: Cluster | None,
                label: str, flaws: str, title: str, products: int, reviews: int,
                baseline: RunRecord | None = None, *, osv_url: str = ""
                ) -> tuple[str, RunRecord, AuditOutcome]:
    db_url = None
    if cluster is not None:
        extensions = ["pg_stat_statements"] + (
            ["hypopg"] if extension_available("hypopg", cluster.bindir) else [])
        db_url = cluster.create_database(f"shop_{label}", extensions)
    err.print(Text(f"starting the demo shop ({label}: flaws {flaws}) …", style="dim"))
    with demo_process(flaws, products=products, reviews=reviews, db_url=db_url) as shop:
        config = demo_config(shop.url, db_url or "", flaws, osv_url)
        with progress_events(err, prefix=f"{label}: ") as events:
            outcome = run_session(AuditRequest(
                target=shop.url, config=config, store=store, plan=plan, label=f"demo-{label}",
                events=events, baseline=baseline, project="demo"))
    record = store.get_run(outcome.run_id)
    print_run(console, record, title=f"{title} · run {record.id}")
    if outcome.interrupted:  # the partial run is stored; do not start the next one
        raise KeyboardInterrupt
    return title, record, outcome
