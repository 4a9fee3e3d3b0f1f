"""calls for ideas: a question, its sponsor, audience and dates; the call an idea answers

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0017"
down_revision: str | None = "0016"  # the last on main when merged (the lead rechains)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    stamp = app.models.base.UTCDateTime
    op.create_table(
        "call_for_ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=200), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("sponsor_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("ideas_until", sa.Date(), nullable=False),
        sa.Column("deminage_until", sa.Date(), nullable=False),
        sa.Column("decision_by", sa.Date(), nullable=False),
        sa.Column("created_at", stamp(), nullable=False),
        sa.Column("updated_at", stamp(), nullable=False),
        sa.Column("closed_at", stamp(), nullable=True),
        sa.Column("decided_at", stamp(), nullable=True),
        sa.Column("announced_at", stamp(), nullable=True),
        sa.Column("reminded_at", stamp(), nullable=True),
        sa.ForeignKeyConstraint(["sponsor_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_call_for_ideas_sponsor_id", "call_for_ideas", ["sponsor_id"])
    op.create_table(
        "call_unit",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["call_for_ideas.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("call_id", "unit_id"),
    )
    op.create_index("ix_call_unit_unit_id", "call_unit", ["unit_id"])
    # Existing ideas answer no call. A plain ADD COLUMN (a batch copy of the table would try to
    # write its computed board_group column); SQLite takes the reference inline
    # only (it alters no constraint).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE idea ADD COLUMN call_id INTEGER REFERENCES call_for_ideas (id)")
    else:
        op.add_column("idea", sa.Column("call_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_idea_call", "idea", "call_for_ideas", ["call_id"], ["id"])
    op.create_index("ix_idea_call_id", "idea", ["call_id"])


def downgrade() -> None:
    op.drop_index("ix_idea_call_id", table_name="idea")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_idea_call", "idea", type_="foreignkey")
    op.execute("ALTER TABLE idea DROP COLUMN call_id")
    op.drop_index("ix_call_unit_unit_id", table_name="call_unit")
    op.drop_table("call_unit")
    op.drop_index("ix_call_for_ideas_sponsor_id", table_name="call_for_ideas")
    op.drop_table("call_for_ideas")
