"""Mines and déminages: lay, answer, accept, withdraw, reopen, assume the risk."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, case, func
from sqlmodel import Session, col, select

from app.db import locks_rows, read_rows
from app.errors import NotFound
from app.models import (
    Deminage,
    DeminageHelpful,
    Follow,
    Idea,
    Mine,
    MineStatus,
    NotificationKind,
    Unit,
    User,
)
from app.models.mine import SEVERITY_LABELS, agreed
from app.schemas import DeminageCreate, MineCreate
from app.services import audit, blockers, invitations, notifications, scoring, search, visibility
from app.services.ideas import add_event, get_idea
from app.services.pages import Person, UnitName
from app.services.permissions import (
    check_accept_deminage,
    check_accept_risk,
    check_bring_deminage,
    check_dismiss_deminage,
    check_lay_mine,
    check_mark_helpful,
    check_reopen,
    check_withdraw,
    raise_if,
)
from app.services.readiness import ScoringParams

TITLE_FROM_BODY = 60


@dataclass
class DeminageView:
    deminage: Deminage
    author: User
    unit: Unit | None
    helped_by_me: bool
    hidden: bool = False  # hidden by moderation
    masked: bool = False  # hidden, and this viewer gets only « masqué » (see visibility.py)


@dataclass
class MineView:
    mine: Mine
    author: User
    unit: Unit | None
    deminages: list[DeminageView]
    hidden: bool = False  # hidden by moderation
    masked: bool = False  # hidden, and this viewer gets only « masqué » (see visibility.py)


def _title_from(body: str) -> str:
    first_line = body.strip().splitlines()[0] if body.strip() else ""
    if len(first_line) <= TITLE_FROM_BODY:
        return first_line
    return first_line[:TITLE_FROM_BODY].rsplit(" ", 1)[0] + "…"


def get_mine(session: Session, mine_id: int, viewer: User) -> tuple[Mine, Idea]:
    """The mine and its idea, or 404 when either is unknown or hidden from the viewer."""
    mine = session.get(Mine, mine_id) if 0 < mine_id < 2**31 else None
    if mine is None:
        raise NotFound("Cette mine n'existe pas.")
    idea = get_idea(session, mine.idea_id, viewer)
    if locks_rows(session):
        session.refresh(mine)  # as committed before the idea's lock was granted
    return mine, idea


def get_deminage(session: Session, deminage_id: int, viewer: User) -> tuple[Deminage, Mine, Idea]:
    """The déminage with its mine and idea, or 404."""
    deminage = session.get(Deminage, deminage_id) if 0 < deminage_id < 2**31 else None
    if deminage is None:
        raise NotFound("Ce déminage n'existe pas.")
    mine, idea = get_mine(session, deminage.mine_id, viewer)
    if locks_rows(session):
        session.refresh(deminage)
    return deminage, mine, idea


def _touch(idea: Idea, now: datetime) -> None:
    idea.last_activity_at = now


def lay_mine(
    session: Session, params: ScoringParams, user: User, idea: Idea, data: MineCreate, now: datetime
) -> Mine:
    """A colleague lays a mine; a ripe idea stops being ripe."""
    raise_if(check_lay_mine(user, idea))
    mine = Mine(
        idea_id=idea.id,  # type: ignore[arg-type]
        author_id=user.id,  # type: ignore[arg-type]
        category=data.category,
        severity=data.severity,
        title=data.title or _title_from(data.body),
        body=data.body,
        idea_revision=idea.revision_count,
        created_at=now,
        armed_at=now,
    )
    session.add(mine)
    session.flush()
    _touch(idea, now)  # after the flush: one UPDATE of the idea, with its new score
    noun = SEVERITY_LABELS[mine.severity].lower()  # type: ignore[index]
    laid = agreed(mine.severity, "posé", "posée")
    add_event(
        session, idea, user, "mine_laid", f"{noun.capitalize()} {laid} : « {mine.title} ».", now
    )
    scoring.refresh(session, params, idea, now, user, cause=f"{noun} « {mine.title} » {laid}")
    search.index_mine(session, mine)
    blockers.remember_echoes(session, mine)
    if session.get(Follow, (idea.id, user.id)) is None:
        session.add(Follow(idea_id=idea.id, user_id=user.id))  # type: ignore[arg-type]
    mailer = notifications.mailer_of(session)
    author = session.get_one(User, idea.author_id)
    notifications.notify(
        session,
        mailer,
        author,
        NotificationKind.mine_on_my_idea,
        user,
        idea,
        f"{user.name} a posé {agreed(mine.severity, 'un', 'une')} {noun} "
        f"« {mine.title} » sur votre idée « {idea.title} »",
        f"#mine-{mine.id}",
        now,
        about=notifications.About(mine),
    )
    notifications.notify_mentions(
        session, mailer, mine.body, user, idea, f"#mine-{mine.id}", now, notifications.About(mine)
    )
    return mine


def bring_deminage(
    session: Session,
    params: ScoringParams,
    user: User,
    mine: Mine,
    idea: Idea,
    data: DeminageCreate,
    now: datetime,
) -> Deminage:
    """Anyone but the mine's author answers it."""
    raise_if(check_bring_deminage(user, mine, idea))
    deminage = Deminage(
        mine_id=mine.id,  # type: ignore[arg-type]
        author_id=user.id,  # type: ignore[arg-type]
        kind=data.kind,
        body=data.body,
        created_at=now,
    )
    session.add(deminage)
    _touch(idea, now)
    session.flush()
    add_event(session, idea, user, "deminage", f"Déminage proposé pour « {mine.title} ».", now)
    scoring.refresh(session, params, idea, now, user)
    search.index_deminage(session, deminage, mine)
    mailer = notifications.mailer_of(session)
    mine_author = session.get_one(User, mine.author_id)
    about = notifications.About(mine, deminage)
    notifications.notify(
        session,
        mailer,
        mine_author,
        NotificationKind.deminage_on_my_mine,
        user,
        idea,
        f"{user.name} propose un déminage pour votre mine « {mine.title} »",
        f"#deminage-{deminage.id}",
        now,
        about=about,
    )
    # The idea's author may accept it too (and often alone does): they are told as well.
    notifications.notify(
        session,
        mailer,
        session.get_one(User, idea.author_id),
        NotificationKind.deminage_on_my_idea,
        user,
        idea,
        f"{user.name} propose un déminage pour la mine « {mine.title} » sur votre idée "
        f"« {idea.title} »\u00a0: vous pouvez l’accepter",
        f"#deminage-{deminage.id}",
        now,
        about=about,
    )
    notifications.notify_mentions(
        session, mailer, deminage.body, user, idea, f"#deminage-{deminage.id}", now, about
    )
    return deminage


