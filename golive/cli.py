"""The command line: parse, call the library, render, exit. No logic of its own.

Areas add their commands through the ``golive_commands`` hook (``golive load``, ``golive drill
backup``); :func:`build_cli` adds them when the CLI starts.
"""

from __future__ import annotations

import json
import sys
import traceback
from importlib import resources
from pathlib import Path
from typing import Any

import click

from golive import __version__
from golive.command import (
    config_option,
    console,
    load,
    open_store,
    plan_for,
    project_option,
    run_and_report,
    store_option,
)
from golive.config import Config
from golive.exceptions import GoliveError, UsageError
from golive.verdict import ExitStatus


class GoliveGroup(click.Group):
    """Turns :class:`GoliveError` into one line on stderr and exit 2; Ctrl-C into 130; a bug
    (any other exception) into its traceback and exit 4."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GoliveError as err:
            click.echo(f"golive: error: {err}", err=True)
            ctx.exit(int(ExitStatus.ERROR))
        except KeyboardInterrupt:
            click.echo("golive: interrupted", err=True)
            ctx.exit(int(ExitStatus.INTERRUPTED))
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception:
            click.echo(traceback.format_exc(), err=True, nl=False)
            click.echo("golive: internal error (a bug in golive or a plugin); any run it "
                       "started is stored with status 'error'", err=True)
            ctx.exit(int(ExitStatus.INTERNAL))


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
@store_option
def plan_show(file: str, as_json: bool, config_path: str | None, store_url: str | None) -> None:
    """Tasks, statuses, priorities, progress, criteria with their checks, statistics, and the
    sign-offs of the history that no longer match an item (stale)."""
    from golive.plan import parse_plan, plan_to_dict, stale_signoffs
    from golive.report.plan_view import print_plan

    config = load(config_path)
    parsed = parse_plan(file)
    data = plan_to_dict(parsed, config.mapping)
    from golive.store import has_history

    url = store_url or config.store_url()
    signoffs = open_store(config, url, migrate=False).signoffs() if has_history(url) else []
    data["stale_signoffs"] = [s.to_dict() for s in stale_signoffs(parsed, signoffs)]
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print_plan(console(), data)


@plan.command("render")
@click.argument("run")
@click.option("--out", "out_file", metavar="FILE", help="Write it here (default: stdout).")
@config_option
@store_option
def plan_render(run: str, out_file: str | None, config_path: str | None,
                store_url: str | None) -> None:
    """The plan as one stored run updated it, rendered again from the history."""
    from golive.command import emit
    from golive.plan import outcomes_from_rows, parse_text, render_plan

    record = open_store(load(config_path), store_url, migrate=False).get_run(run)
    if not record.plan_text:
        raise UsageError(f"run {record.id} was audited without a plan: pass --plan FILE to "
                         "'golive audit' to keep one")
    parsed = parse_text(record.plan_text, record.plan_path or f"run {record.id}")
    text = render_plan(parsed, outcomes_from_rows(parsed, record.criteria), record.id)
    emit(text, out_file, f"wrote {out_file} (the plan as run {record.id} updated it)")


# --- audit -------------------------------------------------------------------------------
@cli.command()
@click.option("--target", metavar="URL", help="Service to audit (default: [target] url).")
@config_option
@click.option("--plan", "plan_path", metavar="FILE", help="Task list to decide and update.")
@click.option("--only", metavar="AREA,...", default="", help="Run only these areas or checks.")
@click.option("--profile", type=click.Choice(["quick", "full"]), default=None)
@click.option("--json", "json_out", metavar="FILE", help="Write the JSON report.")
@click.option("--html", "html_out", metavar="FILE", help="Write the HTML report.")
@click.option("--pdf", "pdf_out", metavar="FILE",
              help="Write the HTML report printed to A4 (Chromium).")
@click.option("--junit", "junit_out", metavar="FILE", help="Write JUnit XML.")
@click.option("--plan-out", "plan_out", metavar="FILE", help="Write the updated plan.")
@click.option("--strict", is_flag=True, default=None,
              help="Exit 3 when any check errored or was inconclusive.")
@click.option("--label", default="", help="A name for this run (e.g. 'baseline').")
@click.option("--baseline", metavar="NAME|last|FILE", help="Compare load figures with this run.")
@click.option("--fail-on-regression", is_flag=True, help="A load regression exits 1.")
@click.option("--db", "db_url", metavar="URL",
              help="The target's PostgreSQL (default: [database] url), for the database area.")
@click.option("--allow-destructive", is_flag=True,
              help="Run checks that kill processes or switch traffic (drill targets only).")
@click.option("--upload", "upload", metavar="URL",
              help="Upload the run to a golive server (token in GOLIVE_TOKEN).")
@project_option
@store_option
def audit(target: str | None, config_path: str | None, plan_path: str | None, only: str,
          profile: str | None, json_out: str | None, html_out: str | None,
          pdf_out: str | None, junit_out: str | None, plan_out: str | None,
          strict: bool | None, label: str,
          baseline: str | None, fail_on_regression: bool, db_url: str | None,
          allow_destructive: bool, upload: str | None, project: str | None,
          store_url: str | None) -> None:
    """Measure the target, decide every check and plan item, store the run, gate CI."""
    from golive.command import baseline_for
    from golive.session import AuditRequest

    config = load(config_path)
    if db_url:
        config = config.with_database_url(db_url)
    target = target or config.target.url
    if not target:
        raise UsageError("no target: pass --target URL or set [target] url in golive.toml")
    parsed = plan_for(config, plan_path)
    if plan_out and parsed is None:
        raise UsageError("--plan-out needs a plan: pass --plan FILE or set [plan] file")
    store = open_store(config, store_url)
    config, base = baseline_for(store, config, baseline, fail_on_regression)
    run_and_report(AuditRequest(
        target=target.rstrip("/"), config=config, store=store, plan=parsed,
        only=tuple(a for a in only.split(",") if a), profile=profile, strict=strict,
        label=label, baseline=base, project=project, allow_destructive=allow_destructive),
        json_out=json_out, html_out=html_out, junit_out=junit_out, plan_out=plan_out,
        pdf_out=pdf_out, upload=upload)


# --- drill -------------------------------------------------------------------------------
@cli.group()
def drill() -> None:
    """Recovery drills: prove that a procedure works by doing it (the areas add them)."""


# --- history -----------------------------------------------------------------------------
@cli.command()
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@config_option
@store_option
def history(limit: int, as_json: bool, config_path: str | None, store_url: str | None) -> None:
    """List recent runs."""
    from golive.report import print_history

    runs = open_store(load(config_path), store_url, migrate=False).list_runs(limit)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in runs], indent=2))
    else:
        print_history(console(), runs)


@cli.command()
@click.argument("run")
@click.option("--json", "as_json", is_flag=True)
@config_option
@store_option
def show(run: str, as_json: bool, config_path: str | None, store_url: str | None) -> None:
    """Show one run (an id, 'last', 'last~1' or a label)."""
    from golive.report import print_run, report_json

    record = open_store(load(config_path), store_url, migrate=False).get_run(run)
    if as_json:
        click.echo(report_json(record), nl=False)
    else:
        print_run(console(), record)


@cli.command()
@click.argument("run")
@click.option("--out", "out_dir", metavar="DIR",
              help="Write them to DIR/<check>/<name> (default: only list them).")
@config_option
@store_option
def artifacts(run: str, out_dir: str | None, config_path: str | None,
              store_url: str | None) -> None:
    """List (or write out) the files a run's checks kept, e.g. whole Lighthouse reports."""
    from golive.report.artifacts import write_artifacts
    from golive.results import Artifact

    store = open_store(load(config_path), store_url, migrate=False)
    run_id = store.resolve_run_id(run)
    kept: list[tuple[str, Artifact, Path | None]]
    if out_dir:
        try:
            kept = list(write_artifacts(store, run_id, Path(out_dir)))
        except OSError as err:
            raise UsageError(f"--out {out_dir}: cannot write "
                             f"{err.filename or out_dir}: {err.strerror or err}") from None
    else:
        kept = [(check_id, meta, None) for check_id, meta in store.artifacts(run_id)]
    if not kept:
        click.echo(f"run {run_id} keeps no artifacts")
        return
    for check_id, meta, target in kept:
        line = f"{check_id}  {meta.name}  {meta.media_type}  {meta.bytes} bytes"
        click.echo(line + (f"  -> {target}" if target else ""))


