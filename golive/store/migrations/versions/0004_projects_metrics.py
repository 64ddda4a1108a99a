"""projects, run kind and exit code, metrics per result, typed plan outcomes, sign-offs by task

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("project", sa.String(200), nullable=False,
                                   server_default="default"))
        batch.add_column(sa.Column("kind", sa.String(32), nullable=False,
                                   server_default="audit"))
        batch.add_column(sa.Column("exit_code", sa.Integer))
        batch.add_column(sa.Column("plan_text", sa.Text))
        batch.add_column(sa.Column("stale_signoffs", sa.JSON))
    op.create_index("ix_runs_project_id", "runs", ["project", "id"])
    op.create_table(
        "metrics",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("check_id", sa.String(200), nullable=False),
        sa.Column("scope", sa.String(500), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
    )
    op.create_index("ix_metrics_run_id", "metrics", ["run_id"])
    op.create_index("ix_metrics_series", "metrics", ["check_id", "name", "scope", "run_id"])
    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("task", sa.String(300), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("check_id", sa.String(200)),
        sa.Column("slo", sa.JSON, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_plan_items_run_id", "plan_items", ["run_id"])
    with op.batch_alter_table("signoffs") as batch:
        batch.add_column(sa.Column("task", sa.String(300)))
    # the plan outcomes that 0001-0003 kept as one JSON list per run become rows
    conn = op.get_bind()
    runs = sa.table("runs", sa.column("id", sa.Integer), sa.column("criteria", sa.JSON))
    items = sa.table("plan_items", sa.column("slo", sa.JSON), *(sa.column(c) for c in (
        "run_id", "position", "task", "key", "kind", "text", "check_id", "status", "note")))
    for run_id, criteria in conn.execute(sa.select(runs.c.id, runs.c.criteria)).all():
        rows = [{"run_id": run_id, "position": i, "task": c.get("task", ""),
                 "key": c.get("key", ""), "kind": c.get("kind", ""), "text": c.get("text", ""),
                 "check_id": c.get("check"), "slo": list(c.get("slo") or []),
                 "status": c.get("status", "manual"), "note": c.get("note", "")}
                for i, c in enumerate(criteria or [])]
        if rows:
            conn.execute(items.insert(), rows)
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("criteria")
    # old sign-offs name their task in the key's first part ("PHASE5-010:criteria:4")
    signoffs = sa.table("signoffs", sa.column("id", sa.Integer), sa.column("item", sa.String),
                        sa.column("task", sa.String))
    for sid, item in conn.execute(sa.select(signoffs.c.id, signoffs.c.item)).all():
        parts = str(item).split(":")
        task = f"checklist:{parts[1]}" if parts[0] == "checklist" and len(parts) > 2 else parts[0]
        conn.execute(signoffs.update().where(signoffs.c.id == sid).values(task=task))


def downgrade() -> None:
    with op.batch_alter_table("signoffs") as batch:
        batch.drop_column("task")
    op.drop_table("plan_items")
    op.drop_table("metrics")
    op.drop_index("ix_runs_project_id", "runs")
    with op.batch_alter_table("runs") as batch:
        for column in ("stale_signoffs", "plan_text", "exit_code", "kind", "project"):
            batch.drop_column(column)
        batch.add_column(sa.Column("criteria", sa.JSON))
    op.drop_table("projects")