def accept_deminage(
    session: Session,
    params: ScoringParams,
    user: User,
    deminage: Deminage,
    mine: Mine,
    idea: Idea,
    now: datetime,
) -> None:
    """The mine's or the idea's author accepts a déminage: the mine is defused at once."""
    raise_if(check_accept_deminage(user, deminage, mine, idea))
    # Both people told below, read now in one query, before any change is pending (a later
    # lookup would flush the unit of work first).
    session.exec(select(User).where(col(User.id).in_({deminage.author_id, mine.author_id}))).all()
    audit.record(
        session,
        user,
        "deminage_accepted",
        f"deminage:{deminage.id}",
        {"accepted": False, "mine": mine.id, "mine_status": str(mine.status)},
        {"accepted": True, "mine": mine.id, "mine_status": "defused"},
        now,
    )
    # A déminage counts once on its author's record, whatever its history: accepted, the
    # mine reopened, the same déminage accepted again adds nothing.
    first_acceptance = deminage.accepted_at is None
    deminage.accepted = True
    deminage.accepted_at = now
    deminage.accepted_by_id = user.id
    mine.status = MineStatus.defused
    mine.resolved_at = now
    mine.resolved_by_id = user.id
    mine.resolution_reason = ""
    session.add_all([deminage, mine])
    _touch(idea, now)
    message = f"Mine « {mine.title} » désamorcée."
    if user.id != mine.author_id:
        message += " Son auteur·rice peut la rouvrir en donnant une raison."
    add_event(session, idea, user, "defused", message, now)
    scoring.refresh(session, params, idea, now, user)
    if first_acceptance:
        invitations.record_acceptance(session, deminage.author_id, mine.category)
    mailer = notifications.mailer_of(session)
    helper = session.get_one(User, deminage.author_id)
    notifications.notify(
        session,
        mailer,
        helper,
        NotificationKind.my_deminage_accepted,
        user,
        idea,
        f"Votre déminage de la mine « {mine.title} » est accepté : merci !",
        f"#deminage-{deminage.id}",
        now,
        about=notifications.About(mine, deminage),
    )
    if user.id != mine.author_id:
        mine_author = session.get_one(User, mine.author_id)
        notifications.notify(
            session,
            mailer,
            mine_author,
            NotificationKind.my_mine_defused,
            user,
            idea,
            f"Votre mine « {mine.title} » est désamorcée par l'auteur·rice de l'idée : "
            "rouvrez-la si la réponse ne vous convainc pas",
            f"#mine-{mine.id}",
            now,
            about=notifications.About(mine, deminage),
        )


