"""Calls for ideas: their dates and audience are the service's rules, their notices go out once,
and the sponsor's outcomes close them."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from app.config import Settings
from app.errors import Conflict, Forbidden, InvalidInput
from app.models import (
    CallForIdeas,
    CallPhase,
    Idea,
    IdeaStatus,
    Notification,
    NotificationKind,
    Role,
    User,
)
from app.models.base import pk
from app.schemas import CallInput, IdeaCreate, IdeaUpdate, MineCreate
from app.services import (
    call_outcomes,
    calls,
    ideas,
    mines,
    moderation,
    notifications,
    outcomes,
)
from app.services.readiness import ScoringParams
from tests.conftest import Clock
from tests.factories import make_call, make_idea, make_mine, make_user

P = ScoringParams()


def _input(**changes: object) -> CallInput:
    data: dict[str, object] = {
        "question": "Comment raccourcir l’attente à l’accueil\u202f?",
        "context": "Une heure d’attente le lundi.",
        "sponsor_email": "sponsor@ville.fr",
        "ideas_until": date(2026, 11, 10),
        "deminage_until": date(2026, 11, 20),
        "decision_by": date(2026, 11, 30),
        **changes,
    }
    return CallInput.model_validate(data)


def test_a_call_refuses_dates_out_of_order_and_an_unknown_sponsor_field_by_field(
    engine_session: Session, clock: Clock
) -> None:
    s = engine_session
    manager = make_user(s, role=Role.manager)
    make_user(s, email="sponsor@ville.fr", role=Role.manager)
    with pytest.raises(InvalidInput) as refused:
        calls.open_call(
            s,
            manager,
            _input(
                sponsor_email="personne@ville.fr",
                ideas_until=date(2026, 11, 1),  # yesterday, in Paris
                deminage_until=date(2026, 10, 30),
                decision_by=date(2026, 10, 29),
                audience="units",
            ),
            clock.now,
        )
    assert set(refused.value.errors) == {
        "sponsor_email",
        "ideas_until",
        "deminage_until",
        "decision_by",
        "units",
    }
    assert "passée" in refused.value.errors["ideas_until"]
    # The same day for all three is fine: each date is included.
    same_day = date(2026, 11, 2)
    call = calls.open_call(
        s,
        manager,
        _input(ideas_until=same_day, deminage_until=same_day, decision_by=same_day),
        clock.now,
    )
    assert call.phase(clock.now) == CallPhase.ideas


def test_only_managers_open_edit_and_close_calls(engine_session: Session, clock: Clock) -> None:
    s = engine_session
    agent = make_user(s)
    manager = make_user(s, email="sponsor@ville.fr", role=Role.manager)
    with pytest.raises(Forbidden):
        calls.open_call(s, agent, _input(), clock.now)
    call = calls.open_call(s, manager, _input(), clock.now)
    with pytest.raises(Forbidden):
        calls.update_call(s, agent, call, _input(question="Autre\u202f?"), clock.now)
    calls.update_call(s, manager, call, _input(question="Autre question\u202f?"), clock.now)
    assert call.question == "Autre question\u202f?"
    with pytest.raises(Forbidden):
        calls.close_call(s, agent, call, clock.now)
    calls.close_call(s, manager, call, clock.now)
    with pytest.raises(InvalidInput) as locked:
        calls.update_call(s, manager, call, _input(), clock.now)
    assert set(locked.value.errors) == {"question"}


def test_an_idea_answers_a_call_of_its_authors_audience_until_its_ideas_deadline(
    engine_session: Session, clock: Clock
) -> None:
    s = engine_session
    manager = make_user(s, role=Role.manager, unit="DGS")
    accueil = make_user(s, unit="Accueil")
    finances = make_user(s, unit="Finances")
    call = make_call(s, manager, clock.now, units=["Accueil"], ideas_until=date(2026, 11, 10))

    idea = make_idea(s, accueil, clock.now, call_id=call.id)
    assert idea.call_id == call.id
    # Not the audience: refused, whatever the form offered.
    with pytest.raises(Forbidden) as refused:
        make_idea(s, finances, clock.now, call_id=call.id)
    assert refused.value.field == "call_id"
    other = make_idea(s, finances, clock.now)
    with pytest.raises(Forbidden):
        ideas.update_idea(s, P, finances, other, IdeaUpdate(call_id=call.id), clock.now)

    # The last day is included (Paris time); the next day, no new idea answers it.
    last_evening = clock.advance(days=8, hours=13)  # 10 Nov, 23:00 in Paris
    make_idea(s, accueil, last_evening, call_id=call.id)
    after = clock.advance(hours=2)
    with pytest.raises(Conflict):
        make_idea(s, accueil, after, call_id=call.id)
    late = make_idea(s, accueil, after)
    with pytest.raises(Conflict):
        ideas.update_idea(s, P, accueil, late, IdeaUpdate(call_id=call.id), after)
    assert late.call_id is None
    # A draft that answered it in time is not published once it closed: the call waited.
    draft = ideas.create_draft(
        s, P, accueil, IdeaCreate(title="Tardive", problem="Un problème.", call_id=None), after
    )
    draft.call_id = call.id
    with pytest.raises(Conflict):
        ideas.publish(s, P, accueil, draft, after)
    # The idea that answered in time keeps its call, and may still leave it.
    ideas.update_idea(s, P, accueil, idea, IdeaUpdate(call_id=None), after)
    assert idea.call_id is None


def test_closing_a_call_ends_its_ideas_at_once(engine_session: Session, clock: Clock) -> None:
    s = engine_session
    manager = make_user(s, role=Role.manager)
    author = make_user(s)
    call = make_call(s, manager, clock.now)
    calls.close_call(s, manager, call, clock.now)
    assert call.phase(clock.now) == CallPhase.decision
    with pytest.raises(Conflict):
        make_idea(s, author, clock.now, call_id=call.id)


def _notices(s: Session, kind: NotificationKind) -> list[Notification]:
    return list(s.exec(select(Notification).where(Notification.kind == kind)))


def test_the_audience_is_told_once_of_the_opening_and_once_before_the_deadline(
    engine_session: Session, settings: Settings, clock: Clock
) -> None:
    s = engine_session
    mailer = notifications.Mailer.from_settings(settings)
    manager = make_user(s, role=Role.manager, unit="DGS")
    accueil = [make_user(s, unit="Accueil") for _ in range(2)]
    make_user(s, unit="Finances")
    make_user(s, unit="Accueil", active=False)
    call = make_call(s, manager, clock.now, units=["Accueil"], ideas_until=date(2026, 11, 10))

    assert calls.send_notices(s, mailer, clock.now) == (1, 0)
    assert calls.send_notices(s, mailer, clock.now) == (0, 0)  # run twice: nobody told twice
    opened = _notices(s, NotificationKind.call_opened)
    assert {n.user_id for n in opened} == {a.id for a in accueil}
    assert opened[0].url == f"/calls/{call.id}"

    # Four days before the deadline: not yet. Three days before: the reminder, once.
    clock.now = clock.now.replace(day=6, hour=23, minute=30)  # 7 Nov 00:30 in Paris
    assert calls.send_notices(s, mailer, clock.now) == (0, 0)
    clock.advance(days=1)
    assert calls.send_notices(s, mailer, clock.now) == (0, 1)
    assert calls.send_notices(s, mailer, clock.advance(hours=20)) == (0, 0)
    reminders = _notices(s, NotificationKind.call_closing)
    assert {n.user_id for n in reminders} == {a.id for a in accueil}
    assert "10\u00a0novembre 2026" in reminders[0].message

    # Once the deadline passed, nothing more; a call opened too late for its reminder is
    # announced only.
    assert calls.send_notices(s, mailer, clock.advance(days=5)) == (0, 0)
    make_call(s, manager, clock.now, ideas_until=clock.now.date() + timedelta(days=1))
    assert calls.send_notices(s, mailer, clock.now) == (1, 0)
    assert calls.send_notices(s, mailer, clock.advance(days=1)) == (0, 0)


def _edit_input(s: Session, call: CallForIdeas, **changes: object) -> CallInput:
    """The call as its form holds it, with `changes`."""
    sponsor = s.get(User, call.sponsor_id)
    assert sponsor is not None
    return CallInput.model_validate(
        {
            "question": call.question,
            "context": call.context,
            "sponsor_email": sponsor.email,
            "audience": "units",
            "units": sorted(calls.audience_of(s, call)),
            "ideas_until": call.ideas_until,
            "deminage_until": call.deminage_until,
            "decision_by": call.decision_by,
            **changes,
        }
    )


def test_widening_the_audience_tells_the_newcomers_once_and_nobody_twice(
    engine_session: Session, settings: Settings, clock: Clock
) -> None:
    s = engine_session
    mailer = notifications.Mailer.from_settings(settings)
    manager = make_user(s, role=Role.manager, unit="DGS")
    accueil = make_user(s, unit="Accueil")
    finances = make_user(s, unit="Finances")
    rh = make_user(s, unit="RH")
    call = make_call(s, manager, clock.now, units=["Accueil"], ideas_until=date(2026, 11, 10))
    assert calls.send_notices(s, mailer, clock.now) == (1, 0)

    def opened_for() -> list[int]:
        return sorted(n.user_id for n in _notices(s, NotificationKind.call_opened))

    assert opened_for() == [accueil.id]
    # Editing the words only: nobody is told again.
    assert not calls.update_call(s, manager, call, _edit_input(s, call, context="Plus."), clock.now)
    assert calls.send_notices(s, mailer, clock.now) == (0, 0)

    # Finances joins: its agent is told once, Accueil's not a second time.
    assert accueil.unit_id is not None and finances.unit_id is not None
    both = sorted([accueil.unit_id, finances.unit_id])
    assert calls.update_call(s, manager, call, _edit_input(s, call, units=both), clock.now)
    assert calls.send_notices(s, mailer, clock.advance(hours=1)) == (1, 0)
    assert calls.send_notices(s, mailer, clock.advance(hours=1)) == (0, 0)
    assert opened_for() == sorted([pk(accueil), pk(finances)])

    # Narrowed then widened to everyone: only whoever was never told is told now.
    assert not calls.update_call(
        s, manager, call, _edit_input(s, call, units=[finances.unit_id]), clock.now
    )
    assert calls.update_call(s, manager, call, _edit_input(s, call, audience="everyone"), clock.now)
    calls.send_notices(s, mailer, clock.now)
    assert opened_for() == sorted([pk(manager), pk(accueil), pk(finances), pk(rh)])

    # The reminder still reaches everyone of the audience, once.
    clock.now = clock.now.replace(day=8, hour=12)
    assert calls.send_notices(s, mailer, clock.now) == (0, 1)
    reminded = sorted(n.user_id for n in _notices(s, NotificationKind.call_closing))
    assert reminded == sorted([pk(manager), pk(accueil), pk(finances), pk(rh)])


def test_a_widening_after_the_reminder_is_due_reminds_only_those_told_before(
    engine_session: Session, settings: Settings, clock: Clock
) -> None:
    s = engine_session
    mailer = notifications.Mailer.from_settings(settings)
    manager = make_user(s, role=Role.manager, unit="DGS")
    accueil = make_user(s, unit="Accueil")
    finances = make_user(s, unit="Finances")
    call = make_call(s, manager, clock.now, units=["Accueil"], ideas_until=date(2026, 11, 10))
    assert calls.send_notices(s, mailer, clock.now) == (1, 0)
    clock.now = clock.now.replace(day=8, hour=12)  # two days before the deadline
    assert accueil.unit_id is not None and finances.unit_id is not None
    both = sorted([accueil.unit_id, finances.unit_id])
    calls.update_call(s, manager, call, _edit_input(s, call, units=both), clock.now)

    assert calls.send_notices(s, mailer, clock.now) == (1, 1)
    assert calls.send_notices(s, mailer, clock.now) == (0, 0)
    opened = [n.user_id for n in _notices(s, NotificationKind.call_opened)]
    assert sorted(opened) == sorted([pk(accueil), pk(finances)])
    assert [n.user_id for n in _notices(s, NotificationKind.call_closing)] == [accueil.id]


def test_the_call_page_counts_neither_drafts_nor_hidden_mines(
    engine_session: Session, clock: Clock
) -> None:
    s = engine_session
    manager = make_user(s, role=Role.manager)
    admin = make_user(s, role=Role.admin)
    author, colleague = make_user(s), make_user(s)
    call = make_call(s, manager, clock.now)
    idea = make_idea(s, author, clock.now, call_id=call.id, title="Publiée")
    make_idea(s, author, clock.now, call_id=call.id, title="Brouillon", published=False)
    make_mine(s, idea, colleague, clock.now, severity="blocking")
    hidden = make_mine(s, idea, colleague, clock.now, severity="minor")
    moderation.hide(s, P, admin, hidden, idea, "Hors sujet.", clock.now)

    seen = calls.call_page(s, call, colleague, clock.now)
    assert [i.idea.title for i in seen.ideas] == ["Publiée"]
    assert seen.drafts == [] and seen.summary.idea_count == 1
    assert seen.ideas[0].open_mines == {"blocking": 1}
    assert seen.ideas[0].mines == {"open": 1, "withdrawn": 1}
    # Its author sees their own draft, apart, never counted.
    own = calls.call_page(s, call, author, clock.now)
    assert [i.idea.title for i in own.drafts] == ["Brouillon"]
    assert own.summary.idea_count == 1


def test_the_call_page_counts_a_generalisation_mine_apart_from_the_active_ones(
    engine_session: Session, clock: Clock
) -> None:
    """As the ripeness does: a mine « pour la généralisation » is no active mine of the card."""
    s = engine_session
    manager = make_user(s, role=Role.manager)
    author, colleague = make_user(s), make_user(s)
    call = make_call(s, manager, clock.now)
    idea = make_idea(s, author, clock.now, call_id=call.id)
    make_mine(s, idea, colleague, clock.now, severity="minor")
    later = {"category": "legal", "severity": "blocking", "body": "Au national, un décret."}
    data = MineCreate.model_validate({**later, "scope": "generalisation"})
    mines.lay_mine(s, P, colleague, idea, data, clock.now)

    (seen,) = calls.call_page(s, call, colleague, clock.now).ideas
    assert (seen.open_mines, seen.open_later) == ({"minor": 1}, 1)


def test_the_sponsor_decides_every_idea_once_the_deminage_is_over(
    engine_session: Session, clock: Clock
) -> None:
    s = engine_session
    manager = make_user(s, role=Role.manager)
    sponsor = make_user(s, name="Sophie Sponsor", role=Role.manager)
    author, follower = make_user(s), make_user(s)
    call = make_call(s, manager, clock.now, sponsor=sponsor)
    kept = make_idea(s, author, clock.now, call_id=call.id, title="Gardée")
    dropped = make_idea(s, author, clock.now, call_id=call.id, title="Écartée")
    notifications.toggle(s, notifications.Follow, follower, kept)
    form = {
        f"decision_{kept.id}": "promoted",
        f"text_{kept.id}": "On la teste à l’accueil de la mairie annexe.",
        f"decision_{dropped.id}": "closed",
        f"text_{dropped.id}": "Trop coûteuse cette année.",
    }
    # During the déminage: too early; and only the sponsor decides.
    with pytest.raises(Conflict):
        call_outcomes.decide(s, P, sponsor, call, form, clock.now)
    clock.advance(days=20)
    with pytest.raises(Forbidden):
        call_outcomes.decide(s, P, manager, call, form, clock.now)

    # One idea with its decision but no text: nothing is written, the field is named.
    with pytest.raises(InvalidInput) as refused:
        call_outcomes.decide(s, P, sponsor, call, {**form, f"text_{dropped.id}": " "}, clock.now)
    assert set(refused.value.errors) == {f"text_{dropped.id}"}
    assert kept.status == IdeaStatus.open and call.decided_at is None

    assert call_outcomes.decide(s, P, sponsor, call, form, clock.now) == 2
    assert (kept.status, dropped.status) == (IdeaStatus.project, IdeaStatus.abandoned)
    assert kept.sponsor_id == sponsor.id and dropped.lesson == "Trop coûteuse cette année."
    assert call.phase(clock.now) == CallPhase.decided
    # Each outcome is the loop's: kept with the idea, told to everyone who took part.
    assert [o.text for o in outcomes.outcomes_of(s, kept, follower)] == [
        "On la teste à l’accueil de la mairie annexe."
    ]
    for person in (author, follower):
        told = s.exec(
            select(Notification).where(
                Notification.user_id == person.id,
                Notification.kind == NotificationKind.decision_outcome,
            )
        ).all()
        assert any("mairie annexe" in n.message for n in told), person.name
    page = calls.call_page(s, call, follower, clock.now)
    assert {i.idea.title: i.outcome.decision for i in page.ideas if i.outcome} == {
        "Gardée": "promoted",
        "Écartée": "closed",
    }
    with pytest.raises(Conflict):
        call_outcomes.decide(s, P, sponsor, call, form, clock.now)


def test_a_sponsor_may_decide_in_several_rounds(engine_session: Session, clock: Clock) -> None:
    s = engine_session
    manager = make_user(s, role=Role.manager)
    author = make_user(s)
    call = make_call(s, manager, clock.now)
    first, second = (make_idea(s, author, clock.now, call_id=call.id) for _ in range(2))
    calls.close_call(s, manager, call, clock.now)
    answered = {f"decision_{first.id}": "sent_back", f"text_{first.id}": "Chiffrez le coût."}
    assert call_outcomes.decide(s, P, manager, call, answered, clock.now) == 1
    assert first.status == IdeaStatus.open and call.decided_at is None
    assert [i.idea.id for i in call_outcomes.pending(s, call, manager, clock.now)] == [second.id]
    with pytest.raises(InvalidInput):
        call_outcomes.decide(s, P, manager, call, {}, clock.now)  # nothing to write
    rest = {f"decision_{second.id}": "closed", f"text_{second.id}": "Déjà fait ailleurs."}
    call_outcomes.decide(s, P, manager, call, rest, clock.now)
    assert call.decided_at == clock.now
    assert s.get_one(Idea, second.id).lesson == "Déjà fait ailleurs."


def test_a_managers_decision_after_the_deminage_counts_as_the_ideas_outcome(
    engine_session: Session, clock: Clock
) -> None:
    s = engine_session
    manager = make_user(s, role=Role.manager)
    sponsor, author = make_user(s, role=Role.manager), make_user(s)
    call = make_call(s, manager, clock.now, sponsor=sponsor)
    early = make_idea(s, author, clock.now, call_id=call.id, title="Renvoyée tôt")
    late = make_idea(s, author, clock.now, call_id=call.id, title="Renvoyée après")
    ideas.send_back(s, manager, early, "Précisez le public.", clock.now)  # during the déminage
    clock.advance(days=20)
    ideas.send_back(s, manager, late, "Chiffrez-la.", clock.now)
    waiting = call_outcomes.pending(s, call, sponsor, clock.now)
    assert [i.idea.title for i in waiting] == ["Renvoyée tôt"]
    shown = {
        i.idea.title: i.outcome.text
        for i in calls.call_page(s, call, author, clock.now).ideas
        if i.outcome is not None
    }
    assert shown == {"Renvoyée tôt": "Précisez le public.", "Renvoyée après": "Chiffrez-la."}


def test_a_call_dated_beyond_five_years_is_refused_and_no_date_breaks_its_phase(
    engine_session: Session, clock: Clock
) -> None:
    s = engine_session
    manager = make_user(s, email="sponsor@ville.fr", role=Role.manager)
    far = date(9999, 12, 31)
    with pytest.raises(InvalidInput) as refused:
        calls.open_call(
            s, manager, _input(ideas_until=far, deminage_until=far, decision_by=far), clock.now
        )
    assert set(refused.value.errors) == {"ideas_until", "deminage_until", "decision_by"}
    assert (
        refused.value.errors["ideas_until"] == "Choisissez une date dans les cinq ans qui viennent."
    )
    # A call stored with the last day there is (by hand, or before this rule) still has a phase.
    call = make_call(s, manager, clock.now)
    call.ideas_until = call.deminage_until = call.decision_by = far
    assert call.phase(clock.now) == CallPhase.ideas
    assert [summary.call.id for summary in calls.list_calls(s, clock.now)] == [call.id]


def test_only_a_manager_sponsors_a_call_and_never_decides_an_idea_they_carry(
    engine_session: Session, clock: Clock
) -> None:
    s = engine_session
    manager = make_user(s, role=Role.manager)
    agent = make_user(s, email="agent@ville.fr")
    with pytest.raises(InvalidInput) as refused:
        calls.open_call(s, manager, _input(sponsor_email="agent@ville.fr"), clock.now)
    assert "manager" in refused.value.errors["sponsor_email"]
    sponsor = make_user(s, role=Role.manager)
    call = make_call(s, manager, clock.now, sponsor=sponsor)
    own = make_idea(s, sponsor, clock.now, call_id=call.id, title="L’idée du sponsor")
    other = make_idea(s, agent, clock.now, call_id=call.id, title="Une autre idée")
    calls.close_call(s, manager, call, clock.now)
    form = {
        f"decision_{own.id}": "promoted",
        f"text_{own.id}": "Je promeus la mienne.",
        f"decision_{other.id}": "sent_back",
        f"text_{other.id}": "Précisez le public.",
    }
    with pytest.raises(InvalidInput) as mine:
        call_outcomes.decide(s, P, sponsor, call, form, clock.now)
    assert set(mine.value.errors) == {f"decision_{own.id}"}
    assert s.get_one(Idea, own.id).status == IdeaStatus.open  # nothing written
    # A sponsor who is no longer a manager decides nothing.
    sponsor.role = Role.agent
    with pytest.raises(Forbidden):
        call_outcomes.decide(s, P, sponsor, call, {}, clock.now)
