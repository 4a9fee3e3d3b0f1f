"""experts and invitations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 22:22:58.785662
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "expertise",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("user_id", "category"),
    )
    with op.batch_alter_table("expertise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expertise_category"), ["category"], unique=False)

    op.create_table(
        "mine_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mine_id", sa.Integer(), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column("inviter_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("declined_at", app.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitee_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["inviter_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["mine_id"],
            ["mine.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mine_id", "invitee_id", name="uq_invitation_mine_invitee"),
    )
    with op.batch_alter_table("mine_invitation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mine_invitation_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mine_invitation_invitee_id"), ["invitee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mine_invitation_inviter_id"), ["inviter_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mine_invitation_mine_id"), ["mine_id"], unique=False)

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "ask_subjects",
                sqlmodel.sql.sqltypes.AutoString(length=300),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("ask_opt_out", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Expertise so far: the déminages already accepted, per author and category.
    op.execute(
        "INSERT INTO expertise (user_id, category, accepted) "
        "SELECT deminage.author_id, mine.category, COUNT(*) FROM deminage "
        "JOIN mine ON mine.id = deminage.mine_id WHERE deminage.accepted "
        "GROUP BY deminage.author_id, mine.category"
    )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("ask_opt_out")
        batch_op.drop_column("ask_subjects")

    with op.batch_alter_table("mine_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mine_invitation_mine_id"))
        batch_op.drop_index(batch_op.f("ix_mine_invitation_inviter_id"))
        batch_op.drop_index(batch_op.f("ix_mine_invitation_invitee_id"))
        batch_op.drop_index(batch_op.f("ix_mine_invitation_created_at"))

    op.drop_table("mine_invitation")
    with op.batch_alter_table("expertise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expertise_category"))

    op.drop_table("expertise")
