"""The board against a seeded base: order and content of every filter and sort."""

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from app.models import Idea, Role, User
from app.schemas import IdeaUpdate
from app.services import board, ideas, mines, moderation, scoring
from app.services.pages import Page
from app.services.readiness import ScoringParams
from tests.conftest import Clock
from tests.factories import LONG, make_deminage, make_idea, make_mine, make_user

P = ScoringParams()


@pytest.fixture
def base(engine_session: Session, clock: Clock) -> tuple[dict[str, Idea], dict[str, int | None]]:
    s = engine_session
    accueil = make_user(s, unit="Accueil")
    rh = make_user(s, unit="RH")
    reviewers = [make_user(s, unit=u) for u in ("Finances", "DSI", "DGS")]
    full: dict[str, Any] = {
        "problem": LONG,
        "solution": LONG,
        "broken_rule": LONG,
        "first_ground": LONG,
    }

    def ripe(title: str, author: User, themes: list[str]) -> Idea:
        idea = make_idea(s, author, clock.now, title=title, themes=themes, **full)
        for r in reviewers:
            m = make_mine(s, idea, r, clock.now, category="budget")
            d = make_deminage(s, m, author, clock.now)
            mines.accept_deminage(s, P, r, d, m, idea, clock.now)
        return idea

    ideas = {
        "ripe_a": ripe("Mûre A", accueil, ["accueil"]),
        "ripe_b": ripe("Mûre B", rh, ["rh"]),
        "close": make_idea(s, accueil, clock.now, title="Presque", themes=["accueil"], **full),
        "far": make_idea(s, rh, clock.now, title="Loin", themes=["rh"]),
        "project": make_idea(s, rh, clock.now, title="Projet"),
    }
    for r in reviewers[:2]:
        make_mine(s, ideas["close"], r, clock.now, category="legal", severity="minor")
    make_mine(
        s, ideas["far"], reviewers[0], clock.now, category="data_privacy", severity="blocking"
    )
    ideas["project"].status = "project"
    make_idea(s, accueil, clock.now, title="Brouillon", published=False)
    clock.advance(hours=73)
    for idea in ideas.values():
        scoring.refresh(s, P, idea, clock.now)
    s.flush()
    return ideas, {"accueil": accueil.unit_id, "rh": rh.unit_id}


def titles(result: Page[board.BoardRow]) -> list[str]:
    return [r.idea.title for r in result.items]


def test_ripe_first_then_closest_to_ripe(
    engine_session: Session, base: tuple[dict[str, Idea], dict[str, int | None]], clock: Clock
) -> None:
    result = board.board(engine_session, board.BoardQuery(), clock.now)
    assert set(titles(result)[:2]) == {"Mûre A", "Mûre B"}
    assert all(r.ripe for r in result.items[:2]) and not any(r.ripe for r in result.items[2:])
    assert titles(result)[2:] == ["Presque", "Loin"]
    assert "Brouillon" not in titles(result) and "Projet" not in titles(result)


@pytest.mark.parametrize("large_theme", [board.LARGE_THEME, 0], ids=["from-theme", "walk-sort"])
def test_filters_combine(
    engine_session: Session,
    base: tuple[dict[str, Idea], dict[str, int | None]],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    large_theme: int,
) -> None:
    """Whichever way a theme's page is looked for (board.LARGE_THEME), the board is the same."""
    monkeypatch.setattr(board, "LARGE_THEME", large_theme)
    ideas, units = base
    q = board.BoardQuery
    assert titles(board.board(engine_session, q(theme="accueil"), clock.now)) == [
        "Mûre A",
        "Presque",
    ]
    assert titles(board.board(engine_session, q(unit=units["rh"]), clock.now)) == ["Mûre B", "Loin"]
    assert titles(board.board(engine_session, q(category="data_privacy"), clock.now)) == ["Loin"]
    # defused budget mines are not « open mines of category budget »
    assert titles(board.board(engine_session, q(category="budget"), clock.now)) == []
    assert titles(board.board(engine_session, q(category="legal", theme="accueil"), clock.now)) == [
        "Presque"
    ]
    assert titles(board.board(engine_session, q(status="project"), clock.now)) == ["Projet"]
    assert set(titles(board.board(engine_session, q(status="ripe"), clock.now))) == {
        "Mûre A",
        "Mûre B",
    }
    assert len(board.board(engine_session, q(status="all"), clock.now).items) == 5


def test_sorts_keep_ripe_first(
    engine_session: Session, base: tuple[dict[str, Idea], dict[str, int | None]], clock: Clock
) -> None:
    ideas, _ = base
    clock.advance(hours=1)
    make_mine(engine_session, ideas["far"], make_user(engine_session, unit="X"), clock.now)
    engine_session.flush()
    by_activity = titles(board.board(engine_session, board.BoardQuery(sort="activity"), clock.now))
    assert by_activity[2] == "Loin"
    by_reviewers = board.board(engine_session, board.BoardQuery(sort="reviewers"), clock.now)
    counts = [r.idea.reviewer_count for r in by_reviewers.items[2:]]
    assert counts == sorted(counts, reverse=True) == [2, 2]


def test_rows_carry_open_mines_reviewers_and_units(
    engine_session: Session, base: tuple[dict[str, Idea], dict[str, int | None]], clock: Clock
) -> None:
    rows = {
        r.idea.title: r for r in board.board(engine_session, board.BoardQuery(), clock.now).items
    }
    assert rows["Loin"].open_mines == {"blocking": 1}
    assert rows["Presque"].open_mines == {"minor": 2}
    assert sorted(rows["Mûre A"].reviewer_units) == ["DGS", "DSI", "Finances"]
    assert rows["Mûre A"].idea.reviewer_count == 3


