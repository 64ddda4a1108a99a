"""The command line: parse, call the library, render, exit. No logic of its own."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from golive import __version__
from golive.config import Config, load_config
from golive.exceptions import GoliveError, UsageError
from golive.verdict import ExitStatus


def _console(stderr: bool = False) -> Console:
    return Console(file=sys.stderr if stderr else sys.stdout, highlight=False,
                   soft_wrap=False)


class GoliveGroup(click.Group):
    """Turns :class:`GoliveError` into one line on stderr and exit 2; Ctrl-C into 130."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GoliveError as err:
            click.echo(f"golive: error: {err}", err=True)
            ctx.exit(int(ExitStatus.ERROR))
        except KeyboardInterrupt:
            click.echo("golive: interrupted", err=True)
            ctx.exit(int(ExitStatus.INTERRUPTED))


def _config(path: str | None) -> Config:
    return load_config(path, required=path is not None)


def _store(config: Config, url: str | None) -> Any:
    from golive.store import Store

    return Store(url or config.store_url())


def _writable(path: str | None, option: str) -> None:
    if path and not Path(path).resolve().parent.is_dir():
        raise UsageError(f"{option} {path}: folder {Path(path).parent} does not exist")


store_option = click.option("--store", "store_url", metavar="URL",
                            help="History database (default: sqlite .golive/golive.db).")
config_option = click.option("--config", "config_path", metavar="FILE",
                             help="golive.toml to use (default: ./golive.toml if present).")


@click.group(cls=GoliveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="golive")
def cli() -> None:
    """golive: turn a production-readiness checklist into measured evidence."""


# --- init --------------------------------------------------------------------------------
@cli.command()
@click.option("--dir", "directory", default=".", show_default=True,
              type=click.Path(file_okay=False), help="Where to write the files.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def init(directory: str, force: bool) -> None:
    """Write a commented golive.toml and an editable copy of the Phase 5 plan."""
    out = Path(directory)
    if not out.is_dir():
        raise UsageError(f"--dir {directory}: no such folder")
    data = resources.files("golive") / "data"
    pairs = [("golive.toml", "golive.toml"), ("phase5-task-list.md", "phase5-plan.md")]
    for _src, dst in pairs:
        if (out / dst).exists() and not force:
            raise UsageError(f"{out / dst} exists: keep it, or pass --force to overwrite")
    for src, dst in pairs:
        (out / dst).write_text((data / src).read_text(encoding="utf-8"), encoding="utf-8")
        click.echo(f"wrote {out / dst}")
    click.echo("next: edit golive.toml ([target] url), then run 'golive audit'")


# --- plan --------------------------------------------------------------------------------
@cli.group()
def plan() -> None:
    """Read readiness plans (task lists)."""


@plan.command("show")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@config_option
def plan_show(file: str, as_json: bool, config_path: str | None) -> None:
    """Tasks, statuses, priorities, progress, criteria with their checks, statistics."""
    from golive.plan import parse_plan, plan_to_dict
    from golive.report.plan_view import print_plan

    config = _config(config_path)
    parsed = parse_plan(file)
    data = plan_to_dict(parsed, config.mapping)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print_plan(_console(), data)


# --- audit -------------------------------------------------------------------------------
@cli.command()
@click.option("--target", metavar="URL", help="Service to audit (default: [target] url).")
@config_option
@click.option("--plan", "plan_path", metavar="FILE", help="Task list to decide and update.")
@click.option("--only", metavar="AREA,...", default="", help="Run only these areas or checks.")
@click.option("--profile", type=click.Choice(["quick", "full"]), default=None)
@click.option("--json", "json_out", metavar="FILE", help="Write the JSON report.")
@click.option("--html", "html_out", metavar="FILE", help="Write the HTML report.")
@click.option("--junit", "junit_out", metavar="FILE", help="Write JUnit XML.")
@click.option("--plan-out", "plan_out", metavar="FILE", help="Write the updated plan.")
@click.option("--strict", is_flag=True, default=None,
              help="Exit 3 when any check errored or was inconclusive.")
@click.option("--label", default="", help="A name for this run (e.g. 'baseline').")
@store_option
def audit(target: str | None, config_path: str | None, plan_path: str | None, only: str,
          profile: str | None, json_out: str | None, html_out: str | None,
          junit_out: str | None, plan_out: str | None, strict: bool | None, label: str,
          store_url: str | None) -> None:
    """Measure the target, decide every check and plan item, store the run, gate CI."""
    from golive.plan import parse_plan
    from golive.report.output import write_outputs
    from golive.report.progress import progress_events
    from golive.runner import run_audit

    config = _config(config_path)
    target = target or config.target.url
    if not target:
        raise UsageError("no target: pass --target URL or set [target] url in golive.toml")
    for path, option in ((json_out, "--json"), (html_out, "--html"), (junit_out, "--junit"),
                         (plan_out, "--plan-out")):
        _writable(path, option)
    plan_file = plan_path or (str(config.resolve(config.plan.file)) if config.plan.file else None)
    parsed = parse_plan(plan_file) if plan_file else None
    if plan_out and parsed is None:
        raise UsageError("--plan-out needs a plan: pass --plan FILE or set [plan] file")
    store = _store(config, store_url)
    console = _console()
    with progress_events(_console(stderr=True)) as events:
        outcome = run_audit(target=target.rstrip("/"), config=config, store=store,
                            only=[a for a in only.split(",") if a], profile=profile,
                            strict=strict, plan=parsed, label=label, events=events)
    run = store.get_run(outcome.run_id)
    from golive.report import print_run

    print_run(console, run)
    code = ExitStatus.INTERRUPTED if outcome.interrupted else outcome.gate.exit_status
    write_outputs(run, outcome, parsed, exit_code=int(code), json_out=json_out,
                  html_out=html_out, junit_out=junit_out, plan_out=plan_out, echo=click.echo)
    sys.exit(int(code))


# --- history -----------------------------------------------------------------------------
@cli.command()
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@config_option
@store_option
def history(limit: int, as_json: bool, config_path: str | None, store_url: str | None) -> None:
    """List recent runs."""
    from golive.report import print_history

    runs = _store(_config(config_path), store_url).list_runs(limit)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in runs], indent=2))
    else:
        print_history(_console(), runs)


