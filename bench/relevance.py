"""What ranking a query among its newest matches changes (app/services/search.py), on a base.

    python -m bench.relevance path/to/base.sqlite3 [query …]

For each query, the first page the app shows is compared with the one a full ranking by the
index's own bm25 gives (ties newest first, as the app breaks them): same page, same order, and
how many of the full ranking's first page the app's holds."""

import sys
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, create_engine

from app.services import search

QUERIES = [
    "données personnelles",  # the bench's own query (docs/performance.md)
    "hébergement données",
    "télétravail",
    "formulaire papier",
    "agents accueil",
    "guichet",
    "télétrav",  # a partial word: prefixes
    "borne libre service associations",  # more words, fewer matches: ranked in full
]
FULL = text(
    "SELECT doc FROM search_index WHERE search_index MATCH :q "
    "ORDER BY bm25(search_index, 0, 0, 4.0, 1.0), rowid DESC LIMIT :n"
)
COUNT = text("SELECT count(*) FROM search_index WHERE search_index MATCH :q")


def compare(session: Session, query: str, page: int = 20) -> tuple[int, bool, int]:
    """(matches, same first page in the same order, documents in common on that page)."""
    stems = search._safe_stems(query)
    # The expression the app ranks: whole words when they fill the candidates, else prefixes.
    exact = search._expression(stems, any_term=False, prefix=False)
    whole = int(session.execute(COUNT, {"q": exact}).scalar_one())
    expression = exact if whole >= search.SEARCH_CANDIDATES else search._expression(stems, False)
    matches = int(session.execute(COUNT, {"q": expression}).scalar_one())
    full = [row[0] for row in session.execute(FULL, {"q": expression, "n": page})]
    ours = [hit.doc for hit in search._rank_newest(session, stems, False, page, 0)]
    return matches, full == ours, len(set(full) & set(ours))


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit(__doc__)
    engine = create_engine(f"sqlite:///{Path(argv[0])}")
    print("| query | matches | same first page | in common (of 20) |")
    print("|---|---|---|---|")
    with Session(engine) as session:
        for query in argv[1:] or QUERIES:
            matches, same, common = compare(session, query)
            print(f"| « {query} » | {matches:,} | {'yes' if same else 'no'} | {common} |")


if __name__ == "__main__":
    main(sys.argv[1:])
