"""French full-text search over ideas, mines and déminages, and similar-idea hints.

Texts are indexed stemmed and without accents (snowball's French stemmer), so that
« données personnelles » finds « donnee personnelle » on SQLite (FTS5) and PostgreSQL alike.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from markupsafe import Markup, escape
from sqlalchemy import bindparam, delete, text
from sqlmodel import Session, col, select

from app.db import read_rows
from app.models import BoardGroup, Deminage, Idea, IdeaNeighbour, IdeaStatus, IdeaTheme, Mine
from app.services import visibility

_WORD = re.compile(r"\w+", re.UNICODE)
_stemmer = snowballstemmer.stemmer("french")
STOPWORDS = frozenset(
    (
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "cette",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "est",
        "et",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "lui",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
        "d",
        "l",
        "j",
        "m",
        "n",
        "s",
        "t",
        "c",
        "qu",
        "ete",
        "etre",
        "avoir",
        "fait",
        "faire",
        "plus",
        "tres",
        "tout",
        "tous",
        "toute",
        "toutes",
        "sans",
        "sous",
    )
)


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(_fold(word)))


def terms(value: str) -> list[str]:
    """The stems of a text's meaningful words, in order."""
    out = []
    for word in _WORD.findall(value or ""):
        folded = _fold(word)
        if folded in STOPWORDS or (len(folded) < 2 and not folded.isdigit()):
            continue
        out.append(stem(word))
    return out


def _doc_text(*parts: str) -> str:
    return " ".join(" ".join(terms(p)) for p in parts if p)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


DOC_KINDS = {"idea": 1, "mine": 2, "deminage": 3}


def doc_rowid(doc: str) -> int:
    """The FTS5 row of a document, derived from its name ("mine:12" → 12 × 4 + 2): SQLite finds
    it by rowid at once, where a lookup on the unindexed `doc` column scans the whole index."""
    kind, _, number = doc.partition(":")
    return int(number) * 4 + DOC_KINDS[kind]


def remove(session: Session, doc: str) -> None:
    """Take one document out of the index."""
    if _is_sqlite(session):
        session.execute(text("DELETE FROM search_index WHERE rowid = :r"), {"r": doc_rowid(doc)})
    else:
        session.execute(text("DELETE FROM search_index WHERE doc = :doc"), {"doc": doc})


def _put(session: Session, doc: str, idea_id: int, title: str, body: str) -> None:
    remove(session, doc)
    session.execute(
        text(
            "INSERT INTO search_index (rowid, doc, idea_id, title, body) "
            "VALUES (:rowid, :doc, :idea, :t, :b)"
            if _is_sqlite(session)
            else "INSERT INTO search_index (doc, idea_id, title, body) VALUES (:doc, :idea, :t, :b)"
        ),
        {"rowid": doc_rowid(doc), "doc": doc, "idea": idea_id, "t": title, "b": body},
    )


def index_idea(session: Session, idea: Idea, themes: list[str]) -> None:
    """Index (again) a published idea's fiche; drafts stay out of the index."""
    if idea.status == IdeaStatus.draft or idea.merged_into_id is not None:
        remove(session, f"idea:{idea.id}")
        return
    body = _doc_text(
        idea.problem, idea.solution, idea.broken_rule, idea.first_ground, " ".join(themes)
    )
    _put(session, f"idea:{idea.id}", idea.id, _doc_text(idea.title), body)  # type: ignore[arg-type]


def index_mine(session: Session, mine: Mine) -> None:
    """Index (again) a mine; hidden by moderation, it leaves the index."""
    if not visibility.public(mine):
        remove(session, f"mine:{mine.id}")
        return
    _put(session, f"mine:{mine.id}", mine.idea_id, _doc_text(mine.title), _doc_text(mine.body))


def index_deminage(session: Session, deminage: Deminage, mine: Mine) -> None:
    """Index (again) a déminage; hidden, or under a hidden mine, it leaves the index."""
    if not visibility.public(deminage, mine):
        remove(session, f"deminage:{deminage.id}")
        return
    _put(session, f"deminage:{deminage.id}", mine.idea_id, "", _doc_text(deminage.body))


