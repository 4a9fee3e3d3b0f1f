"""Mines and déminages: lay, answer, accept, withdraw, reopen, assume the risk."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, case, func
from sqlmodel import Session, col, select

from app.db import locks_rows, read_rows, wide_select
from app.errors import NotFound
from app.models import (
    Deminage,
    DeminageHelpful,
    Follow,
    Idea,
    Mine,
    MineCategory,
    MineScope,
    MineSignature,
    MineStatus,
    NotificationKind,
    ScopeRequest,
    ScopeRequestStatus,
    Unit,
    User,
)
from app.models.base import pk, table_of
from app.models.mine import BASIS_LABELS, SCOPE_REQUEST_OPEN, SEVERITY_LABELS, MineBasis, agreed
from app.schemas import DeminageCreate, MineCreate
from app.services import audit, blockers, invitations, notifications, scoring, search, visibility
from app.services.ideas import add_event, get_idea
from app.services.pages import Person, UnitName
from app.services.permissions import (
    check_accept_deminage,
    check_accept_risk,
    check_answer_scope_move,
    check_ask_basis,
    check_bring_deminage,
    check_cosign,
    check_decide_scope_move,
    check_dismiss_deminage,
    check_lay_mine,
    check_mark_helpful,
    check_reopen,
    check_request_scope_move,
    check_state_basis,
    check_withdraw,
    check_withdraw_signature,
    raise_if,
)
from app.services.readiness import ScoringParams, median_severity, split_opinions

TITLE_FROM_BODY = 60


@dataclass
class DeminageView:
    deminage: Deminage
    author: Person
    unit: UnitName | None
    helped_by_me: bool
    hidden: bool = False  # hidden by moderation
    masked: bool = False  # hidden, and this viewer gets only « masqué » (see visibility.py)


@dataclass(frozen=True)
class SignatureView:
    """One signer's estimate of a mine's severity, with who they are."""

    user_id: int
    person: Person
    unit: UnitName | None
    severity: str
    created_at: datetime
    is_author: bool  # the mine's author, or a co-signer


@dataclass
class MineView:
    mine: Mine
    author: Person
    unit: UnitName | None
    deminages: list[DeminageView]
    hidden: bool = False  # hidden by moderation
    masked: bool = False  # hidden, and this viewer gets only « masqué » (see visibility.py)
    # Its author's estimate first, then each co-signer's (none for a masked mine).
    signatures: list[SignatureView] = field(default_factory=list)
    # The latest request to move it to the generalisation (a plain row), if any.
    scope_request: Any = None

    @property
    def cosigners(self) -> list[SignatureView]:
        return [s for s in self.signatures if not s.is_author]

    @property
    def split_opinions(self) -> bool:
        """« Avis partagés »: its estimates span from pétard to bombe."""
        return split_opinions([s.severity for s in self.signatures])

    def signature_of(self, user: User | None) -> SignatureView | None:
        """The viewer's own signature, if they signed."""
        if user is None:
            return None
        return next((s for s in self.signatures if s.user_id == user.id), None)

    @property
    def open_scope_request(self) -> Any:
        """The request to move it that still waits for an answer or a decision."""
        request = self.scope_request
        return request if request is not None and request.status in SCOPE_REQUEST_OPEN else None


def _title_from(body: str) -> str:
    first_line = body.strip().splitlines()[0] if body.strip() else ""
    if len(first_line) <= TITLE_FROM_BODY:
        return first_line
    return first_line[:TITLE_FROM_BODY].rsplit(" ", 1)[0] + "…"


def get_mine(session: Session, mine_id: int, viewer: User) -> tuple[Mine, Idea]:
    """The mine and its idea, or 404 when either is unknown or hidden from the viewer."""
    mine = session.get(Mine, mine_id) if 0 < mine_id < 2**31 else None
    if mine is None:
        raise NotFound("Cette mine n’existe pas.")
    idea = get_idea(session, mine.idea_id, viewer)
    if locks_rows(session):
        session.refresh(mine)  # as committed before the idea's lock was granted
    return mine, idea


