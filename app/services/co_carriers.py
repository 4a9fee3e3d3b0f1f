"""Co-porteurs: the author invites colleagues to carry the idea; they accept, decline or leave.

A co-porteur who accepted carries the idea as its author does (`permissions.is_carrier`): they
edit the fiche, answer its mines, accept déminages; they are not reviewers of it (the score
reads `Idea.co_carrier_ids`, which this module alone keeps equal to the accepted rows).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from app.db import locks_rows, read_rows, wide_select
from app.errors import Conflict, NotFound
from app.models import CoCarrier, Follow, Idea, NotificationKind, Unit, User
from app.models.base import pk, table_of
from app.services import invitations, notifications, scoring
from app.services.ideas import add_event, get_idea
from app.services.pages import Person, UnitName
from app.services.permissions import (
    check_accept_carrying,
    check_decline_carrying,
    check_invite_carrier,
    check_invite_carrier_colleague,
    check_leave_carrying,
    check_remove_carrier,
    raise_if,
)
from app.services.readiness import ScoringParams

# Invitations and co-porteurs together, per idea: enough to carry it, too few to spam with.
MAX_PER_IDEA = 10
MESSAGE_MAX = 2000
ANCHOR = "#co-porteurs"
# Why the score moved, in the history: a co-porteur is no reviewer (no name: see `accept`).
JOINED = "une personne de plus co-porte l’idée"
LEFT = "une personne ne co-porte plus l’idée"


def _quoted(title: str) -> str:
    return f"«\u00a0{title}\u00a0»"


def get_co_carrier(session: Session, co_carrier_id: int, viewer: User) -> tuple[CoCarrier, Idea]:
    """The invitation (or co-porteur) and its idea, or 404 when either is unknown or the idea
    is not visible to the viewer."""
    row = session.get(CoCarrier, co_carrier_id) if 0 < co_carrier_id < 2**31 else None
    if row is None:
        raise NotFound("Cette invitation à porter une idée n’existe pas, ou plus.")
    idea = get_idea(session, row.idea_id, viewer)
    if locks_rows(session):
        session.refresh(row)  # as committed before the idea's lock was granted
    return row, idea


def _sync(session: Session, idea: Idea) -> None:
    """`Idea.co_carrier_ids` from the accepted rows (a new list: JSON columns see assignments)."""
    session.flush()
    idea.co_carrier_ids = sorted(
        session.exec(
            select(CoCarrier.user_id).where(
                CoCarrier.idea_id == idea.id, col(CoCarrier.accepted_at).is_not(None)
            )
        ).all()
    )
    session.add(idea)


def invite(
    session: Session,
    author: User,
    idea: Idea,
    invitee: User,
    message: str,
    now: datetime,
) -> CoCarrier:
    """The author asks a colleague to carry the idea with them; the colleague is told."""
    raise_if(check_invite_carrier(author, idea))
    raise_if(check_invite_carrier_colleague(author, idea, invitee))
    existing = session.exec(
        select(CoCarrier).where(CoCarrier.idea_id == idea.id, CoCarrier.user_id == invitee.id)
    ).first()
    if existing is not None:
        raise Conflict(
            f"{invitee.name} a déjà reçu une invitation à porter cette idée.", field="invitee"
        )
    count = session.exec(
        select(func.count()).select_from(CoCarrier).where(CoCarrier.idea_id == idea.id)
    ).one()
    if count >= MAX_PER_IDEA:
        raise Conflict(
            f"Une idée compte {MAX_PER_IDEA} co-porteurs et invitations au plus.", field="invitee"
        )
    row = CoCarrier(
        idea_id=pk(idea),
        user_id=pk(invitee),
        invited_by_id=pk(author),
        message=message[:MESSAGE_MAX],
        created_at=now,
    )
    session.add(row)
    session.flush()  # its id, for the answer
    note = f"\u00a0: «\u00a0{message[:200]}\u00a0»" if message else ""
    notifications.notify(
        session,
        notifications.mailer_of(session),
        invitee,
        NotificationKind.co_carrier,
        author,
        idea,
        f"{author.name} vous invite à co-porter l’idée {_quoted(idea.title)}{note}",
        ANCHOR,
        now,
    )
    return row


def invite_colleague(
    session: Session, author: User, idea: Idea, who: str, message: str, now: datetime
) -> CoCarrier:
    """`invite` a colleague named by e-mail or by full name (the idea page's form)."""
    invitee = invitations.find_colleague(session, who)
    return invite(session, author, idea, invitee, message, now)


def _tell(
    session: Session, recipient_id: int, actor: User, idea: Idea, message: str, now: datetime
) -> None:
    notifications.notify(
        session,
        notifications.mailer_of(session),
        session.get_one(User, recipient_id),
        NotificationKind.co_carrier,
        actor,
        idea,
        message,
        ANCHOR,
        now,
    )


def accept(
    session: Session,
    params: ScoringParams,
    user: User,
    row: CoCarrier,
    idea: Idea,
    now: datetime,
) -> None:
    """The invitee accepts: from now on they carry the idea, follow it, and no longer count as
    one of its reviewers (the score is recomputed)."""
    raise_if(check_accept_carrying(user, row, idea))
    row.accepted_at = now
    session.add(row)
    _sync(session, idea)
    if session.get(Follow, (idea.id, user.id)) is None:
        session.add(Follow(idea_id=pk(idea), user_id=pk(user)))
    # The history names people through its actor only (closing an account anonymises that).
    add_event(session, idea, user, "co_carrier_joined", "Co-porte désormais l’idée.", now)
    scoring.refresh(session, params, idea, now, user, cause=JOINED)
    _tell(
        session,
        idea.author_id,
        user,
        idea,
        f"{user.name} accepte de co-porter votre idée {_quoted(idea.title)}",
        now,
    )


def decline(session: Session, user: User, row: CoCarrier, idea: Idea, now: datetime) -> None:
    """The invitee says no; the invitation goes, and the author is told."""
    raise_if(check_decline_carrying(user, row))
    session.delete(row)
    _tell(
        session,
        idea.author_id,
        user,
        idea,
        f"{user.name} décline votre invitation à co-porter l’idée {_quoted(idea.title)}",
        now,
    )


def remove(
    session: Session,
    params: ScoringParams,
    author: User,
    row: CoCarrier,
    idea: Idea,
    now: datetime,
) -> str:
    """The author withdraws an invitation, or removes a co-porteur (who is told); returns the
    person's name."""
    raise_if(check_remove_carrier(author, row, idea))
    person = session.get_one(User, row.user_id)
    accepted = row.accepted_at is not None
    session.delete(row)
    if not accepted:
        _tell(
            session,
            pk(person),
            author,
            idea,
            f"{author.name} retire son invitation à co-porter l’idée {_quoted(idea.title)}",
            now,
        )
        return person.name
    _sync(session, idea)
    add_event(
        session, idea, author, "co_carrier_removed", "Retire une personne des co-porteurs.", now
    )
    scoring.refresh(session, params, idea, now, author, cause=LEFT)
    _tell(
        session,
        pk(person),
        author,
        idea,
        f"{author.name} vous retire des personnes qui co-portent l’idée {_quoted(idea.title)}",
        now,
    )
    return person.name


def leave(
    session: Session,
    params: ScoringParams,
    user: User,
    row: CoCarrier,
    idea: Idea,
    now: datetime,
) -> None:
    """A co-porteur stops carrying the idea; the author is told."""
    raise_if(check_leave_carrying(user, row))
    session.delete(row)
    _sync(session, idea)
    add_event(session, idea, user, "co_carrier_left", "Ne co-porte plus l’idée.", now)
    scoring.refresh(session, params, idea, now, user, cause=LEFT)
    _tell(
        session,
        idea.author_id,
        user,
        idea,
        f"{user.name} ne co-porte plus votre idée {_quoted(idea.title)}",
        now,
    )


@dataclass(frozen=True)
class CarrierLine:
    """One co-porteur or one invitation, as the idea page names it."""

    row: Any  # the co_carrier row (id, idea_id, user_id, invited_by_id, message, dates)
    person: Person
    unit: UnitName | None

    @property
    def accepted(self) -> bool:
        return self.row.accepted_at is not None


_OF_IDEA = (
    wide_select(
        *table_of(CoCarrier).columns,
        col(User.name).label("person_name"),
        col(User.unit_id).label("person_unit_id"),
        col(User.is_active).label("person_active"),
        col(Unit.name).label("person_unit_name"),
    )
    .join(User, col(CoCarrier.user_id) == User.id)
    .join(Unit, col(User.unit_id) == Unit.id, isouter=True)
    .where(CoCarrier.idea_id == bindparam("idea"))
    .order_by(col(CoCarrier.accepted_at).is_(None), col(CoCarrier.accepted_at), col(CoCarrier.id))
)


def lines_of(session: Session, idea: Idea) -> list[CarrierLine]:
    """The idea's co-porteurs (in the order they joined), then its pending invitations, with
    each person and their unit, in one query of plain rows."""
    return [
        CarrierLine(
            row,
            Person(row.user_id, row.person_name, row.person_unit_id, row.person_active),
            UnitName(row.person_unit_id, row.person_unit_name)
            if row.person_unit_id is not None
            else None,
        )
        for row in read_rows(session, _OF_IDEA, {"idea": idea.id})
    ]
