"""``golive server`` (and ``server token``) and ``golive upload``: registered through the
``golive_commands`` hook, as the areas register theirs. Nothing heavy is imported until a
command runs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from golive.command import config_option, load, open_store, project_option, store_option
from golive.exceptions import UsageError
from golive.hookspecs import hookimpl

TOKEN_ENV = "GOLIVE_TOKEN"


@hookimpl
def golive_commands(cli: click.Group) -> None:
    cli.add_command(server)
    cli.add_command(upload_command)


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes (uvicorn workers); metrics in multiprocess mode.")
@click.option("--tls-cert", default=None, type=click.Path(exists=True, dir_okay=False))
@click.option("--tls-key", default=None, type=click.Path(exists=True, dir_okay=False))
@click.option("--max-upload", "max_upload", default=20 * 1024 * 1024, show_default=True,
              type=click.IntRange(1024), help="Largest upload in bytes (larger: 413).")
@click.option("--rate-storage", default="memory://", show_default=True,
              help="Where rate limits count: memory:// or redis://HOST:PORT (several workers).")
@click.option("--redis", "redis_url", default="", metavar="URL",
              help="Redis for the cache and the rate limits of every worker (redis://HOST:PORT).")
@click.option("--base-branch", default="main", show_default=True)
@click.option("--cache-ttl", "cache_ttl", default=30.0, show_default=True,
              type=click.FloatRange(0), help="Seconds the project list and trend queries "
              "are cached per process (0: no cache).")
@config_option
@store_option
@click.pass_context
def server(ctx: click.Context, host: str, port: int, workers: int, tls_cert: str | None,
           tls_key: str | None, max_upload: int, rate_storage: str, redis_url: str,
           base_branch: str, cache_ttl: float, config_path: str | None,
           store_url: str | None) -> None:
    """Serve the readiness dashboard and the upload API on the history store."""
    if ctx.invoked_subcommand is not None:
        return
    from golive.server.serve import serve
    from golive.server.settings import ServerSettings

    if bool(tls_cert) != bool(tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    config = load(config_path)
    settings = ServerSettings(store=store_url or config.store_url(),
                              max_upload_bytes=max_upload, rate_storage=rate_storage,
                              base_branch=base_branch, cache_ttl_s=cache_ttl,
                              redis_url=redis_url)
    serve(settings, host=host, port=port, workers=workers, certfile=tls_cert, keyfile=tls_key)


@server.group("token")
def token() -> None:
    """Create, list and revoke the server's API tokens."""


@token.command("create")
@project_option
@click.option("--admin", is_flag=True, help="A token for every project (no --project).")
@click.option("--note", default="", help="What the token is for (e.g. 'CI of shop').")
@config_option
@store_option
def token_create(project: str | None, admin: bool, note: str, config_path: str | None,
                 store_url: str | None) -> None:
    """Print a new token (shown once; the server keeps only its digest)."""
    from golive.store.tokens import create_token

    if admin and project:
        raise UsageError("an admin token is for every project: leave out --project")
    store = open_store(load(config_path), store_url)
    made, text = create_token(store, "admin" if admin else "upload",
                              None if admin else project, note)
    click.echo(text)
    click.echo(f"token {made.id} ({made.kind}"
               + (f", project {made.project}" if made.project else "") + "): store it now, "
               f"it is not shown again; CI passes it in {TOKEN_ENV}", err=True)


@token.command("list")
@click.option("--json", "as_json", is_flag=True)
@config_option
@store_option
def token_list(as_json: bool, config_path: str | None, store_url: str | None) -> None:
    """The tokens (ids, kinds, projects, when created, last used, revoked; never secrets)."""
    from golive.store.tokens import list_tokens

    tokens = list_tokens(open_store(load(config_path), store_url, migrate=False))
    if as_json:
        click.echo(json.dumps([t.to_dict() for t in tokens], indent=2))
        return
    for t in tokens:
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        click.echo(f"{t.id}  {t.kind:6}  {t.project or '*':20}  created "
                   f"{t.created_at:%Y-%m-%d}  {state}  {t.note}")


@token.command("revoke")
@click.argument("token_id")
@config_option
@store_option
def token_revoke(token_id: str, config_path: str | None, store_url: str | None) -> None:
    """Revoke a token by its id (or its whole text): it is refused from now on."""
    from golive.store.tokens import revoke_token

    revoked = revoke_token(open_store(load(config_path), store_url), token_id)
    click.echo(f"token {revoked.id} revoked")


def token_from_env(name: str = TOKEN_ENV) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise UsageError(f"no upload token: set {name} (from 'golive server token create "
                         "--project NAME')")
    return value


@click.command("upload")
@click.argument("report", type=click.Path(dir_okay=False))
@click.option("--server", "server_url", required=True, metavar="URL",
              help="The golive server, e.g. http://127.0.0.1:8080.")
@project_option
@click.option("--token-env", default=TOKEN_ENV, show_default=True,
              help="The environment variable that holds the upload token.")
@config_option
def upload_command(report: str, server_url: str, project: str | None, token_env: str,
                   config_path: str | None) -> None:
    """Upload a JSON report ('golive audit --json FILE') to a golive server."""
    from golive.server.client import upload_report

    path = Path(report)
    if not path.is_file():
        raise UsageError(f"{report}: no such file")
    body = path.read_bytes()
    data: dict[str, Any] = {}
    try:
        data = json.loads(body)
    except ValueError:
        raise UsageError(f"{report}: not JSON; write a report with 'golive audit --json FILE'"
                         ) from None
    config = load(config_path)
    name = project or (data.get("run") or {}).get("project") or config.audit.project or "default"
    answer = upload_report(body, server_url, name, token_from_env(token_env),
                           allow_targets=config.target.allow_targets)
    click.echo(f"uploaded {report} to {server_url.rstrip('/')}{answer['url']} "
               f"(project {name}, run {answer['id']})")
