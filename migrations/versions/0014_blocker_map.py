"""the map of what blocks: tallies kept at write time, each idea's share, mines that echo

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An idea on the map: published, not closed, not merged away. A mine counted: open, not hidden.
_ON_THE_MAP = "i.status IN ('open', 'project') AND i.merged_into_id IS NULL"
_COUNTED = "m.status = 'open' AND m.hidden_at IS NULL"


def upgrade() -> None:
    def key_columns() -> list[sa.Column[str]]:
        return [
            sa.Column("dimension", sa.String(length=20), nullable=False),
            sa.Column("key", sa.String(length=40), nullable=False),
            sa.Column("severity", sa.String(length=20), nullable=False),
        ]

    op.create_table(
        "blocker_tally",
        *key_columns(),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dimension", "key", "severity"),
    )
    op.create_table(
        "idea_blocker",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        *key_columns(),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.PrimaryKeyConstraint("idea_id", "dimension", "key", "severity"),
    )
    op.create_table(
        "mine_echo",
        sa.Column("mine_id", sa.Integer(), nullable=False),
        sa.Column("echo_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["mine_id"], ["mine.id"]),
        sa.ForeignKeyConstraint(["echo_id"], ["mine.id"]),
        sa.PrimaryKeyConstraint("mine_id", "echo_id"),
    )
    op.create_index("ix_mine_echo_echo", "mine_echo", ["echo_id"])
    op.add_column("mine", sa.Column("echo_count", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_mine_echo_count", "mine", ["echo_count"])
    # The existing base's shares and tallies, counted as the app counts them (echoes start empty:
    # they are found when a mine is laid).
    op.execute(
        "INSERT INTO idea_blocker (idea_id, dimension, key, severity, n) "
        "SELECT m.idea_id, 'category', m.category, m.severity, COUNT(*) FROM mine m "
        f"JOIN idea i ON i.id = m.idea_id WHERE {_ON_THE_MAP} AND {_COUNTED} "
        "GROUP BY m.idea_id, m.category, m.severity"
    )
    op.execute(
        "INSERT INTO idea_blocker (idea_id, dimension, key, severity, n) "
        "SELECT m.idea_id, 'unit', COALESCE(CAST(i.unit_id AS VARCHAR(40)), ''), m.severity, "
        f"COUNT(*) FROM mine m JOIN idea i ON i.id = m.idea_id WHERE {_ON_THE_MAP} AND {_COUNTED} "
        "GROUP BY m.idea_id, i.unit_id, m.severity"
    )
    op.execute(
        "INSERT INTO idea_blocker (idea_id, dimension, key, severity, n) "
        f"SELECT i.id, 'rule_kind', i.rule_kind, '', 1 FROM idea i WHERE {_ON_THE_MAP}"
    )
    op.execute(
        "INSERT INTO blocker_tally (dimension, key, severity, n) "
        "SELECT dimension, key, severity, SUM(n) FROM idea_blocker "
        "GROUP BY dimension, key, severity"
    )


def downgrade() -> None:
    op.drop_index("ix_mine_echo_count", table_name="mine")
    op.execute("ALTER TABLE mine DROP COLUMN echo_count")
    op.drop_index("ix_mine_echo_echo", table_name="mine_echo")
    op.drop_table("mine_echo")
    op.drop_table("idea_blocker")
    op.drop_table("blocker_tally")
