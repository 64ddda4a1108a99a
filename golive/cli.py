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
@click.option("--baseline", metavar="NAME|last|FILE", help="Compare load figures with this run.")
@click.option("--fail-on-regression", is_flag=True, help="A load regression exits 1.")
@click.option("--db", "db_url", metavar="URL",
              help="The target's PostgreSQL (default: [database] url), for the database area.")
@store_option
def audit(target: str | None, config_path: str | None, plan_path: str | None, only: str,
          profile: str | None, json_out: str | None, html_out: str | None,
          junit_out: str | None, plan_out: str | None, strict: bool | None, label: str,
          baseline: str | None, fail_on_regression: bool, db_url: str | None,
          store_url: str | None) -> None:
    """Measure the target, decide every check and plan item, store the run, gate CI."""
    from golive.plan import parse_plan
    from golive.report.output import write_outputs
    from golive.report.progress import progress_events
    from golive.runner import run_audit

    config = _config(config_path)
    if db_url:
        config.database.url = db_url
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
    base = _baseline(store, config, baseline, fail_on_regression)
    console = _console()
    with progress_events(_console(stderr=True)) as events:
        outcome = run_audit(target=target.rstrip("/"), config=config, store=store,
                            only=[a for a in only.split(",") if a], profile=profile,
                            strict=strict, plan=parsed, label=label, events=events,
                            baseline=base)
    run = store.get_run(outcome.run_id)
    from golive.report import print_run

    print_run(console, run)
    code = ExitStatus.INTERRUPTED if outcome.interrupted else outcome.gate.exit_status
    write_outputs(run, outcome, parsed, exit_code=int(code), json_out=json_out,
                  html_out=html_out, junit_out=junit_out, plan_out=plan_out, echo=click.echo,
                  store=store)
    sys.exit(int(code))


