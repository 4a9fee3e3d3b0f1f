"""co-porteurs: the colleagues an idea's author invited to carry it, and who accepted

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "co_carrier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["invited_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idea_id", "user_id", name="uq_co_carrier_idea_user"),
    )
    op.create_index("ix_co_carrier_idea_id", "co_carrier", ["idea_id"])
    op.create_index("ix_co_carrier_user_id", "co_carrier", ["user_id"])
    op.create_index("ix_co_carrier_invited_by_id", "co_carrier", ["invited_by_id"])
    # Existing ideas have no co-porteur yet.
    op.add_column(
        "idea", sa.Column("co_carrier_ids", sa.JSON(), nullable=False, server_default="[]")
    )


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of the table
    # would try to write its computed board_group column.
    op.execute("ALTER TABLE idea DROP COLUMN co_carrier_ids")
    op.drop_index("ix_co_carrier_invited_by_id", table_name="co_carrier")
    op.drop_index("ix_co_carrier_user_id", table_name="co_carrier")
    op.drop_index("ix_co_carrier_idea_id", table_name="co_carrier")
    op.drop_table("co_carrier")
