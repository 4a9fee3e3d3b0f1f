"""The authorization matrix of docs/authorization.md, walked cell by cell against the app.

Every route of the app must be in the table, and every row of the table must be a route. For
each cell the route is called, in a fresh world, as that role: ✓ means it succeeds (no 401, 403
or 404, no bounce to the sign-in page, and for a write a 2xx or 3xx), ✗ means it is refused
(401, 403, 404 — a draft or hidden content does not exist for others — or the sign-in page).
"""

import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT, Settings
from app.db import checkpoint_lock
from app.deps import SESSION_COOKIE
from app.main import create_app
from app.services import api_tokens
from tests.conftest import ON_POSTGRES, Clock, WebClient
from tests.routers.authorization_world import (
    CALLS,
    ROLE_TITLES,
    ROLES,
    build_world,
    sign_in_everyone,
    world_database,
)

MATRIX = PROJECT_ROOT / "docs" / "authorization.md"


def app_routes(app: FastAPI) -> set[str]:
    found = set()

    def walk(routes: Sequence[Any], prefix: str = "") -> None:
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                walk(included.routes, prefix + route.include_context.prefix)
            elif hasattr(route, "methods"):
                for method in route.methods - {"HEAD"}:
                    found.add(f"{method} {route.path}")

    walk(app.routes)
    return found


def read_matrix(path: Path = MATRIX) -> dict[str, dict[str, str]]:
    """{"METHOD /path": {role: "✓" | "✗"}} from the Markdown table."""
    rows: dict[str, dict[str, str]] = {}
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        pattern = r"`(GET|POST|PATCH|PUT|DELETE) (\S+)`(?: \(([^)]+)\))?"
        match = re.fullmatch(pattern, cells[0]) if cells else None
        if match and len(cells) >= 1 + len(ROLES):
            key = f"{match[1]} {match[2]}" + (f" ({match[3]})" if match[3] else "")
            rows[key] = dict(zip(ROLES, cells[1 : 1 + len(ROLES)], strict=True))
    return rows


MATRIX_ROWS = read_matrix()
CELLS = [(route, role) for route in MATRIX_ROWS for role in ROLES]


def test_every_route_is_in_the_matrix_and_every_row_is_a_route(app: FastAPI) -> None:
    routes = app_routes(app)
    listed = {key.split(" (")[0] for key in MATRIX_ROWS}
    assert routes - listed == set(), "routes missing from docs/authorization.md"
    assert listed - routes == set(), "rows of docs/authorization.md that are no route"
    assert set(CALLS) == set(MATRIX_ROWS), "every row needs a call in authorization_world.CALLS"
    assert all(set(cells.values()) <= {"✓", "✗"} for cells in MATRIX_ROWS.values())


def test_the_columns_are_the_roles_named_in_neutral_words() -> None:
    """The table's columns are the world's roles, in its order and under the titles the
    failures print; each is defined above the table, and no title uses a middle-dot form."""
    text = MATRIX.read_text(encoding="utf-8")
    [header] = [line for line in text.splitlines() if line.startswith("| route |")]
    columns = [c.strip() for c in header.strip().strip("|").split("|")][1:]
    assert columns == [ROLE_TITLES[role] for role in ROLES]
    assert all(f"**{title}**" in text for title in columns)
    assert not [title for title in columns if re.search(r"\w·\w", title)]