def _baseline(store: Any, config: Config, ref: str | None, fail: bool) -> Any:
    """The baseline run (a name, a run reference or a report file), and the regression
    check's severity (--fail-on-regression makes it blocking)."""
    from golive.config import CheckSettings
    from golive.store import run_from_report

    if fail:
        if not ref:
            raise UsageError("--fail-on-regression needs --baseline NAME|last|FILE")
        settings = config.checks.get("load.regression") or CheckSettings()
        settings.severity = "blocking"
        config.checks["load.regression"] = settings
    if not ref:
        return None
    path = Path(ref)
    if path.suffix == ".json" or path.is_file():
        try:
            return run_from_report(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise UsageError(f"--baseline {ref}: no such file") from None
        except (ValueError, KeyError) as err:
            raise UsageError(f"--baseline {ref}: not a golive JSON report ({err})") from None
    return store.baseline_run(ref)


# --- drill -------------------------------------------------------------------------------
@cli.group()
def drill() -> None:
    """Recovery drills: prove that a procedure works by doing it."""


@drill.command("backup")
@click.option("--db", "db_url", metavar="URL",
              help="Database to back up (default: [database] url).")
@click.option("--backup-command", metavar="CMD",
              help="Your own backup command; it must write a pg_dump -Fc archive to {dump}.")
@click.option("--jobs", type=click.IntRange(1, 16), default=None, help="pg_restore -j (2).")
@click.option("--prove-indexes", is_flag=True,
              help="Build the advised indexes on the restored copy and time the queries.")
@click.option("--json", "json_out", metavar="FILE", help="Write the JSON report.")
@click.option("--label", default="", help="A name for this run.")
@config_option
@store_option
def drill_backup(db_url: str | None, backup_command: str | None, jobs: int | None,
                 prove_indexes: bool, json_out: str | None, label: str,
                 config_path: str | None, store_url: str | None) -> None:
    """Dump the database, restore it into a throwaway cluster, compare every table."""
    from golive.checks.drills.backup import redact
    from golive.config import CheckSettings
    from golive.report import print_run
    from golive.report.output import write_outputs
    from golive.report.progress import progress_events
    from golive.runner import run_audit

    config = _config(config_path)
    if db_url:
        config.database.url = db_url
    if not config.database.url:
        raise UsageError("no database: pass --db postgresql://user@host/db or set "
                         "[database] url in golive.toml")
    _writable(json_out, "--json")
    settings = config.checks.get("drills.backup") or CheckSettings()
    extra = dict(settings.model_extra or {})
    if backup_command:
        extra["backup_command"] = backup_command
    if jobs:
        extra["restore_jobs"] = jobs
    if prove_indexes:
        extra["prove_indexes"] = True
    config.checks["drills.backup"] = CheckSettings(
        enabled=True, severity=settings.severity, slo=settings.slo, **extra)
    only = ["drills.backup"]
    if prove_indexes and "database.indexes" not in config.audit.areas:
        only.insert(0, "database.indexes")
    store = _store(config, store_url)
    with progress_events(_console(stderr=True)) as events:
        outcome = run_audit(target=redact(config.database.url), config=config, store=store,
                            only=only,
                            label=label or "drill-backup", events=events)
    run = store.get_run(outcome.run_id)
    print_run(_console(), run, title=f"Backup drill of {redact(config.database.url)}")
    code = ExitStatus.INTERRUPTED if outcome.interrupted else outcome.gate.exit_status
    write_outputs(run, outcome, None, exit_code=int(code), json_out=json_out, html_out=None,
                  junit_out=None, plan_out=None, echo=click.echo)
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

    store = _store(_config(config_path), store_url)
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
    from golive.report import compare_runs, print_comparison

    store = _store(_config(config_path), store_url)
    comparison = compare_runs(store.get_run(run_a), store.get_run(run_b))
    if as_json:
        click.echo(json.dumps(comparison.to_dict(), indent=2))
    else:
        print_comparison(_console(), comparison)


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

    config = _config(config_path)
    store = _store(config, store_url)
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
    for name, run_id, created in _store(_config(config_path), store_url).baselines():
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


# --- load --------------------------------------------------------------------------------
def _load_settings(config: Config, scenario: str | None, overrides: dict[str, Any]) -> None:
    """Fold a scenario file and command-line values into [checks."load.latency"]."""
    import tomllib

    from golive.config import CheckSettings

    current = config.checks.get("load.latency")
    merged: dict[str, Any] = current.model_dump() if current else {}
    merged.update(current.options if current else {})
    if scenario:
        try:
            merged.update(tomllib.loads(Path(scenario).read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise UsageError(f"--scenario {scenario}: no such file") from None
        except tomllib.TOMLDecodeError as err:
            raise UsageError(f"--scenario {scenario}: not valid TOML: {err}") from None
    merged.update({k: v for k, v in overrides.items() if v is not None})
    config.checks["load.latency"] = CheckSettings(**merged)


def _load_options(config: Config, profile: str) -> Any:
    from pydantic import ValidationError

    from golive.checks.load.spec import LoadOptions, resolved
    from golive.config import describe_validation_error
    from golive.exceptions import ConfigError

    settings = config.checks["load.latency"]
    try:
        return resolved(LoadOptions.model_validate(settings.options), profile)
    except ValidationError as err:
        raise ConfigError(f"load scenario: {describe_validation_error(err)}") from None


@cli.group(invoke_without_command=True)
@click.option("--target", metavar="URL", help="Service to load (default: [target] url).")
@config_option
@click.option("--users", type=int, help="Concurrent users (closed model).")
@click.option("--rate", type=float, help="Target requests per second (paced model).")
@click.option("--ramp", "ramp_s", type=float, help="Ramp-up seconds (excluded from figures).")
@click.option("--duration", "hold_s", type=float, help="Seconds to hold the load.")
@click.option("--processes", type=int, help="Load-generator processes on this machine.")
@click.option("--scenario", metavar="FILE", help="TOML file with the load options.")
@click.option("--locustfile", metavar="FILE",
              help="Your own locustfile (golive attaches its recorder).")
@click.option("--master", "workers", type=int, default=None, metavar="N",
              help="Run as master and wait for N 'golive load worker' processes.")
@click.option("--master-bind-host", default=None, help="Interface the master listens on.")
@click.option("--master-port", type=int, default=None, help="Port the master listens on.")
@click.option("--profile", type=click.Choice(["quick", "full"]), default=None)
@click.option("--json", "json_out", metavar="FILE")
@click.option("--html", "html_out", metavar="FILE")
@click.option("--junit", "junit_out", metavar="FILE")
@click.option("--label", default="")
@click.option("--baseline", metavar="NAME|last|FILE", help="Compare with this run.")
@click.option("--fail-on-regression", is_flag=True, help="A regression exits 1.")
@store_option
@click.pass_context
def load(ctx: click.Context, target: str | None, config_path: str | None, users: int | None,
         rate: float | None, ramp_s: float | None, hold_s: float | None,
         processes: int | None, scenario: str | None, locustfile: str | None,
         workers: int | None, master_bind_host: str | None, master_port: int | None,
         profile: str | None, json_out: str | None, html_out: str | None,
         junit_out: str | None, label: str, baseline: str | None, fail_on_regression: bool,
         store_url: str | None) -> None:
    """Load-test the target: exact percentiles, trust checks, stored like any audit."""
    if ctx.invoked_subcommand is not None:
        return
    from golive.report import print_run
    from golive.report.output import write_outputs
    from golive.report.progress import progress_events
    from golive.runner import run_audit

    config = _config(config_path)
    target = target or config.target.url
    if not target:
        raise UsageError("no target: pass --target URL or set [target] url in golive.toml")
    if scenario and locustfile:
        raise UsageError("--scenario and --locustfile: choose one")
    for path, option in ((json_out, "--json"), (html_out, "--html"), (junit_out, "--junit")):
        _writable(path, option)
    if locustfile and not Path(locustfile).is_file():
        raise UsageError(f"--locustfile {locustfile}: no such file")
    _load_settings(config, scenario, {
        "users": users, "rate": rate, "model": "paced" if rate else None, "ramp_s": ramp_s,
        "hold_s": hold_s, "processes": processes,
        "locustfile": str(Path(locustfile).resolve()) if locustfile else None,
        "workers": workers, "master_bind_host": master_bind_host, "master_port": master_port})
    store = _store(config, store_url)
    base = _baseline(store, config, baseline, fail_on_regression)
    only = ["load.latency"] + (["load.regression"] if base is not None else [])
    with progress_events(_console(stderr=True)) as events:
        outcome = run_audit(target=target.rstrip("/"), config=config, store=store,
                            only=only, profile=profile, label=label, events=events,
                            baseline=base)
    run = store.get_run(outcome.run_id)
    print_run(_console(), run)
    code = ExitStatus.INTERRUPTED if outcome.interrupted else outcome.gate.exit_status
    write_outputs(run, outcome, None, exit_code=int(code), json_out=json_out,
                  html_out=html_out, junit_out=junit_out, echo=click.echo)
    sys.exit(int(code))


@load.command("worker")
@click.option("--master-host", required=True, help="Where `golive load --master N` runs.")
@click.option("--master-port", type=int, default=5557, show_default=True)
@click.option("--target", metavar="URL", help="Needed when the scenario comes from OpenAPI.")
@config_option
@click.option("--scenario", metavar="FILE")
@click.option("--locustfile", metavar="FILE")
@click.option("--profile", type=click.Choice(["quick", "full"]), default="quick")
def load_worker(master_host: str, master_port: int, target: str | None,
                config_path: str | None, scenario: str | None, locustfile: str | None,
                profile: str) -> None:
    """A load-generator worker for a distributed run (same scenario as the master)."""
    import subprocess

    import httpx

    from golive.checks.load.engine import worker_command, worker_env
    from golive.checks.load.scenario import has_scenario, with_default_scenario
    from golive.site import Site

    config = _config(config_path)
    _load_settings(config, scenario, {
        "locustfile": str(Path(locustfile).resolve()) if locustfile else None})
    opts = _load_options(config, profile)
    if not has_scenario(opts):
        target = target or config.target.url
        if not target:
            raise UsageError("the scenario comes from the target's OpenAPI document: "
                             "pass --target URL (or --scenario FILE)")
        from golive.safety import check_target

        check_target(target, config.target.allow_targets)
        with httpx.Client(base_url=target, timeout=config.target.timeout_s) as client:
            opts = with_default_scenario(opts, Site(client, target, config.target))
    cmd = worker_command(opts, master_host, master_port)
    sys.exit(subprocess.call(cmd, env=worker_env(opts)))


@load.command("init")
@click.option("--openapi", "openapi_url", required=True, metavar="URL",
              help="The target's OpenAPI document (its GET operations become requests).")
@click.option("--out", metavar="FILE", help="Write here instead of standard output.")
def load_init(openapi_url: str, out: str | None) -> None:
    """Write a starter load scenario (TOML) from an OpenAPI document."""
    from urllib.parse import urlsplit

    import httpx

    from golive.checks.load.scenario import starter_toml
    from golive.config import TargetConfig
    from golive.site import Site

    parts = urlsplit(openapi_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--openapi {openapi_url}: give the document's http(s) URL")
    base = f"{parts.scheme}://{parts.netloc}"
    with httpx.Client(base_url=base, timeout=10) as client:
        site = Site(client, base, TargetConfig(url=base, openapi_path=parts.path or "/"))
        try:
            ok = site.openapi is not None
        except httpx.HTTPError as err:
            raise UsageError(f"--openapi {openapi_url}: cannot fetch it: {err}") from None
        if not ok:
            raise UsageError(f"--openapi {openapi_url}: not an OpenAPI document (no 'paths')")
        text = starter_toml(site)
    if out:
        _writable(out, "--out")
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}; run it with 'golive load --scenario {out}'")
    else:
        click.echo(text, nl=False)


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


