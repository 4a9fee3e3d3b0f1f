"""Co-porteurs through the real services: who may invite whom, the lifecycle of an invitation,
the idea's list of co-porteurs kept equal to the accepted invitations, and what closing an
account does to them."""

from typing import Any

import pytest
from sqlmodel import Session, select

from app.errors import Conflict, Forbidden
from app.models import CoCarrier, Idea, Notification, NotificationKind
from app.schemas import IdeaUpdate
from app.services import co_carriers, ideas, personal_data
from app.services.personal_data import FORMER_AGENT
from app.services.readiness import ScoringParams
from tests.conftest import Clock
from tests.factories import make_deminage, make_idea, make_mine, make_user

P = ScoringParams()


@pytest.fixture
def cast(engine_session: Session, clock: Clock) -> dict[str, Any]:
    s = engine_session
    author = make_user(s, name="Autrice", unit="Accueil")
    return {
        "author": author,
        "cora": make_user(s, name="Cora", unit="DSI"),
        "dan": make_user(s, name="Dan", unit="RH"),
        "layer": make_user(s, name="Léa", unit="Finances"),
        "idea": make_idea(s, author, clock.now),
    }


def _accepted(s: Session, idea: Idea) -> list[int]:
    rows = s.exec(select(CoCarrier).where(CoCarrier.idea_id == idea.id)).all()
    return sorted(r.user_id for r in rows if r.accepted_at is not None)


def test_the_idea_lists_exactly_the_co_porteurs_who_accepted(
    engine_session: Session, cast: dict[str, Any], clock: Clock
) -> None:
    s, idea, now = engine_session, cast["idea"], clock.now
    cora = co_carriers.invite(s, cast["author"], idea, cast["cora"], "", now)
    dan = co_carriers.invite(s, cast["author"], idea, cast["dan"], "", now)
    assert idea.co_carrier_ids == []  # invited is not carrying
    co_carriers.accept(s, P, cast["cora"], cora, idea, now)
    assert idea.co_carrier_ids == [cast["cora"].id] == _accepted(s, idea)
    co_carriers.accept(s, P, cast["dan"], dan, idea, now)
    assert idea.co_carrier_ids == sorted([cast["cora"].id, cast["dan"].id]) == _accepted(s, idea)
    co_carriers.leave(s, P, cast["cora"], cora, idea, now)
    assert idea.co_carrier_ids == [cast["dan"].id] == _accepted(s, idea)
    co_carriers.remove(s, P, cast["author"], dan, idea, now)
    assert idea.co_carrier_ids == [] == _accepted(s, idea)
    assert s.exec(select(CoCarrier)).all() == []
    # The history names each through its actor (that closing an account anonymises).
    events = [(line.message, actor.name) for line, actor in ideas.events(s, idea) if actor]
    assert ("Co-porte désormais l’idée.", "Cora") in events
    assert ("Ne co-porte plus l’idée.", "Cora") in events
    assert ("Retire une personne des co-porteurs.", "Autrice") in events


def test_only_the_author_invites_and_only_on_a_published_idea(
    engine_session: Session, cast: dict[str, Any], clock: Clock
) -> None:
    s, now = engine_session, clock.now
    with pytest.raises(Forbidden):
        co_carriers.invite(s, cast["cora"], cast["idea"], cast["dan"], "", now)
    draft = make_idea(s, cast["author"], now, published=False)
    with pytest.raises(Conflict):
        co_carriers.invite(s, cast["author"], draft, cast["cora"], "", now)
    row = co_carriers.invite(s, cast["author"], cast["idea"], cast["cora"], "", now)
    ideas.abandon(s, P, cast["author"], cast["idea"], "Trop tôt.", now)
    with pytest.raises(Conflict):  # nobody joins a closed idea
        co_carriers.accept(s, P, cast["cora"], row, cast["idea"], now)
    co_carriers.decline(s, cast["cora"], row, cast["idea"], now)  # always possible