@cli.command()
@click.argument("run")
@click.option("--json", "as_json", is_flag=True)
@config_option
@store_option
def show(run: str, as_json: bool, config_path: str | None, store_url: str | None) -> None:
    """Show one run (an id, 'last', 'last~1' or a label)."""
    from golive.report import print_run, report_json

    record = _store(_config(config_path), store_url).get_run(run)
    if as_json:
        click.echo(report_json(record), nl=False)
    else:
        print_run(_console(), record)


@cli.command()
@click.argument("run_a")
@click.argument("run_b")
@click.option("--json", "as_json", is_flag=True)
@config_option
@store_option
def compare(run_a: str, run_b: str, as_json: bool, config_path: str | None,
            store_url: str | None) -> None:
    """Compare two runs: per metric before, after and change."""
    from golive.report import compare_runs, print_comparison

    store = _store(_config(config_path), store_url)
    comparison = compare_runs(store.get_run(run_a), store.get_run(run_b))
    if as_json:
        click.echo(json.dumps(comparison.to_dict(), indent=2))
    else:
        print_comparison(_console(), comparison)


# --- signoff -----------------------------------------------------------------------------
@cli.command()
@click.argument("item")
@click.option("--by", "by", required=True, metavar="NAME", help="Who signs off.")
@click.option("--evidence", metavar="URL", help="Where the evidence is.")
@click.option("--note", default=None)
@click.option("--plan", "plan_path", metavar="FILE")
@config_option
@store_option
def signoff(item: str, by: str, evidence: str | None, note: str | None, plan_path: str | None,
            config_path: str | None, store_url: str | None) -> None:
    """Record a human sign-off of a plan item (a key from 'plan show', or its text)."""
    from golive.plan import parse_plan

    config = _config(config_path)
    plan_file = plan_path or (str(config.resolve(config.plan.file)) if config.plan.file else None)
    key, text = item, item
    if plan_file and Path(plan_file).exists():
        found = parse_plan(plan_file).find_item(item)
        if found is None:
            raise UsageError(f"no single item {item!r} in {plan_file}: use a key from "
                             "'golive plan show' (e.g. PHASE5-010:criteria:4)")
        key, text = found[1].key, found[1].text
    elif ":" not in item:
        raise UsageError(f"{item!r}: without a plan (--plan FILE) name the item by its key, "
                         "e.g. PHASE5-010:criteria:4")
    store = _store(config, store_url)
    sid = store.add_signoff(item=key, text=text, by=by, evidence=evidence, note=note)
    click.echo(f"signed off {key} ({text}) by {by} [sign-off {sid}]")


