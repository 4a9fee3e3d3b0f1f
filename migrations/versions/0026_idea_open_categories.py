"""an idea carries the categories of its open mines, so that a category filters the board
within its sort indexes; its themes copy them by trigger, as they copy its score

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
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
SORTS = {
    "ix_idea_board_score": ["board_group", "score", "id", "ripe_from"],
    "ix_idea_board_activity": ["board_group", "last_activity_at", "score", "id", "ripe_from"],
    "ix_idea_board_reviewers": ["board_group", "reviewer_count", "score", "id", "ripe_from"],
}

# The triggers of 0024, which now copy the idea's open categories too.
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER idea_theme_copies_idea AFTER INSERT ON idea_theme BEGIN
        UPDATE idea_theme SET
            board_group = (SELECT board_group FROM idea WHERE id = NEW.idea_id),
            score = (SELECT score FROM idea WHERE id = NEW.idea_id),
            ripe_from = (SELECT ripe_from FROM idea WHERE id = NEW.idea_id),
            open_categories = (SELECT open_categories FROM idea WHERE id = NEW.idea_id)
        WHERE idea_id = NEW.idea_id AND theme = NEW.theme;
    END
    """,
    """
    CREATE TRIGGER idea_updates_its_themes AFTER UPDATE ON idea
    WHEN OLD.score IS NOT NEW.score OR OLD.board_group IS NOT NEW.board_group
        OR OLD.ripe_from IS NOT NEW.ripe_from OR OLD.open_categories IS NOT NEW.open_categories
    BEGIN
        UPDATE idea_theme SET
            board_group = NEW.board_group, score = NEW.score, ripe_from = NEW.ripe_from,
            open_categories = NEW.open_categories
        WHERE idea_id = NEW.id;
    END
    """,
)
POSTGRES_TRIGGERS = (
    """
    CREATE FUNCTION idea_theme_copies_idea() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT board_group, score, ripe_from, open_categories
        INTO NEW.board_group, NEW.score, NEW.ripe_from, NEW.open_categories
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
            board_group = NEW.board_group, score = NEW.score, ripe_from = NEW.ripe_from,
            open_categories = NEW.open_categories
        WHERE idea_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER idea_updates_its_themes AFTER UPDATE ON idea FOR EACH ROW
    WHEN (OLD.score IS DISTINCT FROM NEW.score OR OLD.board_group IS DISTINCT FROM NEW.board_group
        OR OLD.ripe_from IS DISTINCT FROM NEW.ripe_from
        OR OLD.open_categories IS DISTINCT FROM NEW.open_categories)
    EXECUTE FUNCTION idea_updates_its_themes()
    """,
)
# Those of 0024, for the downgrade.
SQLITE_TRIGGERS_0024 = (
    """
    CREATE TRIGGER idea_theme_copies_idea AFTER INSERT ON idea_theme BEGIN
        UPDATE idea_theme SET
            board_group = (SELECT board_group FROM idea WHERE id = NEW.idea_id),
            score = (SELECT score FROM idea WHERE id = NEW.idea_id),
            ripe_from = (SELECT ripe_from FROM idea WHERE id = NEW.idea_id)
        WHERE idea_id = NEW.idea_id AND theme = NEW.theme;
    END
    """,
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
POSTGRES_TRIGGERS_0024 = (
    """
    CREATE FUNCTION idea_theme_copies_idea() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT board_group, score, ripe_from INTO NEW.board_group, NEW.score, NEW.ripe_from
        FROM idea WHERE id = NEW.idea_id;
        RETURN NEW;
    END $$
    """,
    POSTGRES_TRIGGERS[1],
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


def _drop_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("DROP TRIGGER idea_updates_its_themes ON idea")
        op.execute("DROP TRIGGER idea_theme_copies_idea ON idea_theme")
        op.execute("DROP FUNCTION idea_updates_its_themes()")
        op.execute("DROP FUNCTION idea_theme_copies_idea()")
    else:
        op.execute("DROP TRIGGER idea_updates_its_themes")
        op.execute("DROP TRIGGER idea_theme_copies_idea")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    # The idea's own copy is filled before the new triggers exist: the themes already hold the
    # same categories (0024), so the update does not need to reach them.
    _drop_triggers(postgres)
    # SQLite's ALTER TABLE adds a column in place (the table has a computed column, which a
    # batch copy would have to rebuild).
    op.add_column(
        "idea", sa.Column("open_categories", sa.Integer(), nullable=False, server_default="0")
    )
    # An open mine: open, and not hidden by moderation (visibility.open_mine_sql).
    bits = " + ".join(
        f"(CASE WHEN EXISTS (SELECT 1 FROM mine WHERE mine.idea_id = idea.id"
        f" AND mine.category = '{category}' AND mine.status = 'open'"
        f" AND mine.hidden_at IS NULL) THEN {bit} ELSE 0 END)"
        for category, bit in BITS.items()
    )
    op.execute(
        f"UPDATE idea SET open_categories = {bits}"
        " WHERE EXISTS (SELECT 1 FROM mine WHERE mine.idea_id = idea.id"
        " AND mine.status = 'open' AND mine.hidden_at IS NULL)"
    )
    for name, columns in SORTS.items():
        op.drop_index(name, table_name="idea")
        op.create_index(name, "idea", [*columns, "open_categories"])
    for statement in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _drop_triggers(postgres)
    for name, columns in SORTS.items():
        op.drop_index(name, table_name="idea")
        op.create_index(name, "idea", columns)
    op.execute("ALTER TABLE idea DROP COLUMN open_categories")
    for statement in POSTGRES_TRIGGERS_0024 if postgres else SQLITE_TRIGGERS_0024:
        op.execute(statement)
