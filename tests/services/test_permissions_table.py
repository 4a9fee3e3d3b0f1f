"""Every permission of app/services/permissions.py, answered for every role, every tie to the
objects and every state that matters: the expected answers are written as a table below.

Plain objects, no database, no HTTP. A predicate added to permissions.py without its rows fails
`test_every_predicate_has_its_rows`. What each route does with these answers (the same refusal
in pages and in the API) is walked by tests/routers/test_authorization_matrix.py.

Each row holds 19 cells, in groups:

    anonymous | stranger | idea's author | mine's author | déminage's author | person concerned
              | a  m  A  | a  m  A       | a  m  A       | a  m  A           | a  m  A
              | co-porteur
              | a  m  A

where a, m, A are an agent, a manager and an admin with that tie. « The person concerned » is
the invitee of an invitation (to look at a mine, or to co-carry the idea), a mine's co-signer,
the account whose rights change, or a call's sponsor (an agent sponsor, whose role changed
since, decides nothing; their unit is the one a call's audience
may name; everyone else has none); « co-porteur » a colleague who accepted to carry the idea
with its author (in `Idea.co_carrier_ids`). A cell reads:

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
from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.errors import DomainError
from app.models import (
    CallForIdeas,
    CoCarrier,
    Deminage,
    DeminageKind,
    Idea,
    IdeaStatus,
    Mine,
    MineInvitation,
    MineScope,
    MineSignature,
    MineStatus,
    Role,
    ScopeRequest,
    ScopeRequestStatus,
    Severity,
    User,
)
from app.services import permissions

IDEA_AUTHOR, MINE_AUTHOR, DEMINAGE_AUTHOR, CONCERNED, STRANGER, CO_CARRIER = 1, 2, 3, 4, 5, 6
CONCERNED_UNIT, OTHER_UNIT = 7, 8
# A situation: a predicate's parameters, by name (its label names the case in the table).
Situations = dict[str, dict[str, Any]]

TIES = {
    "stranger": STRANGER,
    "idea's author": IDEA_AUTHOR,
    "mine's author": MINE_AUTHOR,
    "déminage's author": DEMINAGE_AUTHOR,
    "person concerned": CONCERNED,
    "co-porteur": CO_CARRIER,
}
ROLES = (Role.agent, Role.manager, Role.admin)
ACTORS: list[tuple[str, User | None]] = [("anonymous", None)] + [
    (
        f"{role} ({tie})",
        User(
            id=user_id,
            role=role,
            name=tie,
            email=f"{user_id}@x.fr",
            unit_id=CONCERNED_UNIT if user_id == CONCERNED else None,
        ),
    )
    for tie, user_id in TIES.items()
    for role in ROLES
]
STATUS_OF = {"F": 403, "C": 409, "I": 422}
WHEN = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def idea(status: str = IdeaStatus.open, idea_id: int = 10, **more: Any) -> Idea:
    return Idea(
        id=idea_id,
        author_id=IDEA_AUTHOR,
        co_carrier_ids=[CO_CARRIER],
        status=status,
        title="Idée",
        **more,
    )


def mine(
    status: str = MineStatus.open,
    severity: str = Severity.major,
    hidden: bool = False,
    scope: str = MineScope.first_ground,
    asked: bool = False,
) -> Mine:
    return Mine(
        id=20,
        idea_id=10,
        author_id=MINE_AUTHOR,
        status=status,
        severity=severity,
        title="Mine",
        category="budget",
        body="Le budget manque.",
        hidden_at=WHEN if hidden else None,
        scope=scope,
        basis_asked_at=WHEN if asked else None,
    )


def scope_request(status: str = ScopeRequestStatus.pending) -> ScopeRequest:
    return ScopeRequest(id=50, mine_id=20, author_id=IDEA_AUTHOR, reason="Plus tard", status=status)


def deminage(hidden: bool = False, accepted: bool = False, dismissed: bool = False) -> Deminage:
    return Deminage(
        id=30,
        mine_id=20,
        author_id=DEMINAGE_AUTHOR,
        kind=DeminageKind.expertise,
        body="Un fonds existe.",
        hidden_at=WHEN if hidden else None,
        accepted=accepted,
        dismissed_at=WHEN if dismissed else None,
    )


def colleague(user_id: int = CONCERNED, **more: Any) -> User:
    return User(id=user_id, name="Colette", email="colette@x.fr", **more)


def on_mine(m: Mine, i: Idea | None = None, d: Deminage | None = None) -> dict[str, Any]:
    return {"mine": m, "idea": i or idea(), "deminage": d or deminage()}


# The situations each kind of predicate is asked about: its parameters, by name.
IDEA: Situations = {status: {"idea": idea(status)} for status in IdeaStatus}
IDEA_SEEN: Situations = {**IDEA, "hidden by moderation": {"idea": idea(hidden_at=WHEN)}}
MINE: Situations = {
    "open mine": on_mine(mine()),
    "defused mine": on_mine(mine(MineStatus.defused)),
    "risk accepted": on_mine(mine(MineStatus.accepted_risk)),
    "withdrawn mine": on_mine(mine(MineStatus.withdrawn)),
    "hidden mine": on_mine(mine(hidden=True)),
    "open bombe": on_mine(mine(severity=Severity.blocking)),
    "open mine, project": on_mine(mine(), idea(IdeaStatus.project)),
    "open mine, abandoned idea": on_mine(mine(), idea(IdeaStatus.abandoned)),
}
DEMINAGE: Situations = {
    **MINE,
    "hidden déminage": on_mine(mine(), d=deminage(hidden=True)),
    "déminage « ne répond pas »": on_mine(mine(), d=deminage(dismissed=True)),
}
# The acceptance in force, on its defused mine.
ANSWER: Situations = {
    **DEMINAGE,
    "accepted déminage": on_mine(mine(MineStatus.defused), d=deminage(accepted=True)),
}
BASIS: Situations = {**MINE, "asked already": on_mine(mine(asked=True))}
COSIGNED = MineSignature(mine_id=20, user_id=CONCERNED, severity=Severity.blocking)
SIGNATURE: Situations = {
    "co-signed": {"mine": mine(), "signature": COSIGNED},
    "co-signed, withdrawn mine": {"mine": mine(MineStatus.withdrawn), "signature": COSIGNED},
    "co-signed, hidden mine": {"mine": mine(hidden=True), "signature": COSIGNED},
    "not signed": {"mine": mine(), "signature": None},
}


def scoped(
    m: Mine,
    request: ScopeRequest | None = None,
    i: Idea | None = None,
    signature: MineSignature | None = None,
) -> dict[str, Any]:
    return {"mine": m, "idea": i or idea(), "request": request, "signature": signature}


SCOPE: Situations = {
    "first-ground mine": scoped(mine()),
    "generalisation mine": scoped(mine(scope=MineScope.generalisation)),
    "a request pending": scoped(mine(), scope_request()),
    "a request refused": scoped(mine(), scope_request(ScopeRequestStatus.refused)),
    "a request settled": scoped(mine(), scope_request(ScopeRequestStatus.kept)),
    "withdrawn mine": scoped(mine(MineStatus.withdrawn)),
    "hidden mine, a request pending": scoped(mine(hidden=True), scope_request()),
    "refused, abandoned idea": scoped(
        mine(), scope_request(ScopeRequestStatus.refused), idea(IdeaStatus.abandoned)
    ),
    # The person concerned co-signed the mine: a party to it, as its author is.
    "a request refused, co-signed": scoped(
        mine(), scope_request(ScopeRequestStatus.refused), signature=COSIGNED
    ),
}
ROLE: Situations = {"—": {}}
MERGE: Situations = {
    "two published ideas": {"keep": idea(), "merged": idea(idea_id=11)},
    "the same idea twice": {"keep": idea(), "merged": idea()},
    "a draft merged": {"keep": idea(), "merged": idea(IdeaStatus.draft, 11)},
    "a closed idea merged": {"keep": idea(), "merged": idea(IdeaStatus.abandoned, 11)},
    "a project merged": {"keep": idea(), "merged": idea(IdeaStatus.project, 11)},
    "a hidden idea merged": {"keep": idea(), "merged": idea(idea_id=11, hidden_at=WHEN)},
    "into a draft": {"keep": idea(IdeaStatus.draft), "merged": idea(idea_id=11)},
    "merged already": {"keep": idea(), "merged": idea(idea_id=11, merged_into_id=12)},
    "into a merged idea": {"keep": idea(merged_into_id=12), "merged": idea(idea_id=11)},
    "into a project": {"keep": idea(IdeaStatus.project), "merged": idea(idea_id=11)},
    "into a closed idea": {"keep": idea(IdeaStatus.abandoned), "merged": idea(idea_id=11)},
    "into a hidden idea": {"keep": idea(hidden_at=WHEN), "merged": idea(idea_id=11)},
}
# A project's sponsor is « the person concerned »; a closed idea may have been merged away.
PROJECT: Situations = {
    "project, sponsor named": {"idea": idea(IdeaStatus.project, sponsor_id=CONCERNED)},
    "project, no sponsor account": {"idea": idea(IdeaStatus.project)},
    "open, sponsor named": {"idea": idea(sponsor_id=CONCERNED)},
    "abandoned, sponsor named": {"idea": idea(IdeaStatus.abandoned, sponsor_id=CONCERNED)},
}
CLOSED: Situations = {
    **{label: {**situation, "relaunch": None} for label, situation in IDEA.items()},
    "merged away": {"idea": idea(IdeaStatus.abandoned, merged_into_id=12), "relaunch": None},
    "abandoned, hidden": {"idea": idea(IdeaStatus.abandoned, hidden_at=WHEN), "relaunch": None},
    # The relaunch alive that the asker sees (`sleeping.live_relaunches`): theirs or published.
    "abandoned, relaunched already": {
        "idea": idea(IdeaStatus.abandoned),
        "relaunch": idea(idea_id=13, relaunched_from_id=10),
    },
}
# To publish: another relaunch of the same idea, published and alive
# (`sleeping.rival_relaunch`), keeps a relaunched draft unpublished.
PUBLISH: Situations = {
    **{label: {**situation, "rival": None} for label, situation in IDEA.items()},
    "draft, relaunched elsewhere already": {
        "idea": idea(IdeaStatus.draft, relaunched_from_id=12),
        "rival": idea(IdeaStatus.open, idea_id=13, relaunched_from_id=12),
    },
}
INVITEE: Situations = {
    "a colleague": {"mine": mine(), "invitee": colleague()},
    "the mine's author": {"mine": mine(), "invitee": colleague(MINE_AUTHOR)},
    "a deactivated colleague": {"mine": mine(), "invitee": colleague(is_active=False)},
    "a colleague who opted out": {"mine": mine(), "invitee": colleague(ask_opt_out=True)},
}
INVITATION: Situations = {
    "an invitation": {
        "invitation": MineInvitation(
            id=40, mine_id=20, invitee_id=CONCERNED, inviter_id=IDEA_AUTHOR
        )
    }
}
CARRIER_INVITEE: Situations = {
    "a colleague": {"idea": idea(), "invitee": colleague()},
    "the idea's author": {"idea": idea(), "invitee": colleague(IDEA_AUTHOR)},
    "a deactivated colleague": {"idea": idea(), "invitee": colleague(is_active=False)},
    "a co-porteur already": {"idea": idea(), "invitee": colleague(CO_CARRIER)},
}


def carrying(accepted: bool = False) -> CoCarrier:
    """An invitation to co-carry the idea (its invitee is « the person concerned »), or, once
    accepted, the row of its co-porteur."""
    return CoCarrier(
        id=50,
        idea_id=10,
        user_id=CO_CARRIER if accepted else CONCERNED,
        invited_by_id=IDEA_AUTHOR,
        accepted_at=WHEN if accepted else None,
    )


CARRYING: Situations = {
    "an invitation": {"invitation": carrying(), "idea": idea()},
    "an invitation, project": {"invitation": carrying(), "idea": idea(IdeaStatus.project)},
    "an invitation, abandoned idea": {
        "invitation": carrying(),
        "idea": idea(IdeaStatus.abandoned),
    },
    "a co-porteur": {"invitation": carrying(accepted=True), "idea": idea()},
}
ADMIN = colleague(role=Role.admin)
RIGHTS: Situations = {
    "stays an active admin": {"person": ADMIN, "role": Role.admin, "active": True},
    "becomes a manager": {"person": ADMIN, "role": Role.manager, "active": True},
    "is deactivated": {"person": ADMIN, "role": Role.admin, "active": False},
}


def call(ideas: int, deminage: int, decision: int, **more: Any) -> CallForIdeas:
    """A call whose three dates are these days of November 2026 (WHEN is 2 November)."""
    return CallForIdeas(
        id=50,
        question="Appel",
        sponsor_id=CONCERNED,
        ideas_until=date(2026, 11, ideas) if ideas > 0 else date(2026, 10, 31 + ideas),
        deminage_until=date(2026, 11, deminage) if deminage > 0 else date(2026, 10, 31 + deminage),
        decision_by=date(2026, 11, decision),
        **more,
    )


CALLS = {
    "taking ideas": call(10, 20, 30),
    "in déminage": call(-1, 10, 20),
    "in decision": call(-10, -1, 10),
    "closed early": call(10, 20, 30, closed_at=WHEN),
    "decided": call(-10, -1, 10, decided_at=WHEN),
}
CALL: Situations = {label: {"call": c, "now": WHEN} for label, c in CALLS.items()}
EVERYONE: frozenset[int] = frozenset()
CALL_ANSWER: Situations = {
    "taking ideas, for everyone": {"call": CALLS["taking ideas"], "audience": EVERYONE},
    "taking ideas, for another unit": {
        "call": CALLS["taking ideas"],
        "audience": frozenset({OTHER_UNIT}),
    },
    "taking ideas, for the asker's unit": {
        "call": CALLS["taking ideas"],
        "audience": frozenset({CONCERNED_UNIT, OTHER_UNIT}),
    },
    "in déminage, for everyone": {"call": CALLS["in déminage"], "audience": EVERYONE},
    "in déminage, for another unit": {
        "call": CALLS["in déminage"],
        "audience": frozenset({OTHER_UNIT}),
    },
    "closed early, for everyone": {"call": CALLS["closed early"], "audience": EVERYONE},
}
CALL_ANSWER = {label: {**situation, "now": WHEN} for label, situation in CALL_ANSWER.items()}

ALL = "✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓"
NOBODY = "✗ CCC CCC CCC CCC CCC CCC"  # the state (here: who is asked) forbids it
TABLE: dict[str, tuple[Situations, dict[str, str]]] = {
    # --- ideas -------------------------------------------------------------------------------
    "can_view_idea": (
        IDEA_SEEN,
        {
            "draft": "✗ ✗✗✗ ✓✓✓ ✗✗✗ ✗✗✗ ✗✗✗ ✓✓✓",
            "open": ALL,
            "project": ALL,
            "abandoned": ALL,
            "hidden by moderation": "✗ ✗✗✓ ✓✓✓ ✗✗✓ ✗✗✓ ✗✗✓ ✓✓✓",
        },
    ),
    "can_edit_idea": (
        IDEA,
        {
            "draft": "✗ FFF ✓✓✓ FFF FFF FFF ✓✓✓",
            "open": "✗ FFF ✓✓✓ FFF FFF FFF ✓✓✓",
            "project": "✗ FFF CCC FFF FFF FFF CCC",
            "abandoned": "✗ FFF CCC FFF FFF FFF CCC",
        },
    ),
    "can_publish": (
        PUBLISH,
        {
            "draft": "✗ FFF ✓✓✓ FFF FFF FFF FFF",
            "draft, relaunched elsewhere already": "✗ FFF CCC FFF FFF FFF FFF",
            "open": "✗ FFF CCC FFF FFF FFF FFF",
            "project": "✗ FFF CCC FFF FFF FFF FFF",
            "abandoned": "✗ FFF CCC FFF FFF FFF FFF",
        },
    ),
    "can_abandon": (
        IDEA,
        {
            "draft": "✗ FCC CCC FCC FCC FCC FCC",
            "open": "✗ F✓✓ ✓✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "project": "✗ FCC CCC FCC FCC FCC FCC",
            "abandoned": "✗ FCC CCC FCC FCC FCC FCC",
        },
    ),
    "can_delete_draft": (
        IDEA,
        {
            "draft": "✗ FFF ✓✓✓ FFF FFF FFF FFF",
            "open": "✗ FFF CCC FFF FFF FFF FFF",
            "project": "✗ FFF CCC FFF FFF FFF FFF",
            "abandoned": "✗ FFF CCC FFF FFF FFF FFF",
        },
    ),
    "can_follow": (
        IDEA,
        {
            "draft": "✗ CCC CCC CCC CCC CCC CCC",
            "open": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "project": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "abandoned": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
        },
    ),
    "can_support": (
        IDEA,
        {
            "draft": "✗ CCC CCC CCC CCC CCC CCC",
            "open": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "project": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "abandoned": "✗ CCC CCC CCC CCC CCC CCC",
        },
    ),
    "can_lay_mine": (
        IDEA,
        {
            "draft": "✗ CCC FFF CCC CCC CCC FFF",
            "open": "✗ ✓✓✓ FFF ✓✓✓ ✓✓✓ ✓✓✓ FFF",
            "project": "✗ ✓✓✓ FFF ✓✓✓ ✓✓✓ ✓✓✓ FFF",
            "abandoned": "✗ CCC FFF CCC CCC CCC FFF",
        },
    ),
    "can_decide_on_ideas": (ROLE, {"—": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓"}),
    "can_promote": (
        IDEA,
        {
            "draft": "✗ FCC FCC FCC FCC FCC FCC",
            "open": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "project": "✗ FCC FCC FCC FCC FCC FCC",
            "abandoned": "✗ FCC FCC FCC FCC FCC FCC",
        },
    ),
    "can_send_back": (
        IDEA,
        {
            "draft": "✗ FCC FCC FCC FCC FCC FCC",
            "open": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "project": "✗ FCC FCC FCC FCC FCC FCC",
            "abandoned": "✗ FCC FCC FCC FCC FCC FCC",
        },
    ),
    "can_merge": (
        MERGE,
        {
            "two published ideas": "✗ FF✓ FF✓ FF✓ FF✓ FF✓ FF✓",
            "the same idea twice": "✗ FFC FFC FFC FFC FFC FFC",
            "a draft merged": "✗ FFC FFC FFC FFC FFC FFC",
            "a closed idea merged": "✗ FFC FFC FFC FFC FFC FFC",
            "a project merged": "✗ FFC FFC FFC FFC FFC FFC",
            "a hidden idea merged": "✗ FFC FFC FFC FFC FFC FFC",
            "into a draft": "✗ FFC FFC FFC FFC FFC FFC",
            "merged already": "✗ FFC FFC FFC FFC FFC FFC",
            "into a merged idea": "✗ FFC FFC FFC FFC FFC FFC",
            "into a project": "✗ FF✓ FF✓ FF✓ FF✓ FF✓ FF✓",
            "into a closed idea": "✗ FFC FFC FFC FFC FFC FFC",
            "into a hidden idea": "✗ FFC FFC FFC FFC FFC FFC",
        },
    ),
    # --- closing the loop ----------------------------------------------------------------------
    "can_post_milestone": (
        PROJECT,
        {
            "project, sponsor named": "✗ FFF ✓✓✓ FFF FFF ✓✓✓ ✓✓✓",
            "project, no sponsor account": "✗ FFF ✓✓✓ FFF FFF FFF ✓✓✓",
            "open, sponsor named": "✗ FFF CCC FFF FFF CCC CCC",
            "abandoned, sponsor named": "✗ FFF CCC FFF FFF CCC CCC",
        },
    ),
    "can_set_sponsor": (
        PROJECT,
        {
            "project, sponsor named": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "project, no sponsor account": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "open, sponsor named": "✗ FCC FCC FCC FCC FCC FCC",
            "abandoned, sponsor named": "✗ FCC FCC FCC FCC FCC FCC",
        },
    ),
    "can_relaunch": (
        CLOSED,
        {
            "draft": "✗ CCC CCC CCC CCC CCC CCC",
            "open": "✗ CCC CCC CCC CCC CCC CCC",
            "project": "✗ CCC CCC CCC CCC CCC CCC",
            "abandoned": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "merged away": "✗ CCC CCC CCC CCC CCC CCC",
            "abandoned, hidden": "✗ CCC CCC CCC CCC CCC CCC",
            "abandoned, relaunched already": "✗ CCC CCC CCC CCC CCC CCC",
        },
    ),
    # --- mines and déminages ------------------------------------------------------------------
    "can_bring_deminage": (
        MINE,
        {
            "open mine": "✗ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓ ✓✓✓",
            "defused mine": "✗ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓ ✓✓✓",
            "risk accepted": "✗ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓ ✓✓✓",
            "withdrawn mine": "✗ CCC CCC FFF CCC CCC CCC",
            "hidden mine": "✗ CCC CCC CCC CCC CCC CCC",
            "open bombe": "✗ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓ ✓✓✓",
            "open mine, project": "✗ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓ ✓✓✓",
            "open mine, abandoned idea": "✗ CCC CCC FFF CCC CCC CCC",
        },
    ),
    "can_accept_deminage": (
        DEMINAGE,
        {
            "open mine": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF ✓✓✓",
            "defused mine": "✗ FFF CCC CCC FFF FFF CCC",
            "risk accepted": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF ✓✓✓",
            "withdrawn mine": "✗ FFF CCC CCC FFF FFF CCC",
            "hidden mine": "✗ CCC CCC CCC CCC CCC CCC",
            "open bombe": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF ✓✓✓",
            "open mine, project": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF ✓✓✓",
            "open mine, abandoned idea": "✗ FFF CCC CCC FFF FFF CCC",
            "hidden déminage": "✗ CCC CCC CCC CCC CCC CCC",
            "déminage « ne répond pas »": "✗ FFF CCC CCC FFF FFF CCC",
        },
    ),
    "can_dismiss_deminage": (
        ANSWER,
        {
            "open mine": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF ✓✓✓",
            "defused mine": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF ✓✓✓",
            "risk accepted": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF ✓✓✓",
            "withdrawn mine": "✗ FFF CCC CCC FFF FFF CCC",
            "hidden mine": "✗ CCC CCC CCC CCC CCC CCC",
            "open bombe": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF ✓✓✓",
            "open mine, project": "✗ FFF ✓✓✓ ✓✓✓ FFF FFF ✓✓✓",
            "open mine, abandoned idea": "✗ FFF CCC CCC FFF FFF CCC",
            "hidden déminage": "✗ CCC CCC CCC CCC CCC CCC",
            "déminage « ne répond pas »": "✗ FFF CCC CCC FFF FFF CCC",
            "accepted déminage": "✗ FFF CCC CCC FFF FFF CCC",
        },
    ),
    "can_mark_helpful": (
        DEMINAGE,
        {
            "open mine": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓",
            "defused mine": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓",
            "risk accepted": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓",
            "withdrawn mine": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓",
            "hidden mine": "✗ CCC CCC CCC CCC CCC CCC",
            "open bombe": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓",
            "open mine, project": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓",
            "open mine, abandoned idea": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓",
            "hidden déminage": "✗ CCC CCC CCC CCC CCC CCC",
            "déminage « ne répond pas »": "✗ ✓✓✓ ✓✓✓ ✓✓✓ FFF ✓✓✓ ✓✓✓",
        },
    ),
    "can_withdraw": (
        MINE,
        {
            "open mine": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "defused mine": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "risk accepted": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "withdrawn mine": "✗ FFF FFF CCC FFF FFF FFF",
            "hidden mine": "✗ CCC CCC CCC CCC CCC CCC",
            "open bombe": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "open mine, project": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "open mine, abandoned idea": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
        },
    ),
    "can_reopen": (
        MINE,
        {
            "open mine": "✗ FFF FFF CCC FFF FFF FFF",
            "defused mine": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "risk accepted": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "withdrawn mine": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "hidden mine": "✗ CCC CCC CCC CCC CCC CCC",
            "open bombe": "✗ FFF FFF CCC FFF FFF FFF",
            "open mine, project": "✗ FFF FFF CCC FFF FFF FFF",
            "open mine, abandoned idea": "✗ FFF FFF CCC FFF FFF FFF",
        },
    ),
    "can_accept_risk": (
        MINE,
        {
            "open mine": "✗ FFF ✓✓✓ FFF FFF FFF ✓✓✓",
            "defused mine": "✗ FFF CCC FFF FFF FFF CCC",
            "risk accepted": "✗ FFF CCC FFF FFF FFF CCC",
            "withdrawn mine": "✗ FFF CCC FFF FFF FFF CCC",
            "hidden mine": "✗ CCC CCC CCC CCC CCC CCC",
            "open bombe": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "open mine, project": "✗ FFF ✓✓✓ FFF FFF FFF ✓✓✓",
            "open mine, abandoned idea": "✗ FFF CCC FFF FFF FFF CCC",
        },
    ),
    # --- co-signing, portée, basis -------------------------------------------------------------
    "can_cosign": (
        MINE,
        {
            "open mine": "✗ ✓✓✓ FFF FFF ✓✓✓ ✓✓✓ FFF",
            "defused mine": "✗ ✓✓✓ FFF FFF ✓✓✓ ✓✓✓ FFF",
            "risk accepted": "✗ ✓✓✓ FFF FFF ✓✓✓ ✓✓✓ FFF",
            "withdrawn mine": "✗ CCC FFF FFF CCC CCC FFF",
            "hidden mine": "✗ CCC CCC CCC CCC CCC CCC",
            "open bombe": "✗ ✓✓✓ FFF FFF ✓✓✓ ✓✓✓ FFF",
            "open mine, project": "✗ ✓✓✓ FFF FFF ✓✓✓ ✓✓✓ FFF",
            "open mine, abandoned idea": "✗ CCC FFF FFF CCC CCC FFF",
        },
    ),
    "can_withdraw_signature": (
        SIGNATURE,
        {
            # The person concerned is the co-signer: withdrawing is always possible.
            "co-signed": "✗ FFF FFF FFF FFF ✓✓✓ FFF",
            "co-signed, withdrawn mine": "✗ FFF FFF FFF FFF ✓✓✓ FFF",
            "co-signed, hidden mine": "✗ CCC CCC CCC CCC CCC CCC",
            "not signed": "✗ FFF FFF FFF FFF FFF FFF",
        },
    ),
    "can_request_scope_move": (
        SCOPE,
        {
            "first-ground mine": "✗ FFF ✓✓✓ FFF FFF FFF ✓✓✓",
            "generalisation mine": "✗ FFF CCC FFF FFF FFF CCC",
            "a request pending": "✗ FFF CCC FFF FFF FFF CCC",
            "a request refused": "✗ FFF CCC FFF FFF FFF CCC",
            "a request settled": "✗ FFF ✓✓✓ FFF FFF FFF ✓✓✓",
            "withdrawn mine": "✗ FFF CCC FFF FFF FFF CCC",
            "hidden mine, a request pending": "✗ CCC CCC CCC CCC CCC CCC",
            "refused, abandoned idea": "✗ FFF CCC FFF FFF FFF CCC",
            "a request refused, co-signed": "✗ FFF CCC FFF FFF FFF CCC",
        },
    ),
    "can_answer_scope_move": (
        SCOPE,
        {
            "first-ground mine": "✗ FFF FFF CCC FFF FFF FFF",
            "generalisation mine": "✗ FFF FFF CCC FFF FFF FFF",
            "a request pending": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "a request refused": "✗ FFF FFF CCC FFF FFF FFF",
            "a request settled": "✗ FFF FFF CCC FFF FFF FFF",
            "withdrawn mine": "✗ FFF FFF CCC FFF FFF FFF",
            "hidden mine, a request pending": "✗ CCC CCC CCC CCC CCC CCC",
            "refused, abandoned idea": "✗ FFF FFF CCC FFF FFF FFF",
            "a request refused, co-signed": "✗ FFF FFF CCC FFF FFF FFF",
        },
    ),
    "can_decide_scope_move": (
        SCOPE,
        {
            # A manager who wrote neither the idea nor the mine, nor co-signed it, decides.
            "first-ground mine": "✗ FCC FFF FFF FCC FCC FFF",
            "generalisation mine": "✗ FCC FFF FFF FCC FCC FFF",
            "a request pending": "✗ FCC FFF FFF FCC FCC FFF",
            "a request refused": "✗ F✓✓ FFF FFF F✓✓ F✓✓ FFF",
            "a request settled": "✗ FCC FFF FFF FCC FCC FFF",
            "withdrawn mine": "✗ FCC FFF FFF FCC FCC FFF",
            "hidden mine, a request pending": "✗ CCC CCC CCC CCC CCC CCC",
            "refused, abandoned idea": "✗ FCC FFF FFF FCC FCC FFF",
            "a request refused, co-signed": "✗ F✓✓ FFF FFF F✓✓ FFF FFF",
        },
    ),
    "can_ask_basis": (
        BASIS,
        {
            "open mine": "✗ FFF ✓✓✓ FFF FFF FFF ✓✓✓",
            "defused mine": "✗ FFF ✓✓✓ FFF FFF FFF ✓✓✓",
            "risk accepted": "✗ FFF ✓✓✓ FFF FFF FFF ✓✓✓",
            "withdrawn mine": "✗ FFF CCC FFF FFF FFF CCC",
            "hidden mine": "✗ CCC CCC CCC CCC CCC CCC",
            "open bombe": "✗ FFF ✓✓✓ FFF FFF FFF ✓✓✓",
            "open mine, project": "✗ FFF ✓✓✓ FFF FFF FFF ✓✓✓",
            "open mine, abandoned idea": "✗ FFF CCC FFF FFF FFF CCC",
            "asked already": "✗ FFF CCC FFF FFF FFF CCC",
        },
    ),
    "can_state_basis": (
        MINE,
        {
            "open mine": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "defused mine": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "risk accepted": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "withdrawn mine": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "hidden mine": "✗ CCC CCC CCC CCC CCC CCC",
            "open bombe": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "open mine, project": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
            "open mine, abandoned idea": "✗ FFF FFF ✓✓✓ FFF FFF FFF",
        },
    ),
    # --- « Qui peut déminer ? » ---------------------------------------------------------------
    "can_invite": (
        MINE,
        {
            "open mine": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "defused mine": "✗ CCC CCC CCC CCC CCC CCC",
            "risk accepted": "✗ CCC CCC CCC CCC CCC CCC",
            "withdrawn mine": "✗ CCC CCC CCC CCC CCC CCC",
            "hidden mine": "✗ CCC CCC CCC CCC CCC CCC",
            "open bombe": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "open mine, project": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            # The idea is closed but its mine is still open: a colleague may still be asked.
            "open mine, abandoned idea": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
        },
    ),
    "can_invite_colleague": (
        INVITEE,
        {
            "a colleague": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ CCC ✓✓✓",
            "the mine's author": "✗ CCC CCC CCC CCC CCC CCC",
            "a deactivated colleague": "✗ CCC CCC CCC CCC CCC CCC",
            "a colleague who opted out": "✗ CCC CCC CCC CCC CCC CCC",
        },
    ),
    "can_decline_invitation": (INVITATION, {"an invitation": "✗ FFF FFF FFF FFF ✓✓✓ FFF"}),
    # --- co-porteurs ---------------------------------------------------------------------------
    "can_invite_carrier": (
        IDEA,
        {
            "draft": "✗ FFF CCC FFF FFF FFF FFF",
            "open": "✗ FFF ✓✓✓ FFF FFF FFF FFF",
            "project": "✗ FFF ✓✓✓ FFF FFF FFF FFF",
            "abandoned": "✗ FFF CCC FFF FFF FFF FFF",
        },
    ),
    # Who may be asked, whoever asks (that only the author asks is `can_invite_carrier`).
    "can_invite_carrier_colleague": (
        CARRIER_INVITEE,
        {
            "a colleague": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "the idea's author": NOBODY,
            "a deactivated colleague": NOBODY,
            "a co-porteur already": NOBODY,
        },
    ),
    "can_accept_carrying": (
        CARRYING,
        {
            "an invitation": "✗ FFF FFF FFF FFF ✓✓✓ FFF",
            "an invitation, project": "✗ FFF FFF FFF FFF ✓✓✓ FFF",
            "an invitation, abandoned idea": "✗ FFF FFF FFF FFF CCC FFF",
            "a co-porteur": "✗ FFF FFF FFF FFF FFF CCC",
        },
    ),
    "can_decline_carrying": (
        CARRYING,
        {
            "an invitation": "✗ FFF FFF FFF FFF ✓✓✓ FFF",
            "an invitation, project": "✗ FFF FFF FFF FFF ✓✓✓ FFF",
            "an invitation, abandoned idea": "✗ FFF FFF FFF FFF ✓✓✓ FFF",
            "a co-porteur": "✗ FFF FFF FFF FFF FFF CCC",
        },
    ),
    "can_remove_carrier": (
        CARRYING,
        {
            "an invitation": "✗ FFF ✓✓✓ FFF FFF FFF FFF",
            "an invitation, project": "✗ FFF ✓✓✓ FFF FFF FFF FFF",
            "an invitation, abandoned idea": "✗ FFF ✓✓✓ FFF FFF FFF FFF",
            "a co-porteur": "✗ FFF ✓✓✓ FFF FFF FFF FFF",
        },
    ),
    "can_leave_carrying": (
        CARRYING,
        {
            "an invitation": "✗ FFF FFF FFF FFF CCC FFF",
            "an invitation, project": "✗ FFF FFF FFF FFF CCC FFF",
            "an invitation, abandoned idea": "✗ FFF FFF FFF FFF CCC FFF",
            "a co-porteur": "✗ FFF FFF FFF FFF FFF ✓✓✓",
        },
    ),
    # --- calls for ideas (the sponsor is the person concerned) --------------------------------
    "can_manage_calls": (ROLE, {"—": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓"}),
    "can_edit_call": (
        CALL,
        {
            "taking ideas": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "in déminage": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "in decision": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "closed early": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "decided": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
        },
    ),
    "can_close_call": (
        CALL,
        {
            "taking ideas": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "in déminage": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "in decision": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓",
            "closed early": "✗ FCC FCC FCC FCC FCC FCC",
            "decided": "✗ FCC FCC FCC FCC FCC FCC",
        },
    ),
    "can_answer_call": (
        CALL_ANSWER,
        {
            "taking ideas, for everyone": "✗ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓ ✓✓✓",
            "taking ideas, for another unit": "✗ FFF FFF FFF FFF FFF FFF",
            "taking ideas, for the asker's unit": "✗ FFF FFF FFF FFF ✓✓✓ FFF",
            "in déminage, for everyone": "✗ CCC CCC CCC CCC CCC CCC",
            "in déminage, for another unit": "✗ FFF FFF FFF FFF FFF FFF",
            "closed early, for everyone": "✗ CCC CCC CCC CCC CCC CCC",
        },
    ),
    "can_decide_call": (
        CALL,
        {
            "taking ideas": "✗ FFF FFF FFF FFF FCC FFF",
            "in déminage": "✗ FFF FFF FFF FFF FCC FFF",
            "in decision": "✗ FFF FFF FFF FFF F✓✓ FFF",
            "closed early": "✗ FFF FFF FFF FFF F✓✓ FFF",
            "decided": "✗ FFF FFF FFF FFF FCC FFF",
        },
    ),
    # --- roles --------------------------------------------------------------------------------
    "can_moderate": (ROLE, {"—": "✗ FF✓ FF✓ FF✓ FF✓ FF✓ FF✓"}),
    "can_read_hidden": (ROLE, {"—": "✗ ✗✗✓ ✗✗✓ ✗✗✓ ✗✗✓ ✗✗✓ ✗✗✓"}),
    "can_administer": (ROLE, {"—": "✗ FF✓ FF✓ FF✓ FF✓ FF✓ FF✓"}),
    "can_change_rights": (
        RIGHTS,
        {
            "stays an active admin": "✗ FF✓ FF✓ FF✓ FF✓ FF✓ FF✓",
            "becomes a manager": "✗ FF✓ FF✓ FF✓ FF✓ FFI FF✓",
            "is deactivated": "✗ FF✓ FF✓ FF✓ FF✓ FFI FF✓",
        },
    ),
    "can_view_dashboard": (ROLE, {"—": "✗ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓ F✓✓"}),
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
