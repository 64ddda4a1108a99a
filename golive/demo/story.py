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
from golive.report import print_run, render_html
from golive.report.artifacts import export_artifacts
from golive.report.progress import progress_events
from golive.report.terminal import print_summary
from golive.runner import AuditOutcome
from golive.session import AuditRequest, run_session
from golive.store import RunRecord, Store

DEMO_LOAD: dict[str, Any] = {"model": "paced", "rate": 80, "users": 80, "ramp_s": 3, "hold_s": 15}
#: `golive demo --quick`: smaller tables, a shorter load test at a higher rate (still the
#: 1000 samples p99 needs), no API fuzzing (no flaw needs it): the same flaws found
QUICK_LOAD: dict[str, Any] = {**DEMO_LOAD, "rate": 200, "ramp_s": 1, "hold_s": 7}
QUICK_LEFT_OUT = ("security.api_fuzz",)
SIZES = {"full": (20_000, 200_000), "quick": (2_000, 20_000)}
#: the demo's own files: the OSV records pip-audit is served, the shop's source per run
DEMO_DATA = Path(str(resources.files("golive") / "data" / "demo"))
#: the shop's demo account: security.jwt and security.enumeration need a login; the load test
#: stays anonymous (80 users logging in at once would meet the tuned login's limit)
DEMO_AUTH = AuthConfig(  # the shop's public demo account (its login page says so)
    login="POST /api/login", username_field="email", username="demo@example.com",
    password="demo", token_json="token", load_users=False)  # noqa: S106


def run_demo(console: Console, err: Console, *, store: Store, html_out: str,
             plan_out: str | None = None, pdf_out: str | None = None, quick: bool = False,
             products: int | None = None, reviews: int | None = None,
             screenshots: bool = True) -> tuple[RunRecord, RunRecord]:
    started = time.perf_counter()
    sizes = SIZES["quick" if quick else "full"]
    products, reviews = products or sizes[0], reviews or sizes[1]
    if quick:
        err.print(Text(f"quick demo: {products:,} products, a {QUICK_LOAD['hold_s']} s load test "
                       f"at {QUICK_LOAD['rate']} requests/s, {', '.join(QUICK_LEFT_OUT)} left "
                       "out ('golive demo' runs the full one)", style="dim"))
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
                                    products, reviews, baseline, osv_url=osv_url, quick=quick))
    (_, before, _), (_, after, tuned) = runs
    comparison = compare_runs(before, after)
    links = export_artifacts(store, [rec.id for _, rec, _ in runs], html_out)
    html = render_html([(title, rec) for title, rec, _ in runs], comparison,
                       title="golive demo: baseline → tuned", artifacts=links)
    Path(html_out).write_text(html, encoding="utf-8")
    wrote = [html_out]
    if screenshots:
        wrote += _screenshots(err, Path(html_out), before.id, after.id)
    if pdf_out:
        from golive.report.snapshot import write_pdf

        pages = write_pdf(html, pdf_out)
        wrote.append(f"{pdf_out} ({pages} A4 page{'s' if pages != 1 else ''})")
    if plan_out:
        Path(plan_out).write_text(render_plan(plan, tuned.items, after.id), encoding="utf-8")
        wrote.append(f"{plan_out} (the Phase 5 plan updated from run {after.id})")
    print_summary(console, comparison, before_title="baseline", after_title="tuned",
                  report=", ".join(wrote))
    console.print(Text(
        f"demo finished in {time.perf_counter() - started:.0f}s: baseline {before.verdict}, "
        f"tuned {after.verdict}. 'golive history' lists the runs; 'golive compare "
        f"{before.id} {after.id}' compares them again.", style="bold"))
    return before, after


def _screenshots(err: Console, report: Path, before: int, after: int) -> list[str]:
    """The first screens of the report (comparison, baseline, tuned) at 1280x900, kept beside
    it; a part of the first screen that is not on it is said."""
    from golive.report.snapshot import NoBrowser, off_screen, screenshots

    folder = report.with_name(f"{report.stem}-files") / "screenshots"
    try:
        shots = screenshots(report, folder, {"comparison": "compare",
                                             "baseline": f"run-{before}",
                                             "tuned": f"run-{after}"})
    except NoBrowser as why:
        err.print(Text(f"no screenshots of the report: {why}", style="yellow"))
        return []
    for name, (_, boxes) in shots.items():
        missing = off_screen(boxes)
        if missing:
            err.print(Text(f"the {name} report's first screen does not show "
                           f"{', '.join(missing)}", style="yellow"))
    return [f"screenshots in {folder}"]


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


def demo_config(url: str, db_url: str, flaws: str, osv_url: str, *,
                quick: bool = False) -> Config:
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
        "load.latency": CheckSettings(**(QUICK_LOAD if quick else DEMO_LOAD)),
        # the baseline is the flawed shop: the tuned run takes it for the bundle
        # reduction, and a latency regression against a stalled shop means nothing
        "load.regression": CheckSettings(enabled=False),
        **{check: CheckSettings(enabled=False) for check in (QUICK_LEFT_OUT if quick else ())},
    }).override(security=security)


def _audit_shop(console: Console, err: Console, store: Store, plan: Plan, cluster: Cluster | None,
                label: str, flaws: str, title: str, products: int, reviews: int,
                baseline: RunRecord | None = None, *, osv_url: str = "",
                quick: bool = False) -> tuple[str, RunRecord, AuditOutcome]:
    db_url = None
    if cluster is not None:
        extensions = ["pg_stat_statements"] + (
            ["hypopg"] if extension_available("hypopg", cluster.bindir) else [])
        db_url = cluster.create_database(f"shop_{label}", extensions)
    err.print(Text(f"starting the demo shop ({label}: flaws {flaws}) …", style="dim"))
    with demo_process(flaws, products=products, reviews=reviews, db_url=db_url) as shop:
        config = demo_config(shop.url, db_url or "", flaws, osv_url, quick=quick)
        with progress_events(err, prefix=f"{label}: ") as events:
            outcome = run_session(AuditRequest(
                target=shop.url, config=config, store=store, plan=plan, label=f"demo-{label}",
                events=events, baseline=baseline, project="demo"))
    record = store.get_run(outcome.run_id)
    print_run(console, record, title=f"{title} · run {record.id}")
    if outcome.interrupted:  # the partial run is stored; do not start the next one
        raise KeyboardInterrupt
    return title, record, outcome
