"""board columns

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 21:44:40.621892
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reviewer_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("promoted_at", app.models.base.UTCDateTime(), nullable=True))
        batch_op.create_index(
            "ix_idea_status_reviewers", ["status", "reviewer_count"], unique=False
        )
    # Existing ideas get their reviewer count, as the readiness model defines it.
    op.execute(
        """
        UPDATE idea SET reviewer_count = (
            SELECT COUNT(DISTINCT person) FROM (
                SELECT mine.author_id AS person, mine.idea_id AS idea_id FROM mine
                WHERE mine.status != 'withdrawn'
                UNION
                SELECT deminage.author_id, mine.idea_id FROM deminage
                JOIN mine ON mine.id = deminage.mine_id
            ) AS people
            WHERE people.idea_id = idea.id AND people.person != idea.author_id
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.drop_index("ix_idea_status_reviewers")
        batch_op.drop_column("promoted_at")
        batch_op.drop_column("reviewer_count")
