"""Closing the loop: the written outcome of each decision on an idea, and a project's
milestones, each told to everyone who took part in the idea."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import CompoundSelect, Executable, bindparam, union
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from app.db import read_rows, wide_select
from app.errors import InvalidInput
from app.models import (
    CoCarrier,
    Deminage,
    Follow,
    Idea,
    IdeaEvent,
    IdeaStatus,
    IdeaTheme,
    Milestone,
    MilestoneKind,
    Mine,
    MineInvitation,
    MineSignature,
    NotificationKind,
    Outcome,
    Support,
    Unit,
    User,
)
from app.models.base import pk
from app.models.outcome import DECISION_LABELS, MILESTONE_LABELS, Decision
from app.schemas import MilestoneInput
from app.services import notifications, scoring, search, visibility
from app.services.pages import Person, UnitName
from app.services.permissions import (
    can_view_idea,
    check_post_milestone,
    check_set_sponsor,
    raise_if,
)
from app.services.readiness import ScoringParams

STOPPED_NEEDS_LESSON = (
    "Un projet arrêté laisse sa leçon\u00a0: écrivez ce qu’il apprend aux suivants."
)

# Everyone who took part in an idea: its author and co-porteurs, the authors of its mines and
# déminages that moderation did not hide, its supporters and followers, and the colleagues
# invited to look at one of its mines (unless they declined). Co-signers of its mines join here
# once they exist.
_PARTICIPANTS: CompoundSelect[Any] = union(
    select(col(Idea.author_id).label("user_id")).where(Idea.id == bindparam("idea")),
    select(Mine.author_id).where(Mine.idea_id == bindparam("idea"), col(Mine.hidden_at).is_(None)),
    select(Deminage.author_id)
    .join(Mine, col(Deminage.mine_id) == Mine.id)
    .where(
        Mine.idea_id == bindparam("idea"),
        col(Mine.hidden_at).is_(None),
        col(Deminage.hidden_at).is_(None),
    ),
    select(MineSignature.user_id)  # co-signers (a mine's author signs it too)
    .join(Mine, col(MineSignature.mine_id) == Mine.id)
    .where(Mine.idea_id == bindparam("idea"), col(Mine.hidden_at).is_(None)),
    select(Support.user_id).where(Support.idea_id == bindparam("idea")),
    select(CoCarrier.user_id).where(
        CoCarrier.idea_id == bindparam("idea"), col(CoCarrier.accepted_at).is_not(None)
    ),
    select(Follow.user_id).where(Follow.idea_id == bindparam("idea")),
    select(MineInvitation.invitee_id)
    .join(Mine, col(MineInvitation.mine_id) == Mine.id)
    .where(
        Mine.idea_id == bindparam("idea"),
        col(Mine.hidden_at).is_(None),
        col(MineInvitation.declined_at).is_(None),
    ),
)


def _themes(session: Session, idea: Idea) -> list[str]:
    return list(session.exec(select(IdeaTheme.theme).where(IdeaTheme.idea_id == idea.id)))


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
    link_to: Idea | None = None,
) -> int:
    """Tell everyone who took part (or `people`, gathered before a merge moved them), in the
    app and by e-mail as each chose, with a link to `anchor` on the idea's page (or on
    `link_to`'s); a message quoting one of the idea's hidden mines reaches only those who may
    read it whole (`visibility`). Returns how many were told."""
    titles = visibility.hidden_titles(session, pk(idea), None)
    mailer = notifications.mailer_of(session)
    told = 0
    for person in participants(session, idea) if people is None else people:
        readable = visibility.reads_hidden(person)
        text = message if readable else visibility.redact_text(message, titles)
        if notifications.notify(
            session,
            mailer,
            person,
            kind,
            actor,
            idea,
            text,
            anchor,
            now,
            subject=subject,
            link_to=link_to,
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
    merged_into: Idea | None = None,
) -> Outcome:
    """Keep the written outcome of a decision on the idea and tell everyone who took part,
    with a link to where the page shows it (`#issue`; a merge's, on the idea it joined).

    The caller has checked that the decision is allowed and that `text` is not empty (a
    decision's service function, or the calls' decision); `people` overrides who is told (a
    merge gathers them before moving the mines)."""
    outcome = Outcome(
        idea_id=pk(idea),
        decision=decision,
        text=text,
        author_id=author.id if author else None,
        created_at=now,
    )
    session.add(outcome)
    label = DECISION_LABELS[decision].lower()
    if merged_into is not None:
        # Named to everyone (the idea kept is never hidden when merged into, `check_merge`);
        # hidden since, it is masked for those who may not read it (`visibility`).
        label = f"fusionnée dans «\u00a0{merged_into.title}\u00a0»"
    tell_participants(
        session,
        idea,
        author,
        NotificationKind.decision_outcome,
        f"Décision sur l’idée «\u00a0{idea.title}\u00a0»\u00a0: {label}. {text}",
        f"Décision sur l’idée «\u00a0{idea.title}\u00a0»\u00a0: {label}",
        now,
        "#" + merged_anchor(pk(idea)) if merged_into is not None else "#issue",
        people,
        merged_into,
    )
    return outcome


def merged_anchor(idea_id: int) -> str:
    """The id, on the page of the idea kept, of the line telling why `idea_id` joined it: a
    merged idea's page redirects there, and its notifications lead there."""
    return f"fusion-{idea_id}"


class MergedLine(NamedTuple):
    """An idea merged into this one, with the merge's written outcome as the viewer reads it."""

    id: int
    anchor: str
    title: str
    text: str
    author: Person | None
    created_at: datetime


_MERGED_HERE = (
    wide_select(
        Idea, Outcome.text, Outcome.created_at, User.id, User.name, User.unit_id, User.is_active
    )
    .join(Outcome, col(Outcome.idea_id) == Idea.id)
    .join(User, col(Outcome.author_id) == User.id, isouter=True)
    .where(col(Idea.id).in_(bindparam("merged", expanding=True)))
    .where(Outcome.decision == Decision.merged)
    .order_by(col(Outcome.created_at), col(Outcome.id))
)
# The ids first, from the index alone: with every other idea's NULL in it, the planner would
# rather scan the table for the wide query above (27 ms at 100,000 ideas, on every page).
_MERGED_IDS = select(Idea.id).where(col(Idea.merged_into_id) == bindparam("idea"))


def merged_here(session: Session, idea: Idea, viewer: User | None) -> list[MergedLine]:
    """The ideas merged into this one that the viewer may see, oldest merge first, each with
    the merge's outcome (masked whole if it quotes a hidden mine, as every outcome is)."""
    merged = [row[0] for row in read_rows(session, _MERGED_IDS, {"idea": idea.id})]
    if not merged:
        return []
    rows = [
        r for r in session.exec(_MERGED_HERE.params(merged=merged)) if can_view_idea(viewer, r[0])
    ]
    texts = visibility.redact_messages(session, viewer, [(r[0].id, r[1]) for r in rows])
    return [
        MergedLine(
            pk(merged),
            merged_anchor(pk(merged)),
            merged.title,
            text,
            Person(uid, name, unit_id, active) if uid is not None else None,
            created_at,
        )
        for (merged, _, created_at, uid, name, unit_id, active), text in zip(
            rows, texts, strict=True
        )
    ]


class OutcomeLine(NamedTuple):
    """An outcome as a viewer reads it (a text quoting a hidden mine masked: `visibility`)."""

    id: int
    decision: str
    label: str
    text: str
    author: Person | None
    unit: UnitName | None
    created_at: datetime
    # A closing's outcome is its lesson: to who wrote it and the moderators, why part of it is
    # hidden (`visibility.read_lesson`), or "".
    notice: str = ""


class MilestoneLine(NamedTuple):
    """A project's milestone as a viewer reads it (masked as an outcome is)."""

    id: int
    kind: str
    label: str
    text: str
    lesson: str
    author: Person | None
    unit: UnitName | None
    created_at: datetime
    # To who wrote the lesson of « Arrêté » and the moderators, why part of it is hidden.
    notice: str = ""


def _lines_query(
    model: type[Outcome] | type[Milestone], kind: Any, lesson: Any
) -> Select[*tuple[Any, ...]]:
    return (
        wide_select(
            model.id,
            kind,
            model.text,
            lesson,
            model.created_at,
            User.id,
            User.name,
            User.unit_id,
            User.is_active,
            Unit.id,
            Unit.name,
        )
        .join(User, col(model.author_id) == User.id, isouter=True)
        .join(Unit, col(User.unit_id) == Unit.id, isouter=True)
        .where(model.idea_id == bindparam("idea"))
        .order_by(col(model.created_at).desc(), col(model.id).desc())
    )


_OUTCOMES = _lines_query(Outcome, Outcome.decision, Outcome.text)
_MILESTONES = _lines_query(Milestone, Milestone.kind, Milestone.lesson)


def _read_lines(
    session: Session, query: Executable, idea: Idea, viewer: User | None
) -> list[tuple[Any, ...]]:
    """Plain rows, newest first, with texts quoting one of the idea's hidden mines masked whole
    for a viewer who may not read it (`visibility.redact_text`, as the history does); a lesson
    (a closing's outcome, the lesson of « Arrêté ») only in its passages that quote one, with
    why to who wrote it and the moderators (`visibility.read_lesson`)."""
    rows = read_rows(session, query, {"idea": idea.id})
    if not rows:
        return []
    titles = visibility.hidden_titles(session, pk(idea), viewer)
    # What a lesson may not quote, as anyone but the moderators reads it (they are told).
    moderator = visibility.reads_hidden(viewer)
    for_others = visibility.hidden_titles(session, pk(idea), None) if moderator else titles
    lines = []
    for row_id, kind, text, lesson, created_at, uid, name, unit_id, active, ukey, uname in rows:
        author = Person(uid, name, unit_id, active) if uid is not None else None
        unit = UnitName(ukey, uname) if ukey is not None else None
        notice = ""
        if kind == Decision.closed:
            text, notice = visibility.read_lesson(viewer, text, for_others, uid)
        else:
            text = visibility.redact_text(text, titles)
        if lesson:
            lesson, notice = visibility.read_lesson(viewer, lesson, for_others, uid)
        lines.append((row_id, kind, text, lesson, author, unit, created_at, notice))
    return lines


def outcomes_of(session: Session, idea: Idea, viewer: User | None) -> list[OutcomeLine]:
    """The idea's outcomes, newest first, as the viewer may read them."""
    return [
        OutcomeLine(i, kind, DECISION_LABELS[Decision(kind)], text, author, unit, at, notice)
        for i, kind, text, _, author, unit, at, notice in _read_lines(
            session, _OUTCOMES, idea, viewer
        )
    ]


def milestones_of(session: Session, idea: Idea, viewer: User | None) -> list[MilestoneLine]:
    """The project's milestones, newest first, as the viewer may read them."""
    return [
        MilestoneLine(
            i, kind, MILESTONE_LABELS[MilestoneKind(kind)], text, lesson, author, unit, at, notice
        )
        for i, kind, text, lesson, author, unit, at, notice in _read_lines(
            session, _MILESTONES, idea, viewer
        )
    ]


# --- a project's follow-up ----------------------------------------------------------------


# The same step, posted again this soon by the same person, is a double submit, not news.
REPEAT_WINDOW = timedelta(hours=24)


def _repeated_milestone(
    session: Session, user: User, idea: Idea, kind: MilestoneKind, text: str, now: datetime
) -> Milestone | None:
    """The same step (kind and text) the same person posted on this project a moment ago."""
    return session.exec(
        select(Milestone).where(
            Milestone.idea_id == pk(idea),
            Milestone.author_id == user.id,
            Milestone.kind == kind,
            Milestone.text == text,
            col(Milestone.created_at) > now - REPEAT_WINDOW,
        )
    ).first()


def post_milestone(
    session: Session,
    params: ScoringParams,
    user: User,
    idea: Idea,
    data: MilestoneInput,
    now: datetime,
) -> Milestone | None:
    """The porteur or the sponsor posts a step of the project, told to everyone who took part;
    « arrêté » needs its lesson, and closes the project: it goes to « Idées en sommeil ». The
    same step posted again by the same person within a day (a double click, a retried request)
    changes nothing and tells no one again: None."""
    raise_if(check_post_milestone(user, idea))
    kind = MilestoneKind(data.kind)
    if kind == MilestoneKind.stopped and not data.lesson:
        raise InvalidInput({"lesson": STOPPED_NEEDS_LESSON})
    if _repeated_milestone(session, user, idea, kind, data.text, now) is not None:
        return None
    lesson = data.lesson if kind == MilestoneKind.stopped else ""
    milestone = Milestone(
        idea_id=pk(idea),
        kind=kind,
        text=data.text,
        lesson=lesson,
        author_id=user.id,
        created_at=now,
    )
    session.add(milestone)
    label = MILESTONE_LABELS[kind]
    idea.last_activity_at = now
    line = f"Étape du projet\u00a0: {label.lower()}. {data.text}"
    if kind == MilestoneKind.stopped:
        idea.status = IdeaStatus.abandoned
        idea.lesson = lesson
        idea.closed_at = now
        line += f" Leçon\u00a0: {lesson}"
        scoring.refresh(session, params, idea, now, user)
        search.index_idea(session, idea, _themes(session, idea))
    session.add(
        IdeaEvent(
            idea_id=pk(idea),
            actor_id=user.id,
            kind="milestone",
            message=line,
            score=idea.score,
            created_at=now,
        )
    )
    message = f"Le projet «\u00a0{idea.title}\u00a0»\u00a0: {label.lower()}. {data.text}"
    if lesson:
        message += f" Leçon\u00a0: {lesson}"
    tell_participants(
        session,
        idea,
        user,
        NotificationKind.project_milestone,
        message,
        f"Le projet «\u00a0{idea.title}\u00a0»\u00a0: {label.lower()}",
        now,
        "#suivi",
    )
    return milestone


def set_sponsor(session: Session, manager: User, idea: Idea, email: str, now: datetime) -> User:
    """A manager names the project's sponsor by their e-mail: they post its milestones with its
    porteur, and are named as its sponsor."""
    raise_if(check_set_sponsor(manager, idea))
    sponsor = session.exec(
        select(User).where(User.email == email.strip().lower(), User.is_active)
    ).first()
    if sponsor is None:
        raise InvalidInput({"sponsor_email": "Aucun compte actif avec cette adresse."})
    idea.sponsor_id = sponsor.id
    idea.sponsor = sponsor.name
    idea.last_activity_at = now
    session.add(
        IdeaEvent(
            idea_id=pk(idea),
            actor_id=manager.id,
            kind="sponsor",
            message=f"Sponsor du projet\u00a0: {sponsor.name}.",
            score=idea.score,
            created_at=now,
        )
    )
    return sponsor
