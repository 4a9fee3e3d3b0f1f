"""Mine invitations: the colleagues who could defuse a mine, and the invitations to look at it."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from app import formatting
from app.db import read_rows
from app.errors import Conflict, InvalidInput, NotFound, RateLimited
from app.models import (
    Deminage,
    Expertise,
    Idea,
    IdeaTheme,
    Mine,
    MineInvitation,
    NotificationKind,
    Unit,
    User,
)
from app.models.base import pk, table_of
from app.models.mine import CATEGORY_LABELS
from app.services import experts, notifications, search
from app.services.experts import Candidate, MineToDefuse, Precedent, Suggestion
from app.services.permissions import (
    check_decline_invitation,
    check_invite,
    check_invite_colleague,
    raise_if,
)

INVITATIONS_PER_DAY = 20
CANDIDATES_PER_SOURCE = 50


def record_acceptance(session: Session, deminage_author_id: int, category: str) -> None:
    """Keep the per-category aggregate in step with each accepted déminage: one upsert, so two
    instances accepting answers of the same person at once both count."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = insert(Expertise).values(user_id=deminage_author_id, category=category, accepted=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[col(Expertise.user_id), col(Expertise.category)],
            set_={"accepted": col(Expertise.accepted) + 1},
        )
    )


def suggestions(session: Session, mine: Mine, idea: Idea) -> tuple[Suggestion, ...]:
    """Up to five colleagues for this mine, each with the reason in words.

    The candidates come from three bounded sources — the category's aggregate, the declared
    subjects, and the authors of accepted déminages on similar mines found by the search
    index — so the cost depends on them, never on the whole base. Nobody is suggested for a
    mine hidden by moderation.
    """
    if mine.hidden_at is not None:
        return ()
    accepted = dict(
        session.exec(
            select(Expertise.user_id, Expertise.accepted)
            .where(Expertise.category == mine.category, Expertise.accepted > 0)
            .order_by(col(Expertise.accepted).desc())
            .limit(CANDIDATES_PER_SOURCE)
        ).all()
    )
    declared = set(
        session.exec(
            select(User.id)
            .where(col(User.ask_subjects).contains(mine.category), User.is_active)
            .limit(CANDIDATES_PER_SOURCE)
        ).all()
    )
    precedents: dict[int, list[Precedent]] = {}
    similar_mine_ids = [
        int(h.doc.split(":")[1])
        for h in search.find_similar_mines(session, f"{mine.title} {mine.body}", exclude=mine.id)
    ]
    if similar_mine_ids:
        for author_id, mine_title, idea_title in session.exec(
            select(Deminage.author_id, Mine.title, Idea.title)
            .join(Mine, col(Deminage.mine_id) == Mine.id)
            .join(Idea, col(Mine.idea_id) == Idea.id)
            .where(
                col(Deminage.mine_id).in_(similar_mine_ids),
                col(Deminage.accepted),
                col(Deminage.hidden_at).is_(None),
                col(Mine.hidden_at).is_(None),
            )
        ):
            precedents.setdefault(author_id, []).append(Precedent(mine_title, idea_title))
    people_ids = set(accepted) | declared | set(precedents)
    if not people_ids:
        return ()
    idea_author = session.get(User, idea.author_id)
    rows = session.exec(
        select(User, Unit)
        .join(Unit, col(User.unit_id) == Unit.id, isouter=True)
        .where(col(User.id).in_(people_ids), User.is_active)
    ).all()
    candidates = [
        Candidate(
            user_id=pk(user),
            name=user.name,
            unit_id=user.unit_id,
            unit_name=unit.name if unit else None,
            accepted_in_category=accepted.get(pk(user), 0),
            precedents=tuple(precedents.get(pk(user), ())),
            declared_subject=user.id in declared,
            opted_out=user.ask_opt_out,
        )
        for user, unit in rows
    ]
    target = MineToDefuse(
        mine.category, mine.author_id, idea.author_id, idea_author.unit_id if idea_author else None
    )
    ranked = experts.rank(target, candidates)
    # Someone already invited is shown as such: never « Inviter » a second time.
    asked = dict(
        session.exec(
            select(MineInvitation.invitee_id, MineInvitation.declined_at).where(
                MineInvitation.mine_id == mine.id,
                col(MineInvitation.invitee_id).in_([s.user_id for s in ranked]),
            )
        ).all()
    )
    return tuple(
        replace(s, invitation="declined" if asked[s.user_id] else "pending")
        if s.user_id in asked
        else s
        for s in ranked
    )


def invite(
    session: Session,
    inviter: User,
    mine: Mine,
    idea: Idea,
    invitee: User,
    message: str,
    now: datetime,
) -> MineInvitation:
    """Ask a colleague to look at a mine; never twice, never someone who said no, 20 a day."""
    raise_if(check_invite(inviter, mine))
    raise_if(check_invite_colleague(inviter, mine, invitee))
    existing = session.exec(
        select(MineInvitation).where(
            MineInvitation.mine_id == mine.id, MineInvitation.invitee_id == invitee.id
        )
    ).first()
    if existing is not None:
        raise Conflict(f"{invitee.name} a déjà reçu une invitation pour cette mine.")
    sent_today = session.exec(
        select(func.count())
        .select_from(MineInvitation)
        .where(
            MineInvitation.inviter_id == inviter.id,
            col(MineInvitation.created_at) >= now - timedelta(days=1),
        )
    ).one()
    if sent_today >= INVITATIONS_PER_DAY:
        raise RateLimited(
            f"{INVITATIONS_PER_DAY} invitations par jour au plus\u00a0: réessayez demain.",
            retry_after=3600,
        )
    invitation = MineInvitation(
        mine_id=pk(mine),
        invitee_id=pk(invitee),
        inviter_id=pk(inviter),
        message=message[:2000],
        created_at=now,
    )
    session.add(invitation)
    session.flush()  # the invitation's id, for the caller's answer
    note = f"\u00a0: «\u00a0{message[:200]}\u00a0»" if message else ""
    notifications.notify(
        session,
        notifications.mailer_of(session),
        invitee,
        NotificationKind.invitation,
        inviter,
        idea,
        f"{inviter.name} vous invite à regarder la mine «\u00a0{mine.title}\u00a0»{note}",
        f"#mine-{mine.id}",
        now,
        about=notifications.About(mine),
    )
    return invitation


