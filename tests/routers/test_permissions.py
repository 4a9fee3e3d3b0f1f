"""How a refusal reaches the asker: the same status and a French reason, in a page and in the
API alike. The rules themselves (who may do what, in which state) are the table of
tests/services/test_permissions_table.py; which role reaches each route, the matrix of
tests/routers/test_authorization_matrix.py."""

import pytest
from sqlmodel import Session

from app.services import mines
from app.services.readiness import ScoringParams
from tests.conftest import ApiClient, Clock, MakeClient, soup
from tests.factories import make_idea, make_mine, make_user
from tests.html import one

REASON = {"reason": "Une raison écrite."}

# what, who asks, (page method, page path), (API method, API path, API body), expected status
REFUSALS = [
    (
        "someone else edits the idea",
        "stranger",
        ("post", "/ideas/{idea}/edit"),
        ("patch", "/api/v1/ideas/{idea}", {"solution": "Grâce à…"}),
        403,
    ),
    (
        "the author mines their own idea",
        "author",
        ("post", "/ideas/{idea}/mines"),
        (
            "post",
            "/api/v1/ideas/{idea}/mines",
            {"category": "legal", "severity": "minor", "body": "x"},
        ),
        403,
    ),
    (
        "an agent assumes a bombe's risk",
        "author",
        ("post", "/mines/{bomb}/accept-risk"),
        ("post", "/api/v1/mines/{bomb}/accept-risk", REASON),
        403,
    ),
    (
        "the mine's author withdraws it twice",
        "mine_author",
        ("post", "/mines/{withdrawn}/withdraw"),
        ("post", "/api/v1/mines/{withdrawn}/withdraw", None),
        409,
    ),
    (
        "someone else reads a draft",
        "stranger",
        ("get", "/ideas/{draft}"),
        ("get", "/api/v1/ideas/{draft}", None),
        404,
    ),
    (
        "someone else publishes a draft",
        "stranger",
        ("post", "/ideas/{draft}/publish"),
        ("post", "/api/v1/ideas/{draft}/publish", None),
        404,
    ),
    (
        "someone else follows a draft",
        "stranger",
        ("post", "/ideas/{draft}/follow"),
        ("post", "/api/v1/ideas/{draft}/follow", None),
        404,
    ),
    (
        "the author follows their own draft",
        "author",
        ("post", "/ideas/{draft}/follow"),
        ("post", "/api/v1/ideas/{draft}/follow", None),
        409,
    ),
    (
        "the author supports their own draft",
        "author",
        ("post", "/ideas/{draft}/support"),
        ("post", "/api/v1/ideas/{draft}/support", None),
        409,
    ),
]


@pytest.mark.parametrize(
    ("who", "page", "api", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in REFUSALS],
)
def test_a_refusal_is_the_same_in_a_page_and_in_the_api(
    make_client: MakeClient,
    api_client: ApiClient,
    db: Session,
    clock: Clock,
    who: str,
    page: tuple[str, str],
    api: tuple[str, str, dict[str, str] | None],
    expected: int,
) -> None:
    people = {
        "author": make_user(db, unit="Accueil"),
        "mine_author": make_user(db, unit="Finances"),
        "stranger": make_user(db, unit="DSI"),
    }
    idea = make_idea(db, people["author"], clock.now)
    bomb = make_mine(db, idea, people["mine_author"], clock.now, severity="blocking")
    withdrawn = make_mine(db, idea, people["mine_author"], clock.now)
    mines.withdraw(db, ScoringParams(), people["mine_author"], withdrawn, idea, clock.now)
    draft = make_idea(db, people["author"], clock.now, published=False)
    db.commit()
    ids = {"idea": idea.id, "bomb": bomb.id, "withdrawn": withdrawn.id, "draft": draft.id}

    method, path = page
    browser = make_client(people[who])
    url = path.format(**ids)
    answer = browser.get(url) if method == "get" else browser.post_form(url, {})
    assert answer.status_code == expected
    assert one(soup(answer), "main").get_text(strip=True)  # the reason, in words

    method, path, body = api
    script = api_client(people[who])
    answer = getattr(script, method)(path.format(**ids), **({"json": body} if body else {}))
    assert answer.status_code == expected, answer.text
    assert answer.json()["detail"]


def test_deactivated_account_tokens_stop_working(api_client: ApiClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    client = api_client(user)
    assert client.get("/api/v1/me").status_code == 200
    user.is_active = False
    db.add(user)
    db.commit()
    assert client.get("/api/v1/me").status_code == 401