def get_deminage(session: Session, deminage_id: int, viewer: User) -> tuple[Deminage, Mine, Idea]:
    """The déminage with its mine and idea, or 404."""
    deminage = session.get(Deminage, deminage_id) if 0 < deminage_id < 2**31 else None
    if deminage is None:
        raise NotFound("Ce déminage n’existe pas.")
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
        idea_id=pk(idea),
        author_id=pk(user),
        category=data.category,
        severity=data.severity,
        title=data.title or _title_from(data.body),
        body=data.body,
        idea_revision=idea.revision_count,
        created_at=now,
        armed_at=now,
        scope=data.scope,
        basis=data.basis,
        basis_reference=data.basis_reference,
    )
    session.add(mine)
    session.flush()
    # Its author is its first signer: the median of one estimate is that estimate.
    session.add(
        MineSignature(mine_id=pk(mine), user_id=pk(user), severity=data.severity, created_at=now)
    )
    _touch(idea, now)  # after the flush: one UPDATE of the idea, with its new score
    noun = SEVERITY_LABELS[mine.severity].lower()
    laid = agreed(mine.severity, "posé", "posée")
    where = " pour la généralisation" if mine.scope == MineScope.generalisation else ""
    add_event(
        session,
        idea,
        user,
        "mine_laid",
        f"{noun.capitalize()} {laid}{where}\u00a0: «\u00a0{mine.title}\u00a0».",
        now,
    )
    scoring.refresh(
        session, params, idea, now, user, cause=f"{noun} «\u00a0{mine.title}\u00a0» {laid}"
    )
    search.index_mine(session, mine)
    blockers.remember_echoes(session, mine)
    if session.get(Follow, (idea.id, user.id)) is None:
        session.add(Follow(idea_id=pk(idea), user_id=pk(user)))
    mailer = notifications.mailer_of(session)
    # Those who carry the idea hear of it: its author and its co-porteurs.
    carriers = session.exec(
        select(User).where(col(User.id).in_([idea.author_id, *idea.co_carrier_ids]))
    ).all()
    for carrier in carriers:
        notifications.notify(
            session,
            mailer,
            carrier,
            NotificationKind.mine_on_my_idea,
            user,
            idea,
            f"{user.name} a posé {agreed(mine.severity, 'un', 'une')} {noun} "
            f"«\u00a0{mine.title}\u00a0» sur votre idée «\u00a0{idea.title}\u00a0»",
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
        mine_id=pk(mine),
        author_id=pk(user),
        kind=data.kind,
        body=data.body,
        created_at=now,
    )
    session.add(deminage)
    _touch(idea, now)
    session.flush()
    add_event(
        session, idea, user, "deminage", f"Déminage proposé pour «\u00a0{mine.title}\u00a0».", now
    )
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
        f"{user.name} propose un déminage pour votre mine «\u00a0{mine.title}\u00a0»",
        f"#deminage-{deminage.id}",
        now,
        about=about,
    )
    # Those who carry the idea may accept it too (and often alone do): they are told as well.
    for carrier in session.exec(
        select(User).where(col(User.id).in_([idea.author_id, *idea.co_carrier_ids]))
    ).all():
        notifications.notify(
            session,
            mailer,
            carrier,
            NotificationKind.deminage_on_my_idea,
            user,
            idea,
            f"{user.name} propose un déminage pour la mine «\u00a0{mine.title}\u00a0» sur "
            "votre idée "
            f"«\u00a0{idea.title}\u00a0»\u00a0: vous pouvez l’accepter",
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
    """The mine's author, or one who carries the idea, accepts a déminage: the mine is defused
    at once."""
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
    message = f"Mine «\u00a0{mine.title}\u00a0» désamorcée."
    if user.id != mine.author_id:
        message += " La personne qui l’a posée peut la rouvrir en donnant une raison."
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
        f"Votre déminage de la mine «\u00a0{mine.title}\u00a0» est accepté\u00a0: merci\u202f!",
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
            f"Votre mine «\u00a0{mine.title}\u00a0» est désamorcée par {user.name}, qui porte "
            "l’idée\u00a0: "
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
        f"Le déminage de {helper.name} pour «\u00a0{mine.title}\u00a0» ne répond pas\u00a0: "
        f"{reason}",
        now,
    )
    notifications.notify(
        session,
        notifications.mailer_of(session),
        helper,
        NotificationKind.my_deminage_dismissed,
        user,
        idea,
        f"{user.name} juge que votre déminage de la mine «\u00a0{mine.title}\u00a0» ne répond pas"
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
        session.add(DeminageHelpful(deminage_id=pk(deminage), user_id=pk(user)))
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
        session,
        idea,
        user,
        "withdrawn",
        f"Mine «\u00a0{mine.title}\u00a0» retirée par la personne qui l’avait posée.",
        now,
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
    message = f"Mine «\u00a0{mine.title}\u00a0» rouverte\u00a0: {reason}"
    if ended:
        names = ", ".join(name for _, name in ended)
        message += f" (le déminage de {names} n’est plus accepté)"
    add_event(session, idea, user, "reopened", message, now)
    scoring.refresh(
        session, params, idea, now, user, cause=f"mine «\u00a0{mine.title}\u00a0» rouverte"
    )
    _tell_reopened(session, user, mine, idea, [d for d, _ in ended], reason, now)


def _tell_reopened(
    session: Session,
    user: User,
    mine: Mine,
    idea: Idea,
    ended: list[Deminage],
    reason: str,
    now: datetime,
) -> None:
    """Those whose déminage is no longer retained, then those who carry the idea, learn that
    the mine is active again, and why (not who reopened it: `notify`)."""
    mailer = notifications.mailer_of(session)
    told: set[int] = set()
    for deminage in ended:
        helper = session.get_one(User, deminage.author_id)
        notifications.notify(
            session,
            mailer,
            helper,
            NotificationKind.my_deminage_unaccepted,
            user,
            idea,
            f"Votre déminage n’est plus retenu\u00a0: {user.name} a rouvert sa mine "
            f"«\u00a0{mine.title}\u00a0». Sa raison\u00a0: {reason}",
            f"#deminage-{deminage.id}",
            now,
            about=notifications.About(mine, deminage),
        )
        told.add(pk(helper))
    for carrier_id in [idea.author_id, *idea.co_carrier_ids]:
        carrier = session.get(User, carrier_id)
        if carrier is None or carrier_id in told:
            continue
        told.add(carrier_id)
        notifications.notify(
            session,
            mailer,
            carrier,
            NotificationKind.mine_reopened,
            user,
            idea,
            f"{user.name} rouvre la mine «\u00a0{mine.title}\u00a0» sur votre idée "
            f"«\u00a0{idea.title}\u00a0»\u00a0: {reason}",
            f"#mine-{mine.id}",
            now,
            about=notifications.About(mine),
        )


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
        session,
        idea,
        user,
        "risk_accepted",
        f"Risque assumé pour «\u00a0{mine.title}\u00a0»\u00a0: {reason}",
        now,
    )
    scoring.refresh(session, params, idea, now, user)