@cli.command()
@click.argument("run_a")
@click.argument("run_b")
@click.option("--json", "as_json", is_flag=True)
@config_option
@store_option
def compare(run_a: str, run_b: str, as_json: bool, config_path: str | None,
            store_url: str | None) -> None:
    """Compare two runs: per metric before, after and change."""
    from golive.compare import compare_runs
    from golive.report import print_comparison

    store = open_store(load(config_path), store_url, migrate=False)
    comparison = compare_runs(store.get_run(run_a), store.get_run(run_b))
    if as_json:
        click.echo(json.dumps(comparison.to_dict(), indent=2))
    else:
        print_comparison(console(), comparison)


# --- baseline ----------------------------------------------------------------------------
@cli.group()
def baseline() -> None:
    """Name runs to compare later runs with (`--baseline NAME`)."""


@baseline.command("save")
@click.argument("name")
@click.option("--run", "run_ref", default="last", show_default=True,
              help="The run to keep (an id, 'last' or a label).")
@click.option("--file", "file_out", metavar="FILE",
              help="Also write it as a JSON report for CI (default .golive/baselines/NAME.json).")
@config_option
@store_option
def baseline_save(name: str, run_ref: str, file_out: str | None, config_path: str | None,
                  store_url: str | None) -> None:
    """Keep a run as the baseline NAME, in the history and as a file."""
    from golive.report import report_json

    config = load(config_path)
    store = open_store(config, store_url)
    run_id = store.save_baseline(name, run_ref)
    path = Path(file_out) if file_out else config.resolve(".golive") / "baselines" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_json(store.get_run(run_id)), encoding="utf-8")
    click.echo(f"baseline {name!r} = run {run_id}; wrote {path}")


