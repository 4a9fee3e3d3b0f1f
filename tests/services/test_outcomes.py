"""Closing the loop: every decision on an idea keeps a written outcome, told to everyone who
took part, through the real services on a real database."""

from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, select

from app.errors import InvalidInput
from app.models import Notification, NotificationKind, NotificationPreference, OutboxMessage, Role
from app.models.outcome import Decision
from app.schemas import PromoteInput
from app.services import ideas, invitations, mines, moderation, notifications, outcomes
from app.services.readiness import ScoringParams
from tests.conftest import Clock
from tests.factories import make_deminage, make_idea, make_mine, make_user

P = ScoringParams()


def promotion(outcome: str = "Un pilote de six mois à l’accueil de Lyon.") -> PromoteInput:
    return PromoteInput(
        sponsor="DGS",
        next_step="Lancer le pilote",
        target_date=date(2027, 3, 31),
        reason="Urgent",
        outcome=outcome,
    )


@pytest.fixture
def scene(engine_session: Session, clock: Clock) -> dict[str, Any]:
    """An idea with everyone who can take part in it, and some who did not."""
    s = engine_session
    people = {
        name: make_user(s, name=name)
        for name in (
            "autrice",
            "poseuse",
            "demineur",
            "soutien",
            "abonne",
            "invitee",
            "masquee",
            "demineur_masque",
            "passant",
            "cosignataire",
        )
    }
    people["manager"] = make_user(s, name="Manon", role=Role.manager)
    people["admin"] = make_user(s, name="Adèle", role=Role.admin)
    idea = make_idea(s, people["autrice"], clock.now, title="Guichet sans attente")
    mine = make_mine(s, idea, people["poseuse"], clock.now, title="Le RGPD")
    make_deminage(s, mine, people["demineur"], clock.now)
    hidden = make_mine(s, idea, people["masquee"], clock.now, title="Secretcanari")
    hidden_answer = make_deminage(s, mine, people["demineur_masque"], clock.now)
    notifications.toggle(s, notifications.Support, people["soutien"], idea)
    notifications.toggle(s, notifications.Follow, people["abonne"], idea)
    invitations.invite(s, people["poseuse"], mine, idea, people["invitee"], "", clock.now)
    moderation.hide(s, P, people["admin"], hidden, idea, "Hors sujet", clock.now)
    moderation.hide(s, P, people["admin"], hidden_answer, idea, "Hors sujet", clock.now)
    mines.cosign(s, P, people["cosignataire"], mine, idea, "blocking", clock.now)
    # Laying, co-signing or answering a mine may follow the idea; these stop following it:
    # the co-signer is told as a co-signer, the authors of hidden content are not told.
    for name in ("masquee", "demineur_masque", "cosignataire"):
        if notifications.follows(s, people[name], idea):
            notifications.toggle(s, notifications.Follow, people[name], idea)
    s.flush()
    return {"idea": idea, "mine": mine, **people}


def told(session: Session, user_id: int) -> list[Notification]:
    return list(
        session.exec(
            select(Notification).where(
                Notification.user_id == user_id,
                Notification.kind == NotificationKind.decision_outcome,
            )
        )
    )


def test_a_promotion_s_outcome_reaches_everyone_who_took_part_and_no_one_else(
    engine_session: Session, scene: dict[str, Any], clock: Clock
) -> None:
    s = engine_session
    ideas.promote(s, P, scene["manager"], scene["idea"], promotion(), clock.now)
    for name in ("autrice", "poseuse", "demineur", "soutien", "abonne", "invitee", "cosignataire"):
        (note,) = told(s, scene[name].id)
        assert "Un pilote de six mois à l’accueil de Lyon." in note.message, name
        assert "promue en projet" in note.message
    # Authors of hidden content (once they no longer follow the idea), a passer-by and the
    # manager who decided are not told.
    for name in ("masquee", "demineur_masque", "passant", "manager"):
        assert told(s, scene[name].id) == [], name
    (line,) = outcomes.outcomes_of(s, scene["idea"], scene["passant"])
    assert (
        line.decision == Decision.promoted
        and line.author is not None
        and line.author.name == "Manon"
    )


def test_the_outcome_goes_by_e_mail_unless_the_person_chose_the_app_only(
    engine_session: Session, scene: dict[str, Any], clock: Clock
) -> None:
    s = engine_session
    s.add(
        NotificationPreference(
            user_id=scene["soutien"].id, kind=NotificationKind.decision_outcome, channel="app"
        )
    )
    s.flush()
    ideas.send_back(s, scene["manager"], scene["idea"], "Précisez le premier terrain.", clock.now)
    mailed = {m.to_email: m for m in s.exec(select(OutboxMessage))}
    assert "Précisez le premier terrain." in mailed[scene["poseuse"].email].body
    assert scene["soutien"].email not in mailed
    assert told(s, scene["soutien"].id)[0].channel == "app"


def test_closing_and_merging_keep_their_outcome_and_tell_who_took_part_in_the_duplicate(
    engine_session: Session, scene: dict[str, Any], clock: Clock
) -> None:
    s = engine_session
    other = make_idea(s, scene["passant"], clock.now, title="Accueil sans file")
    with pytest.raises(InvalidInput) as refused:
        ideas.merge(s, P, scene["admin"], other, scene["idea"], " ", clock.now)
    assert "outcome" in refused.value.errors
    ideas.merge(s, P, scene["admin"], other, scene["idea"], "Même terrain.", clock.now)
    (note,) = told(s, scene["poseuse"].id)
    assert "fusionnée" in note.message and "Même terrain." in note.message
    assert [o.decision for o in outcomes.outcomes_of(s, scene["idea"], None)] == ["merged"]
    closed = make_idea(s, scene["autrice"], clock.now)
    make_mine(s, closed, scene["poseuse"], clock.now)
    ideas.abandon(s, P, scene["autrice"], closed, "Le budget ne suit pas.", clock.now)
    (line,) = outcomes.outcomes_of(s, closed, None)
    assert (line.decision, line.text) == ("closed", "Le budget ne suit pas.")
    assert any("Le budget ne suit pas." in n.message for n in told(s, scene["poseuse"].id))


def test_an_outcome_quoting_a_hidden_mine_is_masked_for_who_may_not_read_it(
    engine_session: Session, scene: dict[str, Any], clock: Clock
) -> None:
    s = engine_session
    text = "Promue malgré « Secretcanari », désormais sans objet."
    ideas.promote(s, P, scene["manager"], scene["idea"], promotion(text), clock.now)
    (note,) = told(s, scene["poseuse"].id)
    assert "Secretcanari" not in note.message
    decisions = [m for m in s.exec(select(OutboxMessage)) if "Décision" in m.subject]
    assert decisions and not [m for m in decisions if "Secretcanari" in m.body]
    (line,) = outcomes.outcomes_of(s, scene["idea"], scene["poseuse"])
    assert "Secretcanari" not in line.text
    (line,) = outcomes.outcomes_of(s, scene["idea"], scene["admin"])
    assert "Secretcanari" in line.text


@pytest.mark.parametrize(
    "quote", ["« Secretcanari »", "«\u00a0Secretcanari\u00a0»", "«Secretcanari»"]
)
def test_an_outcome_is_masked_however_the_quote_is_spaced(
    engine_session: Session, scene: dict[str, Any], clock: Clock, quote: str
) -> None:
    s = engine_session
    ideas.send_back(s, scene["manager"], scene["idea"], f"Répondez à {quote}.", clock.now)
    (line,) = outcomes.outcomes_of(s, scene["idea"], scene["poseuse"])
    assert "Secretcanari" not in line.text