# --- co-signing ----------------------------------------------------------------------------


def _settle_severity(session: Session, mine: Mine) -> str:
    """The mine's severity becomes its signers' median; returns the one it had."""
    session.flush()
    before = str(mine.severity)
    estimates = session.exec(
        select(MineSignature.severity).where(MineSignature.mine_id == mine.id)
    ).all()
    mine.severity = median_severity(list(estimates)) if estimates else mine.severity
    session.add(mine)
    return before


def _severity_moved(before: str, mine: Mine) -> str:
    if before == mine.severity:
        return ""
    median = SEVERITY_LABELS[mine.severity].lower()
    return f" Gravité retenue, la médiane des estimations\u00a0: {median}."


def signature_of(session: Session, mine: Mine, user: User) -> MineSignature | None:
    """The user's own signature on the mine, if they signed it."""
    return session.get(MineSignature, (mine.id, user.id))


def cosign(
    session: Session,
    params: ScoringParams,
    user: User,
    mine: Mine,
    idea: Idea,
    severity: str,
    now: datetime,
) -> None:
    """A colleague who sees the same risk co-signs the mine with their own estimate (or changes
    it): the mine's severity becomes the median of its signers', and they count as a reviewer."""
    raise_if(check_cosign(user, mine, idea))
    signature = signature_of(session, mine, user)
    if signature is not None and signature.severity == severity:
        return
    changed = signature is not None
    if signature is None:
        signature = MineSignature(mine_id=pk(mine), user_id=pk(user), severity=severity)
    signature.severity = severity
    signature.created_at = now
    session.add(signature)
    before = _settle_severity(session, mine)
    _touch(idea, now)
    estimate = SEVERITY_LABELS[severity].lower()
    done = "estimation changée" if changed else "co-signée"
    add_event(
        session,
        idea,
        user,
        "mine_cosigned",
        f"Mine «\u00a0{mine.title}\u00a0» {done}, estimation\u00a0: {estimate}."
        + _severity_moved(before, mine),
        now,
    )
    cause = f"mine «\u00a0{mine.title}\u00a0» co-signée"
    scoring.refresh(session, params, idea, now, user, cause=cause)
    if session.get(Follow, (idea.id, user.id)) is None:
        session.add(Follow(idea_id=pk(idea), user_id=pk(user)))
    if not changed:
        notifications.notify(
            session,
            notifications.mailer_of(session),
            session.get_one(User, idea.author_id),
            NotificationKind.mine_on_my_idea,
            user,
            idea,
            f"{user.name} co-signe la mine «\u00a0{mine.title}\u00a0» sur votre idée "
            f"«\u00a0{idea.title}\u00a0» "
            f"(estimation\u00a0: {estimate})",
            f"#mine-{mine.id}",
            now,
        )


