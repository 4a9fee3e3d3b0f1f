"""audit log and moderation (hidden mines and déminages)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=60), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_entry_action", "audit_entry", ["action"])
    op.create_index("ix_audit_entry_created_at", "audit_entry", ["created_at"])
    for table in ("mine", "deminage"):
        op.add_column(table, sa.Column("hidden_at", app.models.base.UTCDateTime(), nullable=True))
        op.add_column(
            table, sa.Column("hidden_reason", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    for table in ("mine", "deminage"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("hidden_reason")
            batch_op.drop_column("hidden_at")
    op.drop_index("ix_audit_entry_created_at", table_name="audit_entry")
    op.drop_index("ix_audit_entry_action", table_name="audit_entry")
    op.drop_table("audit_entry")
