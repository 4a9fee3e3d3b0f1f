"""The search page as an agent uses it: pages that keep their filters, and empty pages that
say why (filters, common words) instead of inviting a duplicate idea."""

import pytest
from sqlmodel import Session

from app.models import User
from app.services import ideas, scoring, search
from app.services.readiness import ScoringParams
from tests.conftest import Clock, MakeClient, soup, text_of
from tests.factories import make_idea, make_user
from tests.html import attr, one

P = ScoringParams()


def _guichets(db: Session, clock: Clock, open_ideas: int, projects: int) -> User:
    """Ideas on « guichet », some of them projects; returns a colleague who searches."""
    author, reader = make_user(db), make_user(db)
    for n in range(open_ideas + projects):
        idea = make_idea(
            db, author, clock.now, title=f"Guichet unique {n}", problem="Les usagers attendent."
        )
        if n >= open_ideas:
            idea.status = "project"
            scoring.refresh(db, P, idea, clock.now)
    db.commit()
    return reader


def test_the_next_page_keeps_the_status_filter(db: Session, make_client, clock: Clock) -> None:
    web = make_client(_guichets(db, clock, open_ideas=23, projects=4))
    first = soup(web.get("/search?q=guichet&status=open"))
    assert text_of(first, "#results-title").startswith("23 résultats")
    assert "Page 1 sur 2" in text_of(first, ".pagination")
    following = attr(one(first, ".pagination a[rel=next]"), "href")
    assert "status=open" in following
    second = soup(web.get(following))
    assert text_of(second, "#results-title").startswith("23 résultats")
    assert len(second.select("#search-results .card")) == 3
    assert "Page 2 sur 2" in text_of(second, ".pagination")
    back = attr(one(second, ".pagination a[rel=prev]"), "href")
    assert "status=open" in back
    # A page past the end shows the last one rather than an empty page under a count.
    far = soup(web.get("/search?q=guichet&status=open&page=99"))
    assert len(far.select("#search-results .card")) == 3
    assert "Page 2 sur 2" in text_of(far, ".pagination")


def test_an_empty_page_says_why(db: Session, make_client, clock: Clock) -> None:
    web = make_client(_guichets(db, clock, open_ideas=2, projects=0))
    filtered = soup(web.get("/search?q=guichet&status=project"))
    empty = text_of(filtered, "#search-results .empty")
    assert "Aucun résultat avec ces filtres" in empty and "proposez" not in empty
    everywhere = attr(one(filtered, "#search-results .empty a"), "href")
    assert "status" not in everywhere
    assert len(soup(web.get(everywhere)).select("#search-results .card")) == 2
    # Nothing but common words: nothing was searched, and the page says so.
    common = text_of(soup(web.get("/search?q=de+la")), "#search-results .empty")
    assert "trop courants" in common and "proposez" not in common
    # Words nobody used: the invitation to propose the idea stays.
    nobody = text_of(soup(web.get("/search?q=zorglub")), "#search-results .empty")
    assert "proposez cette idée" in nobody


def test_results_holding_only_some_words_are_said_so(
    db: Session, make_client, clock: Clock
) -> None:
    web = make_client(_guichets(db, clock, open_ideas=2, projects=0))
    some = soup(web.get("/search?q=guichet+zorglub"))
    assert "ne contient tous ces mots" in text_of(some, "#some-words")
    assert len(some.select("#search-results .card")) == 2
    every = soup(web.get("/search?q=guichet+usagers"))
    assert every.select_one("#some-words") is None
    assert len(every.select("#search-results .card")) == 2


def test_a_search_with_more_matches_than_it_ranks_says_so(
    db: Session, make_client: MakeClient, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the candidates it ranks, the count is a floor, and the page says how to see the
    others; with exactly as many matches, the count is exact."""
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 5)
    web = make_client(_guichets(db, clock, open_ideas=5, projects=0))
    exact = soup(web.get("/search?q=guichet"))
    assert text_of(exact, "#results-title").startswith("5 résultats")
    assert not exact.select("#more-results")
    make_idea(db, make_user(db), clock.now, title="Guichet de trop", problem="Encore un.")
    db.commit()
    floor = soup(web.get("/search?q=guichet"))
    assert text_of(floor, "#results-title").startswith("Plus de 5 résultats")
    assert "ajoutez un mot ou un filtre" in text_of(floor, "#more-results")


def test_a_search_that_finds_only_closed_ideas_says_so_instead_of_inviting_to_propose(
    db: Session, make_client, clock: Clock
) -> None:
    author, reader = make_user(db), make_user(db)
    db.commit()
    web = make_client(reader)
    for count in (1, 2):
        idea = make_idea(db, author, clock.now, title=f"Permanence du mercredi {count}")
        ideas.abandon(db, P, author, idea, "Personne ne venait.", clock.now)
        db.commit()
        page = soup(web.get("/search?q=mercredi"))
        said = one(page, "#sleeping-matches").get_text()
        expected = (
            "1\u00a0idée en sommeil correspond"
            if count == 1
            else "2\u00a0idées en sommeil correspondent"
        )
        assert expected.replace("\u00a0", " ") in said.replace("\u00a0", " ")
        assert "proposez" not in text_of(page, "#search-results")
        link = attr(one(page, "#sleeping-matches a"), "href")
        assert "status=abandoned" in link and "q=mercredi" in link
        assert len(soup(web.get(link)).select("#search-results .card")) == count
