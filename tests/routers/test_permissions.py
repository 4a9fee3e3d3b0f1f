"""Who may do each action of the core loop, and the 403 the others get (over the API)."""

import pytest
from sqlmodel import Session

from app.models import Role
from app.services import mines
from app.services.readiness import ScoringParams
from tests.conftest import Clock
from tests.factories import make_deminage, make_idea, make_mine, make_user

REASON = {"reason": "Une raison écrite."}

# action, method, path template, body, {actor: expected status}
CASES = [
    (
        "edit idea",
        "patch",
        "/api/v1/ideas/{idea}",
        {"solution": "Grâce à…"},
        {"author": 200, "mine_author": 403, "manager": 403, "admin": 403},
    ),
    (
        "abandon idea",
        "post",
        "/api/v1/ideas/{idea}/abandon",
        {"lesson": "Leçon"},
        {"author": 200, "manager": 200, "mine_author": 403, "helper": 403},
    ),
    (
        "lay a mine",
        "post",
        "/api/v1/ideas/{idea}/mines",
        {"category": "legal", "severity": "minor", "body": "x"},
        {"author": 403, "helper": 201, "manager": 201},
    ),
    (
        "bring a déminage",
        "post",
        "/api/v1/mines/{mine}/deminages",
        {"kind": "contact", "body": "x"},
        {"mine_author": 403, "author": 201, "helper": 201},
    ),
    (
        "accept a déminage",
        "post",
        "/api/v1/deminages/{deminage}/accept",
        None,
        {"helper": 403, "manager": 403, "mine_author": 200, "author": 200},
    ),
    (
        "mark ça aide",
        "post",
        "/api/v1/deminages/{deminage}/helpful",
        None,
        {"helper": 403, "mine_author": 200, "author": 200},
    ),
    (
        "withdraw a mine",
        "post",
        "/api/v1/mines/{mine}/withdraw",
        None,
        {"author": 403, "helper": 403, "manager": 403, "mine_author": 200},
    ),
    (
        "reopen a defused mine",
        "post",
        "/api/v1/mines/{defused}/reopen",
        REASON,
        {"author": 403, "helper": 403, "manager": 403, "mine_author": 200},
    ),
    (
        "assume a mine's risk",
        "post",
        "/api/v1/mines/{mine}/accept-risk",
        REASON,
        {"mine_author": 403, "helper": 403, "manager": 403, "author": 200},
    ),
    (
        "assume a bombe's risk",
        "post",
        "/api/v1/mines/{bomb}/accept-risk",
        REASON,
        {"author": 403, "mine_author": 403, "helper": 403, "manager": 200},
    ),
    (
        "read a draft",
        "get",
        "/api/v1/ideas/{draft}",
        None,
        {"author": 200, "helper": 404, "manager": 404, "admin": 404},
    ),
    (
        "publish a draft",
        "post",
        "/api/v1/ideas/{draft}/publish",
        None,
        {"author": 200, "helper": 404, "admin": 404},
    ),
]


@pytest.mark.parametrize(
    ("path", "method", "body", "actor", "expected"),
    [
        pytest.param(path, method, body, actor, expected, id=f"{action}-{actor}")
        for action, method, path, body, table in CASES
        for actor, expected in table.items()
    ],
)
def test_permission(
    api_client,
    db: Session,
    clock: Clock,
    path: str,
    method: str,
    body: dict | None,  # type: ignore[no-untyped-def,type-arg]
    actor: str,
    expected: int,
) -> None:
    people = {
        "author": make_user(db, unit="Accueil"),
        "mine_author": make_user(db, unit="Finances"),
        "helper": make_user(db, unit="DSI"),
        "manager": make_user(db, unit="DGS", role=Role.manager),
        "admin": make_user(db, unit="DSI", role=Role.admin),
    }
    idea = make_idea(db, people["author"], clock.now)
    draft = make_idea(db, people["author"], clock.now, published=False)
    mine = make_mine(db, idea, people["mine_author"], clock.now)
    bomb = make_mine(db, idea, people["mine_author"], clock.now, severity="blocking")
    defused = make_mine(db, idea, people["mine_author"], clock.now, severity="minor")
    deminage = make_deminage(db, mine, people["helper"], clock.now)
    answer = make_deminage(db, defused, people["helper"], clock.now)
    mines.accept_deminage(db, ScoringParams(), people["author"], answer, defused, idea, clock.now)
    db.commit()
    url = path.format(
        idea=idea.id,
        draft=draft.id,
        mine=mine.id,
        bomb=bomb.id,
        defused=defused.id,
        deminage=deminage.id,
    )
    client = api_client(people[actor])
    response = getattr(client, method)(url, **({"json": body} if body is not None else {}))
    assert response.status_code == expected, response.text
    if expected == 403:
        assert response.json()["detail"]


def test_deactivated_account_tokens_stop_working(api_client, db: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user(db)
    db.commit()
    client = api_client(user)
    assert client.get("/api/v1/me").status_code == 200
    user.is_active = False
    db.add(user)
    db.commit()
    assert client.get("/api/v1/me").status_code == 401