@dataclass
class Prepared:
    """The world, built once: a database file to copy per cell, its ids, each role's keys."""

    path: Path
    settings: Settings
    ids: dict[str, Any]
    cookies: dict[str, str]
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def prepared(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    if ON_POSTGRES:
        pytest.skip("authorization is the same on both engines: the matrix runs on SQLite")
    folder = tmp_path_factory.mktemp("matrix")
    with world_database(template_db, folder) as (path, settings, db):
        now = Clock().now  # the matrix app's clock stays there
        world = build_world(db, settings, now)
        cookies = sign_in_everyone(db, settings, world, now)
        tokens = {
            role: api_tokens.create_api_token(db, person, "matrice")[1]
            for role, person in world.people.items()
        }
        world.people["deactivated"].is_active = False  # signed in before it was deactivated
    return Prepared(path, settings, world.ids, cookies, tokens)


@pytest.fixture(scope="module")
def matrix_app(prepared: Prepared) -> Iterator[tuple[FastAPI, WebClient, TestClient, Path]]:
    """One app and one client for every cell (a test client costs a thread and an event
    loop); each cell gets its fresh copy of the world through `reset`."""
    live = prepared.path.with_name("live.sqlite3")
    shutil.copy(prepared.path, live)
    settings = prepared.settings.model_copy(update={"database_url": f"sqlite:///{live}"})
    app = create_app(settings, clock=Clock())
    with (
        WebClient(app, follow_redirects=False) as web,
        TestClient(app, follow_redirects=False) as api,
    ):
        yield app, web, api, live
    app.state.engine.dispose()


def reset(app: FastAPI, prepared: Prepared, live: Path) -> None:
    """Put a fresh copy of the world under the app (no connection open, no e-mail being sent,
    no checkpoint running)."""
    with app.state.outbox.sending, checkpoint_lock(app.state.engine):
        app.state.engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        shutil.copy(prepared.path, live)


def _filled(value: object, ids: dict[str, object], template: str) -> object:
    """A body's value with the world's ids; in JSON, an id alone is a number, as clients send."""
    if not isinstance(value, str):
        return value
    filled = value.format(**ids)
    whole = value.startswith("{") and value.endswith("}") and filled.isdigit()
    return int(filled) if whole and template.startswith("/api/") else filled


def call(
    prepared: Prepared,
    matrix_app: tuple[FastAPI, WebClient, TestClient, Path],
    route: str,
    role: str,
) -> tuple[int, str]:
    """Call the route as `role` in a fresh copy of the world; (status, redirect target)."""
    app, web, api, live = matrix_app
    reset(app, prepared, live)
    method, template = route.split(" ", 1)
    path, body = CALLS[route]
    path = path.format(**prepared.ids)
    if body is not None:
        body = {k: _filled(v, prepared.ids, template) for k, v in body.items()}
    if template.startswith("/api/"):
        token = prepared.tokens.get(role)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = api.request(method, path, json=body, headers=headers)
    else:
        web.cookies.clear()
        if role in prepared.cookies:
            web.cookies.set(SESSION_COOKIE, prepared.cookies[role])
        if method == "GET":
            response = web.get(path)
        else:
            response = web.post_form(path, {k: str(v) for k, v in (body or {}).items()})
    return response.status_code, response.headers.get("location", "")


def outcome(status: int, location: str) -> str:
    # The sign-in page with ?next= is « sign in first »; plain /login is where signing out
    # (or closing one's account) ends, a success.
    if status in (401, 403, 404) or location.startswith("/login?next="):
        return "✗"
    if status < 400:
        return "✓"
    return f"{status}"


@pytest.mark.parametrize(("route", "role"), CELLS, ids=[f"{r} as {who}" for r, who in CELLS])
def test_cell(
    prepared: Prepared,
    matrix_app: tuple[FastAPI, WebClient, TestClient, Path],
    route: str,
    role: str,
) -> None:
    status, location = call(prepared, matrix_app, route, role)
    expected = MATRIX_ROWS[route][role]
    assert outcome(status, location) == expected, (
        f"{route} as {ROLE_TITLES[role]}: {status} {location}"
    )


PAGE_POSTS = sorted(r for r in CALLS if r.startswith("POST ") and " /api/" not in r)


@pytest.mark.parametrize("route", PAGE_POSTS)
def test_opening_a_form_address_never_answers_405(
    prepared: Prepared, matrix_app: tuple[FastAPI, WebClient, TestClient, Path], route: str
) -> None:
    """A form sent back with errors leaves its POST address in the address bar: opening or
    reloading it leads, by redirects, to a page; a mine's or a déminage's to its idea."""
    app, web, _, live = matrix_app
    reset(app, prepared, live)
    web.cookies.clear()
    # Each form opened by someone who may send it: an administrator (administration and
    # moderation), the manager who wrote the call (and sponsors it, so decides), or the author.
    writes_call = route.startswith("POST /calls/")
    moderates = route.endswith(("/hide", "/restore"))
    admin_form = "/admin/" in route or moderates
    sender = "admin" if admin_form else "manager" if writes_call else "author"
    web.cookies.set(SESSION_COOKIE, prepared.cookies[sender])
    url = CALLS[route][0].format(**prepared.ids)
    seen = []
    for _ in range(4):
        response = web.get(url)
        seen.append((response.status_code, url))
        if response.status_code not in (302, 303, 307):
            break
        url = response.headers["location"]
    assert response.status_code == 200, f"{route}: {seen}"
    if route.startswith(("POST /mines/", "POST /deminages/", "POST /invitations/")):
        assert url.split("#")[0] == f"/ideas/{prepared.ids['idea']}", seen