def dismiss_deminage(
    session: Session,
    user: User,
    deminage: Deminage,
    mine: Mine,
    idea: Idea,
    reason: str,
    now: datetime,
) -> None:
    """The mine's or the idea's author marks an answer « ne répond pas », with a short reason:
    it leaves the answers to consider, the history keeps it, and its author is told why."""
    raise_if(check_dismiss_deminage(user, deminage, mine, idea))
    helper = session.get_one(User, deminage.author_id)
    deminage.dismissed_at = now
    deminage.dismissed_by_id = user.id
    deminage.dismissed_reason = reason
    session.add(deminage)
    _touch(idea, now)
    add_event(
        session,
        idea,
        user,
        "deminage_dismissed",
        f"Le déminage de {helper.name} pour « {mine.title} » ne répond pas\u00a0: {reason}",
        now,
    )
    notifications.notify(
        session,
        notifications.mailer_of(session),
        helper,
        NotificationKind.my_deminage_dismissed,
        user,
        idea,
        f"{user.name} juge que votre déminage de la mine « {mine.title} » ne répond pas"
        f"\u00a0: {reason}",
        f"#deminage-{deminage.id}",
        now,
        about=notifications.About(mine, deminage),
    )


def toggle_helpful(
    session: Session, user: User, deminage: Deminage, mine: Mine | None = None
) -> bool:
    """Mark or unmark « ça aide »; returns whether it is now marked."""
    raise_if(check_mark_helpful(user, deminage, mine))
    existing = session.get(DeminageHelpful, (deminage.id, user.id))
    if existing is None:
        session.add(DeminageHelpful(deminage_id=deminage.id, user_id=user.id))  # type: ignore[arg-type]
    else:
        session.delete(existing)
    session.flush()
    deminage.helpful_count = session.exec(
        select(func.count())
        .select_from(DeminageHelpful)
        .where(DeminageHelpful.deminage_id == deminage.id)
    ).one()
    session.add(deminage)
    return existing is None


def withdraw(
    session: Session, params: ScoringParams, user: User, mine: Mine, idea: Idea, now: datetime
) -> None:
    """The mine's author takes it back; it leaves the score."""
    raise_if(check_withdraw(user, mine))
    mine.status = MineStatus.withdrawn
    mine.resolved_at = now
    mine.resolved_by_id = user.id
    session.add(mine)
    _touch(idea, now)
    add_event(
        session, idea, user, "withdrawn", f"Mine « {mine.title} » retirée par son auteur·rice.", now
    )
    scoring.refresh(session, params, idea, now, user)


