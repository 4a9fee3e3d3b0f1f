"""Public statistics at /stats: readable by anyone, no personal data, and figures that agree with
the database on a seeded base, moderation and merges counted as the rest of the app counts them."""

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, select

from app.models import Deminage, Idea, IdeaStatus, Mine, MineStatus, Role
from app.schemas import PromoteInput
from app.services import ideas, mines, moderation
from app.services.readiness import ScoringParams
from tests.conftest import Clock, MakeClient, soup
from tests.factories import LONG, IdeaTexts, make_deminage, make_idea, make_mine, make_user
from tests.html import one

P = ScoringParams(quiet_period_hours=0)
FULL: IdeaTexts = {"problem": LONG, "solution": LONG, "broken_rule": LONG, "first_ground": LONG}
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def seeded(db: Session, clock: Clock) -> dict[str, Any]:
    """Three months of activity, with everything the counts must leave out: a draft, a merged
    duplicate, a withdrawn mine, a hidden mine with a déminage under it, a hidden déminage."""
    author = make_user(db, name="Amina Diallo", unit="Accueil")
    r1, r2, r3 = (make_user(db, name=f"Relecteur {u}", unit=u) for u in ("Finances", "DSI", "RH"))
    helper = make_user(db, name="Hélène Aide", unit="Juridique")
    manager = make_user(db, name="Karim Benali", unit="DGS", role=Role.manager)
    admin = make_user(db, name="Claire Martin", unit="DGS", role=Role.admin)

    # September: an idea, three mines, three answers; five days later it is ripe.
    clock.now = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)
    first = make_idea(db, author, clock.now, title="Guichet unique", themes=["accueil"], **FULL)
    laid = [
        make_mine(db, first, r, clock.now, title=f"Risque {n}", params=P)
        for n, r in enumerate((r1, r2, r3))
    ]
    answers = [make_deminage(db, m, author, clock.now, params=P) for m in laid]
    clock.now = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)
    mines.accept_deminage(db, P, r1, answers[0], laid[0], first, clock.now)
    mines.accept_deminage(db, P, r2, answers[1], laid[1], first, clock.now)
    mines.accept_risk(db, P, author, laid[2], first, "Risque limité au pilote", clock.now)

    # October: a second idea; a mine hidden by moderation (with an answer under it), a mine
    # withdrawn, a mine that counts with one hidden answer and one that counts; promoted.
    clock.now = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    second = make_idea(db, r1, clock.now, title="Covoiturage des agents")
    hidden = make_mine(db, second, r2, clock.now, title="Injurieuse", params=P)
    make_deminage(db, hidden, helper, clock.now, params=P)
    moderation.hide(db, P, admin, hidden, second, "Propos injurieux.", clock.now)
    withdrawn = make_mine(db, second, r3, clock.now, title="Plus d'actualité", params=P)
    mines.withdraw(db, P, r3, withdrawn, second, clock.now)
    counted = make_mine(db, second, author, clock.now, title="Assurance", params=P)
    hidden_answer = make_deminage(db, counted, helper, clock.now, body="Hors sujet.", params=P)
    moderation.hide(db, P, admin, hidden_answer, second, "Hors sujet.", clock.now)
    make_deminage(db, counted, r2, clock.now, params=P)
    decision = PromoteInput(
        sponsor="DGS",
        next_step="Un pilote",
        target_date=date(2027, 1, 1),
        reason="Urgent",
        outcome="Un pilote.",
    )
    ideas.promote(db, P, manager, second, decision, clock.now)
    make_idea(db, helper, clock.now, title="Brouillon secret", published=False)

    # November: a duplicate with a mine, merged into the first idea; a third idea.
    clock.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    duplicate = make_idea(db, helper, clock.now, title="Guichet unique bis")
    make_mine(db, duplicate, r3, clock.now, title="Doublon", params=P)
    ideas.merge(db, P, admin, first, duplicate, "Doublon.", clock.now)
    make_idea(db, r2, clock.now, title="Tiers-lieu")
    db.commit()
    people = (author, r1, r2, r3, helper, manager, admin)
    titles = [i.title for i in db.exec(select(Idea))] + [m.title for m in db.exec(select(Mine))]
    return {"names": [p.name for p in people] + [p.email for p in people], "titles": titles}


def figure(html: BeautifulSoup, key: str) -> str:
    node = html.select_one(f"#stat-{key} dd")
    assert node is not None, key
    return node.get_text().strip()  # its no-break space kept


