"""board groups (a computed column, one index per sort) and stored neighbouring ideas

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The expression as it stood at this revision (0021 adds hidden ideas to the off-board group):
# a migration keeps its own copy rather than import one that later revisions change.
BOARD_GROUP_SQL = (
    "CASE WHEN merged_into_id IS NOT NULL THEN 9"
    " WHEN status = 'open' AND ripe_from IS NOT NULL THEN 0"
    " WHEN status = 'open' THEN 1"
    " WHEN status = 'project' THEN 2"
    " WHEN status = 'abandoned' THEN 3 ELSE 9 END"
)

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORTS = {
    "ix_idea_status_score": ["status", "score"],
    "ix_idea_status_reviewers": ["status", "reviewer_count"],
    "ix_idea_status_activity": ["status", "last_activity_at"],
}
BOARD = {
    "ix_idea_board_score": ["board_group", "score", "id"],
    "ix_idea_board_activity": ["board_group", "last_activity_at", "score", "id"],
    "ix_idea_board_reviewers": ["board_group", "reviewer_count", "score", "id"],
}


def upgrade() -> None:
    # Added outside a batch: SQLite adds a (virtual) generated column in place.
    # Stored on PostgreSQL (its only kind before 18), virtual on SQLite (the only kind that
    # ALTER TABLE can add).
    stored = True if op.get_bind().dialect.name == "postgresql" else None
    computed = sa.Computed(BOARD_GROUP_SQL, persisted=stored)
    op.add_column("idea", sa.Column("board_group", sa.Integer(), computed, nullable=True))
    for name in SORTS:
        op.drop_index(name, table_name="idea")
    for name, columns in BOARD.items():
        op.create_index(name, "idea", columns, unique=False)
    op.create_index("ix_mine_idea_status_category", "mine", ["idea_id", "status", "category"])
    op.create_table(
        "idea_neighbour",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("neighbour_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.ForeignKeyConstraint(["neighbour_id"], ["idea.id"]),
        sa.PrimaryKeyConstraint("idea_id", "neighbour_id"),
    )
    op.create_index("ix_idea_neighbour_neighbour_id", "idea_neighbour", ["neighbour_id"])


def downgrade() -> None:
    op.drop_index("ix_idea_neighbour_neighbour_id", table_name="idea_neighbour")
    op.drop_table("idea_neighbour")
    op.drop_index("ix_mine_idea_status_category", table_name="mine")
    for name in BOARD:
        op.drop_index(name, table_name="idea")
    for name, columns in SORTS.items():
        op.create_index(name, "idea", columns, unique=False)
    op.drop_column("idea", "board_group")
