"""The demo data reads like a real administration's year, not like one idea copied around."""

from collections import Counter
from datetime import timedelta

from sqlmodel import Session, select

from app.config import Settings
from app.demo import DEMO_PASSWORD, IDEAS, seed_demo
from app.models import CallForIdeas, CallPhase, Deminage, Idea, IdeaStatus, Mine, Unit, User
from app.models.call import end_of_day
from app.services import blockers, calls, users
from app.services.search import terms
from tests.conftest import Clock, MakeClient, soup, text_of


def test_each_idea_has_its_own_mines_answered_over_a_year(
    engine_session: Session, settings: Settings, clock: Clock
) -> None:
    s = engine_session
    seed_demo(s, settings, clock.now)
    s.flush()
    ideas = list(s.exec(select(Idea)))
    mines = list(s.exec(select(Mine)))
    deminages = list(s.exec(select(Deminage)))
    assert len(ideas) == len(IDEAS) == 25

    # No objection or answer is copied from one idea to another.
    assert len(mines) >= 40
    assert max(Counter(m.body for m in mines).values()) == 1
    assert max(Counter(m.title for m in mines).values()) == 1
    assert max(Counter(d.body for d in deminages).values()) == 1
    # Each déminage speaks of its own mine's subject: they share a word at least.
    mine_by_id = {m.id: m for m in mines}
    for d in deminages:
        mine = mine_by_id[d.mine_id]
        assert set(terms(d.body)) & set(terms(f"{mine.title} {mine.body}")), d.body

    # The stages of a real year: a few ripe ideas, two projects (one promoted by a call's
    # sponsor), one abandoned, some drafts.
    statuses = Counter(i.status for i in ideas)
    assert statuses[IdeaStatus.project] == 2 and statuses[IdeaStatus.abandoned] == 1
    assert statuses[IdeaStatus.draft] == 3
    ripe = [
        i for i in ideas if i.status == IdeaStatus.open and i.ripe_from and i.ripe_from <= clock.now
    ]
    assert 3 <= len(ripe) <= 6
    assert any(i.status == IdeaStatus.open and not i.ripe_from for i in ideas)

    # Written over the year, never in the future.
    published = sorted(i.published_at for i in ideas if i.published_at is not None)
    assert published[-1] - published[0] > timedelta(days=300)
    by_month = Counter((p.year, p.month) for p in published)
    assert len(by_month) >= 9
    events = [m.created_at for m in mines] + [d.created_at for d in deminages]
    assert max(events) <= clock.now and min(events) >= published[0]
    # Each mine comes after its idea was published.
    published_at = {i.id: i.published_at for i in ideas if i.published_at is not None}
    assert all(m.created_at > published_at[m.idea_id] for m in mines)

    # French typography, as in the interface: the demo is what new users read first.
    texts = [
        t for i in ideas for t in (i.title, i.problem, i.solution, i.broken_rule, i.first_ground)
    ]
    texts += [t for m in mines for t in (m.title, m.body)]
    texts += [d.body for d in deminages]
    joined = "\n".join(texts)
    for plain in ("'", " :", " ?", " ;", " %", " 000"):
        assert plain not in joined, plain
    assert "l\u2019" in joined and "\u00a0:" in joined and "\u202f?" in joined


def test_the_units_are_named_with_french_typography(
    engine_session: Session, settings: Settings, clock: Clock
) -> None:
    """Institutional labels (the units, on every account and in a call's audience: one unit
    each, not two spellings) are set as the interface is, with a typographic apostrophe."""
    s = engine_session
    accounts = seed_demo(s, settings, clock.now)
    s.flush()
    names = set(s.exec(select(Unit.name)))
    assert "Direction des systèmes d\u2019information" in names
    assert [n for n in names if "'" in n] == []
    assert [unit for *_, unit in accounts if "'" in unit] == []