def withdraw_signature(
    session: Session, params: ScoringParams, user: User, mine: Mine, idea: Idea, now: datetime
) -> None:
    """A co-signer takes their signature back: the median is counted again without them."""
    signature = signature_of(session, mine, user)
    raise_if(check_withdraw_signature(user, mine, signature))
    session.delete(signature)
    before = _settle_severity(session, mine)
    _touch(idea, now)
    add_event(
        session,
        idea,
        user,
        "mine_uncosigned",
        f"Mine «\u00a0{mine.title}\u00a0»\u00a0: une signature retirée."
        + _severity_moved(before, mine),
        now,
    )
    scoring.refresh(
        session, params, idea, now, user, cause=f"mine «\u00a0{mine.title}\u00a0» recomptée"
    )


# --- portée: the first ground or the generalisation -----------------------------------------


def scope_request_of(session: Session, mine: Mine) -> ScopeRequest | None:
    """The mine's latest request to move it to the generalisation, if any."""
    return session.exec(
        select(ScopeRequest)
        .where(ScopeRequest.mine_id == mine.id)
        .order_by(col(ScopeRequest.id).desc())
        .limit(1)
    ).first()


def open_scope_request(session: Session, mine: Mine) -> ScopeRequest | None:
    """The request to move the mine that still waits for its author's answer or a manager."""
    return _open_request(session, mine)


def _open_request(session: Session, mine: Mine) -> ScopeRequest | None:
    request = scope_request_of(session, mine)
    return request if request is not None and request.status in SCOPE_REQUEST_OPEN else None


