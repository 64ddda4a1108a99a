"""``golive load``: load-test a target on its own (``load worker`` and ``load init`` too).
Registered through the ``golive_commands`` hook like any plugin's commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from golive.command import (
    baseline_for,
    config_option,
    emit,
    open_store,
    project_option,
    run_and_report,
    store_option,
)
from golive.command import load as load_config
from golive.config import Config
from golive.exceptions import UsageError


def _load_settings(config: Config, scenario: str | None, overrides: dict[str, Any]) -> Config:
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
    return config.with_check("load.latency", CheckSettings(**merged))


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


@click.group(invoke_without_command=True)
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
@project_option
@store_option
@click.pass_context
def load(ctx: click.Context, target: str | None, config_path: str | None, users: int | None,
         rate: float | None, ramp_s: float | None, hold_s: float | None,
         processes: int | None, scenario: str | None, locustfile: str | None,
         workers: int | None, master_bind_host: str | None, master_port: int | None,
         profile: str | None, json_out: str | None, html_out: str | None,
         junit_out: str | None, label: str, baseline: str | None, fail_on_regression: bool,
         project: str | None, store_url: str | None) -> None:
    """Load-test the target: exact percentiles, trust checks, stored like any audit."""
    if ctx.invoked_subcommand is not None:
        return
    from golive.session import AuditRequest

    config = load_config(config_path)
    target = target or config.target.url
    if not target:
        raise UsageError("no target: pass --target URL or set [target] url in golive.toml")
    if scenario and locustfile:
        raise UsageError("--scenario and --locustfile: choose one")
    if locustfile and not Path(locustfile).is_file():
        raise UsageError(f"--locustfile {locustfile}: no such file")
    config = _load_settings(config, scenario, {
        "users": users, "rate": rate, "model": "paced" if rate else None, "ramp_s": ramp_s,
        "hold_s": hold_s, "processes": processes,
        "locustfile": str(Path(locustfile).resolve()) if locustfile else None,
        "workers": workers, "master_bind_host": master_bind_host, "master_port": master_port})
    store = open_store(config, store_url)
    config, base = baseline_for(store, config, baseline, fail_on_regression)
    only = ("load.latency",) + (("load.regression",) if base is not None else ())
    run_and_report(AuditRequest(target=target.rstrip("/"), config=config, store=store,
                                only=only, profile=profile, label=label, baseline=base,
                                kind="load", project=project),
                   json_out=json_out, html_out=html_out, junit_out=junit_out)


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

    from golive.checks.load.engine import worker_command, worker_env
    from golive.checks.load.scenario import has_scenario, with_default_scenario
    from golive.site import Site

    config = _load_settings(load_config(config_path), scenario, {
        "locustfile": str(Path(locustfile).resolve()) if locustfile else None})
    from golive.safety import check_host

    check_host(master_host, config.target.allow_targets, what="master host")
    opts = _load_options(config, profile)
    if not has_scenario(opts):
        target = target or config.target.url
        if not target:
            raise UsageError("the scenario comes from the target's OpenAPI document: "
                             "pass --target URL (or --scenario FILE)")
        from golive.safety import check_target, http_client

        check_target(target, config.target.allow_targets)
        with http_client(config.target.allow_targets, base_url=target,
                         timeout=config.target.timeout_s) as client:
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
    from golive.safety import check_target, http_client

    check_target(base, load_config(None).target.allow_targets)
    with http_client(base_url=base, timeout=10) as client:
        site = Site(client, base, TargetConfig(url=base, openapi_path=parts.path or "/"))
        try:
            ok = site.openapi is not None
        except httpx.HTTPError as err:
            raise UsageError(f"--openapi {openapi_url}: cannot fetch it: {err}") from None
        if not ok:
            raise UsageError(f"--openapi {openapi_url}: not an OpenAPI document (no 'paths')")
        text = starter_toml(site)
    emit(text, out, f"wrote {out}; run it with 'golive load --scenario {out}'")