@baseline.command("list")
@config_option
@store_option
def baseline_list(config_path: str | None, store_url: str | None) -> None:
    """List the named baselines."""
    store = open_store(load(config_path), store_url, migrate=False)
    for name, run_id, created in store.baselines():
        click.echo(f"{name:20} run {run_id:<6} saved {created:%Y-%m-%d %H:%M} UTC")


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

    config = load(config_path)
    plan_file = plan_path or (str(config.resolve(config.plan.file)) if config.plan.file else None)
    if not plan_file or not Path(plan_file).exists():
        raise UsageError(f"{item!r}: a sign-off names an item of a plan: pass --plan FILE "
                         "(or set [plan] file) so the item's task and text can be recorded")
    found = parse_plan(plan_file).find_item(item)
    if found is None:
        raise UsageError(f"no single item {item!r} in {plan_file}: use a key from "
                         "'golive plan show' (e.g. PHASE5-010:criteria:4) or more of its text")
    task, key, text = found[0], found[1].key, found[1].text
    store = open_store(config, store_url)
    sid = store.add_signoff(item=key, text=text, by=by, evidence=evidence, note=note,
                            task=task)
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
@click.option("--pdf", "pdf_out", default=None, metavar="FILE",
              help="Also write the report printed to A4 (Chromium).")
@click.option("--plan-out", "plan_out", default=None, metavar="FILE",
              help="Also write the Phase 5 plan updated from the tuned run.")
@click.option("--quick", is_flag=True,
              help="Smaller tables and a shorter load test: the same flaws, about a minute.")
@click.option("--server", "serve_port", default=None, type=click.IntRange(1, 65535),
              metavar="PORT", help="Then serve the dashboard on the demo's history on PORT "
              "(golive server; Ctrl-C stops it).")
@click.option("--products", default=None, type=int,
              help="Products in the shop [default: 20000; 2000 with --quick].")
@click.option("--reviews", default=None, type=int,
              help="Reviews in the shop [default: 200000; 20000 with --quick].")
