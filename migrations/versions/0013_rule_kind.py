"""ideas: the kind of rule the idea breaks, and its reference

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing ideas have not said what kind of rule they break: "" until their author does.
    op.add_column(
        "idea", sa.Column("rule_kind", sa.String(length=30), nullable=False, server_default="")
    )
    op.add_column(
        "idea",
        sa.Column("rule_reference", sa.String(length=300), nullable=False, server_default=""),
    )


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of the table
    # would try to write its computed board_group column.
    op.execute("ALTER TABLE idea DROP COLUMN rule_reference")
    op.execute("ALTER TABLE idea DROP COLUMN rule_kind")
