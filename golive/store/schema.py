"""Tables of the history database (SQLAlchemy Core). Changes go through an Alembic migration."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("profile", sa.String(32), nullable=False),
    sa.Column("label", sa.String(200), nullable=False, server_default=""),
    sa.Column("git_commit", sa.String(64)),
    sa.Column("git_branch", sa.String(200)),
    sa.Column("golive_version", sa.String(64), nullable=False),
    # running | complete | interrupted
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("verdict", sa.String(32)),
    sa.Column("reason", sa.Text),
    sa.Column("plan_path", sa.Text),
    sa.Column("criteria", sa.JSON),
)

results = sa.Table(
    "results", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("check_id", sa.String(200), nullable=False),
    sa.Column("area", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
)

baselines = sa.Table(
    "baselines", metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

signoffs = sa.Table(
    "signoffs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("item", sa.String(300), nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("by", sa.String(200), nullable=False),
    sa.Column("evidence", sa.Text),
    sa.Column("note", sa.Text),
)

#: files kept beside a result's evidence (gzip-compressed bytes)
artifacts = sa.Table(
    "artifacts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("check_id", sa.String(200), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("media_type", sa.String(200), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.UniqueConstraint("run_id", "check_id", "name"),
)
