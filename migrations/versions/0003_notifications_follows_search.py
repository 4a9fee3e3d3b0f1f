"""notifications follows search

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 22:07:44.198634
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("to_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("unsubscribe_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", app.models.base.UTCDateTime(), nullable=True),
        sa.Column("sent_at", app.models.base.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_message_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("user_id", "kind"),
    )
    op.create_table(
        "follow",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["idea.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("idea_id", "user_id"),
    )
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("read_at", app.models.base.UTCDateTime(), nullable=True),
        sa.Column("mailed_at", app.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["idea.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index("ix_notification_user_read", ["user_id", "read_at"], unique=False)

    op.create_table(
        "support",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["idea.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("idea_id", "user_id"),
    )
    with op.batch_alter_table("support", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_idea_merged_into", "idea", ["merged_into_id"], ["id"])

    # The full-text index holds stemmed, accent-free text (app/services/search.py stems it),
    # so both engines match the same words. `demineurs migrate` fills it when it is empty.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_index USING fts5("
            "doc UNINDEXED, idea_id UNINDEXED, title, body, tokenize = 'unicode61')"
        )
    else:
        op.execute(
            "CREATE TABLE search_index (doc VARCHAR(40) PRIMARY KEY, idea_id INTEGER NOT NULL, "
            "title TEXT NOT NULL, body TEXT NOT NULL, tsv tsvector GENERATED ALWAYS AS "
            "(setweight(to_tsvector('simple', title), 'A') || to_tsvector('simple', body)) STORED)"
        )
        op.execute("CREATE INDEX ix_search_index_tsv ON search_index USING gin (tsv)")
        op.execute("CREATE INDEX ix_search_index_idea ON search_index (idea_id)")


def downgrade() -> None:
    op.execute("DROP TABLE search_index")
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.drop_constraint("fk_idea_merged_into", type_="foreignkey")
        batch_op.drop_column("merged_into_id")

    with op.batch_alter_table("support", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_user_id"))

    op.drop_table("support")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_read")
        batch_op.drop_index(batch_op.f("ix_notification_idea_id"))

    op.drop_table("notification")
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_user_id"))

    op.drop_table("follow")
    op.drop_table("notification_preference")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_sent_at"))

    op.drop_table("outbox_message")
