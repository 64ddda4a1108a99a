"""runs, results and sign-offs

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("label", sa.String(200), nullable=False, server_default=""),
        sa.Column("git_commit", sa.String(64)),
        sa.Column("git_branch", sa.String(200)),
        sa.Column("golive_version", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("verdict", sa.String(32)),
        sa.Column("reason", sa.Text),
        sa.Column("plan_path", sa.Text),
        sa.Column("criteria", sa.JSON),
    )
    op.create_table(
        "results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("check_id", sa.String(200), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_results_run_id", "results", ["run_id"])
    op.create_table(
        "signoffs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("item", sa.String(300), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("evidence", sa.Text),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_signoffs_item", "signoffs", ["item"])


def downgrade() -> None:
    op.drop_table("signoffs")
    op.drop_table("results")
    op.drop_table("runs")