def index_mine_with_deminages(session: Session, mine: Mine) -> None:
    """A mine and its déminages, after moderation hid or restored the mine."""
    index_mine(session, mine)
    for deminage in session.exec(select(Deminage).where(Deminage.mine_id == mine.id)):
        index_deminage(session, deminage, mine)


def move_idea_documents(session: Session, from_idea: int, to_idea: int) -> None:
    """After a merge, the moved mines and déminages are found under the idea kept."""
    session.execute(
        text(
            "UPDATE search_index SET idea_id = :to WHERE idea_id = :src AND doc NOT LIKE 'idea:%'"
        ),
        {"to": to_idea, "src": from_idea},
    )
    remove(session, f"idea:{from_idea}")


def rebuild(session: Session) -> int:
    """Index everything from scratch; returns the number of documents."""
    session.execute(text("DELETE FROM search_index"))
    ideas = list(session.exec(select(Idea).where(Idea.status != IdeaStatus.draft)))
    themes: dict[int, list[str]] = {}
    for theme in session.exec(select(IdeaTheme)):
        themes.setdefault(theme.idea_id, []).append(theme.theme)
    count = 0
    for idea in ideas:
        index_idea(session, idea, themes.get(idea.id, []))  # type: ignore[arg-type]
        count += 1
    # Content hidden by moderation stays out (visibility.public).
    for mine in session.exec(select(Mine).where(col(Mine.hidden_at).is_(None))):
        index_mine(session, mine)
        count += 1
    for deminage, mine in session.exec(
        select(Deminage, Mine)
        .join(Mine, col(Deminage.mine_id) == Mine.id)
        .where(col(Deminage.hidden_at).is_(None), col(Mine.hidden_at).is_(None))
    ):
        index_deminage(session, deminage, mine)
        count += 1
    return count


def rebuild_if_empty(session: Session) -> int:
    """Fill the index after the migration that created it, when ideas already exist."""
    indexed = session.execute(text("SELECT COUNT(*) FROM search_index")).scalar_one()
    has_ideas = session.exec(
        select(Idea.id).where(Idea.status != IdeaStatus.draft).limit(1)
    ).first()
    return rebuild(session) if not indexed and has_ideas is not None else 0


# --- querying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    doc: str
    idea_id: int
    rank: float


_FTS_ANY_DOC = text(
    "SELECT doc, idea_id, bm25(search_index, 0, 0, 4.0, 1.0) AS rank "
    "FROM search_index WHERE search_index MATCH :q ORDER BY rank LIMIT :limit OFFSET :offset"
)
_FTS_SOME_DOCS = text(
    "SELECT doc, idea_id, bm25(search_index, 0, 0, 4.0, 1.0) AS rank "
    "FROM search_index WHERE search_index MATCH :q AND doc LIKE :docs "
    "ORDER BY rank LIMIT :limit OFFSET :offset"
)


def _match(
    session: Session, stems: list[str], any_term: bool, docs_like: str, limit: int, offset: int
) -> list[Hit]:
    if _is_sqlite(session):
        joiner = " OR " if any_term else " AND "
        expression = joiner.join(f'"{s}"*' for s in stems)
        # The index alone ranks (no join, no filter per match): the ideas of the few hits
        # kept are checked afterwards (drafts are never indexed; merged ideas' rows move).
        rows = session.execute(
            _FTS_ANY_DOC if docs_like == "%" else _FTS_SOME_DOCS,
            {"q": expression, "docs": docs_like, "limit": limit, "offset": offset},
        ).all()
        return _visible(
            session, [Hit(doc, int(idea_id), float(rank)) for doc, idea_id, rank in rows]
        )
    joiner = " | " if any_term else " & "
    expression = joiner.join(f"{s}:*" for s in stems)
    rows = session.execute(
        text(
            "SELECT s.doc, s.idea_id, -ts_rank(s.tsv, to_tsquery('simple', :q)) AS rank "
            "FROM search_index AS s JOIN idea ON idea.id = s.idea_id "
            "WHERE s.tsv @@ to_tsquery('simple', :q) AND s.doc LIKE :docs "
            "AND idea.status != 'draft' AND idea.merged_into_id IS NULL "
            "ORDER BY rank LIMIT :limit OFFSET :offset"
        ),
        {"q": expression, "docs": docs_like, "limit": limit, "offset": offset},
    ).all()
    return [Hit(doc, int(idea_id), float(rank)) for doc, idea_id, rank in rows]


