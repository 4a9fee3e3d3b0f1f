"""French search: accents, plurals and stemming do not matter; the expected idea ranks first."""

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.models import Idea, Role, User
from app.models.base import pk
from app.schemas import IdeaUpdate
from app.services import ideas, moderation, search
from app.services.readiness import ScoringParams
from tests.conftest import ON_POSTGRES, Clock
from tests.factories import make_deminage, make_idea, make_mine, make_user

CORPUS = {
    "rgpd": (
        "Registre des traitements",
        "Les données personnelles des usagers sont éparpillées "
        "dans des tableurs sans durée de conservation.",
    ),
    "passeport": (
        "Rendez-vous passeports en ligne",
        "Les usagers font la queue pour un passeport.",
    ),
    "cantine": (
        "Prélèvement pour la cantine",
        "Les familles paient la cantine scolaire en retard.",
    ),
    "teletravail": (
        "Télétravail en tiers-lieu",
        "Les agents habitent loin et perdent du temps dans les transports.",
    ),
    "archives": (
        "Numériser les registres d'état civil",
        "Les registres papier s'abîment aux archives.",
    ),
}
# query → the idea that must come first
LABELLED = [
    ("donnee personnelle", "rgpd"),
    ("DONNÉES PERSONNELLES", "rgpd"),
    ("conservation des données", "rgpd"),
    ("passeport", "passeport"),
    ("rendez vous", "passeport"),
    ("cantines scolaires", "cantine"),
    ("famille", "cantine"),
    ("teletravail", "teletravail"),
    ("transport des agents", "teletravail"),
    ("registre d'état civil", "archives"),
    ("numérisation", "archives"),
]


@pytest.fixture
def corpus(engine_session: Session, clock: Clock) -> dict[str, int]:
    author = make_user(engine_session)
    ids = {}
    for key, (title, problem) in CORPUS.items():
        ids[key] = pk(make_idea(engine_session, author, clock.now, title=title, problem=problem))
    make_idea(
        engine_session,
        author,
        clock.now,
        title="Brouillon sur les données personnelles",
        problem="Données personnelles",
        published=False,
    )
    engine_session.flush()
    return ids


@pytest.mark.parametrize(("query", "expected"), LABELLED)
def test_expected_idea_ranks_first(
    engine_session: Session, corpus: dict[str, int], query: str, expected: str
) -> None:
    hits = search.find(engine_session, query)
    assert hits, query
    assert hits[0].idea_id == corpus[expected]


def test_mean_reciprocal_rank_of_the_labelled_set(
    engine_session: Session, corpus: dict[str, int]
) -> None:
    ranks = []
    for query, expected in LABELLED:
        ids = [h.idea_id for h in search.find(engine_session, query)]
        ranks.append(1 / (ids.index(corpus[expected]) + 1) if corpus[expected] in ids else 0)
    assert sum(ranks) / len(ranks) == 1.0


def test_drafts_never_show_and_mines_and_deminages_are_found(
    engine_session: Session, corpus: dict[str, int], clock: Clock
) -> None:
    colleague, helper = make_user(engine_session), make_user(engine_session)
    idea_id = corpus["cantine"]
    idea = engine_session.get_one(Idea, idea_id)
    mine = make_mine(
        engine_session, idea, colleague, clock.now, title="Hébergement", body="Où est l'hébergeur ?"
    )
    make_deminage(engine_session, mine, helper, clock.now, body="Un hébergeur souverain certifié.")
    engine_session.flush()
    docs = [h.doc for h in search.find(engine_session, "hébergeurs")]
    assert f"mine:{mine.id}" in docs and any(d.startswith("deminage:") for d in docs)
    assert all(h.idea_id in corpus.values() for h in search.find(engine_session, "brouillon"))


def test_edits_keep_the_index_in_step(
    engine_session: Session, corpus: dict[str, int], clock: Clock
) -> None:
    idea = engine_session.get_one(Idea, corpus["cantine"])
    author = engine_session.get_one(User, idea.author_id)
    assert not search.find(engine_session, "quotient familial")
    ideas.update_idea(
        engine_session,
        ScoringParams(),
        author,
        idea,
        IdeaUpdate(solution="Grâce au quotient familial"),
        clock.now,
    )
    assert search.find(engine_session, "quotients familiaux")[0].idea_id == corpus["cantine"]


