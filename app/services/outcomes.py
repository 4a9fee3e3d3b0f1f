"""Closing the loop: the written outcome of each decision on an idea, and a project's
milestones, each told to everyone who took part in the idea."""

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, union
from sqlmodel import Session, col, select

from app.db import read_rows
from app.models import (
    Deminage,
    Follow,
    Idea,
    Mine,
    MineInvitation,
    NotificationKind,
    Outcome,
    Support,
    User,
)
from app.models.outcome import DECISION_LABELS, Decision
from app.services import notifications, visibility
from app.services.pages import Person

# Everyone who took part in an idea: its author, the authors of its mines and déminages that
# moderation did not hide, its supporters and followers, and the colleagues invited to look at
# one of its mines (unless they declined). Co-signers of its mines join here once they exist.
_PARTICIPANTS = union(
    select(Idea.author_id.label("user_id")).where(Idea.id == bindparam("idea")),  # type: ignore[attr-defined]
    select(Mine.author_id).where(Mine.idea_id == bindparam("idea"), col(Mine.hidden_at).is_(None)),
    select(Deminage.author_id)
    .join(Mine, col(Deminage.mine_id) == Mine.id)
    .where(
        Mine.idea_id == bindparam("idea"),
        col(Mine.hidden_at).is_(None),
        col(Deminage.hidden_at).is_(None),
    ),
    select(Support.user_id).where(Support.idea_id == bindparam("idea")),
    select(Follow.user_id).where(Follow.idea_id == bindparam("idea")),
    select(MineInvitation.invitee_id)
    .join(Mine, col(MineInvitation.mine_id) == Mine.id)
    .where(
        Mine.idea_id == bindparam("idea"),
        col(Mine.hidden_at).is_(None),
        col(MineInvitation.declined_at).is_(None),
    ),
)


def participants(session: Session, idea: Idea) -> list[User]:
    """Everyone who took part in the idea (see `_PARTICIPANTS`), each once, by id."""
    ids = {row[0] for row in read_rows(session, _PARTICIPANTS, {"idea": idea.id})}
    if not ids:
        return []
    return list(session.exec(select(User).where(col(User.id).in_(ids)).order_by(col(User.id))))


def tell_participants(
    session: Session,
    idea: Idea,
    actor: User | None,
    kind: NotificationKind,
    message: str,
    subject: str,
    now: datetime,
    anchor: str = "",
    people: Iterable[User] | None = None,
) -> int:
    """Tell everyone who took part (or `people`, gathered before a merge moved them), in the
    app and by e-mail as each chose; a message quoting one of the idea's hidden mines reaches
    only those who may read it whole (`visibility`). Returns how many were told."""
    titles = visibility.hidden_titles(session, idea.id, None)  # type: ignore[arg-type]
    mailer = notifications.mailer_of(session)
    told = 0
    for person in participants(session, idea) if people is None else people:
        readable = visibility.reads_hidden(person)
        text = message if readable else visibility.redact_text(message, titles)
        if notifications.notify(
            session, mailer, person, kind, actor, idea, text, anchor, now, subject=subject
        ):
            told += 1
    return told


def record(
    session: Session,
    idea: Idea,
    decision: Decision,
    text: str,
    author: User | None,
    now: datetime,
    people: Iterable[User] | None = None,
) -> Outcome:
    """Keep the written outcome of a decision on the idea and tell everyone who took part.

    The caller has checked that the decision is allowed and that `text` is not empty (a
    decision's service function, or the calls' decision); `people` overrides who is told (a
    merge gathers them before moving the mines)."""
    outcome = Outcome(
        idea_id=idea.id,  # type: ignore[arg-type]
        decision=decision,
        text=text,
        author_id=author.id if author else None,
        created_at=now,
    )
    session.add(outcome)
    label = DECISION_LABELS[decision].lower()
    tell_participants(
        session,
        idea,
        author,
        NotificationKind.decision_outcome,
        f"Décision sur l’idée « {idea.title} »\u00a0: {label}. {text}",
        f"Décision sur l’idée « {idea.title} »\u00a0: {label}",
        now,
        "#issue",
        people,
    )
    return outcome


class OutcomeLine(NamedTuple):
    """An outcome as a viewer reads it (a text quoting a hidden mine masked: `visibility`)."""

    id: int
    decision: str
    label: str
    text: str
    author: Person | None
    created_at: datetime


_OUTCOMES = (
    select(
        Outcome.id,
        Outcome.decision,
        Outcome.text,
        Outcome.created_at,
        User.id,
        User.name,
        User.unit_id,
        User.is_active,
    )
    .join(User, col(Outcome.author_id) == User.id, isouter=True)
    .where(Outcome.idea_id == bindparam("idea"))
    .order_by(col(Outcome.created_at).desc(), col(Outcome.id).desc())
)


def outcomes_of(session: Session, idea: Idea, viewer: User | None) -> list[OutcomeLine]:
    """The idea's outcomes, newest first, as the viewer may read them."""
    rows = read_rows(session, _OUTCOMES, {"idea": idea.id})
    if not rows:
        return []
    titles = visibility.hidden_titles(session, idea.id, viewer)  # type: ignore[arg-type]
    return [
        OutcomeLine(
            outcome_id,
            decision,
            DECISION_LABELS[Decision(decision)],
            visibility.redact_text(text, titles),
            Person(author_id, name, unit_id, is_active) if author_id is not None else None,
            created_at,
        )
        for outcome_id, decision, text, created_at, author_id, name, unit_id, is_active in rows
    ]