def request_scope_move(
    session: Session, user: User, mine: Mine, idea: Idea, reason: str, now: datetime
) -> ScopeRequest:
    """The idea's author asks, with a reason, to move a mine to the generalisation; its author
    is told, and answers."""
    raise_if(check_request_scope_move(user, mine, idea, _open_request(session, mine)))
    request = ScopeRequest(
        mine_id=pk(mine),
        author_id=pk(user),
        reason=reason,
        created_at=now,
    )
    session.add(request)
    _touch(idea, now)
    add_event(
        session,
        idea,
        user,
        "scope_requested",
        f"Demande de passer la mine «\u00a0{mine.title}\u00a0» à la généralisation\u00a0: {reason}",
        now,
    )
    session.add(idea)
    notifications.notify(
        session,
        notifications.mailer_of(session),
        session.get_one(User, mine.author_id),
        NotificationKind.question_on_my_mine,
        user,
        idea,
        f"{user.name} propose que votre mine «\u00a0{mine.title}\u00a0» ne menace que la "
        "généralisation "
        "de l’idée, pas son premier terrain\u00a0: êtes-vous d’accord\u202f?",
        f"#mine-{mine.id}",
        now,
    )
    session.flush()
    return request


def _move_to_generalisation(mine: Mine) -> None:
    mine.scope = MineScope.generalisation


def answer_scope_move(
    session: Session,
    params: ScoringParams,
    user: User,
    mine: Mine,
    idea: Idea,
    agree: bool,
    reason: str,
    now: datetime,
) -> None:
    """The mine's author agrees (the mine moves to the generalisation) or disagrees (a manager
    will decide); the idea's author is told."""
    request = _open_request(session, mine)
    raise_if(check_answer_scope_move(user, mine, request))
    if request is None:  # the check refused it already
        return
    request.status = ScopeRequestStatus.agreed if agree else ScopeRequestStatus.refused
    request.answered_by_id = user.id
    request.answered_at = now
    request.answer_reason = reason
    session.add(request)
    _touch(idea, now)
    why = f"\u00a0: {reason}" if reason else "."
    if agree:
        _move_to_generalisation(mine)
        session.add(mine)
        message = (
            f"Mine «\u00a0{mine.title}\u00a0» passée à la généralisation, avec l’accord de la "
            "personne "
            f"qui l’a posée{why}"
        )
        told = (
            f"{user.name} accepte que sa mine «\u00a0{mine.title}\u00a0» passe à la généralisation"
        )
    else:
        message = (
            f"Mine «\u00a0{mine.title}\u00a0» gardée dès le premier terrain par la personne "
            "qui l’a "
            f"posée{why} Un manager tranchera."
        )
        told = (
            f"{user.name} garde sa mine «\u00a0{mine.title}\u00a0» dès le premier terrain\u00a0: "
            "un manager tranchera"
        )
    add_event(session, idea, user, "scope_answered", message, now)
    scoring.refresh(session, params, idea, now, user)
    notifications.notify(
        session,
        notifications.mailer_of(session),
        session.get_one(User, request.author_id),
        NotificationKind.mine_scope_settled,
        user,
        idea,
        told,
        f"#mine-{mine.id}",
        now,
    )


