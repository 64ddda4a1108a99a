"""the server's API tokens (per-project upload tokens, admin tokens), stored hashed; the
index the baselines' foreign key lacked; no second index on artifacts.run_id (the unique
(run_id, check_id, name) index leads with it): both found by golive's own database area

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("project", sa.String(200)),
        sa.Column("digest", sa.String(128), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_baselines_run_id", "baselines", ["run_id"])
    op.drop_index("ix_artifacts_run_id", table_name="artifacts")


def downgrade() -> None:
    op.create_index("ix_artifacts_run_id", "artifacts", ["run_id"])
    op.drop_index("ix_baselines_run_id", table_name="baselines")
    op.drop_table("tokens")
