"""French full-text search over ideas, mines and déminages, and similar-idea hints.

Texts are indexed stemmed and without accents (snowball's French stemmer), so that
« données personnelles » finds « donnee personnelle » on SQLite (FTS5) and PostgreSQL alike.
"""

import math
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer
from markupsafe import Markup, escape
from sqlalchemy import bindparam, delete, func, text
from sqlmodel import Session, col, select

from app.db import read_rows
from app.models import BoardGroup, Deminage, Idea, IdeaNeighbour, IdeaStatus, IdeaTheme, Mine
from app.models.base import pk
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
    _forget_counts()
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
    """Index (again) a published idea's fiche; drafts, merged and hidden ideas stay out."""
    if not visibility.listed(idea):
        remove(session, f"idea:{idea.id}")
        return
    # A closed idea is found by its lesson too (« Idées en sommeil »), as anyone reads it: a
    # lesson that quotes a hidden mine is masked on the pages, so it is no word of the index
    # either (else searching the mine's words would find the idea: that such a text exists).
    body = _doc_text(
        idea.problem,
        idea.solution,
        idea.broken_rule,
        idea.first_ground,
        visibility.public_lesson(session, idea),
        " ".join(themes),
    )
    _put(session, f"idea:{pk(idea)}", pk(idea), _doc_text(idea.title), body)


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
    _forget_counts()
    session.execute(text("DELETE FROM search_index"))
    ideas = list(session.exec(select(Idea).where(Idea.status != IdeaStatus.draft)))
    themes: dict[int, list[str]] = {}
    for theme in session.exec(select(IdeaTheme)):
        themes.setdefault(theme.idea_id, []).append(theme.theme)
    count = 0
    for idea in ideas:
        index_idea(session, idea, themes.get(pk(idea), []))
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
    "FROM search_index WHERE search_index MATCH :q ORDER BY rank, rowid DESC "
    "LIMIT :limit OFFSET :offset"
)
_FTS_SOME_DOCS = text(
    "SELECT doc, idea_id, bm25(search_index, 0, 0, 4.0, 1.0) AS rank "
    "FROM search_index WHERE search_index MATCH :q AND doc LIKE :docs "
    "ORDER BY rank, rowid DESC LIMIT :limit OFFSET :offset"
)


def _match(
    session: Session,
    stems: list[str],
    any_term: bool,
    docs_like: str,
    limit: int,
    offset: int,
    checked: bool = True,
) -> list[Hit]:
    if _is_sqlite(session):
        expression = _expression(stems, any_term)
        # The index alone ranks (no join, no filter per match): the ideas of the few hits
        # kept are checked afterwards (drafts are never indexed; merged ideas' rows move).
        rows = session.execute(
            _FTS_ANY_DOC if docs_like == "%" else _FTS_SOME_DOCS,
            {"q": expression, "docs": docs_like, "limit": limit, "offset": offset},
        ).all()
        hits = [Hit(doc, int(idea_id), float(rank)) for doc, idea_id, rank in rows]
        return _visible(session, hits) if checked else hits
    joiner = " | " if any_term else " & "
    expression = joiner.join(f"{s}:*" for s in stems)
    rows = session.execute(
        text(
            "SELECT s.doc, s.idea_id, -ts_rank(s.tsv, to_tsquery('simple', :q)) AS rank "
            "FROM search_index AS s JOIN idea ON idea.id = s.idea_id "
            "WHERE s.tsv @@ to_tsquery('simple', :q) AND s.doc LIKE :docs "
            "AND idea.board_group < 9 "  # BoardGroup.off_board: drafts, merged, hidden ideas
            "ORDER BY rank LIMIT :limit OFFSET :offset"
        ),
        {"q": expression, "docs": docs_like, "limit": limit, "offset": offset},
    ).all()
    return [Hit(doc, int(idea_id), float(rank)) for doc, idea_id, rank in rows]


# The ideas a search may show: published, not merged away, not hidden by moderation.
_SHOWN_IDEAS = select(Idea.id).where(
    col(Idea.id).in_(bindparam("ids", expanding=True)),
    col(Idea.board_group) < BoardGroup.off_board,
)


def _visible(session: Session, hits: list[Hit]) -> list[Hit]:
    """Only hits on published ideas that were not merged away nor hidden by moderation."""
    if not hits:
        return hits
    ids = sorted({h.idea_id for h in hits})
    shown = {row[0] for row in read_rows(session, _SHOWN_IDEAS, {"ids": ids})}
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
    return _find(session, _safe_stems(query), limit, offset)[0]


