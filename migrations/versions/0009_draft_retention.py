"""draft retention: when a stale draft's author was told it would be deleted

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 01:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "idea", sa.Column("purge_notice_at", app.models.base.UTCDateTime(), nullable=True)
    )


def downgrade() -> None:
    # Not a batch: recreating « idea » would copy its generated column, which SQLite refuses.
    op.execute("ALTER TABLE idea DROP COLUMN purge_notice_at")
