"""mines: their portée, what they rest on, their signers' estimates, the requests to move them

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As 0014 counts the map: an idea on it is published, not closed, not merged away; a mine
# counted is open and not hidden.
_ON_THE_MAP = "i.status IN ('open', 'project') AND i.merged_into_id IS NULL"
_COUNTED = "m.status = 'open' AND m.hidden_at IS NULL"


def upgrade() -> None:
    # Existing mines threaten the first ground and rest on intuition until their authors say
    # otherwise: what every mine was counted as before, so that no score moves.
    op.add_column(
        "mine",
        sa.Column("scope", sa.String(length=20), nullable=False, server_default="first_ground"),
    )
    op.add_column(
        "mine",
        sa.Column("basis", sa.String(length=20), nullable=False, server_default="intuition"),
    )
    op.add_column(
        "mine",
        sa.Column("basis_reference", sa.String(length=300), nullable=False, server_default=""),
    )
    op.add_column("mine", sa.Column("basis_asked_at", app.models.base.UTCDateTime(), nullable=True))
    op.create_table(
        "mine_signature",
        sa.Column("mine_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mine_id"], ["mine.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("mine_id", "user_id"),
    )
    op.create_index("ix_mine_signature_user_id", "mine_signature", ["user_id"])
    # Each mine's author is its sole signer, with the mine's severity: the median of one
    # estimate is that estimate.
    op.execute(
        "INSERT INTO mine_signature (mine_id, user_id, severity, created_at) "
        "SELECT id, author_id, severity, created_at FROM mine"
    )
    op.create_table(
        "scope_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mine_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", app.models.base.UTCDateTime(), nullable=True),
        sa.Column("answer_reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", app.models.base.UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["mine_id"], ["mine.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["answered_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_scope_request_mine_id", "scope_request", ["mine_id"])
    op.create_index("ix_scope_request_author_id", "scope_request", ["author_id"])
    # The map counts open mines by portée too: today all of them threaten the first ground.
    op.execute(
        "INSERT INTO idea_blocker (idea_id, dimension, key, severity, n) "
        "SELECT m.idea_id, 'scope', 'first_ground', m.severity, COUNT(*) FROM mine m "
        f"JOIN idea i ON i.id = m.idea_id WHERE {_ON_THE_MAP} AND {_COUNTED} "
        "GROUP BY m.idea_id, m.severity"
    )
    op.execute(
        "INSERT INTO blocker_tally (dimension, key, severity, n) "
        "SELECT dimension, key, severity, SUM(n) FROM idea_blocker WHERE dimension = 'scope' "
        "GROUP BY dimension, key, severity"
    )


def downgrade() -> None:
    op.execute("DELETE FROM blocker_tally WHERE dimension = 'scope'")
    op.execute("DELETE FROM idea_blocker WHERE dimension = 'scope'")
    op.drop_index("ix_scope_request_author_id", table_name="scope_request")
    op.drop_index("ix_scope_request_mine_id", table_name="scope_request")
    op.drop_table("scope_request")
    op.drop_index("ix_mine_signature_user_id", table_name="mine_signature")
    op.drop_table("mine_signature")
    for column in ("basis_asked_at", "basis_reference", "basis", "scope"):
        op.execute(f"ALTER TABLE mine DROP COLUMN {column}")
