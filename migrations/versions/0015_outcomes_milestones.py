"""ideas: written outcomes of decisions, projects' milestones, sponsors as accounts, relaunches

Revision ID: 0015
Revises: 0018
Create Date: 2026-12-10 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENT_BACK_PREFIX = "Renvoyée à l''auteur·rice : "
SENT_BACK_PREFIX_LENGTH = 27
# The same event as the app words it since: a database taken down and up again has both.
SENT_BACK_NOW = "Renvoyée pour être retravaillée\u00a0: "


def upgrade() -> None:
    op.create_table(
        "outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outcome_idea_created", "outcome", ["idea_id", "created_at"])
    op.create_index("ix_outcome_author_id", "outcome", ["author_id"])
    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lesson", sa.Text(), nullable=False, server_default=""),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_milestone_idea_created", "milestone", ["idea_id", "created_at"])
    op.create_index("ix_milestone_author_id", "milestone", ["author_id"])
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in place (no ALTER of constraints), and a
        # batch copy of the table would try to write its computed board_group column.
        op.execute('ALTER TABLE idea ADD COLUMN sponsor_id INTEGER REFERENCES "user" (id)')
        op.execute("ALTER TABLE idea ADD COLUMN relaunched_from_id INTEGER REFERENCES idea (id)")
    else:
        op.add_column("idea", sa.Column("sponsor_id", sa.Integer(), nullable=True))
        op.add_column("idea", sa.Column("relaunched_from_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_idea_sponsor", "idea", "user", ["sponsor_id"], ["id"])
        op.create_foreign_key(
            "fk_idea_relaunched_from", "idea", "idea", ["relaunched_from_id"], ["id"]
        )
    op.create_index("ix_idea_relaunched_from_id", "idea", ["relaunched_from_id"])

    # The decisions already taken keep what was written then, as their outcome: a promotion its
    # history line (sponsor, next step, reason), a send-back its comment, a closing its lesson,
    # a merge the lesson it left on the merged idea. Nobody is notified again.
    op.execute(
        "INSERT INTO outcome (idea_id, decision, text, author_id, created_at) "
        "SELECT e.idea_id, CASE e.kind WHEN 'abandoned' THEN 'closed' ELSE e.kind END, "
        "CASE "
        f" WHEN e.kind = 'sent_back' AND e.message LIKE '{SENT_BACK_PREFIX}%'"
        f"  THEN substr(e.message, {SENT_BACK_PREFIX_LENGTH + 1})"
        f" WHEN e.kind = 'sent_back' AND e.message LIKE '{SENT_BACK_NOW}%'"
        f"  THEN substr(e.message, {len(SENT_BACK_NOW) + 1})"
        " WHEN e.kind IN ('abandoned', 'merged') AND i.lesson != '' THEN i.lesson"
        " ELSE e.message END, "
        "e.actor_id, e.created_at FROM idea_event e JOIN idea i ON i.id = e.idea_id "
        "WHERE e.kind IN ('promoted', 'sent_back', 'abandoned') "
        "OR (e.kind = 'merged' AND i.merged_into_id IS NOT NULL) "
        "ORDER BY e.created_at, e.id"
    )
    # A project's sponsor, as an account, is the manager who promoted it.
    op.execute(
        "UPDATE idea SET sponsor_id = (SELECT e.actor_id FROM idea_event e "
        "WHERE e.idea_id = idea.id AND e.kind = 'promoted' ORDER BY e.created_at DESC, e.id DESC "
        "LIMIT 1) WHERE status = 'project'"
    )


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of the table
    # would try to write its computed board_group column.
    op.drop_index("ix_idea_relaunched_from_id", table_name="idea")
    op.execute("ALTER TABLE idea DROP COLUMN relaunched_from_id")
    op.execute("ALTER TABLE idea DROP COLUMN sponsor_id")
    op.drop_index("ix_milestone_author_id", table_name="milestone")
    op.drop_index("ix_milestone_idea_created", table_name="milestone")
    op.drop_table("milestone")
    op.drop_index("ix_outcome_author_id", table_name="outcome")
    op.drop_index("ix_outcome_idea_created", table_name="outcome")
    op.drop_table("outcome")