@store_option
@click.pass_context
def demo(ctx: click.Context, html_out: str, pdf_out: str | None, plan_out: str | None,
         quick: bool, serve_port: int | None, products: int | None, reviews: int | None,
         store_url: str | None) -> None:
    """Audit the bundled shop twice (all flaws, then tuned) and show what improved."""
    if ctx.invoked_subcommand is not None:
        return
    from golive.command import needs_browser, writable
    from golive.demo.story import run_demo

    writable(html_out, "--html")
    writable(pdf_out, "--pdf")
    writable(plan_out, "--plan-out")
    if pdf_out:
        needs_browser("--pdf")
    config = Config()
    store = open_store(config, store_url)
    before, after = run_demo(console(), console(stderr=True), store=store, html_out=html_out,
                             plan_out=plan_out, pdf_out=pdf_out, quick=quick,
                             products=products, reviews=reviews)
    if serve_port is not None:
        from golive.server.serve import serve
        from golive.server.settings import ServerSettings

        click.echo(f"the dashboard of these runs: http://127.0.0.1:{serve_port}/p/"
                   f"{after.project} (comparison: /compare/{before.id}/{after.id}; Ctrl-C "
                   "stops it)")
        serve(ServerSettings(store=store.url), host="127.0.0.1", port=serve_port)


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


# --- plugins -----------------------------------------------------------------------------
@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True)
def list_plugins(as_json: bool) -> None:
    """List the plugins (golive's own areas too), their checks, tables and hooks."""
    from golive.plugins import plugins

    found = plugins()
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in found], indent=2))
        return
    for p in found:
        click.echo(p.name)
        click.echo(f"  hooks:  {', '.join(p.hooks) or '-'}")
        if p.checks:
            click.echo(f"  checks: {', '.join(p.checks)}")
        if p.tables:
            click.echo(f"  tables: {', '.join(f'[{t}]' for t in p.tables)}")


# --- db ----------------------------------------------------------------------------------
@cli.group("db")
def db() -> None:
    """The history database's schema."""


@db.command("upgrade")
@config_option
@store_option
def db_upgrade(config_path: str | None, store_url: str | None) -> None:
    """Migrate the history database to this golive's schema (keeps every run)."""
    before, after = _upgrade(load(config_path), store_url)
    click.echo(f"schema {before or 'none'} -> {after}" if before != after
               else f"already at schema {after}")


def _upgrade(config: Config, store_url: str | None) -> tuple[str | None, str]:
    from golive.store import Store

    return Store(store_url or config.store_url(), migrate=False, check=False).upgrade()


@db.command("status")
@config_option
@store_option
def db_status(config_path: str | None, store_url: str | None) -> None:
    """Say which schema the history database is at and which this golive needs (exit 3 when
    it is behind)."""
    from golive.store import Store, head_revision

    config = load(config_path)
    current = Store(store_url or config.store_url(), migrate=False, check=False).revision()
    click.echo(f"schema {current or 'none'} (this golive needs {head_revision()})")
    if current != head_revision():
        sys.exit(int(ExitStatus.INCOMPLETE))


# --- import ------------------------------------------------------------------------------
@cli.command("import")
@click.argument("report", type=click.Path(dir_okay=False))
@project_option
@config_option
@store_option
def import_report(report: str, project: str | None, config_path: str | None,
                  store_url: str | None) -> None:
    """Store a JSON report (e.g. from a CI machine) as a run of kind 'import'."""
    from golive.store import run_from_report

    path = Path(report)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        record = run_from_report(data)
    except FileNotFoundError:
        raise UsageError(f"{report}: no such file") from None
    except (ValueError, KeyError, TypeError) as err:
        raise UsageError(f"{report}: not a golive JSON report ({err}); write one with "
                         "'golive audit --json FILE'") from None
    store = open_store(load(config_path), store_url)
    run_id = store.import_run(record, project=project)
    click.echo(f"imported {report} as run {run_id} (project {project or record.project}, "
               f"verdict {record.verdict})")


_COMMANDS_ADDED: set[str] = set()


def build_cli() -> click.Group:
    """The CLI with every registered plugin's commands added (``golive_commands``), each
    plugin's once (a plugin registered later is added on the next call)."""
    from golive.plugins import plugin_manager

    for impl in plugin_manager().hook.golive_commands.get_hookimpls():
        if impl.plugin_name not in _COMMANDS_ADDED:
            impl.function(cli=cli)
            _COMMANDS_ADDED.add(impl.plugin_name)
    return cli


def main(argv: list[str] | None = None) -> None:
    build_cli().main(args=argv, prog_name="golive")


