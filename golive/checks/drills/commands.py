"""``golive drill backup``, added to the core ``drill`` group through ``golive_commands``."""

from __future__ import annotations

import click

from golive.command import (
    config_option,
    open_store,
    project_option,
    run_and_report,
    store_option,
)
from golive.command import load as load_config
from golive.config import CheckSettings
from golive.exceptions import UsageError


@click.command("backup")
@click.option("--db", "db_url", metavar="URL",
              help="Database to back up (default: [database] url).")
@click.option("--backup-command", metavar="CMD",
              help="Your own backup command; it must write a pg_dump -Fc archive to {dump}.")
@click.option("--jobs", type=click.IntRange(1, 16), default=None, help="pg_restore -j (2).")
@click.option("--prove-indexes", is_flag=True,
              help="Build the advised indexes on the restored copy and time the queries.")
@click.option("--json", "json_out", metavar="FILE", help="Write the JSON report.")
@click.option("--label", default="", help="A name for this run.")
@project_option
@config_option
@store_option
def drill_backup(db_url: str | None, backup_command: str | None, jobs: int | None,
                 prove_indexes: bool, json_out: str | None, label: str, project: str | None,
                 config_path: str | None, store_url: str | None) -> None:
    """Dump the database, restore it into a throwaway cluster, compare every table."""
    from golive.checks.drills.backup import redact
    from golive.session import AuditRequest

    config = load_config(config_path)
    if db_url:
        config = config.with_database_url(db_url)
    if not config.database.url:
        raise UsageError("no database: pass --db postgresql://user@host/db or set "
                         "[database] url in golive.toml")
    settings = config.checks.get("drills.backup") or CheckSettings()
    extra = dict(settings.model_extra or {})
    if backup_command:
        extra["backup_command"] = backup_command
    if jobs:
        extra["restore_jobs"] = jobs
    if prove_indexes:
        extra["prove_indexes"] = True
    config = config.with_check("drills.backup", CheckSettings(
        enabled=True, severity=settings.severity, slo=settings.slo, **extra))
    only: tuple[str, ...] = ("drills.backup",)
    if prove_indexes and "database.indexes" not in config.audit.areas:
        only = ("database.indexes", *only)
    target = redact(config.database.url)
    run_and_report(AuditRequest(target=target, config=config, store=open_store(config, store_url),
                                only=only, label=label or "drill-backup", kind="drill",
                                project=project),
                   json_out=json_out, title=f"Backup drill of {target}")