def test_two_calls_one_taking_ideas_one_decided(
    engine_session: Session, settings: Settings, clock: Clock
) -> None:
    s = engine_session
    seed_demo(s, settings, clock.now)
    seed_demo(s, settings, clock.now)  # again: nothing added, nothing decided twice
    s.flush()
    found = {c.question: c for c in s.exec(select(CallForIdeas))}
    assert len(found) == 2
    open_call = found["Comment raccourcir l\u2019attente à l\u2019accueil\u202f?"]
    decided = found["Comment simplifier le travail entre services\u202f?"]
    assert open_call.phase(clock.now) == CallPhase.ideas
    assert decided.phase(clock.now) == CallPhase.decided
    viewer = s.exec(select(User)).first()
    assert viewer is not None
    answering = calls.call_page(s, open_call, viewer, clock.now).ideas
    assert len(answering) == 2 and all(i.outcome is None for i in answering)
    outcomes = {
        i.idea.title: (i.idea.status, i.outcome.decision)
        for i in calls.call_page(s, decided, viewer, clock.now).ideas
        if i.outcome
    }
    assert outcomes == {
        "Dématérialiser les bons de commande de fournitures": ("project", "promoted"),
        "Un seul identifiant pour tous les logiciels métier": ("open", "sent_back"),
    }
    # Every idea answering a call was written while it took ideas.
    for call in found.values():
        for idea in s.exec(select(Idea).where(Idea.call_id == call.id)):
            assert idea.created_at < end_of_day(call.ideas_until)


def _said(mine: Mine) -> set[str]:
    return set(terms(f"{mine.title} {mine.body}"))


def test_objections_come_back_in_their_own_words_and_the_map_of_what_blocks_is_full(
    make_client: MakeClient, db: Session, settings: Settings, clock: Clock
) -> None:
    seed_demo(db, settings, clock.now)
    db.commit()
    ideas = {i.id: i for i in db.exec(select(Idea))}
    mines = list(db.exec(select(Mine)))

    # No mine's words are those of a mine on another idea, even with other spaces or case.
    said_on: dict[str, set[int]] = {}
    for m in mines:
        for text in (m.title, m.body):
            said_on.setdefault(" ".join(text.casefold().split()), set()).add(m.idea_id)
    assert [t for t, on in said_on.items() if len(on) > 1] == []

    # The broken rules are typed, several ideas breaking the same kind; a law says which one.
    published = [i for i in ideas.values() if i.status != IdeaStatus.draft]
    kinds = Counter(i.rule_kind for i in published if i.broken_rule)
    assert "" not in kinds and len(kinds) >= 4 and kinds.most_common(1)[0][1] >= 3
    assert all(i.rule_reference for i in published if i.rule_kind in ("law", "decree"))
    # Generalisation mines on several ideas, ripe and projects among them.
    general = [m for m in mines if m.scope == "generalisation"]
    assert len({m.idea_id for m in general}) >= 4
    assert {ideas[m.idea_id].status for m in general} >= {IdeaStatus.open, IdeaStatus.project}
    # Mines say what they rest on, each kind at least twice; every text names its reference.
    assert min(Counter(m.basis for m in mines).values()) >= 2
    assert all(m.basis_reference for m in mines if m.basis == "text")

    # The map: clusters of the same objection on other ideas, in other words, most with the
    # answer that defused it elsewhere.
    found = blockers.blocker_map(db)
    assert len(found.recurring) >= 5
    for item in found.recurring:
        mine = next(m for m in mines if m.id == item.mine[0])
        for echo_id, *_ in item.echoes:
            echo = next(m for m in mines if m.id == echo_id)
            assert echo.idea_id != mine.idea_id and echo.category == mine.category
            shared = _said(mine) & _said(echo)
            assert len(shared) / len(_said(mine) | _said(echo)) < 0.6, (mine.title, echo.title)
    assert sum(1 for item in found.recurring if item.answers) >= 4
    assert blockers.stored(db) == blockers.recount(db)

    # As an agent reads it.
    agent = users.get_by_email(db, "lea.petit@ville-exemple.fr")
    assert agent is not None
    client = make_client()
    client.login(agent, DEMO_PASSWORD)
    page = soup(client.get("/ce-qui-bloque"))
    assert len(page.select("#recurring-title ~ article.recurring")) >= 5
    assert len(page.select("#recurring-title ~ article.recurring h4")) >= 4  # déjà déminée ailleurs
    assert "Pour la généralisation" in text_of(page, "#chart-blocker-scopes table")
    rules = text_of(page, "#chart-blocker-rules table")
    assert "Une habitude" in rules and "Une procédure interne" in rules and "Une loi" in rules