def _find(
    session: Session, stems: list[str], limit: int, offset: int, checked: bool = True
) -> tuple[list[Hit], bool]:
    """`find`'s hits, and whether they hold every word (False: only some of them). Unless
    `checked`, hits on ideas a search may not show are left for the caller to drop."""
    if not stems:
        return [], True

    def ranked(any_term: bool) -> list[Hit]:
        if _is_sqlite(session):
            return _rank_newest(session, stems, any_term, limit, offset, checked)
        return _match(session, stems, any_term, docs_like="%", limit=limit, offset=offset)

    hits = ranked(any_term=False)
    if not hits and len(stems) > 1:
        return ranked(any_term=True), False
    return hits, True


# A query of common words matches tens of thousands of documents, and FTS5 ranks them at a cost
# that grows with the matches: a prefix term merges the lists of every word it starts, and bm25
# first counts, for each term, every document holding it. A page of results only needs the best
# few, so on SQLite, beyond FULL_RANKING_MAX matches, they are ranked among bounded candidates:
# - the SEARCH_CANDIDATES newest documents holding the query's whole words; the prefixes are
#   looked up only when the whole words find fewer (a column filter, « title : … », would scan
#   every match to find the few titles: it is not used);
# - each candidate gets FTS5's own bm25 score, computed here from its indexed text, with the
#   index's row count and lengths and each term's document count (counted once per
#   _COUNTS_TTL seconds: they move slowly, and only weigh the terms against each other);
# - ties go to the newest.
# `python -m bench.relevance` measures the difference with a full ranking (docs/performance.md).
SEARCH_CANDIDATES = 300
# Up to this many matches (counted, which costs a fraction of ranking them), FTS5 ranks every
# match itself: a few milliseconds, and nothing to measure against.
FULL_RANKING_MAX = 2000
_COUNTS_TTL = 300.0
_BM25_K1, _BM25_B = 1.2, 0.75
_WEIGHTS = {"title": 4.0, "body": 1.0}  # as in bm25(search_index, 0, 0, 4.0, 1.0) above
_FTS_NEWEST = text(
    "SELECT rowid, doc, idea_id, title, body FROM search_index "
    "WHERE search_index MATCH :q ORDER BY rowid DESC LIMIT :limit"
)
_FTS_NEWEST_OF_KIND = text(
    "SELECT rowid, doc, idea_id, title, body FROM search_index "
    "WHERE search_index MATCH :q AND rowid % 4 = :kind ORDER BY rowid DESC LIMIT :limit"
)
_FTS_COUNT = text("SELECT count(*) FROM search_index WHERE search_index MATCH :q")
_FTS_CAPPED = text(
    "SELECT count(*) FROM (SELECT 1 FROM search_index WHERE search_index MATCH :q LIMIT :cap)"
)
_FTS_TOTALS = text("SELECT block FROM search_index_data WHERE id = 1")
_Counts = dict[tuple[str, str], tuple[float, int]]  # (database, expression) → (when, count)
_counts: _Counts = {}
_term_counts: _Counts = {}


def _expression(stems: list[str], any_term: bool, prefix: bool = True) -> str:
    star = "*" if prefix else ""
    return (" OR " if any_term else " AND ").join(f'"{s}"{star}' for s in stems)


def _varints(blob: bytes) -> list[int]:
    """SQLite's variable-length integers, one after the other (as FTS5 stores its totals)."""
    values, i = [], 0
    while i < len(blob):
        value = 0
        for n in range(9):
            byte = blob[i]
            i += 1
            if n == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        values.append(value)
    return values


def _count(session: Session, expression: str, now: float, counts: _Counts = _counts) -> int:
    """How many documents match `expression`, remembered per database until the index
    changes here (`_forget_counts`) or _COUNTS_TTL passes (another process wrote).
    `_term_counts` (each word's count, for bm25's weights) is not forgotten on a write:
    every mine laid writes the index, then ranks its echoes with these weights."""
    key = (str(session.get_bind().engine.url), expression)
    known = counts.get(key)
    if known is None or now - known[0] > _COUNTS_TTL:
        if len(counts) > 10_000:
            counts.clear()
        known = (now, int(session.execute(_FTS_COUNT, {"q": expression}).scalar_one()))
        counts[key] = known
    return known[1]