def _visible(session: Session, hits: list[Hit]) -> list[Hit]:
    """Only hits on published ideas that were not merged away."""
    if not hits:
        return hits
    shown = set(
        session.exec(
            select(Idea.id).where(
                col(Idea.id).in_({h.idea_id for h in hits}),
                col(Idea.board_group) < BoardGroup.off_board,
            )
        )
    )
    return [h for h in hits if h.idea_id in shown]


def _safe_stems(query: str, limit: int = 12) -> list[str]:
    # Stems are \w+ only, so they cannot break the MATCH / tsquery syntax.
    seen: dict[str, None] = {}
    for s in terms(query):
        if re.fullmatch(r"\w+", s):
            seen.setdefault(s, None)
    return list(seen)[:limit]


def find(session: Session, query: str, limit: int = 50, offset: int = 0) -> list[Hit]:
    """Documents matching every word of the query (or, failing that, any word), best first."""
    stems = _safe_stems(query)
    if not stems:
        return []
    hits = _match(session, stems, any_term=False, docs_like="%", limit=limit, offset=offset)
    if not hits and len(stems) > 1:
        hits = _match(session, stems, any_term=True, docs_like="%", limit=limit, offset=offset)
    return hits


def similar_ideas(
    session: Session, title: str, problem: str, exclude: int | None = None, limit: int = 5
) -> list[int]:
    """Published ideas that share words with a new idea's title and problem, closest first."""
    words = sorted(set(_safe_stems(f"{title} {problem}", limit=40)), key=len, reverse=True)[:12]
    if not words:
        return []
    hits = _match(session, words, any_term=True, docs_like="idea:%", limit=limit + 1, offset=0)
    return [h.idea_id for h in hits if h.idea_id != exclude][:limit]


def ideas_similar_to(
    session: Session, title: str, problem: str, exclude: int | None = None
) -> list[Idea]:
    """The published ideas `similar_ideas` finds, loaded, closest first (the idea form's hints)."""
    ids = similar_ideas(session, title, problem, exclude=exclude)
    found = {i.id: i for i in session.exec(select(Idea).where(col(Idea.id).in_(ids)))}
    return [found[i] for i in ids if i in found]


def remember_neighbours(session: Session, idea: Idea, limit: int = 3) -> None:
    """Store the ideas closest to this one (ranking the index once, at write time)."""
    session.execute(delete(IdeaNeighbour).where(col(IdeaNeighbour.idea_id) == idea.id))
    for rank, neighbour in enumerate(
        similar_ideas(session, idea.title, idea.problem, exclude=idea.id, limit=limit)
    ):
        session.add(IdeaNeighbour(idea_id=idea.id, neighbour_id=neighbour, rank=rank))  # type: ignore[arg-type]


_NEIGHBOURS = (
    select(IdeaNeighbour.idea_id, IdeaNeighbour.neighbour_id, IdeaNeighbour.rank)
    .where(col(IdeaNeighbour.idea_id) == bindparam("idea"))
    .union_all(
        select(IdeaNeighbour.idea_id, IdeaNeighbour.neighbour_id, IdeaNeighbour.rank + 100).where(
            col(IdeaNeighbour.neighbour_id) == bindparam("idea")
        )
    )
)
_VISIBLE_IDEAS = select(Idea.id).where(
    col(Idea.id).in_(bindparam("ids", expanding=True)),
    Idea.status != IdeaStatus.draft,
    col(Idea.merged_into_id).is_(None),
)


def neighbours(session: Session, idea: Idea, limit: int = 3) -> list[int]:
    """Published ideas close to this one: those it found, then those that found it."""
    found = read_rows(session, _NEIGHBOURS, {"idea": idea.id})
    ordered = sorted(found, key=lambda row: row[2])
    ids = [n if i == idea.id else i for i, n, _ in ordered]
    if not ids:
        return []
    visible = {row[0] for row in read_rows(session, _VISIBLE_IDEAS, {"ids": ids})}
    return list(dict.fromkeys(i for i in ids if i in visible))[:limit]


