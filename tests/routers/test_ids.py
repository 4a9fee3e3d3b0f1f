"""Every {id} of every route is bounded the same way (app.deps.ObjectId): huge, negative, zero
or malformed ids answer 404 (pages) or 422 (API), never a server error."""

import re
import typing
from collections.abc import Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlmodel import Session

from app.deps import ID_MAX, ObjectId
from tests.conftest import ApiClient, MakeClient
from tests.factories import make_user

BAD_IDS = ["9223372036854775808", "99999999999999999999999", "-1", "0", str(ID_MAX + 1), "1e3"]
# Numbers `int()` reads that no id is written as: a float, other scripts' digits, separators.
BAD_IDS += ["1.0", "\u0661", "1_0", "+1"]


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every route of the app, included routers walked (paths with their prefix)."""
    found: list[APIRoute] = []

    def walk(routes: Sequence[Any], prefix: str = "") -> None:
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                walk(included.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                assert not prefix, "a prefixed router: adapt the walk"
                found.append(route)

    walk(app.routes)
    return found


def id_routes(app: FastAPI) -> list[tuple[str, str, list[str]]]:
    """(method, path, names of its non-text path parameters) for every route that has some."""
    found: list[tuple[str, str, list[str]]] = []
    for route in api_routes(app):
        hints = typing.get_type_hints(route.endpoint, include_extras=True)
        ids = [n for n in re.findall(r"\{(\w+)\}", route.path) if hints.get(n) is not str]
        if ids:
            found.extend(
                (method, route.path, ids) for method in sorted((route.methods or set()) - {"HEAD"})
            )
    return found


def test_every_id_path_parameter_is_the_shared_object_id(app: FastAPI) -> None:
    seen = 0
    for route in api_routes(app):
        hints = typing.get_type_hints(route.endpoint, include_extras=True)
        for name in re.findall(r"\{(\w+)\}", route.path):
            if hints.get(name) is str:
                continue  # the secret of a link ({token})
            seen += 1
            assert hints.get(name) == ObjectId, f"{route.path}: {name} is not deps.ObjectId"
    assert seen > 40


def test_huge_negative_and_malformed_ids_are_refused_on_every_route(
    app: FastAPI, make_client: MakeClient, api_client: ApiClient, db: Session
) -> None:
    admin = make_user(db, role="admin")
    db.commit()
    page = make_client(admin)
    api = api_client(admin)
    routes = id_routes(app)
    assert len(routes) > 40  # the walk covers the app, not a handful
    for method, path, names in routes:
        for bad in BAD_IDS:
            url = path
            for name in names:
                url = url.replace("{" + name + "}", bad)
            if path.startswith("/api/"):
                answer = api.request(method, url, json={})
                expected: tuple[int, ...] = (404, 422)
            elif method == "GET":
                answer = page.get(url)
                expected = (404,)
            else:
                answer = page.post_form(url, {})
                expected = (404,)
            assert answer.status_code in expected, (method, url, answer.status_code)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_revoking_a_token_with_a_huge_id_is_not_found(
    make_client: MakeClient, db: Session, bad: str
) -> None:
    agent = make_user(db)
    db.commit()
    client = make_client(agent)
    assert client.post_form(f"/profile/tokens/{bad}/revoke", {}).status_code == 404