def test_query_parsing_is_lenient(clock: Clock) -> None:
    parsed = board.BoardQuery.parse(
        {
            "unit": "abc",
            "sort": "<script>",
            "status": "x",
            "page": "-3",
            "category": "nope",
            "theme": " RH ",
        }
    )
    assert parsed == board.BoardQuery(theme="rh")
    assert board.BoardQuery(theme="rh", page=2).as_params() == {"theme": "rh", "page": "2"}


def test_quiet_period_ripening_shows_without_any_write(
    engine_session: Session, base: tuple[dict[str, Idea], dict[str, int | None]], clock: Clock
) -> None:
    ideas, _ = base
    manager = make_user(engine_session, role=Role.manager, unit="DGS")
    late = make_mine(engine_session, ideas["ripe_a"], manager, clock.now, severity="minor")
    d = make_deminage(engine_session, late, make_user(engine_session), clock.now)
    mines.accept_deminage(engine_session, P, manager, d, late, ideas["ripe_a"], clock.now)
    assert not ideas["ripe_a"].is_ripe(clock.now)
    assert ideas["ripe_a"].is_ripe(clock.now + timedelta(hours=72))
    later = board.board(
        engine_session, board.BoardQuery(status="ripe"), clock.now + timedelta(hours=72)
    )
    assert "Mûre A" in titles(later)


def test_waiting_ideas_follow_ripe_ones_and_pages_run_across_groups(
    engine_session: Session, base: tuple[dict[str, Idea], dict[str, int | None]], clock: Clock
) -> None:
    ideas, _ = base
    s = engine_session
    manager = make_user(s, role=Role.manager, unit="DGS")
    late = make_mine(s, ideas["ripe_a"], manager, clock.now, severity="minor")
    mines.accept_deminage(
        s,
        P,
        manager,
        make_deminage(s, late, make_user(s), clock.now),
        late,
        ideas["ripe_a"],
        clock.now,
    )
    s.flush()
    # Mûre A only waits for its quiet period: the closest to ripe, right after the ripe ones.
    one_by_one = [
        board.board(s, board.BoardQuery(page=n), clock.now, page_size=1) for n in range(1, 5)
    ]
    assert [titles(p) for p in one_by_one] == [["Mûre B"], ["Mûre A"], ["Presque"], ["Loin"]]
    assert [p.has_next for p in one_by_one] == [True, True, True, False]
    assert titles(board.board(s, board.BoardQuery(page=99), clock.now, page_size=1)) == ["Loin"]
    # Counting stops at the cap: the total says « more than », the next page stays reachable.
    capped = board.board(s, board.BoardQuery(), clock.now, page_size=1, count_cap=2)
    assert (capped.total, capped.total_exact, capped.has_next) == (2, False, True)
    last = board.board(s, board.BoardQuery(page=4), clock.now, page_size=1, count_cap=2)
    assert titles(last) == ["Loin"] and not last.has_next


@pytest.mark.parametrize("large_theme", [board.LARGE_THEME, 0], ids=["from-theme", "walk-sort"])
def test_theme_and_category_follow_the_mines_as_they_change(
    engine_session: Session,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    large_theme: int,
) -> None:
    """The theme's index keeps the categories of each idea's open mines: laying, defusing,
    reopening and hiding a mine, and moving the idea to another theme, show at once."""
    monkeypatch.setattr(board, "LARGE_THEME", large_theme)
    s = engine_session
    author, colleague = make_user(s, unit="Accueil"), make_user(s, unit="DSI")
    admin = make_user(s, unit="DGS", role=Role.admin)
    idea = make_idea(s, author, clock.now, title="Guichet unique", themes=["guichet"])
    make_idea(s, author, clock.now, title="Voisine", themes=["guichet"])

    def shown(theme: str = "guichet", category: str = "legal") -> list[str]:
        query = board.BoardQuery(theme=theme, category=category)
        return titles(board.board(s, query, clock.now))

    assert shown() == []
    mine = make_mine(s, idea, colleague, clock.now, category="legal")
    assert shown() == ["Guichet unique"] and shown(category="budget") == []
    answer = make_deminage(s, mine, author, clock.now)
    mines.accept_deminage(s, P, colleague, answer, mine, idea, clock.now)
    assert shown() == []
    mines.reopen(s, P, colleague, mine, idea, "La réponse ne tient plus.", clock.now)
    assert shown() == ["Guichet unique"]
    ideas.update_idea(s, P, author, idea, IdeaUpdate(themes=["accueil", "rh"]), clock.now)
    assert shown() == [] and shown("accueil") == ["Guichet unique"] == shown("rh")
    moderation.hide(s, P, admin, mine, idea, "Propos déplacés.", clock.now)
    assert shown("accueil") == [] and shown("rh") == []


def test_the_theme_filter_offers_only_themes_of_ideas_on_the_board(
    engine_session: Session, clock: Clock
) -> None:
    """A theme is free text: a draft's, a merged or a hidden idea's themes are not offered."""
    s = engine_session
    author, admin = make_user(s), make_user(s, role=Role.admin)
    make_idea(s, author, clock.now, title="Publiée", themes=["voirie"])
    make_idea(s, author, clock.now, title="Brouillon", themes=["brouillon"], published=False)
    hidden = make_idea(s, author, clock.now, title="Masquée", themes=["dupont est un escroc"])
    moderation.hide_idea(s, admin, hidden, "Propos diffamatoires.", clock.now)
    s.flush()
    assert board.themes_in_use(s) == ["voirie"]
    moderation.restore_idea(s, admin, hidden, clock.now)
    s.flush()
    assert board.themes_in_use(s) == ["dupont est un escroc", "voirie"]
