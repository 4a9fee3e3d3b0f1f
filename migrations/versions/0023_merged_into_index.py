"""the ideas merged into an idea are found by an index: its page lists them

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 22:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_idea_merged_into_id", "idea", ["merged_into_id"])


def downgrade() -> None:
    op.drop_index("ix_idea_merged_into_id", table_name="idea")