def table(html: BeautifulSoup, chart: str) -> dict[str, list[int]]:
    rows = html.select(f"#{chart} table tbody tr")
    return {
        one(row, "th").get_text(strip=True): [int(td.get_text()) for td in row("td")]
        for row in rows
    }


def test_the_figures_are_those_of_the_seeded_base(
    make_client: MakeClient, seeded: dict[str, Any], clock: Clock
) -> None:
    html = soup(make_client().get("/stats"))  # signed out
    assert figure(html, "ideas") == "3"  # not the draft, not the merged duplicate
    assert figure(html, "mines") == "5"  # not the withdrawn one, not the hidden one
    assert figure(html, "defused") == "2"
    assert figure(html, "deminages") == "4"  # not the hidden one, nor the one under a hidden mine
    assert figure(html, "ripened") == "1"
    assert figure(html, "projects") == "1"
    assert figure(html, "median") == "5\u00a0jours"
    contributions = table(html, "chart-contributions")
    assert list(contributions)[-3:] == ["sept. 2026", "oct. 2026", "nov. 2026"]
    assert len(contributions) == 12
    assert contributions["sept. 2026"] == [1, 3, 3]
    assert contributions["oct. 2026"] == [1, 1, 1]
    assert contributions["nov. 2026"] == [1, 1, 0]
    assert sum(v[0] for v in contributions.values()) == 3
    active = table(html, "chart-active")
    assert (active["sept. 2026"], active["oct. 2026"], active["nov. 2026"]) == ([4], [3], [2])
    assert sum(v[0] for v in active.values()) == 9


def _paris_month(at: datetime) -> str:
    return at.astimezone(PARIS).strftime("%Y-%m")


def test_the_figures_agree_with_the_database(
    make_client: MakeClient, seeded: dict[str, Any], db: Session
) -> None:
    """The same figures worked out here from the rows themselves, in Python."""
    all_ideas = db.exec(select(Idea)).all()
    all_mines = {m.id: m for m in db.exec(select(Mine))}
    all_deminages = db.exec(select(Deminage)).all()
    published = [i for i in all_ideas if i.status != IdeaStatus.draft and not i.merged_into_id]
    laid = [m for m in all_mines.values() if m.hidden_at is None and m.status != "withdrawn"]
    answers = [
        d for d in all_deminages if d.hidden_at is None and all_mines[d.mine_id].hidden_at is None
    ]
    html = soup(make_client().get("/stats"))
    assert int(figure(html, "ideas")) == len(published)
    assert int(figure(html, "mines")) == len(laid)
    assert int(figure(html, "defused")) == sum(m.status == MineStatus.defused for m in laid)
    assert int(figure(html, "deminages")) == len(answers)
    assert int(figure(html, "projects")) == sum(i.status == IdeaStatus.project for i in published)

    writers: dict[str, set[int]] = defaultdict(set)
    for when, who in (
        *((i.published_at, i.author_id) for i in published),
        *((m.created_at, m.author_id) for m in laid),
        *((d.created_at, d.author_id) for d in answers),
    ):
        assert when is not None  # every row counted here is dated
        writers[_paris_month(when)].add(who)
    active = table(html, "chart-active")
    labels = {"2026-09": "sept. 2026", "2026-10": "oct. 2026", "2026-11": "nov. 2026"}
    assert {month: len(people) for month, people in writers.items()} == {
        month: active[label][0] for month, label in labels.items()
    }


def test_the_page_holds_no_personal_data_nor_any_content(
    make_client: MakeClient, seeded: dict[str, Any]
) -> None:
    text = one(soup(make_client().get("/stats")), "main").get_text(" ")
    for word in (*seeded["names"], *seeded["titles"]):
        assert word not in text, word


def test_charts_are_svg_with_their_data_as_tables(
    make_client: MakeClient, seeded: dict[str, Any]
) -> None:
    html = soup(make_client().get("/stats"))
    for chart in ("chart-contributions", "chart-active", "chart-funnel"):
        figure_ = html.select_one(f"figure#{chart}")
        assert figure_ is not None, chart
        svg = one(figure_, "svg[role=img]")
        assert one(svg, "desc").get_text(strip=True)
        assert figure_.select_one("table caption") is not None
    assert html.select("script") == html.select("head script")  # nothing but htmx, deferred


def test_an_empty_base_shows_zeros_and_no_median(make_client: MakeClient) -> None:
    html = soup(make_client().get("/stats"))
    assert figure(html, "ideas") == "0"
    assert figure(html, "median") == "—"
    assert set(map(tuple, table(html, "chart-active").values())) == {(0,)}