def reopen(
    session: Session,
    params: ScoringParams,
    user: User,
    mine: Mine,
    idea: Idea,
    reason: str,
    now: datetime,
) -> None:
    """The mine's author reopens it with a reason; the quiet period starts again."""
    raise_if(check_reopen(user, mine, idea))
    # The acceptance that defused it ends: the mine is active again, its answers to consider
    # anew. The history and the audit log keep that it was accepted, and by whom.
    ended = session.exec(
        select(Deminage, User.name)
        .join(User, col(Deminage.author_id) == User.id)
        .where(Deminage.mine_id == mine.id, col(Deminage.accepted))
    ).all()
    for deminage, _ in ended:
        audit.record(
            session,
            user,
            "acceptance_ended",
            f"deminage:{deminage.id}",
            {"accepted": True, "mine": mine.id, "mine_status": str(mine.status)},
            {"accepted": False, "mine": mine.id, "mine_status": "open"},
            now,
        )
        deminage.accepted = False
        session.add(deminage)
    mine.status = MineStatus.open
    mine.armed_at = now
    mine.reopen_reason = reason
    mine.resolved_at = None
    mine.resolved_by_id = None
    mine.resolution_reason = ""
    session.add(mine)
    _touch(idea, now)
    message = f"Mine « {mine.title} » rouverte\u00a0: {reason}"
    if ended:
        names = ", ".join(name for _, name in ended)
        message += f" (le déminage de {names} n’est plus accepté)"
    add_event(session, idea, user, "reopened", message, now)
    scoring.refresh(session, params, idea, now, user, cause=f"mine « {mine.title} » rouverte")


def accept_risk(
    session: Session,
    params: ScoringParams,
    user: User,
    mine: Mine,
    idea: Idea,
    reason: str,
    now: datetime,
) -> None:
    """Keep the risk, with a reason: the author for a pétard or a mine, a manager for a bombe."""
    raise_if(check_accept_risk(user, mine, idea))
    mine.status = MineStatus.accepted_risk
    mine.resolved_at = now
    mine.resolved_by_id = user.id
    mine.resolution_reason = reason
    session.add(mine)
    _touch(idea, now)
    add_event(
        session, idea, user, "risk_accepted", f"Risque assumé pour « {mine.title} » : {reason}", now
    )
    scoring.refresh(session, params, idea, now, user)


def _with_author(columns: list[Any], author_id: Any) -> Any:
    """The columns, then who wrote the row and their unit (as `_person` reads them back)."""
    return (
        select(
            *columns,
            User.name.label("author_name"),  # type: ignore[attr-defined]
            col(User.unit_id).label("author_unit_id"),
            col(User.is_active).label("author_active"),
            col(Unit.name).label("author_unit_name"),
        )
        .join(User, author_id == User.id)
        .join(Unit, col(User.unit_id) == Unit.id, isouter=True)
    )


def _person(row: Any) -> tuple[Person, UnitName | None]:
    unit = row.author_unit_id
    return (
        Person(row.author_id, row.author_name, unit, row.author_active),
        UnitName(unit, row.author_unit_name) if unit is not None else None,
    )


_IDEA_MINES = (
    _with_author(list(Mine.__table__.columns), col(Mine.author_id))  # type: ignore[attr-defined]
    .where(Mine.idea_id == bindparam("idea"))
    .order_by(col(Mine.created_at), col(Mine.id))
)
_IDEA_DEMINAGES = (
    _with_author(list(Deminage.__table__.columns), col(Deminage.author_id))  # type: ignore[attr-defined]
    .join(Mine, col(Deminage.mine_id) == Mine.id)
    .where(Mine.idea_id == bindparam("idea"))
    .order_by(col(Deminage.created_at), col(Deminage.id))
)
_HELPED_BY = (
    select(DeminageHelpful.deminage_id)
    .join(Deminage, col(DeminageHelpful.deminage_id) == Deminage.id)
    .join(Mine, col(Deminage.mine_id) == Mine.id)
    .where(Mine.idea_id == bindparam("idea"), DeminageHelpful.user_id == bindparam("user"))
)