@pytest.mark.parametrize("query", ['"', "*", "^", "-", ":", "()", "\x00", '"*^-:()'])
def test_the_index_syntax_alone_finds_nothing(
    engine_session: Session, corpus: dict[str, int], query: str
) -> None:
    """No syntax error reaches the user: the index's punctuation is no query, and around a
    word it is ignored."""
    assert search.find(engine_session, query) == []
    around = search.find(engine_session, f"{query}passeport{query}")
    assert [h.idea_id for h in around] == [corpus["passeport"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("NEAR(passeport", {"passeport"}),
        ("passeport OR cantine", {"passeport", "cantine"}),
        ("passeport AND NOT cantine", {"passeport", "cantine"}),
        ("passeport -cantine", {"passeport", "cantine"}),
        ("'; DROP TABLE idea; --", {"rgpd"}),  # « tableurs »: words, nothing more
    ],
)
def test_the_index_operators_are_just_words(
    engine_session: Session, corpus: dict[str, int], query: str, expected: set[str]
) -> None:
    found = {h.idea_id for h in search.find(engine_session, query)}
    assert found == {corpus[key] for key in expected}
    assert search.find(engine_session, "cantine")[0].idea_id == corpus["cantine"]


def test_similar_ideas_while_writing(engine_session: Session, corpus: dict[str, int]) -> None:
    similar = search.similar_ideas(
        engine_session, "Paiement de la cantine", "les familles paient tard"
    )
    assert similar[0] == corpus["cantine"]
    assert corpus["cantine"] not in search.similar_ideas(
        engine_session, "Paiement de la cantine", "", exclude=corpus["cantine"]
    )


def test_highlight_marks_matching_words_and_escapes_the_rest() -> None:
    html = str(search.highlight("Les <b>données</b> personnelles", "donnee"))
    assert html == "Les &lt;b&gt;<mark>données</mark>&lt;/b&gt; personnelles"


def test_neighbouring_ideas_are_stored_at_publication_by_the_hints_bar(
    engine_session: Session, corpus: dict[str, int], clock: Clock
) -> None:
    s = engine_session
    author = make_user(s)
    later = make_idea(
        s,
        author,
        clock.now,
        title="Payer la cantine scolaire par prélèvement",
        problem="Les familles paient la cantine en retard et la régie relance chaque mois.",
    )
    assert search.neighbours(s, later) == [corpus["cantine"]]
    # An idea that only shares everyday words with others (« usagers », « agents ») has none.
    unrelated = make_idea(
        s,
        author,
        clock.now,
        title="Covoiturage entre agents du site",
        problem="Les agents viennent seuls en voiture ; les usagers ne trouvent pas à se garer.",
    )
    assert search.neighbours(s, unrelated) == []
    # The link goes one way: the older idea keeps the neighbours it found when last written.
    assert later.id not in search.neighbours(s, s.get_one(Idea, corpus["cantine"]))
    # A draft never shows as a neighbour, and rewriting the problem looks again.
    draft = make_idea(s, author, clock.now, title="Cantine scolaire brouillon", published=False)
    ideas.update_idea(
        s,
        ScoringParams(),
        author,
        later,
        IdeaUpdate(
            title="Rendez-vous passeports en ligne",
            problem="Les usagers font la queue pour un passeport : des rendez-vous en ligne.",
        ),
        clock.now,
    )
    assert search.neighbours(s, later) == [corpus["passeport"]]
    assert draft.id not in search.neighbours(s, later)


FULL_RANKING = (
    "SELECT doc, bm25(search_index, 0, 0, 4.0, 1.0) AS rank FROM search_index "
    "WHERE search_index MATCH :q ORDER BY rank, rowid DESC"
)


SQLITE_RANKING = pytest.mark.skipif(
    ON_POSTGRES, reason="FTS5's bm25 and its bounded candidates: PostgreSQL ranks with ts_rank"
)


