"""the mines moderation hid are found by a partial index: any text may quote one

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 02:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    hidden = sa.text("hidden_at IS NOT NULL")
    op.create_index(
        "ix_mine_hidden", "mine", ["hidden_at"], sqlite_where=hidden, postgresql_where=hidden
    )


def downgrade() -> None:
    op.drop_index("ix_mine_hidden", table_name="mine")
