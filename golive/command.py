"""What every command shares: options, the config, the store, and one way to run a session
and report it. golive's CLI and the areas' commands (``golive_commands``) use these."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console

from golive.config import CheckSettings, Config, load_config
from golive.exceptions import UsageError

if TYPE_CHECKING:
    from golive.plan import Plan
    from golive.session import AuditRequest
    from golive.store import RunRecord, Store

FC = TypeVar("FC", bound=Callable[..., Any])

#: terminal width when output is not a terminal (CI logs): $COLUMNS, else this
CI_WIDTH = 120


def console(stderr: bool = False) -> Console:
    """Rich console; off a terminal it uses the whole line ($COLUMNS, else 120) so that CI
    logs never wrap a figure in the middle."""
    stream = sys.stderr if stderr else sys.stdout
    width = None
    if not stream.isatty():
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() and int(columns) > 0 else CI_WIDTH
    return Console(file=stream, highlight=False, soft_wrap=False, width=width)


def load(path: str | None) -> Config:
    return load_config(path, required=path is not None)


def open_store(config: Config, url: str | None, *, migrate: bool = True) -> Store:
    """The history; commands that only read pass ``migrate=False``."""
    from golive.store import Store

    return Store(url or config.store_url(), migrate=migrate)


def writable(path: str | None, option: str) -> None:
    if path and not Path(path).resolve().parent.is_dir():
        raise UsageError(f"{option} {path}: folder {Path(path).parent} does not exist")


def emit(text: str, out: str | None, done: str) -> None:
    """Print ``text``, or write it to the file ``out`` (``--out``) and say ``done``."""
    if out:
        writable(out, "--out")
        Path(out).write_text(text, encoding="utf-8")
        click.echo(done)
    else:
        click.echo(text, nl=False)


store_option = click.option("--store", "store_url", metavar="URL",
                            help="History database (default: sqlite .golive/golive.db).")
config_option = click.option("--config", "config_path", metavar="FILE",
                             help="golive.toml to use (default: ./golive.toml if present).")
project_option = click.option("--project", default=None, metavar="NAME",
                              help="File the run under this project (default: [audit] project).")


def baseline_for(store: Store, config: Config, ref: str | None,
                 fail: bool) -> tuple[Config, RunRecord | None]:
    """The baseline run (a name, a run reference or a report file) and the config with the
    regression check made blocking when --fail-on-regression asks for it."""
    from golive.store import run_from_report

    if fail:
        if not ref:
            raise UsageError("--fail-on-regression needs --baseline NAME|last|FILE")
        settings = config.checks.get("load.regression") or CheckSettings()
        config = config.with_check("load.regression",
                                   settings.model_copy(update={"severity": "blocking"}))
    if not ref:
        return config, None
    path = Path(ref)
    if path.suffix == ".json" or path.is_file():
        try:
            return config, run_from_report(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise UsageError(f"--baseline {ref}: no such file") from None
        except (ValueError, KeyError) as err:
            raise UsageError(f"--baseline {ref}: not a golive JSON report ({err})") from None
    return config, store.baseline_run(ref)


def run_and_report(request: AuditRequest, *, json_out: str | None = None,
                   html_out: str | None = None, junit_out: str | None = None,
                   plan_out: str | None = None, pdf_out: str | None = None,
                   upload: str | None = None, title: str = "") -> None:
    """Run the session, print the run, write the reports, upload the run to a golive server
    (``upload``: its URL; the token from GOLIVE_TOKEN), exit with the run's code."""
    from golive.report import print_run
    from golive.report.output import write_outputs
    from golive.report.progress import progress_events
    from golive.session import run_session

    for path, option in ((json_out, "--json"), (html_out, "--html"), (junit_out, "--junit"),
                         (plan_out, "--plan-out"), (pdf_out, "--pdf")):
        writable(path, option)
    if pdf_out:
        needs_browser("--pdf")
    token = ""
    if upload:
        from golive.safety import check_target
        from golive.server.commands import token_from_env

        token = token_from_env()  # before any work: a missing token is said at once
        check_target(upload, request.config.target.allow_targets)
    with progress_events(console(stderr=True)) as events:
        outcome = run_session(replace(request, events=events))
    run = request.store.get_run(outcome.run_id)
    print_run(console(), run, title=title)
    write_outputs(run, outcome, request.plan, exit_code=outcome.exit_code, json_out=json_out,
                  html_out=html_out, junit_out=junit_out, plan_out=plan_out, pdf_out=pdf_out,
                  echo=click.echo, store=request.store)
    if upload:
        _upload(run, outcome.exit_code, upload, token, request)
    sys.exit(outcome.exit_code)


def _upload(run: RunRecord, exit_code: int, server: str, token: str,
            request: AuditRequest) -> None:
    from golive.report.json_report import report_json
    from golive.server.client import UploadFailed, upload_artifacts, upload_report

    allow = request.config.target.allow_targets
    try:
        answer = upload_report(report_json(run, exit_code=exit_code).encode(), server,
                               run.project, token, allow_targets=allow)
        sent = upload_artifacts(request.store, run.id, server, int(answer["id"]), token,
                                allow_targets=allow)
    except UploadFailed as err:
        raise UploadFailed(f"{err}; run {run.id} is kept here: 'golive show {run.id} --json "
                           f"> r.json' and 'golive upload r.json' send it later") from None
    click.echo(f"uploaded run {run.id} to {server.rstrip('/')}{answer['url']}"
               + (f" with its {sent} artifact(s)" if sent else ""))


def needs_browser(option: str) -> None:
    """Fail before any work when ``option`` needs Chromium and there is none."""
    from golive.report.snapshot import find_chromium

    if find_chromium() is None:
        raise UsageError(f"{option} prints the report with Chromium, and none was found "
                         "($CHROME_PATH, chromium): install it (make install) or leave "
                         f"{option} out")


def plan_for(config: Config, plan_path: str | None) -> Plan | None:
    from golive.plan import parse_plan

    plan_file = plan_path or (str(config.resolve(config.plan.file)) if config.plan.file else None)
    return parse_plan(plan_file) if plan_file else None