def test_the_figures_are_cached_for_a_few_minutes_on_the_app_s_clock(
    make_client: MakeClient,
    db: Session,
    clock: Clock,
) -> None:
    visitor = make_client()
    assert figure(soup(visitor.get("/stats")), "ideas") == "0"
    make_idea(db, make_user(db), clock.now, title="Une idée de plus")
    db.commit()
    clock.advance(seconds=299)
    assert figure(soup(visitor.get("/stats")), "ideas") == "0"  # computed less than 5 min ago
    clock.advance(seconds=1)
    assert figure(soup(visitor.get("/stats")), "ideas") == "1"


def test_an_idea_ripe_with_time_alone_stays_counted_ripe_after_a_mine_or_a_promotion(
    make_client: MakeClient,
    db: Session,
    clock: Clock,
) -> None:
    """Most ideas ripen when their quiet period runs out with nothing written: no write marks
    that moment, yet « devenues mûres » counts them once ripe, even if they no longer are."""
    quiet = ScoringParams(quiet_period_hours=72)
    author = make_user(db, name="Amina Diallo", unit="Accueil")
    reviewers = [make_user(db, name=f"Relecteur {u}", unit=u) for u in ("Finances", "DSI", "RH")]
    manager = make_user(db, name="Karim Benali", unit="DGS", role=Role.manager)
    clock.now = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    mined, promoted = (
        make_idea(db, author, clock.now, title=t, themes=["accueil"], **FULL)
        for t in ("Guichet unique", "Accueil sans rendez-vous")
    )
    for idea in (mined, promoted):
        for reviewer in reviewers:
            mine = make_mine(db, idea, reviewer, clock.now, title="Risque", params=quiet)
            answer = make_deminage(db, mine, author, clock.now, params=quiet)
            mines.accept_deminage(db, quiet, reviewer, answer, mine, idea, clock.now)
    db.commit()
    clock.now = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)  # the quiet period ran out on the 4th
    assert mined.is_ripe(clock.now) and promoted.is_ripe(clock.now)  # (the page is cached)
    make_mine(db, mined, reviewers[0], clock.now, title="Un nouveau risque", params=quiet)
    decision = PromoteInput(
        sponsor="DGS", next_step="Un pilote", target_date=date(2027, 1, 1), outcome="Un pilote."
    )
    ideas.promote(db, quiet, manager, promoted, decision, clock.now)
    db.commit()
    assert not mined.is_ripe(clock.now)
    html = soup(make_client().get("/stats"))
    assert figure(html, "ripened") == "2"
    assert figure(html, "median") == "3\u00a0jours"  # published the 1st, ripe from the 4th


def test_an_idea_ripened_by_an_action_counts_from_that_action_not_from_its_quiet_period(
    make_client,
    db: Session,
    clock: Clock,
) -> None:
    """The mines laid on the 1st, the quiet period ran out on the 4th, but the answers were
    accepted on the 10th: the idea became ripe on the 10th, nine days after its publication
    (its ripe_from still says the 4th)."""
    quiet = ScoringParams(quiet_period_hours=72)
    author = make_user(db, name="Amina Diallo", unit="Accueil")
    reviewers = [make_user(db, name=f"Relecteur {u}", unit=u) for u in ("Finances", "DSI", "RH")]
    manager = make_user(db, name="Karim Benali", unit="DGS", role=Role.manager)
    clock.now = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    idea = make_idea(db, author, clock.now, title="Guichet unique", themes=["accueil"], **FULL)
    laid = []
    for reviewer in reviewers:
        mine = make_mine(db, idea, reviewer, clock.now, title="Risque", params=quiet)
        laid.append((reviewer, mine, make_deminage(db, mine, author, clock.now, params=quiet)))
    db.commit()
    clock.now = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)
    assert not idea.is_ripe(clock.now)
    for reviewer, mine, answer in laid:
        mines.accept_deminage(db, quiet, reviewer, answer, mine, idea, clock.now)
    db.commit()
    assert idea.is_ripe(clock.now) and idea.ripe_from == datetime(2026, 9, 4, 9, 0, tzinfo=UTC)
    html = soup(make_client().get("/stats"))
    assert figure(html, "ripened") == "1"
    assert figure(html, "median") == "9\u00a0jours"
    dashboard = soup(make_client(manager).get("/dashboard"))
    assert "9 jours" in " ".join(one(dashboard, "#chart-ripe .big-number").get_text().split())