# --- checks ------------------------------------------------------------------------------
@cli.command("checks")
def list_checks() -> None:
    """List installed checks with their default thresholds."""
    from golive.plugins import all_checks

    for check_id, cls in all_checks().items():
        slo = ", ".join(cls.slo) or "findings decide"
        click.echo(f"{check_id:24} {cls.title}  [{cls.severity}; {slo}]")


# --- demo --------------------------------------------------------------------------------
@cli.group(invoke_without_command=True)
@click.option("--html", "html_out", default="golive-report.html", show_default=True)
@click.option("--plan-out", "plan_out", default=None, metavar="FILE",
              help="Also write the Phase 5 plan updated from the tuned run.")
@click.option("--products", default=20_000, show_default=True)
@click.option("--reviews", default=200_000, show_default=True)
@store_option
@click.pass_context
def demo(ctx: click.Context, html_out: str, plan_out: str | None, products: int, reviews: int,
         store_url: str | None) -> None:
    """Audit the bundled shop twice (all flaws, then tuned) and show what improved."""
    if ctx.invoked_subcommand is not None:
        return
    from golive.demo.story import run_demo

    _writable(html_out, "--html")
    _writable(plan_out, "--plan-out")
    config = Config()
    store = _store(config, store_url)
    run_demo(_console(), _console(stderr=True), store=store, html_out=html_out,
             plan_out=plan_out, products=products, reviews=reviews)


@demo.command("serve")
@click.option("--flaws", default="none", show_default=True, metavar="LIST|all|none")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--db", "db_url", default=None, metavar="URL",
              help="Database (default: a temporary SQLite file). Its shop_* tables are reset.")
@click.option("--products", default=20_000, show_default=True)
@click.option("--reviews", default=200_000, show_default=True)
@click.option("--tls-cert", default=None, type=click.Path(exists=True, dir_okay=False))
@click.option("--tls-key", default=None, type=click.Path(exists=True, dir_okay=False))
@click.option("--redirect-to", default=None, metavar="URL",
              help="Serve only a 308 redirect to this https base URL.")
@click.option("--fd", default=None, type=int, hidden=True)
@click.option("--quiet", is_flag=True, hidden=True)
def demo_serve(flaws: str, host: str, port: int, db_url: str | None, products: int,
               reviews: int, tls_cert: str | None, tls_key: str | None,
               redirect_to: str | None, fd: int | None, quiet: bool) -> None:
    """Serve the demo shop with the chosen flaws (see 'golive demo flaws')."""
    from golive.demo.flaws import parse_flaws
    from golive.demo.server import serve

    parse_flaws(flaws)  # fail fast on a typo
    if not quiet and fd is None:
        click.echo(f"golive demo shop on http://{host}:{port} (Ctrl-C stops)")
    serve(flaws=flaws, host=host, port=port, db_url=db_url, fd=fd, products=products,
          reviews=reviews, certfile=tls_cert, keyfile=tls_key, redirect_to=redirect_to,
          announce=not quiet)


@demo.command("flaws")
def demo_flaws() -> None:
    """List the flaws the demo shop can switch on."""
    from golive.demo.flaws import FLAWS

    for name, what in FLAWS.items():
        click.echo(f"{name:20} {what}")


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="golive")