@SQLITE_RANKING
@pytest.mark.parametrize("full_ranking_max", [0, search.FULL_RANKING_MAX], ids=["scored", "full"])
@pytest.mark.parametrize("query", ["donnees personnelles", "registre", "les usagers", "regist"])
def test_results_come_in_the_order_and_scores_of_the_index_itself(
    engine_session: Session,
    corpus: dict[str, int],
    clock: Clock,
    query: str,
    full_ranking_max: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Beyond FULL_RANKING_MAX matches, candidates are scored outside FTS5
    (search._rank_newest): the order must be the one a full ranking by the index's own bm25
    gives, partial words (« regist ») included."""
    monkeypatch.setattr(search, "FULL_RANKING_MAX", full_ranking_max)
    idea = engine_session.get_one(Idea, corpus["rgpd"])
    colleague = make_user(engine_session)
    mine = make_mine(
        engine_session,
        idea,
        colleague,
        clock.now,
        title="Registre des données",
        body="Qui tient le registre des données personnelles des usagers ?",
    )
    engine_session.flush()
    search.index_mine(engine_session, mine)
    engine_session.commit()  # FTS5 records its row count and lengths when a write commits
    stems = search._safe_stems(query)
    expected = engine_session.execute(
        text(FULL_RANKING), {"q": search._expression(stems, any_term=False)}
    ).all()
    hits = search.find(engine_session, query)
    assert len(expected) > 1, "the query must rank several documents"
    assert [h.doc for h in hits] == [doc for doc, _ in expected]
    assert [h.rank for h in hits] == pytest.approx([rank for _, rank in expected])


@SQLITE_RANKING
def test_a_query_matching_more_than_the_candidates_pages_its_newest_best(
    engine_session: Session, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A common query is ranked among the newest SEARCH_CANDIDATES matches: equal matches
    come newest first, and a better-scored one among them still comes first."""
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 4)
    monkeypatch.setattr(search, "FULL_RANKING_MAX", 4)
    author = make_user(engine_session)
    same = [
        make_idea(
            engine_session, author, clock.now, title=f"Guichet {n}", problem="Accueil des usagers"
        ).id
        for n in range(6)
    ]
    best = make_idea(
        engine_session, author, clock.now, title="Accueil", problem="Accueil des usagers"
    ).id
    engine_session.commit()
    hits = search.find(engine_session, "accueil usagers", limit=3)
    assert [h.idea_id for h in hits] == [best, same[-1], same[-2]]
    # Beyond the first page the candidates widen to what the page needs.
    deeper = search.find(engine_session, "accueil usagers", limit=3, offset=3)
    assert [h.idea_id for h in deeper] == [same[-3], same[-4], same[-5]]


# A closed idea's lesson quotes a mine by its rare words; a later idea found the closed one by them.
P = ScoringParams()
COPIER = (
    "La photocopieuse Xerographia du troisième étage tombe en panne chaque lundi matin, "
    "et le prestataire Reprotech refuse d’intervenir."
)


@pytest.mark.parametrize("whose", ["its own", "another idea's"])
def test_hiding_a_mine_drops_the_neighbours_found_by_a_lesson_quoting_it(
    engine_session: Session, clock: Clock, whose: str
) -> None:
    s = engine_session
    author, layer, admin = make_user(s), make_user(s), make_user(s, role=Role.admin)
    closed = make_idea(s, author, clock.now, title="Horaires du standard", problem="Midi.")
    holder = closed if whose == "its own" else make_idea(s, author, clock.now, title="Accueil")
    mine = make_mine(s, holder, layer, clock.now, title="Panne", body=COPIER)
    ideas.abandon(s, P, author, closed, f"Leçon : {COPIER}", clock.now)
    finder = make_idea(
        s,
        author,
        clock.now,
        title="Photocopieuse Xerographia en panne",
        problem="Le prestataire Reprotech tarde ; la photocopieuse Xerographia attend.",
    )
    s.commit()
    assert search.neighbours(s, finder) == [pk(closed)]
    moderation.hide(s, P, admin, mine, holder, "Propos déplacés.", clock.now)
    s.commit()
    # The closed idea is no longer found by words its readers no longer read.
    assert search.neighbours(s, finder) == []
    assert search.similar_ideas(s, finder.title, finder.problem, exclude=finder.id) == []
