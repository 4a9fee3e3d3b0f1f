"""Every permission of app/services/permissions.py, answered for every role, every tie to the
objects and every state that matters: the expected answers are written as a table below.

Plain objects, no database, no HTTP. A predicate added to permissions.py without its rows fails
`test_every_predicate_has_its_rows`. What each route does with these answers (the same refusal
in pages and in the API) is walked by tests/routers/test_authorization_matrix.py.

Each row holds 16 cells, in groups:

    anonymous | stranger | idea's author | mine's author | déminage's author | person concerned
              | a  m  A  | a  m  A       | a  m  A       | a  m  A           | a  m  A

where a, m, A are an agent, a manager and an admin with that tie. « The person concerned » is
the invitee of an invitation, or the account whose rights change. A cell reads:

    ✓  allowed
    F  refused, 403: the asker's role or tie forbids it
    C  refused, 409: the object's state forbids it now
    I  refused, 422, beside a field of the form
    ✗  refused (anonymous, or a predicate that answers only yes or no)

Someone else's draft is never loaded at all: `can_view_idea` answers first (404, for pages and
API alike), so the « draft » rows of the other predicates only matter for the draft's author.
"""

import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from app.errors import DomainError
from app.models import (
    Deminage,
    Idea,
    IdeaStatus,
    Mine,
    MineInvitation,
    MineStatus,
    Role,
    Severity,
    User,
)
from app.services import permissions

IDEA_AUTHOR, MINE_AUTHOR, DEMINAGE_AUTHOR, CONCERNED, STRANGER = 1, 2, 3, 4, 5
TIES = {
    "stranger": STRANGER,
    "idea's author": IDEA_AUTHOR,
    "mine's author": MINE_AUTHOR,
    "déminage's author": DEMINAGE_AUTHOR,
    "person concerned": CONCERNED,
}
ROLES = (Role.agent, Role.manager, Role.admin)
ACTORS: list[tuple[str, User | None]] = [("anonymous", None)] + [
    (f"{role} ({tie})", User(id=user_id, role=role, name=tie, email=f"{user_id}@x.fr"))
    for tie, user_id in TIES.items()
    for role in ROLES
]
STATUS_OF = {"F": 403, "C": 409, "I": 422}
WHEN = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def idea(status: str = IdeaStatus.open, idea_id: int = 10, **more: Any) -> Idea:
    return Idea(id=idea_id, author_id=IDEA_AUTHOR, status=status, title="Idée", **more)


def mine(
    status: str = MineStatus.open, severity: str = Severity.major, hidden: bool = False
) -> Mine:
    return Mine(
        id=20,
        idea_id=10,
        author_id=MINE_AUTHOR,
        status=status,
        severity=severity,
        title="Mine",
        hidden_at=WHEN if hidden else None,
    )


def deminage(hidden: bool = False, accepted: bool = False, dismissed: bool = False) -> Deminage:
    return Deminage(
        id=30,
        mine_id=20,
        author_id=DEMINAGE_AUTHOR,
        hidden_at=WHEN if hidden else None,
        accepted=accepted,
        dismissed_at=WHEN if dismissed else None,
    )


def colleague(user_id: int = CONCERNED, **more: Any) -> User:
    return User(id=user_id, name="Colette", email="colette@x.fr", **more)


def on_mine(m: Mine, i: Idea | None = None, d: Deminage | None = None) -> dict[str, Any]:
    return {"mine": m, "idea": i or idea(), "deminage": d or deminage()}