def decide_scope_move(
    session: Session,
    params: ScoringParams,
    user: User,
    mine: Mine,
    idea: Idea,
    move: bool,
    reason: str,
    now: datetime,
) -> None:
    """A manager settles the disagreement, with a reason: the mine moves, or stays on the first
    ground; both authors are told."""
    request = _open_request(session, mine)
    raise_if(check_decide_scope_move(user, mine, idea, request, signature_of(session, mine, user)))
    if request is None:  # the check refused it already
        return
    request.status = ScopeRequestStatus.moved if move else ScopeRequestStatus.kept
    request.decided_by_id = user.id
    request.decided_at = now
    request.decision_reason = reason
    session.add(request)
    _touch(idea, now)
    if move:
        _move_to_generalisation(mine)
        session.add(mine)
        settled = (
            f"Mine «\u00a0{mine.title}\u00a0» passée à la généralisation par décision d’un manager"
        )
    else:
        settled = (
            f"Mine «\u00a0{mine.title}\u00a0» gardée dès le premier terrain "
            "par décision d’un manager"
        )
    add_event(session, idea, user, "scope_decided", f"{settled}\u00a0: {reason}", now)
    scoring.refresh(session, params, idea, now, user)
    mailer = notifications.mailer_of(session)
    for person_id in dict.fromkeys((request.author_id, mine.author_id)):
        notifications.notify(
            session,
            mailer,
            session.get_one(User, person_id),
            NotificationKind.mine_scope_settled,
            user,
            idea,
            f"{settled} ({user.name})",
            f"#mine-{mine.id}",
            now,
        )


# --- basis: what a mine rests on ------------------------------------------------------------


def basis_label(basis: str, reference: str, *, lower: bool = False) -> str:
    """« Texte (article L. 121-1) », « Vécu »… (« texte (article L. 121-1) » in a sentence)."""
    label = BASIS_LABELS.get(MineBasis(basis), basis)
    label = label.lower() if lower else label
    return f"{label} ({reference})" if reference else label


def ask_basis(session: Session, user: User, mine: Mine, idea: Idea, now: datetime) -> None:
    """The idea's author asks the mine's author « sur quoi vous appuyez-vous ? »: they are
    told, and the history keeps it."""
    raise_if(check_ask_basis(user, mine, idea))
    mine.basis_asked_at = now
    session.add(mine)
    _touch(idea, now)
    session.add(idea)
    add_event(
        session,
        idea,
        user,
        "basis_asked",
        f"Mine «\u00a0{mine.title}\u00a0»\u00a0: sur quoi vous appuyez-vous\u202f? (elle dit "
        f"s’appuyer sur\u00a0: {basis_label(mine.basis, mine.basis_reference, lower=True)})",
        now,
    )
    notifications.notify(
        session,
        notifications.mailer_of(session),
        session.get_one(User, mine.author_id),
        NotificationKind.question_on_my_mine,
        user,
        idea,
        f"{user.name} vous demande sur quoi s’appuie votre mine «\u00a0{mine.title}\u00a0»\u00a0: "
        "un vécu, un texte, des chiffres\u202f?",
        f"#mine-{mine.id}",
        now,
    )


def state_basis(
    session: Session,
    user: User,
    mine: Mine,
    idea: Idea,
    basis: str,
    reference: str,
    now: datetime,
) -> None:
    """The mine's author says what it rests on, which answers the idea's author's question."""
    raise_if(check_state_basis(user, mine))
    mine.basis = basis
    mine.basis_reference = reference
    mine.basis_asked_at = None
    session.add(mine)
    _touch(idea, now)
    session.add(idea)
    add_event(
        session,
        idea,
        user,
        "basis_stated",
        f"Mine «\u00a0{mine.title}\u00a0»\u00a0: elle s’appuie sur\u00a0: "
        f"{basis_label(basis, reference, lower=True)}.",
        now,
    )


