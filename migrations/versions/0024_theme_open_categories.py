"""a theme's ideas carry the categories of their open mines: the board's theme and category
filters read one index

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# mine.CATEGORY_BITS as of this revision
BITS = {
    "legal": 1,
    "budget": 2,
    "technical": 4,
    "data_privacy": 8,
    "security": 16,
    "organisation": 32,
    "adoption": 64,
    "ethics": 128,
    "other": 256,
}


def upgrade() -> None:
    with op.batch_alter_table("idea_theme") as batch:
        batch.add_column(
            sa.Column("open_categories", sa.Integer(), nullable=False, server_default="0")
        )
    op.drop_index("ix_idea_theme_theme", table_name="idea_theme")
    op.create_index("ix_idea_theme_open", "idea_theme", ["theme", "open_categories", "idea_id"])
    # An open mine: open, and not hidden by moderation (visibility.open_mine_sql).
    bits = " + ".join(
        f"(CASE WHEN EXISTS (SELECT 1 FROM mine WHERE mine.idea_id = idea_theme.idea_id"
        f" AND mine.category = '{category}' AND mine.status = 'open'"
        f" AND mine.hidden_at IS NULL) THEN {bit} ELSE 0 END)"
        for category, bit in BITS.items()
    )
    op.execute(f"UPDATE idea_theme SET open_categories = {bits}")


def downgrade() -> None:
    op.drop_index("ix_idea_theme_open", table_name="idea_theme")
    op.create_index("ix_idea_theme_theme", "idea_theme", ["theme"])
    with op.batch_alter_table("idea_theme") as batch:
        batch.drop_column("open_categories")
