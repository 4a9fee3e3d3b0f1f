"""Typed factory helpers that go through the real services."""

from datetime import date, datetime, timedelta
from itertools import count
from typing import TypedDict, Unpack

from sqlmodel import Session

from app.models import CallForIdeas, Deminage, Idea, Mine, Role, User
from app.schemas import CallInput, DeminageCreate, IdeaCreate, MineCreate
from app.security import hash_password
from app.services import calls, ideas, mines, users
from app.services.readiness import ScoringParams


class IdeaTexts(TypedDict, total=False):
    """An idea's texts, as `make_idea` takes them."""

    problem: str
    solution: str
    broken_rule: str
    rule_kind: str
    rule_reference: str
    first_ground: str


class IdeaFields(IdeaTexts, total=False):
    """What `make_idea` may be given (`IdeaCreate`'s fields)."""

    title: str
    themes: list[str] | str  # a list, or the form's text (« accueil, budget »)
    call_id: int | None


PASSWORD = "mot-de-passe-de-test"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose
_seq = count(1)

LONG = (
    "Un texte assez long pour compter comme substantiel dans le score de clarté, "
    "avec plus de quatre-vingts caractères."
)


def make_user(
    session: Session,
    *,
    name: str | None = None,
    unit: str = "Service A",
    role: str = Role.agent,
    email: str | None = None,
    active: bool = True,
) -> User:
    n = next(_seq)
    user = User(
        email=email or f"agent{n}@exemple.fr",
        name=name or f"Agent {n}",
        unit_id=users.get_or_create_unit(session, unit).id,
        role=role,
        password_hash=_PASSWORD_HASH,
        is_active=active,
    )
    session.add(user)
    session.flush()
    return user


def make_idea(
    session: Session,
    author: User,
    now: datetime,
    *,
    published: bool = True,
    params: ScoringParams | None = None,
    **fields: Unpack[IdeaFields],
) -> Idea:
    data = {"title": f"Idée {next(_seq)}", "problem": "Un problème réel.", **fields}
    params = params or ScoringParams()
    idea = ideas.create_draft(session, params, author, IdeaCreate.model_validate(data), now)
    if published:
        ideas.publish(session, params, author, idea, now)
    return idea


def make_mine(
    session: Session,
    idea: Idea,
    author: User,
    now: datetime,
    *,
    severity: str = "major",
    category: str = "legal",
    title: str = "",
    body: str = "Une objection sérieuse.",
    params: ScoringParams | None = None,
) -> Mine:
    data = MineCreate.model_validate(
        {"category": category, "severity": severity, "title": title, "body": body}
    )
    return mines.lay_mine(session, params or ScoringParams(), author, idea, data, now)


def make_deminage(
    session: Session,
    mine: Mine,
    author: User,
    now: datetime,
    *,
    kind: str = "solution",
    body: str = "Voici comment faire.",
    params: ScoringParams | None = None,
) -> Deminage:
    idea = session.get(Idea, mine.idea_id)
    assert idea is not None
    data = DeminageCreate.model_validate({"kind": kind, "body": body})
    return mines.bring_deminage(session, params or ScoringParams(), author, mine, idea, data, now)


def make_call(
    session: Session,
    manager: User,
    now: datetime,
    *,
    sponsor: User | None = None,
    units: list[str] | None = None,
    ideas_until: date | None = None,
    deminage_days: int = 10,
    decision_days: int = 10,
    **fields: object,
) -> CallForIdeas:
    """A call opened by `manager` (its own sponsor unless told), for everyone unless `units`."""
    until = ideas_until or (now.date() + timedelta(days=8))
    data = {
        "question": f"Comment améliorer le service {next(_seq)}\u202f?",
        "context": "Les usagers attendent trop longtemps.",
        "sponsor_email": (sponsor or manager).email,
        "audience": "units" if units else "everyone",
        "units": [users.get_or_create_unit(session, u).id for u in units or []],
        "ideas_until": until,
        "deminage_until": until + timedelta(days=deminage_days),
        "decision_by": until + timedelta(days=deminage_days + decision_days),
        **fields,
    }
    return calls.open_call(session, manager, CallInput.model_validate(data), now)
