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
    # running | complete | interrupted | error
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("verdict", sa.String(32)),
    sa.Column("reason", sa.Text),
    sa.Column("plan_path", sa.Text),
    sa.Column("project", sa.String(200), nullable=False, server_default="default"),
    # audit | load | drill | smoke | import
    sa.Column("kind", sa.String(32), nullable=False, server_default="audit"),
    sa.Column("exit_code", sa.Integer),
    #: the plan as it was read, so the updated plan of this run can be rendered again
    sa.Column("plan_text", sa.Text),
    sa.Column("stale_signoffs", sa.JSON),
    sa.Index("ix_runs_project_id", "project", "id"),
)

projects = sa.Table(
    "projects", metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

#: one row per figure of a result: "this metric of this project over the last N runs"
metrics = sa.Table(
    "metrics", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("check_id", sa.String(200), nullable=False),
    sa.Column("scope", sa.String(500), nullable=False),  # "overall" or an endpoint / page
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("unit", sa.String(32), nullable=False),
    sa.Index("ix_metrics_series", "check_id", "name", "scope", "run_id"),
)

#: the plan items as one run decided them
plan_items = sa.Table(
    "plan_items", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
              nullable=False, index=True),
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
              nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

signoffs = sa.Table(
    "signoffs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("item", sa.String(300), nullable=False, index=True),
    #: the task (or checklist category) the item belongs to; with the item's normalised
    #: text it is the sign-off's identity
    sa.Column("task", sa.String(300)),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("by", sa.String(200), nullable=False),
    sa.Column("evidence", sa.Text),
    sa.Column("note", sa.Text),
)

#: files kept beside a result's evidence (gzip-compressed bytes)
artifacts = sa.Table(
    "artifacts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # the unique (run_id, check_id, name) index serves lookups by run (0005 dropped a copy)
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("check_id", sa.String(200), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("media_type", sa.String(200), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.UniqueConstraint("run_id", "check_id", "name"),
)

#: the server's API tokens: ``glv_<id>_<secret>``; only a digest of the secret is kept
tokens = sa.Table(
    "tokens", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # upload | admin
    sa.Column("project", sa.String(200)),  # an upload token's project (None: admin)
    sa.Column("digest", sa.String(128), nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
)