def _forget_counts() -> None:
    _counts.clear()


def _rank_newest(
    session: Session, stems: list[str], any_term: bool, limit: int, offset: int, checked: bool
) -> list[Hit]:
    # Few enough matches (as real text mostly gives): the index ranks them all, exactly.
    if _count(session, _expression(stems, any_term), time.monotonic()) <= FULL_RANKING_MAX:
        return _match(session, stems, any_term, "%", limit, offset, checked)
    return _rank_candidates(session, stems, any_term, limit, offset, checked)


def _few_matches(session: Session, expression: str) -> bool:
    """Whether at most FULL_RANKING_MAX documents match: counted up to one more, no further."""
    found = session.execute(_FTS_CAPPED, {"q": expression, "cap": FULL_RANKING_MAX + 1})
    return int(found.scalar_one()) <= FULL_RANKING_MAX


def _rank_candidates(
    session: Session,
    stems: list[str],
    any_term: bool,
    limit: int,
    offset: int,
    checked: bool,
    kind: str = "",
) -> list[Hit]:
    """The SEARCH_CANDIDATES newest matches (of one kind of document, if given) ranked by
    FTS5's bm25, computed here from their text (see above)."""
    wanted = max(SEARCH_CANDIDATES, offset + limit)
    candidates: dict[int, tuple[str, int, str, str]] = {}
    statement = _FTS_NEWEST_OF_KIND if kind else _FTS_NEWEST
    for prefix in (False, True):
        expression = _expression(stems, any_term, prefix)
        values = {"q": expression, "limit": wanted, "kind": DOC_KINDS.get(kind, 0)}
        for rowid, doc, idea_id, title, body in session.execute(statement, values).all():
            candidates[int(rowid)] = (doc, int(idea_id), title, body)
        if len(candidates) >= wanted:
            break
    if not candidates:
        return []
    totals = session.execute(_FTS_TOTALS).scalar_one_or_none()
    rows, *column_tokens = _varints(totals) if totals else [len(candidates)]
    average = max(1.0, sum(column_tokens) / max(1, rows))
    now = time.monotonic()
    star = "*" if prefix else ""
    idf = {}
    for s in stems:
        holding = min(rows, _count(session, f'"{s}"{star}', now, _term_counts))
        idf[s] = max(1e-6, math.log((rows - holding + 0.5) / (holding + 0.5)))

    title_weight, body_weight = _WEIGHTS["title"], _WEIGHTS["body"]

    def occurrences(words: list[str], s: str) -> int:
        if prefix:
            return sum(1 for w in words if w.startswith(s))
        return words.count(s)

    def score(title: str, body: str) -> float:
        title_words, body_words = title.split(), body.split()
        # bm25's length part, the same for every term of this document
        norm = _BM25_K1 * (1 - _BM25_B + _BM25_B * (len(title_words) + len(body_words)) / average)
        total = 0.0
        for s in stems:
            frequency = title_weight * occurrences(title_words, s) + body_weight * occurrences(
                body_words, s
            )
            total += idf[s] * frequency * (_BM25_K1 + 1) / (frequency + norm)
        return -total

    ranked = sorted(
        (
            (score(title, body), -rowid, doc, idea_id)
            for rowid, (doc, idea_id, title, body) in candidates.items()
        )
    )
    hits = [Hit(doc, idea_id, rank) for rank, _, doc, idea_id in ranked[offset : offset + limit]]
    return _visible(session, hits) if checked else hits


# --- similar ideas -------------------------------------------------------------------------
# While an agent writes an idea, the form shows the published ideas that look like the same need
# (tests/services/test_similar_ideas.py measures it; docs/decisions.md has the figures). Both
# engines only bring candidates; the score is computed here, the same on SQLite and PostgreSQL.
#
# - Words are compared by the first six letters of their stem, so that « télétravailler » meets
#   « télétravail » and « demandeur » meets « demande ».
# - Each word weighs its rarity among the published ideas (inverse document frequency, from the
#   index, scaled to 0–1), twice as much when it is in the title being typed, and half as much
#   again when the candidate has it in its own title.
# - An idea is suggested when this evidence reaches SIMILAR_MIN_EVIDENCE (or, for a short title,
#   when the idea has nearly all its words in its own title) and stands out of the crowd:
#   SIMILAR_MARGIN times the score of the fourth candidate, so that words shared with half the
#   ideas (« agents », « usagers ») suggest nothing on their own.