_PENDING = select(*table_of(MineInvitation).columns).where(
    MineInvitation.invitee_id == bindparam("user"),
    col(MineInvitation.mine_id).in_(bindparam("mines", expanding=True)),
    col(MineInvitation.declined_at).is_(None),
)


def pending_for(session: Session, user: User, mine_ids: list[int]) -> dict[int, Any]:
    """The viewer's open invitations on these mines, by mine (rows, for a page)."""
    if not mine_ids:
        return {}
    rows = read_rows(session, _PENDING, {"user": user.id, "mines": mine_ids})
    return {r.mine_id: r for r in rows}


def mine_of(session: Session, user: User, invitation_id: int) -> Mine:
    """The mine an invitation asks to look at, for the invitee only (404 for anyone else)."""
    invitation = session.get(MineInvitation, invitation_id) if 0 < invitation_id < 2**31 else None
    if invitation is None or invitation.invitee_id != user.id:
        raise NotFound("Cette invitation n’existe pas.")
    return session.get_one(Mine, invitation.mine_id)


def decline(session: Session, user: User, invitation_id: int, now: datetime) -> Mine:
    """The invitee says no; the same mine will not ask them again. Returns the mine, whose
    idea the invitee goes back to."""
    invitation = session.get(MineInvitation, invitation_id) if 0 < invitation_id < 2**31 else None
    if invitation is None:
        raise NotFound("Cette invitation n’existe pas.")
    raise_if(check_decline_invitation(user, invitation))
    invitation.declined_at = invitation.declined_at or now
    session.add(invitation)
    return session.get_one(Mine, invitation.mine_id)


def find_colleague(session: Session, who: str) -> User:
    """A colleague by e-mail or by full name, for inviting someone the suggestions did not name."""
    who = " ".join(who.split())
    if "@" in who:
        user = session.exec(select(User).where(User.email == who.lower())).first()
        if user is None:
            raise InvalidInput({"invitee": "Aucun compte ne porte cette adresse."})
        return user
    matches = session.exec(
        select(User).where(func.lower(User.name) == who.lower(), User.is_active).limit(2)
    ).all()
    if not matches:
        raise InvalidInput(
            {"invitee": "Personne ne porte ce nom\u00a0: vérifiez-le, ou donnez son adresse."}
        )
    if len(matches) > 1:
        raise InvalidInput(
            {"invitee": "Plusieurs collègues portent ce nom\u00a0: donnez son adresse e-mail."}
        )
    return matches[0]


Named = tuple[User, Unit | None]  # a person and their unit, as the Démineurs page names them


@dataclass(frozen=True)
class Demineurs:
    """The expertise the organisation has: never a ranking of people, names in alphabetical
    order. Per category (key, label, proven by accepted déminages, volunteers who declared the
    subject), and per theme of the ideas whose mines they defused."""

    categories: list[tuple[str, str, list[Named], list[Named]]]
    themes: list[tuple[str, list[Named]]]


def demineurs(session: Session) -> Demineurs:
    """The Démineurs page: who defused what, by category and theme, and who offers to help."""
    people: dict[int, Named] = {
        pk(u): (u, unit)
        for u, unit in session.exec(
            select(User, Unit)
            .join(Unit, col(User.unit_id) == Unit.id, isouter=True)
            .where(User.is_active)
        )
    }
    by_category: dict[str, set[int]] = defaultdict(set)
    for row in session.exec(select(Expertise).where(Expertise.accepted > 0)):
        by_category[row.category].add(row.user_id)
    declared: dict[str, set[int]] = defaultdict(set)
    for person, _ in people.values():
        for subject in filter(None, person.ask_subjects.split(",")):
            if not person.ask_opt_out:
                declared[subject].add(pk(person))
    by_theme: dict[str, set[int]] = defaultdict(set)
    for author_id, theme in session.exec(
        select(Deminage.author_id, IdeaTheme.theme)
        .join(Mine, col(Deminage.mine_id) == Mine.id)
        .join(IdeaTheme, col(IdeaTheme.idea_id) == Mine.idea_id)
        .where(col(Deminage.accepted))
        .distinct()
    ):
        by_theme[theme].add(author_id)

    def names(ids: set[int]) -> list[Named]:
        return sorted(
            (people[i] for i in ids if i in people),
            key=lambda p: formatting.french_order(p[0].name),
        )

    categories: list[tuple[str, str, list[Named], list[Named]]] = [
        (
            key,
            label,
            names(by_category.get(key, set())),
            names(declared.get(key, set()) - by_category.get(key, set())),
        )
        for key, label in CATEGORY_LABELS.items()
    ]
    themes = sorted(
        ((theme, names(ids)) for theme, ids in by_theme.items()),
        key=lambda row: formatting.french_order(row[0]),
    )
    return Demineurs(categories, themes)