def test_nobody_is_invited_twice_nor_past_ten(
    engine_session: Session, cast: dict[str, Any], clock: Clock
) -> None:
    s, idea, now = engine_session, cast["idea"], clock.now
    co_carriers.invite(s, cast["author"], idea, cast["cora"], "", now)
    with pytest.raises(Conflict) as twice:
        co_carriers.invite(s, cast["author"], idea, cast["cora"], "", now)
    assert twice.value.field == "invitee"
    for _ in range(co_carriers.MAX_PER_IDEA - 1):
        co_carriers.invite(s, cast["author"], idea, make_user(s), "", now)
    with pytest.raises(Conflict):
        co_carriers.invite(s, cast["author"], idea, cast["dan"], "", now)


def test_the_invitee_is_told_and_so_is_the_author_of_each_answer(
    engine_session: Session, cast: dict[str, Any], clock: Clock
) -> None:
    s, idea, now = engine_session, cast["idea"], clock.now
    row = co_carriers.invite(s, cast["author"], idea, cast["cora"], "Avec moi ?", now)
    co_carriers.accept(s, P, cast["cora"], row, idea, now)
    told = s.exec(
        select(Notification.user_id, Notification.message).where(
            Notification.kind == NotificationKind.co_carrier
        )
    ).all()
    assert told == [
        (
            cast["cora"].id,
            f"Autrice vous invite à co-porter l’idée «\u00a0{idea.title}\u00a0»"
            "\u00a0: «\u00a0Avec moi ?\u00a0»",
        ),
        (cast["author"].id, f"Cora accepte de co-porter votre idée «\u00a0{idea.title}\u00a0»"),
    ]


def test_a_co_porteur_edits_answers_and_never_reviews_the_idea(
    engine_session: Session, cast: dict[str, Any], clock: Clock
) -> None:
    s, idea, now = engine_session, cast["idea"], clock.now
    mine = make_mine(s, idea, cast["layer"], now)
    make_deminage(s, mine, cast["cora"], now)
    assert idea.reviewer_count == 2
    row = co_carriers.invite(s, cast["author"], idea, cast["cora"], "", now)
    co_carriers.accept(s, P, cast["cora"], row, idea, now)
    assert idea.reviewer_count == 1  # Léa only: Cora carries the idea now
    ideas.update_idea(s, P, cast["cora"], idea, IdeaUpdate(solution="Grâce à nous."), now)
    assert idea.solution == "Grâce à nous."
    with pytest.raises(Forbidden):  # no mine on the field one carries
        make_mine(s, idea, cast["cora"], now)
    make_deminage(s, mine, cast["cora"], now)
    assert idea.reviewer_count == 1


def test_closing_an_account_drops_its_pending_invitations_and_keeps_its_carrying(
    engine_session: Session, cast: dict[str, Any], clock: Clock
) -> None:
    s, idea, now = engine_session, cast["idea"], clock.now
    accepted = co_carriers.invite(s, cast["author"], idea, cast["cora"], "", now)
    co_carriers.accept(s, P, cast["cora"], accepted, idea, now)
    other = make_idea(s, cast["dan"], now)
    co_carriers.invite(s, cast["dan"], other, cast["cora"], "Et là ?", now)  # to Cora
    co_carriers.invite(s, cast["author"], idea, cast["dan"], "", now)  # untouched
    exported = personal_data.personal_data(s, cast["cora"])
    rows = exported["co_carrier"]
    assert isinstance(rows, list)
    assert sorted(r["idea_id"] for r in rows) == sorted([idea.id, other.id])
    assert "co_carrier.invited_by_id" in exported

    personal_data.close_account(s, cast["cora"], now)
    s.flush()
    left = {(r.idea_id, r.user_id) for r in s.exec(select(CoCarrier))}
    assert left == {(idea.id, cast["cora"].id), (idea.id, cast["dan"].id)}
    assert idea.co_carrier_ids == [cast["cora"].id]
    assert co_carriers.lines_of(s, idea)[0].person.name == FORMER_AGENT

    personal_data.close_account(s, cast["author"], now)  # the invitations they sent go
    s.flush()
    assert {r.user_id for r in s.exec(select(CoCarrier))} == {cast["cora"].id}
