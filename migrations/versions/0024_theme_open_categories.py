"""a theme's ideas carry what the board sorts and filters them by: the categories of their
open mines (kept by the app), their board group, score and ripe_from (kept by triggers)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# mine.CATEGORY_BITS as of this revision
BITS = {
    "legal": 1,
    "budget": 2,
    "technical": 4,
    "data_privacy": 8,
    "security": 16,
    "organisation": 32,
    "adoption": 64,
    "ethics": 128,
    "other": 256,
}
COPIED = ("board_group", "score", "ripe_from")
INDEX = ["theme", "board_group", "score", "idea_id", "ripe_from", "open_categories"]

SQLITE_TRIGGERS = (
    # A new theme of an idea starts with the idea's values.
    """
    CREATE TRIGGER idea_theme_copies_idea AFTER INSERT ON idea_theme BEGIN
        UPDATE idea_theme SET
            board_group = (SELECT board_group FROM idea WHERE id = NEW.idea_id),
            score = (SELECT score FROM idea WHERE id = NEW.idea_id),
            ripe_from = (SELECT ripe_from FROM idea WHERE id = NEW.idea_id)
        WHERE idea_id = NEW.idea_id AND theme = NEW.theme;
    END
    """,
    # An idea's change reaches its themes in the same statement's transaction.
    """
    CREATE TRIGGER idea_updates_its_themes AFTER UPDATE ON idea
    WHEN OLD.score IS NOT NEW.score OR OLD.board_group IS NOT NEW.board_group
        OR OLD.ripe_from IS NOT NEW.ripe_from
    BEGIN
        UPDATE idea_theme SET
            board_group = NEW.board_group, score = NEW.score, ripe_from = NEW.ripe_from
        WHERE idea_id = NEW.id;
    END
    """,
)
POSTGRES_TRIGGERS = (
    """
    CREATE FUNCTION idea_theme_copies_idea() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT board_group, score, ripe_from INTO NEW.board_group, NEW.score, NEW.ripe_from
        FROM idea WHERE id = NEW.idea_id;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER idea_theme_copies_idea BEFORE INSERT ON idea_theme
    FOR EACH ROW EXECUTE FUNCTION idea_theme_copies_idea()
    """,
    """
    CREATE FUNCTION idea_updates_its_themes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE idea_theme SET
            board_group = NEW.board_group, score = NEW.score, ripe_from = NEW.ripe_from
        WHERE idea_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER idea_updates_its_themes AFTER UPDATE ON idea FOR EACH ROW
    WHEN (OLD.score IS DISTINCT FROM NEW.score OR OLD.board_group IS DISTINCT FROM NEW.board_group
        OR OLD.ripe_from IS DISTINCT FROM NEW.ripe_from)
    EXECUTE FUNCTION idea_updates_its_themes()
    """,
)


def upgrade() -> None:
    with op.batch_alter_table("idea_theme") as batch:
        batch.add_column(
            sa.Column("open_categories", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("board_group", sa.Integer(), nullable=False, server_default="9"))
        batch.add_column(sa.Column("score", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("ripe_from", UTCDateTime(), nullable=True))
    op.drop_index("ix_idea_theme_theme", table_name="idea_theme")
    op.create_index("ix_idea_theme_board", "idea_theme", INDEX)
    # An open mine: open, and not hidden by moderation (visibility.open_mine_sql).
    bits = " + ".join(
        f"(CASE WHEN EXISTS (SELECT 1 FROM mine WHERE mine.idea_id = idea_theme.idea_id"
        f" AND mine.category = '{category}' AND mine.status = 'open'"
        f" AND mine.hidden_at IS NULL) THEN {bit} ELSE 0 END)"
        for category, bit in BITS.items()
    )
    copied = ", ".join(
        f"{column} = (SELECT {column} FROM idea WHERE idea.id = idea_theme.idea_id)"
        for column in COPIED
    )
    op.execute(f"UPDATE idea_theme SET open_categories = {bits}, {copied}")
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER idea_updates_its_themes ON idea")
        op.execute("DROP TRIGGER idea_theme_copies_idea ON idea_theme")
        op.execute("DROP FUNCTION idea_updates_its_themes()")
        op.execute("DROP FUNCTION idea_theme_copies_idea()")
    else:
        op.execute("DROP TRIGGER idea_updates_its_themes")
        op.execute("DROP TRIGGER idea_theme_copies_idea")
    op.drop_index("ix_idea_theme_board", table_name="idea_theme")
    op.create_index("ix_idea_theme_theme", "idea_theme", ["theme"])
    with op.batch_alter_table("idea_theme") as batch:
        for column in ("ripe_from", "score", "board_group", "open_categories"):
            batch.drop_column(column)