SIMILAR_SHOWN = 3
SIMILAR_MIN_EVIDENCE = 4.0
SIMILAR_MARGIN = 1.8
SIMILAR_ALL_WORDS = 0.9  # share of the words typed (by weight) that makes a short title enough
SIMILAR_SHORT_EVIDENCE = 2.0  # the least evidence even then: one rare word in both titles
_ROOT = 6  # letters of a stem compared
_QUERY_WORDS = 24  # the title's words, then the problem's longest ones
_CANDIDATE_WORDS = 12  # the weightiest words look for candidates in the index
_CANDIDATES = 40
_TITLE_QUERY_WEIGHT = 2.0
_TITLE_DOC_BOOST = 1.5
_MIN_CORPUS = 50  # a young base counts as this many ideas: one word in two ideas is still rare
_DF_CAP = 1000  # counting stops there: past it, a word is common anyway

_PUBLISHED_IDEAS = select(func.count(col(Idea.id))).where(visibility.listed_sql)
_DF_SQLITE = text(
    "SELECT count(*) FROM (SELECT 1 FROM search_index WHERE search_index MATCH :q "
    "AND rowid % 4 = 1 LIMIT :cap)"
)
_DF_POSTGRES = text(
    "SELECT count(*) FROM (SELECT 1 FROM search_index WHERE tsv @@ to_tsquery('simple', :q) "
    "AND doc LIKE 'idea:%' LIMIT :cap) AS matches"
)
_TEXTS_SQLITE = text(
    "SELECT idea_id, title, body FROM search_index WHERE rowid IN :rows"
).bindparams(bindparam("rows", expanding=True))
_TEXTS_POSTGRES = text(
    "SELECT idea_id, title, body FROM search_index WHERE doc IN :docs"
).bindparams(bindparam("docs", expanding=True))


def _root(stem_: str) -> str:
    return stem_[:_ROOT]


def _query_words(title: str, problem: str) -> dict[str, float]:
    """The roots of the words typed, with their weight: the title's first."""
    weights = {_root(s): _TITLE_QUERY_WEIGHT for s in _safe_stems(title, limit=_QUERY_WORDS)}
    rest = {_root(s) for s in _safe_stems(problem, limit=400)} - weights.keys()
    for root in sorted(rest, key=lambda r: (-len(r), r))[: max(0, _QUERY_WORDS - len(weights))]:
        weights[root] = 1.0
    return weights


def _rarity(session: Session, roots: list[str]) -> dict[str, float]:
    """Each root's inverse document frequency among the published ideas, scaled to about 0–1
    (a word no idea has is a little above 1)."""
    ideas = max(session.exec(_PUBLISHED_IDEAS).one(), _MIN_CORPUS)
    sqlite = _is_sqlite(session)
    out = {}
    for root in roots:
        whole = len(root) < _ROOT  # a short stem is a whole word; a root, any word it starts
        if sqlite:
            q = f'"{root}"' if whole else f'"{root}"*'
            found = session.execute(_DF_SQLITE, {"q": q, "cap": _DF_CAP}).scalar_one()
        else:
            q = root if whole else f"{root}:*"
            found = session.execute(_DF_POSTGRES, {"q": q, "cap": _DF_CAP}).scalar_one()
        out[root] = max(0.0, math.log((ideas + 1) / (found + 0.5)) / math.log(ideas + 1))
    return out


def _scored_ideas(
    session: Session, title: str, problem: str, exclude: int | None
) -> tuple[list[tuple[float, int]], float]:
    """Published ideas sharing words with the text typed, by the evidence they share, best
    first; and the evidence of an idea that would have every word typed in its title."""
    weights = _query_words(title, problem)
    if not weights:
        return [], 0.0
    rarity = _rarity(session, list(weights))
    ceiling = sum(w * rarity[r] * _TITLE_DOC_BOOST for r, w in weights.items())
    seekers = sorted(weights, key=lambda r: -weights[r] * rarity[r])[:_CANDIDATE_WORDS]
    hits = _match(session, seekers, any_term=True, docs_like="idea:%", limit=_CANDIDATES, offset=0)
    idea_ids = [h.idea_id for h in hits if h.idea_id != exclude]
    if not idea_ids:
        return [], ceiling
    rows = (
        session.execute(_TEXTS_SQLITE, {"rows": [i * 4 + DOC_KINDS["idea"] for i in idea_ids]})
        if _is_sqlite(session)
        else session.execute(_TEXTS_POSTGRES, {"docs": [f"idea:{i}" for i in idea_ids]})
    )
    scored = []
    for idea_id, doc_title, doc_body in rows:
        in_title = {_root(w) for w in doc_title.split()}
        anywhere = in_title | {_root(w) for w in doc_body.split()}
        evidence = sum(
            weight * rarity[root] * (_TITLE_DOC_BOOST if root in in_title else 1.0)
            for root, weight in weights.items()
            if root in anywhere
        )
        if evidence > 0:
            scored.append((evidence, int(idea_id)))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return scored, ceiling


