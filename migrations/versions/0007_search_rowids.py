"""search rows numbered from their document (SQLite: found by rowid, not by a scan); the
published list walks an index on published_at

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 00:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Same numbering as app.services.search.doc_rowid: id × 4 + 1 (idea), 2 (mine), 3 (déminage).
ROWID = (
    "CASE WHEN doc LIKE 'idea:%' THEN CAST(substr(doc, 6) AS INTEGER) * 4 + 1"
    " WHEN doc LIKE 'mine:%' THEN CAST(substr(doc, 6) AS INTEGER) * 4 + 2"
    " ELSE CAST(substr(doc, 10) AS INTEGER) * 4 + 3 END"
)


def upgrade() -> None:
    op.create_index("ix_idea_published", "idea", ["published_at", "id"])
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's search_index is keyed on doc already
    op.execute(
        "CREATE VIRTUAL TABLE search_index_numbered USING fts5("
        "doc UNINDEXED, idea_id UNINDEXED, title, body, tokenize = 'unicode61')"
    )
    op.execute(
        "INSERT INTO search_index_numbered (rowid, doc, idea_id, title, body) "
        f"SELECT {ROWID}, doc, idea_id, title, body FROM search_index"
    )
    op.execute("DROP TABLE search_index")
    op.execute("ALTER TABLE search_index_numbered RENAME TO search_index")


def downgrade() -> None:
    # The numbered search rows stay: they are valid rows for the previous code.
    op.drop_index("ix_idea_published", table_name="idea")
