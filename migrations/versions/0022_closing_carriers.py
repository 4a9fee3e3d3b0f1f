"""a closed idea keeps the co-porteurs it had when it closed: its score counts them still

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("idea", sa.Column("closing_carrier_ids", sa.JSON(), nullable=True))
    # Ideas closed already: their co-porteurs now are the best record of those they had then.
    op.execute("UPDATE idea SET closing_carrier_ids = co_carrier_ids WHERE status = 'abandoned'")


def downgrade() -> None:
    op.execute("ALTER TABLE idea DROP COLUMN closing_carrier_ids")
