"""board: its sort indexes end with ripe_from, so that counting the ripe ideas reads no row

The board counts its ripe ideas (up to 1,000) on every view. Walking a sort index, each of
them cost a look at its row for `ripe_from`: 1.5 ms at 100,000 ideas (rows spread over the
whole file), a fifth of the page and why it grew with the base; from the index alone, 0.1 ms.
A separate (board_group, ripe_from) index would do the count as well, but SQLite's planner
then also takes it for the page and sorts every ripe idea.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 04:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORTS = {
    "ix_idea_board_score": ["board_group", "score", "id"],
    "ix_idea_board_activity": ["board_group", "last_activity_at", "score", "id"],
    "ix_idea_board_reviewers": ["board_group", "reviewer_count", "score", "id"],
}


def upgrade() -> None:
    for name, columns in SORTS.items():
        op.drop_index(name, table_name="idea")
        op.create_index(name, "idea", [*columns, "ripe_from"])


def downgrade() -> None:
    for name, columns in SORTS.items():
        op.drop_index(name, table_name="idea")
        op.create_index(name, "idea", columns)