def find_similar_mines(
    session: Session, text_: str, exclude: int | None = None, limit: int = 20
) -> list[Hit]:
    """Mines that share words with a mine's title and text, closest first."""
    words = sorted(set(_safe_stems(text_, limit=40)), key=len, reverse=True)[:12]
    if not words:
        return []
    hits = _match(session, words, any_term=True, docs_like="mine:%", limit=limit + 1, offset=0)
    return [h for h in hits if h.doc != f"mine:{exclude}"][:limit]


def highlight(value: str, query: str, width: int | None = 220) -> Markup:
    """The text (or a window of it around the first match) with matching words in <mark>."""
    stems = set(_safe_stems(query, limit=40))
    words = list(_WORD.finditer(value or ""))
    matches = [
        m
        for m in words
        if stem(m.group()) in stems or any(stem(m.group()).startswith(s) for s in stems)
    ]
    start, end = 0, len(value or "")
    if width is not None and end > width:
        center = matches[0].start() if matches else 0
        start = max(0, center - width // 3)
        end = min(len(value), start + width)
    out: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for m in matches:
        if m.start() < start or m.end() > end:
            continue
        out.append(str(escape(value[cursor : m.start()])))
        out.append(f"<mark>{escape(m.group())}</mark>")
        cursor = m.end()
    out.append(str(escape(value[cursor:end])))
    out.append("…" if end < len(value or "") else "")
    # Safe: every piece was escaped on the way in.
    return Markup("".join(out))  # noqa: S704  # nosec B704


@dataclass(frozen=True)
class Result:
    kind: str  # idée | mine | déminage
    idea: Idea
    title: Markup
    snippet: Markup
    anchor: str


def search_page(
    session: Session,
    query: str,
    *,
    theme: str = "",
    unit: int | None = None,
    status: str = "all",
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Result], int]:
    """Ranked, highlighted results with the board's filters; returns (page, total)."""
    hits = find(session, query, limit=300)
    idea_ids = {h.idea_id for h in hits}
    ideas = {i.id: i for i in session.exec(select(Idea).where(col(Idea.id).in_(idea_ids)))}
    if theme:
        themed = set(
            session.exec(
                select(IdeaTheme.idea_id).where(
                    col(IdeaTheme.idea_id).in_(idea_ids), IdeaTheme.theme == theme
                )
            )
        )
    kept = []
    for hit in hits:
        idea = ideas.get(hit.idea_id)
        if idea is None or (unit is not None and idea.unit_id != unit):
            continue
        if status in ("open", "project", "abandoned") and idea.status != status:
            continue
        if theme and idea.id not in themed:
            continue
        kept.append(hit)
    page = kept[offset : offset + limit]
    mine_ids = [int(h.doc.split(":")[1]) for h in page if h.doc.startswith("mine:")]
    deminage_ids = [int(h.doc.split(":")[1]) for h in page if h.doc.startswith("deminage:")]
    # Whatever the index holds, hidden content is never a result (visibility.public).
    mines = {
        m.id: m
        for m in session.exec(select(Mine).where(col(Mine.id).in_(mine_ids)))
        if visibility.public(m)
    }
    deminages = {
        d.id: d
        for d, m in session.exec(
            select(Deminage, Mine)
            .join(Mine, col(Deminage.mine_id) == Mine.id)
            .where(col(Deminage.id).in_(deminage_ids))
        )
        if visibility.public(d, m)
    }
    results = []
    for hit in page:
        kind, _, raw_id = hit.doc.partition(":")
        idea = ideas[hit.idea_id]
        if kind == "idea":
            body = " ".join(
                p for p in (idea.problem, idea.solution, idea.broken_rule, idea.first_ground) if p
            )
            results.append(
                Result("Idée", idea, highlight(idea.title, query, None), highlight(body, query), "")
            )
        elif kind == "mine" and int(raw_id) in mines:
            mine = mines[int(raw_id)]
            results.append(
                Result(
                    "Mine",
                    idea,
                    highlight(mine.title, query, None),
                    highlight(mine.body, query),
                    f"#mine-{mine.id}",
                )
            )
        elif kind == "deminage" and int(raw_id) in deminages:
            d = deminages[int(raw_id)]
            results.append(
                Result(
                    "Déminage",
                    idea,
                    highlight(idea.title, query, None),
                    highlight(d.body, query),
                    f"#deminage-{d.id}",
                )
            )
    return results, len(kept)