@dataclass(frozen=True)
class IdeaRows:
    """An idea's mines and déminages as read, with their authors, before any redaction: what
    the score counts (`scoring.facts_from_rows`) and what the views are made of (`views_of`)."""

    mines: Sequence[Any]
    deminages: Sequence[Any]
    helped: frozenset[int]  # the déminages the viewer found helpful


def idea_rows(session: Session, idea: Idea, viewer: User | None) -> IdeaRows:
    """In three queries whatever their number: plain rows (the models' attributes, and their
    authors'), nothing a page writes."""
    mines = read_rows(session, _IDEA_MINES, {"idea": idea.id})
    if not mines:
        return IdeaRows((), (), frozenset())
    deminages = read_rows(session, _IDEA_DEMINAGES, {"idea": idea.id})
    helped: frozenset[int] = frozenset()
    if viewer is not None and deminages:
        helped = frozenset(
            row[0] for row in read_rows(session, _HELPED_BY, {"idea": idea.id, "user": viewer.id})
        )
    return IdeaRows(mines, deminages, helped)


def views_of(rows: IdeaRows, viewer: User | None) -> list[MineView]:
    """The mines with their déminages and authors as the viewer may see them (hidden content
    redacted by `visibility`)."""
    by_mine: dict[int, list[DeminageView]] = {m.id: [] for m in rows.mines}
    for d in rows.deminages:
        by_mine[d.mine_id].append(DeminageView(d, *_person(d), d.id in rows.helped))
    views = [MineView(m, *_person(m), deminages=by_mine[m.id]) for m in rows.mines]
    return visibility.redact_mine_views(views, viewer)


def mines_for_idea(session: Session, idea: Idea, viewer: User | None) -> list[MineView]:
    """The idea's mines with their déminages and authors as the viewer may see them."""
    return views_of(idea_rows(session, idea, viewer), viewer)


@dataclass(frozen=True)
class DemineurRecord:
    mines_laid: int
    deminages_brought: int
    deminages_accepted: int
    helpful_received: int


def demineur_record(session: Session, user: User) -> DemineurRecord:
    """The agent's playful record: what they laid, brought, got accepted and found helpful."""
    mines_laid = session.exec(
        select(func.count()).select_from(Mine).where(Mine.author_id == user.id)
    ).one()
    brought, accepted, helpful = session.exec(
        select(
            func.count(),
            # Once accepted, it counts, even if its mine was reopened since.
            func.coalesce(func.sum(case((col(Deminage.accepted_at).is_not(None), 1), else_=0)), 0),
            func.coalesce(func.sum(Deminage.helpful_count), 0),
        ).where(Deminage.author_id == user.id)
    ).one()
    return DemineurRecord(mines_laid, brought, int(accepted), int(helpful))


def neighbour_mines(
    session: Session, idea: Idea, limit: int = 5
) -> list[tuple["NeighbourMine", "NeighbourIdea"]]:
    """Mines laid on similar ideas: known objections, with their known answers at hand."""
    if idea.status not in ("open", "project"):
        return []
    similar = search.neighbours(session, idea)
    if not similar:
        return []
    return [
        (NeighbourMine(mine_id, severity, title, status), NeighbourIdea(idea_id, idea_title))
        for mine_id, severity, title, status, idea_id, idea_title in read_rows(
            session, _NEIGHBOUR_MINES, {"ideas": similar, "limit": limit}
        )
    ]


class NeighbourMine(NamedTuple):
    id: int
    severity: str
    title: str
    status: str


class NeighbourIdea(NamedTuple):
    id: int
    title: str


_NEIGHBOUR_MINES = (
    select(Mine.id, Mine.severity, Mine.title, Mine.status, Idea.id, Idea.title)
    .join(Idea, col(Mine.idea_id) == Idea.id)
    .where(
        col(Mine.idea_id).in_(bindparam("ideas", expanding=True)),
        Mine.status != MineStatus.withdrawn,
        col(Mine.hidden_at).is_(None),
    )
    .order_by(col(Mine.id).desc())
    .limit(bindparam("limit"))
)
