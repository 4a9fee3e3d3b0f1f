"""The demo data reads like a real administration's year, not like one idea copied around."""

from collections import Counter
from datetime import timedelta

from sqlmodel import Session, select

from app.config import Settings
from app.demo import IDEAS, seed_demo
from app.models import CallForIdeas, CallPhase, Deminage, Idea, IdeaStatus, Mine, User
from app.models.call import end_of_day
from app.services import calls
from app.services.search import terms
from tests.conftest import Clock


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
    published_at = {i.id: i.published_at for i in ideas}
    assert all(m.created_at > published_at[m.idea_id] for m in mines)  # type: ignore[operator]

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