def similar_ideas(
    session: Session,
    title: str,
    problem: str,
    exclude: int | None = None,
    limit: int = SIMILAR_SHOWN,
) -> list[int]:
    """Published ideas that look like the same need as the one being written, closest first:
    at most `limit`, often none."""
    return _close_enough(*_scored_ideas(session, title, problem, exclude), limit=limit)


def _close_enough(scored: list[tuple[float, int]], ceiling: float, limit: int) -> list[int]:
    """The scored ideas that pass the bar of a similar idea (the one threshold of the form's
    hints and of the stored neighbours), at most `limit`."""
    crowd = scored[SIMILAR_SHOWN][0] if len(scored) > SIMILAR_SHOWN else 0.0
    # A short title (« Covoiturage ») cannot reach the bar: an idea that has all its words in
    # its own title is enough evidence then, if the words are rare enough.
    enough = min(SIMILAR_MIN_EVIDENCE, max(SIMILAR_SHORT_EVIDENCE, SIMILAR_ALL_WORDS * ceiling))
    return [
        idea_id
        for evidence, idea_id in scored[:limit]
        if evidence >= enough and evidence >= SIMILAR_MARGIN * crowd
    ]


def ideas_similar_to(
    session: Session, title: str, problem: str, exclude: int | None = None
) -> list[Idea]:
    """The published ideas `similar_ideas` finds, loaded, closest first (the idea form's hints)."""
    ids = similar_ideas(session, title, problem, exclude=exclude)
    found = {i.id: i for i in session.exec(select(Idea).where(col(Idea.id).in_(ids)))}
    return [found[i] for i in ids if i in found]


def remember_neighbours(session: Session, idea: Idea, limit: int = SIMILAR_SHOWN) -> None:
    """Store the ideas close to this one, by the bar of the form's hints (ranking the index
    once, at write time): often none."""
    session.execute(delete(IdeaNeighbour).where(col(IdeaNeighbour.idea_id) == idea.id))
    scored, ceiling = _scored_ideas(session, idea.title, idea.problem, exclude=idea.id)
    for rank, neighbour in enumerate(_close_enough(scored, ceiling, limit)):
        session.add(IdeaNeighbour(idea_id=pk(idea), neighbour_id=neighbour, rank=rank))


_FOUND_BY = (
    select(IdeaNeighbour.idea_id)
    .where(col(IdeaNeighbour.neighbour_id).in_(bindparam("ids", expanding=True)))
    .distinct()
)


def refresh_neighbours_of(session: Session, changed: Sequence[int]) -> None:
    """The ideas that found one of these ideas among their neighbours look again, now that
    their indexed words changed (moderation hid a mine their lesson quoted): a link that
    rested on hidden words does not stay until the idea that found it is written again."""
    if not changed:
        return
    finders = sorted(row[0] for row in read_rows(session, _FOUND_BY, {"ids": sorted(changed)}))
    for idea in session.exec(select(Idea).where(col(Idea.id).in_(finders))):
        remember_neighbours(session, idea)


# Only the ideas this one found: the bar is measured from its own words, so an older idea
# that a newer one found is not, by that, close to the newer one's words.
_NEIGHBOURS = (
    select(IdeaNeighbour.idea_id, IdeaNeighbour.neighbour_id, IdeaNeighbour.rank)
    .where(col(IdeaNeighbour.idea_id) == bindparam("idea"))
    .order_by(col(IdeaNeighbour.rank))
)
_VISIBLE_IDEAS = select(Idea.id).where(
    col(Idea.id).in_(bindparam("ids", expanding=True)),
    col(Idea.board_group) < BoardGroup.off_board,  # published, not merged, not hidden
)


