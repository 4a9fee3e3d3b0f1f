"""The OpenAPI document says what the server does: its limits are the server's, what it calls
valid is accepted, and OPTIONS names every method a path answers."""

import re
from typing import Any

from fastapi import FastAPI
from sqlmodel import Session

from app.schemas import THEME_MAX, THEMES_MAX
from tests.conftest import ApiClient, Clock
from tests.factories import make_user


def _components(app: FastAPI) -> dict[str, Any]:
    return app.openapi()["components"]["schemas"]


def test_documented_theme_limits_are_the_servers(
    app: FastAPI, api_client: ApiClient, db: Session
) -> None:
    themes = _components(app)["IdeaCreate"]["properties"]["themes"]
    assert themes["maxItems"] == THEMES_MAX == 6
    assert themes["items"]["maxLength"] == THEME_MAX == 40
    client = api_client(make_user(db))
    base = {"title": "Thèmes", "problem": "Un problème."}
    at_limit = [f"{n}" * THEME_MAX for n in range(THEMES_MAX)]
    assert client.post("/api/v1/ideas", json={**base, "themes": at_limit}).status_code == 201
    # What the document promises holds even when lowercasing lengthens a theme (« İ »).
    dotted = client.post("/api/v1/ideas", json={**base, "themes": ["İ" * THEME_MAX]})
    assert dotted.status_code == 201
    over = [f"{n}" * 3 for n in range(THEMES_MAX + 1)]
    assert client.post("/api/v1/ideas", json={**base, "themes": over}).status_code == 422
    long = client.post("/api/v1/ideas", json={**base, "themes": ["x" * (THEME_MAX + 1)]})
    assert long.status_code == 422


def test_texts_of_control_characters_only_are_documented_as_invalid(
    app: FastAPI, api_client: ApiClient, db: Session
) -> None:
    schemas = _components(app)
    client = api_client(make_user(db))
    for name, field in (("IdeaCreate", "title"), ("IdeaCreate", "problem")):
        pattern = re.compile(schemas[name]["properties"][field]["pattern"])
        for text in ("\x01\x02", " \t ", "\u202e\u2066", "\x85", "\x00"):
            assert pattern.search(text) is None, (field, text)
            body = {"title": "Titre", "problem": "Un problème.", field: text}
            assert client.post("/api/v1/ideas", json=body).status_code == 422
        for text in ("a", " \x01é", "\u202ex"):
            assert pattern.search(text) is not None
    for model in ("DeminageCreate", "ReasonInput", "AbandonInput", "SendBackInput"):
        props = schemas[model]["properties"]
        assert all("pattern" in p for p in props.values() if p.get("minLength") == 1), model


def test_options_and_wrong_methods_name_every_method_of_the_path(
    app: FastAPI, api_client: ApiClient, db: Session
) -> None:
    client = api_client(make_user(db))
    paths = app.openapi()["paths"]
    for path, operations in paths.items():
        url = path.replace("{idea_id}", "1").replace("{mine_id}", "1").replace("{deminage_id}", "1")
        answer = client.options(url)
        assert answer.status_code == 405, path
        allowed = {m.strip() for m in answer.headers["allow"].split(",")}
        documented = {m.upper() for m in operations}
        # HEAD answers wherever GET does (middleware.HeadAsGet), as RFC 9110 has it.
        assert allowed == (documented | {"HEAD"} if "GET" in documented else documented), path
    assert client.options("/api/v1/ideas").headers["allow"] == "GET, HEAD, POST"
    assert client.put("/api/v1/ideas/1").headers["allow"] == "DELETE, GET, HEAD, PATCH"
    assert client.head("/api/v1/ideas").status_code == 200


def test_a_valid_invitation_the_rules_refuse_is_a_conflict_not_invalid_data(
    app: FastAPI, api_client: ApiClient, db: Session, clock: Clock
) -> None:
    """Schemathesis (positive data) found it: inviting oneself answered 422, as if the
    document's valid request were malformed."""
    from tests.factories import make_idea, make_mine

    author, colleague = make_user(db), make_user(db)
    mine = make_mine(db, make_idea(db, author, clock.now), colleague, clock.now)
    db.commit()
    client = api_client(colleague)
    refused = client.post(f"/api/v1/mines/{mine.id}/invitations", json={"invitee_id": colleague.id})
    assert refused.status_code == 409 and refused.json()["field"] == "invitee"