# The situations each kind of predicate is asked about: its parameters, by name.
IDEA = {status: {"idea": idea(status)} for status in IdeaStatus}
MINE = {
    "open mine": on_mine(mine()),
    "defused mine": on_mine(mine(MineStatus.defused)),
    "risk accepted": on_mine(mine(MineStatus.accepted_risk)),
    "withdrawn mine": on_mine(mine(MineStatus.withdrawn)),
    "hidden mine": on_mine(mine(hidden=True)),
    "open bombe": on_mine(mine(severity=Severity.blocking)),
    "open mine, project": on_mine(mine(), idea(IdeaStatus.project)),
    "open mine, abandoned idea": on_mine(mine(), idea(IdeaStatus.abandoned)),
}
DEMINAGE = {
    **MINE,
    "hidden déminage": on_mine(mine(), d=deminage(hidden=True)),
    "déminage « ne répond pas »": on_mine(mine(), d=deminage(dismissed=True)),
}
# The acceptance in force, on its defused mine.
ANSWER = {
    **DEMINAGE,
    "accepted déminage": on_mine(mine(MineStatus.defused), d=deminage(accepted=True)),
}
ROLE: dict[str, dict[str, Any]] = {"—": {}}
MERGE = {
    "two published ideas": {"keep": idea(), "merged": idea(idea_id=11)},
    "the same idea twice": {"keep": idea(), "merged": idea()},
    "a draft merged": {"keep": idea(), "merged": idea(IdeaStatus.draft, 11)},
    "into a draft": {"keep": idea(IdeaStatus.draft), "merged": idea(idea_id=11)},
    "merged already": {"keep": idea(), "merged": idea(idea_id=11, merged_into_id=12)},
}
INVITEE = {
    "a colleague": {"mine": mine(), "invitee": colleague()},
    "the mine's author": {"mine": mine(), "invitee": colleague(MINE_AUTHOR)},
    "a deactivated colleague": {"mine": mine(), "invitee": colleague(is_active=False)},
    "a colleague who opted out": {"mine": mine(), "invitee": colleague(ask_opt_out=True)},
}
INVITATION = {
    "an invitation": {"invitation": MineInvitation(id=40, mine_id=20, invitee_id=CONCERNED)}
}
ADMIN = colleague(role=Role.admin)
RIGHTS = {
    "stays an active admin": {"person": ADMIN, "role": Role.admin, "active": True},
    "becomes a manager": {"person": ADMIN, "role": Role.manager, "active": True},
    "is deactivated": {"person": ADMIN, "role": Role.admin, "active": False},
}