def neighbours(session: Session, idea: Idea, limit: int = SIMILAR_SHOWN) -> list[int]:
    """Published ideas close to this one, closest first (those it found when last written)."""
    ids = [n for _, n, _ in read_rows(session, _NEIGHBOURS, {"idea": idea.id})]
    if not ids:
        return []
    visible = {row[0] for row in read_rows(session, _VISIBLE_IDEAS, {"ids": ids})}
    return list(dict.fromkeys(i for i in ids if i in visible))[:limit]


def find_similar_mines(
    session: Session, text_: str, exclude: int | None = None, limit: int = 20
) -> list[Hit]:
    """Mines that share words with a mine's title and text, closest first: all the matches
    ranked by the index while there are at most FULL_RANKING_MAX (of any kind of document),
    else the SEARCH_CANDIDATES newest mines among them (as a search ranks). The whole words
    are counted first: when they alone match too many, the prefixes (whose lists cost far
    more to merge) are not counted at all."""
    words = sorted(set(_safe_stems(text_, limit=40)), key=len, reverse=True)[:12]
    if not words:
        return []
    if not _is_sqlite(session) or (
        _few_matches(session, _expression(words, True, prefix=False))
        and _few_matches(session, _expression(words, True))
    ):
        hits = _match(session, words, any_term=True, docs_like="mine:%", limit=limit + 1, offset=0)
    else:
        hits = _rank_candidates(session, words, True, limit + 1, 0, checked=True, kind="mine")
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


class Found(NamedTuple):
    """A page of results; `total` counts every kept result (up to SEARCH_CANDIDATES)."""

    items: list[Result]
    total: int
    every_word: bool  # False: no document holds every word, these hold some of them
    searchable: bool  # False: the query has nothing but common words, nothing was searched
    # True: more documents match than the SEARCH_CANDIDATES ranked; `total` is a floor
    more: bool = False


_FILTER_FACTS = select(Idea.id, Idea.unit_id, Idea.call_id, Idea.status).where(
    col(Idea.id).in_(bindparam("ids", expanding=True)),
    col(Idea.board_group) < BoardGroup.off_board,
)


def closed_ideas_matching(session: Session, query: str) -> int:
    """How many closed ideas (« en sommeil », which a default search leaves out) match `query`:
    for a search that found nothing else, so that it does not say nobody had the idea."""
    found = search_page(session, query, status="abandoned", limit=SEARCH_CANDIDATES)
    return len({r.idea.id for r in found.items})


def search_page(
    session: Session,
    query: str,
    *,
    theme: str = "",
    unit: int | None = None,
    status: str = "all",
    call: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> "Found":
    """Ranked, highlighted results with the board's filters: one page, and what it is of."""
    stems = _safe_stems(query)
    # One more than ranked: whether the ranking left matches out.
    hits, every_word = _find(session, stems, SEARCH_CANDIDATES + 1, 0, checked=False)
    more = len(hits) > SEARCH_CANDIDATES
    hits = hits[:SEARCH_CANDIDATES]
    idea_ids = {h.idea_id for h in hits}
    # What the filters read of every hit's idea, of those a search may show (`_visible`'s
    # rule, read in the same query); whole ideas only for the page shown.
    facts = {
        int(idea_id): (unit_id, call_id, idea_status)
        for idea_id, unit_id, call_id, idea_status in read_rows(
            session, _FILTER_FACTS, {"ids": sorted(idea_ids)}
        )
    }
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
        if hit.idea_id not in facts:
            continue
        unit_id, call_id, idea_status = facts[hit.idea_id]
        if unit is not None and unit_id != unit:
            continue
        if call is not None and call_id != call:
            continue
        if status in ("open", "project", "abandoned") and idea_status != status:
            continue
        # Closed ideas are found apart (« Idées en sommeil »), unless asked for.
        if status != "abandoned" and idea_status == IdeaStatus.abandoned:
            continue
        if theme and hit.idea_id not in themed:
            continue
        kept.append(hit)
    page = kept[offset : offset + limit]
    ideas = {
        i.id: i
        for i in session.exec(select(Idea).where(col(Idea.id).in_({h.idea_id for h in page})))
    }
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
    return Found(results, len(kept), every_word, bool(stems), more)
