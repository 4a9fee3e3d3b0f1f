"""moderation hides a whole idea: its hiding date and reason, and the board's groups leave it off

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOARD = {
    "ix_idea_board_score": ["board_group", "score", "id", "ripe_from"],
    "ix_idea_board_activity": ["board_group", "last_activity_at", "score", "id", "ripe_from"],
    "ix_idea_board_reviewers": ["board_group", "reviewer_count", "score", "id", "ripe_from"],
}
# app/models/idea.py's BOARD_GROUP_SQL at this revision, and before it (copies, as in 0005).
BOARD_GROUP_SQL = (
    "CASE WHEN merged_into_id IS NOT NULL OR hidden_at IS NOT NULL THEN 9"
    " WHEN status = 'open' AND ripe_from IS NOT NULL THEN 0"
    " WHEN status = 'open' THEN 1"
    " WHEN status = 'project' THEN 2"
    " WHEN status = 'abandoned' THEN 3 ELSE 9 END"
)
PREVIOUS_BOARD_GROUP_SQL = BOARD_GROUP_SQL.replace(" OR hidden_at IS NOT NULL", "")


def _board_group(expression: str) -> None:
    """Computed columns are not altered in place: drop it with its indexes, add it anew (outside
    a batch, which would try to write it; SQLite adds a virtual one in place, as in 0005)."""
    for name in BOARD:
        op.drop_index(name, table_name="idea")
    op.execute("ALTER TABLE idea DROP COLUMN board_group")
    stored = True if op.get_bind().dialect.name == "postgresql" else None
    computed = sa.Computed(expression, persisted=stored)
    op.add_column("idea", sa.Column("board_group", sa.Integer(), computed, nullable=True))
    for name, columns in BOARD.items():
        op.create_index(name, "idea", columns, unique=False)


def upgrade() -> None:
    op.add_column("idea", sa.Column("hidden_at", app.models.base.UTCDateTime(), nullable=True))
    op.add_column("idea", sa.Column("hidden_reason", sa.Text(), nullable=False, server_default=""))
    _board_group(BOARD_GROUP_SQL)


def downgrade() -> None:
    _board_group(PREVIOUS_BOARD_GROUP_SQL)
    op.execute("ALTER TABLE idea DROP COLUMN hidden_reason")
    op.execute("ALTER TABLE idea DROP COLUMN hidden_at")