ALL = "✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓"
TABLE: dict[str, tuple[dict[str, dict[str, Any]], dict[str, str]]] = {
    # --- ideas -------------------------------------------------------------------------------
    "can_view_idea": (
        IDEA,
        {
            "draft": "✗ ✗✗✗ ✓✓✓ ✗✗✗ ✗✗✗ ✗✗✗",
            "open": ALL,
            "project": ALL,
            "abandoned": ALL,
        },
    ),
    "can_edit_idea": (
        IDEA,
        {
            "draft": "✗ FFF ✓✓✓ FFF FFF FFF",
            "open": "✗ FFF ✓✓✓ FFF FFF FFF",
            "project": "✗ FFF CCC FFF FFF FFF",
            "abandoned": "✗ FFF CCC FFF FFF FFF",
        },
    ),
    "can_publish": (
        IDEA,
        {
            "draft": "✗ FFF ✓✓✓ FFF FFF FFF",
            "open": "✗ FFF CCC FFF FFF FFF",
            "project": "✗ FFF CCC FFF FFF FFF",
            "abandoned": "✗ FFF CCC FFF FFF FFF",
        },
    ),
    "can_abandon": (
        IDEA,
        {
            "draft": "✗ F✓✓ ✓✓✓ F✓✓ F✓✓ F✓✓",
            "open": "✗ F✓✓ ✓✓✓ F✓✓ F✓✓ F✓✓",
            "project": "✗ FCC CCC FCC FCC FCC",
            "abandoned": "✗ FCC CCC FCC FCC FCC",
        },
    ),
    "can_follow": (
        IDEA,
        {
            "draft": "✗ CCC CCC CCC CCC CCC",
            "open": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "project": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "abandoned": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
        },
    ),
    "can_support": (
        IDEA,
        {
            "draft": "✗ CCC CCC CCC CCC CCC",
            "open": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "project": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "abandoned": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
        },
    ),
    "can_lay_mine": (
        IDEA,
        {
            "draft": "✗ CCC FFF CCC CCC CCC",
            "open": "✗ ✓✓✓ FFF ✓✓✓ ✓✓✓ ✓✓✓",
            "project": "✗ ✓✓✓ FFF ✓✓✓ ✓✓✓ ✓✓✓",
            "abandoned": "✗ CCC FFF CCC CCC CCC",
        },
    ),
    "can_decide_on_ideas": (ROLE, {"—": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓"}),
    "can_promote": (
        IDEA,
        {
            "draft": "✗ FCC FCC FCC FCC FCC",
            "open": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "project": "✗ FCC FCC FCC FCC FCC",
            "abandoned": "✗ FCC FCC FCC FCC FCC",
        },
    ),
    "can_send_back": (
        IDEA,
        {
            "draft": "✗ FCC FCC FCC FCC FCC",
            "open": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "project": "✗ FCC FCC FCC FCC FCC",
            "abandoned": "✗ FCC FCC FCC FCC FCC",
        },
    ),
    "can_merge": (
        MERGE,
        {
            "two published ideas": "✗ FF✓ FF✓ FF✓ FF✓ FF✓",
            "the same idea twice": "✗ FFC FFC FFC FFC FFC",
            "a draft merged": "✗ FFC FFC FFC FFC FFC",
            "into a draft": "✗ FFC FFC FFC FFC FFC",
            "merged already": "✗ FFC FFC FFC FFC FFC",
        },
    ),
    # --- mines and déminages ------------------------------------------------------------------
    "can_bring_deminage": (
        MINE,
        {
            "open mine": "✗ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓",
            "defused mine": "✗ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓",
            "risk accepted": "✗ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓",
            "withdrawn mine": "✗ CCC CCC FFF CCC CCC",
            "hidden mine": "✗ CCC CCC CCC CCC CCC",
            "open bombe": "✗ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓",
            "open mine, project": "✗ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓",
            "open mine, abandoned idea": "✗ CCC CCC FFF CCC CCC",
        },
    ),
    "can_accept_deminage": (
        DEMINAGE,
        {
            "open mine": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF",
            "defused mine": "✗ FFF CCC CCC FFF FFF",
            "risk accepted": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF",
            "withdrawn mine": "✗ FFF CCC CCC FFF FFF",
            "hidden mine": "✗ CCC CCC CCC CCC CCC",
            "open bombe": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF",
            "open mine, project": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF",
            "open mine, abandoned idea": "✗ FFF CCC CCC FFF FFF",
            "hidden déminage": "✗ CCC CCC CCC CCC CCC",
            "déminage « ne répond pas »": "✗ FFF CCC CCC FFF FFF",
        },
    ),
    "can_dismiss_deminage": (
        ANSWER,
        {
            "open mine": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF",
            "defused mine": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF",
            "risk accepted": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF",
            "withdrawn mine": "✗ FFF CCC CCC FFF FFF",
            "hidden mine": "✗ CCC CCC CCC CCC CCC",
            "open bombe": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF",
            "open mine, project": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF",
            "open mine, abandoned idea": "✗ FFF CCC CCC FFF FFF",
            "hidden déminage": "✗ CCC CCC CCC CCC CCC",
            "déminage « ne répond pas »": "✗ FFF CCC CCC FFF FFF",
            "accepted déminage": "✗ FFF CCC CCC FFF FFF",
        },
    ),
    "can_mark_helpful": (
        DEMINAGE,
        {
            "open mine": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓",
            "defused mine": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓",
            "risk accepted": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓",
            "withdrawn mine": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓",
            "hidden mine": "✗ CCC CCC CCC CCC CCC",
            "open bombe": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓",
            "open mine, project": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓",
            "open mine, abandoned idea": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓",
            "hidden déminage": "✗ CCC CCC CCC CCC CCC",
            "déminage « ne répond pas »": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓",
        },
    ),
    "can_withdraw": (
        MINE,
        {
            "open mine": "✗ FFF FFF ✓✓✓ FFF FFF",
            "defused mine": "✗ FFF FFF ✓✓✓ FFF FFF",
            "risk accepted": "✗ FFF FFF ✓✓✓ FFF FFF",
            "withdrawn mine": "✗ FFF FFF CCC FFF FFF",
            "hidden mine": "✗ CCC CCC CCC CCC CCC",
            "open bombe": "✗ FFF FFF ✓✓✓ FFF FFF",
            "open mine, project": "✗ FFF FFF ✓✓✓ FFF FFF",
            "open mine, abandoned idea": "✗ FFF FFF ✓✓✓ FFF FFF",
        },
    ),
    "can_reopen": (
        MINE,
        {
            "open mine": "✗ FFF FFF CCC FFF FFF",
            "defused mine": "✗ FFF FFF ✓✓✓ FFF FFF",
            "risk accepted": "✗ FFF FFF ✓✓✓ FFF FFF",
            "withdrawn mine": "✗ FFF FFF ✓✓✓ FFF FFF",
            "hidden mine": "✗ CCC CCC CCC CCC CCC",
            "open bombe": "✗ FFF FFF CCC FFF FFF",
            "open mine, project": "✗ FFF FFF CCC FFF FFF",
            "open mine, abandoned idea": "✗ FFF FFF CCC FFF FFF",
        },
    ),
    "can_accept_risk": (
        MINE,
        {
            "open mine": "✗ FFF ✓✓✓ FFF FFF FFF",
            "defused mine": "✗ FFF CCC FFF FFF FFF",
            "risk accepted": "✗ FFF CCC FFF FFF FFF",
            "withdrawn mine": "✗ FFF CCC FFF FFF FFF",
            "hidden mine": "✗ CCC CCC CCC CCC CCC",
            "open bombe": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "open mine, project": "✗ FFF ✓✓✓ FFF FFF FFF",
            "open mine, abandoned idea": "✗ FFF CCC FFF FFF FFF",
        },
    ),
    # --- « Qui peut déminer ? » ---------------------------------------------------------------
    "can_invite": (
        MINE,
        {
            "open mine": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "defused mine": "✗ CCC CCC CCC CCC CCC",
            "risk accepted": "✗ CCC CCC CCC CCC CCC",
            "withdrawn mine": "✗ CCC CCC CCC CCC CCC",
            "hidden mine": "✗ CCC CCC CCC CCC CCC",
            "open bombe": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "open mine, project": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            # The idea is closed but its mine is still open: a colleague may still be asked.
            "open mine, abandoned idea": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
        },
    ),
    "can_invite_colleague": (
        INVITEE,
        {
            "a colleague": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ CCC",
            "the mine's author": "✗ CCC CCC CCC CCC CCC",
            "a deactivated colleague": "✗ CCC CCC CCC CCC CCC",
            "a colleague who opted out": "✗ CCC CCC CCC CCC CCC",
        },
    ),
    "can_decline_invitation": (INVITATION, {"an invitation": "✗ FFF FFF FFF FFF ✓✓✓"}),
    # --- roles --------------------------------------------------------------------------------
    "can_moderate": (ROLE, {"—": "✗ FF✓ FF✓ FF✓ FF✓ FF✓"}),
    "can_read_hidden": (ROLE, {"—": "✗ ✗✗✓ ✗✗✓ ✗✗✓ ✗✗✓ ✗✗✓"}),
    "can_administer": (ROLE, {"—": "✗ FF✓ FF✓ FF✓ FF✓ FF✓"}),
    "can_change_rights": (
        RIGHTS,
        {
            "stays an active admin": "✗ FF✓ FF✓ FF✓ FF✓ FF✓",
            "becomes a manager": "✗ FF✓ FF✓ FF✓ FF✓ FFI",
            "is deactivated": "✗ FF✓ FF✓ FF✓ FF✓ FFI",
        },
    ),
    "can_view_dashboard": (ROLE, {"—": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓"}),
}


def cells(row: str) -> list[str]:
    found = list(row.replace(" ", ""))
    assert len(found) == len(ACTORS), row
    return found


def arguments(fn: Callable[..., Any], situation: dict[str, Any]) -> list[Any]:
    """The situation's objects, in the order of the predicate's parameters (after the user)."""
    return [situation[name] for name in list(inspect.signature(fn).parameters)[1:]]


CASES = [
    pytest.param(name, label, id=f"{name}: {label}")
    for name, (_, rows) in TABLE.items()
    for label in rows
]


def test_every_predicate_has_its_rows() -> None:
    predicates = {n for n in vars(permissions) if n.startswith("can_")}
    assert set(permissions.TEMPLATE_PREDICATES) == predicates
    assert predicates - set(TABLE) == set(), "add the new predicate's rows to TABLE"
    assert set(TABLE) - predicates == set(), "TABLE names a predicate that no longer exists"
    for name, (situations, rows) in TABLE.items():
        assert set(rows) == set(situations), f"{name}: one row for each situation"


def test_every_check_has_its_predicate() -> None:
    checks = {n.removeprefix("check_") for n in vars(permissions) if n.startswith("check_")}
    answers_only = {n.removeprefix("can_") for n in TABLE} - checks
    assert checks <= {n.removeprefix("can_") for n in TABLE}, "each check_* needs its can_*"
    assert answers_only == {"view_idea", "read_hidden"}  # yes or no, never an error to show


@pytest.mark.parametrize(("name", "label"), CASES)
def test_predicate_answers_as_the_table_says(name: str, label: str) -> None:
    situations, rows = TABLE[name]
    situation = situations[label]
    can = permissions.TEMPLATE_PREDICATES[name]
    check = getattr(permissions, "check_" + name.removeprefix("can_"), None)
    args = arguments(can, situation)
    wrong = []
    for (who, user), expected in zip(ACTORS, cells(rows[label]), strict=True):
        allowed = can(user, *args)
        if allowed != (expected == "✓"):
            wrong.append(f"{who}: {'allowed' if allowed else 'refused'}, table says {expected}")
        if user is None or check is None:
            continue
        error: DomainError | None = check(user, *args)
        status = None if error is None else error.status_code
        if status != STATUS_OF.get(expected):
            wrong.append(f"{who}: check answers {status}, table says {expected}")
        if error is not None and (not error.message or "·" in error.message):
            wrong.append(f"{who}: the refusal needs a French message without « · »")
    assert wrong == [], f"{name} ({label}):\n" + "\n".join(wrong)