def _with_author(columns: list[Any], author_id: Any) -> Any:
    """The columns, then who wrote the row and their unit (as `_person` reads them back)."""
    return (
        wide_select(
            *columns,
            col(User.name).label("author_name"),
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
    _with_author(list(table_of(Mine).columns), col(Mine.author_id))
    .where(Mine.idea_id == bindparam("idea"))
    .order_by(col(Mine.created_at), col(Mine.id))
)
_IDEA_DEMINAGES = (
    _with_author(list(table_of(Deminage).columns), col(Deminage.author_id))
    .join(Mine, col(Deminage.mine_id) == Mine.id)
    .where(Mine.idea_id == bindparam("idea"))
    .order_by(col(Deminage.created_at), col(Deminage.id))
)
_IDEA_SIGNATURES = (
    _with_author(
        [
            MineSignature.mine_id,
            col(MineSignature.user_id).label("author_id"),
            MineSignature.severity,
            MineSignature.created_at,
        ],
        col(MineSignature.user_id),
    )
    .join(Mine, col(MineSignature.mine_id) == Mine.id)
    .where(Mine.idea_id == bindparam("idea"))
    .order_by(col(MineSignature.created_at), col(MineSignature.user_id))
)
_IDEA_SCOPE_REQUESTS = (
    _with_author(list(table_of(ScopeRequest).columns), col(ScopeRequest.author_id))
    .join(Mine, col(ScopeRequest.mine_id) == Mine.id)
    .where(Mine.idea_id == bindparam("idea"))
    .order_by(col(ScopeRequest.id))
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
    signatures: Sequence[Any] = ()  # each signer's estimate, with who they are
    scope_requests: Sequence[Any] = ()  # the requests to move a mine, oldest first


def idea_rows(session: Session, idea: Idea, viewer: User | None) -> IdeaRows:
    """In five queries whatever their number: plain rows (the models' attributes, and their
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
    signatures = read_rows(session, _IDEA_SIGNATURES, {"idea": idea.id})
    requests = read_rows(session, _IDEA_SCOPE_REQUESTS, {"idea": idea.id})
    return IdeaRows(mines, deminages, helped, signatures, requests)


def views_of(rows: IdeaRows, viewer: User | None) -> list[MineView]:
    """The mines with their déminages, signers and authors as the viewer may see them (hidden
    content redacted by `visibility`)."""
    by_mine: dict[int, list[DeminageView]] = {m.id: [] for m in rows.mines}
    for d in rows.deminages:
        by_mine[d.mine_id].append(DeminageView(d, *_person(d), d.id in rows.helped))
    authors = {m.id: m.author_id for m in rows.mines}
    signed: dict[int, list[SignatureView]] = {m.id: [] for m in rows.mines}
    for sig in rows.signatures:
        is_author = sig.author_id == authors[sig.mine_id]
        view = SignatureView(sig.author_id, *_person(sig), sig.severity, sig.created_at, is_author)
        if is_author:
            signed[sig.mine_id].insert(0, view)
        else:
            signed[sig.mine_id].append(view)
    latest = {r.mine_id: r for r in rows.scope_requests}
    views = [
        MineView(
            m,
            *_person(m),
            deminages=by_mine[m.id],
            signatures=signed[m.id],
            scope_request=latest.get(m.id),
        )
        for m in rows.mines
    ]
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
    session: Session, idea: Idea, category: str, limit: int = 5
) -> list[tuple["NeighbourMine", "NeighbourIdea"]]:
    """Mines of the category being laid on similar ideas: known objections, with their known
    answers at hand (none before a category is chosen)."""
    if idea.status not in ("open", "project") or category not in set(MineCategory):
        return []
    similar = search.neighbours(session, idea)
    if not similar:
        return []
    return [
        (NeighbourMine(mine_id, severity, title, status), NeighbourIdea(idea_id, idea_title))
        for mine_id, severity, title, status, idea_id, idea_title in read_rows(
            session,
            _NEIGHBOUR_MINES,
            {"ideas": similar, "category": category, "limit": limit},
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
    wide_select(Mine.id, Mine.severity, Mine.title, Mine.status, Idea.id, Idea.title)
    .join(Idea, col(Mine.idea_id) == Idea.id)
    .where(
        col(Mine.idea_id).in_(bindparam("ideas", expanding=True)),
        col(Mine.category) == bindparam("category"),
        Mine.status != MineStatus.withdrawn,
        col(Mine.hidden_at).is_(None),
    )
    .order_by(col(Mine.id).desc())
    .limit(bindparam("limit"))
)
