"""The JSON API under /api/v1: the contract of PRODUCT.md, with its error codes."""

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Role
from app.models.base import pk, utcnow
from app.services import api_tokens
from tests.conftest import ApiClient, Clock
from tests.factories import LONG, make_idea, make_user


def test_without_a_valid_token_the_api_answers_401_in_json(app: FastAPI, db: Session) -> None:
    with TestClient(app) as client:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
            response = client.get("/api/v1/ideas", headers=headers)
            assert response.status_code == 401
            assert response.json()["detail"]
            assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_token_is_refused(app: FastAPI, db: Session) -> None:
    user = make_user(db)
    api_token, token = api_tokens.create_api_token(db, user, "script")
    db.commit()
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.get("/api/v1/me").status_code == 200
        api_tokens.revoke_api_token(db, user, pk(api_token), utcnow())
        db.commit()
        assert client.get("/api/v1/me").status_code == 401


def test_script_creates_edits_publishes_and_reads_an_idea(
    api_client: ApiClient, db: Session
) -> None:
    author = make_user(db)
    db.commit()
    client = api_client(author)
    created = client.post(
        "/api/v1/ideas", json={"title": "Idée par script", "problem": LONG, "themes": ["Accueil"]}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "draft" and body["themes"] == ["accueil"]
    assert body["readiness"]["parts"] == {"clarity": 10.0, "crossed_views": 0.0, "defusal": 0.0}
    assert body["readiness"]["score"] == 10
    assert {"action": "Décrire la solution", "points": 5.0}.items() <= next(
        m for m in body["readiness"]["missing"] if m["action"] == "Décrire la solution"
    ).items()
    idea_id = body["id"]
    patched = client.patch(f"/api/v1/ideas/{idea_id}", json={"solution": LONG})
    assert patched.json()["readiness"]["score"] == 15 and patched.json()["revision_count"] == 2
    assert client.post(f"/api/v1/ideas/{idea_id}/publish").json()["status"] == "open"
    assert client.post(f"/api/v1/ideas/{idea_id}/publish").status_code == 409
    listing = client.get("/api/v1/ideas").json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == idea_id


def test_full_core_loop_over_the_api(api_client: ApiClient, db: Session, clock: Clock) -> None:
    author = make_user(db, unit="Accueil")
    a, b = make_user(db, unit="Finances"), make_user(db, unit="DSI")
    manager = make_user(db, unit="DGS", role=Role.manager)
    idea = make_idea(db, author, clock.now)
    db.commit()
    ca, cb, cauthor, cmanager = (
        api_client(a),
        api_client(b),
        api_client(author),
        api_client(manager),
    )

    assert (
        cauthor.post(
            f"/api/v1/ideas/{idea.id}/mines",
            json={"category": "legal", "severity": "minor", "body": "x"},
        ).status_code
        == 403
    )
    mine = ca.post(
        f"/api/v1/ideas/{idea.id}/mines",
        json={
            "category": "data_privacy",
            "severity": "blocking",
            "title": "Hébergement",
            "body": "Où ?",
        },
    )
    assert mine.status_code == 201 and mine.json()["status"] == "open"
    mine_id = mine.json()["id"]
    read = cb.get(f"/api/v1/ideas/{idea.id}").json()
    assert {"name": "no_open_bomb", "ok": False}.items() <= next(
        g for g in read["readiness"]["gates"] if g["name"] == "no_open_bomb"
    ).items()
    assert (
        ca.post(
            f"/api/v1/mines/{mine_id}/deminages", json={"kind": "solution", "body": "x"}
        ).status_code
        == 403
    )
    dem = cb.post(
        f"/api/v1/mines/{mine_id}/deminages", json={"kind": "solution", "body": "SecNumCloud"}
    )
    assert dem.status_code == 201
    assert cb.post(f"/api/v1/deminages/{dem.json()['id']}/accept").status_code == 403
    accepted = ca.post(f"/api/v1/deminages/{dem.json()['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "defused"
    assert ca.post(f"/api/v1/mines/{mine_id}/reopen", json={}).status_code == 422
    reopened = ca.post(f"/api/v1/mines/{mine_id}/reopen", json={"reason": "Pas couvert"})
    assert reopened.json()["status"] == "open" and reopened.json()["reopen_reason"] == "Pas couvert"
    assert (
        cauthor.post(f"/api/v1/mines/{mine_id}/accept-risk", json={"reason": "ok"}).status_code
        == 403
    )
    risk = cmanager.post(f"/api/v1/mines/{mine_id}/accept-risk", json={"reason": "Arbitrage"})
    assert risk.json()["status"] == "accepted_risk"
    assert (
        cmanager.post(f"/api/v1/mines/{mine_id}/accept-risk", json={"reason": "encore"}).status_code
        == 409
    )
    assert cb.post(f"/api/v1/mines/{mine_id}/withdraw").status_code == 403
    assert ca.post(f"/api/v1/mines/{mine_id}/withdraw").json()["status"] == "withdrawn"
    assert cb.post(f"/api/v1/deminages/{dem.json()['id']}/helpful").status_code == 403
    assert ca.post(f"/api/v1/deminages/{dem.json()['id']}/helpful").json()["helpful_count"] == 1
    final = cb.get(f"/api/v1/ideas/{idea.id}").json()
    # The reopen ended its acceptance: it no longer reads « accepted », and was not set aside.
    answer = final["mines"][0]["deminages"][0]
    assert answer["accepted"] is False and answer["dismissed"] is False


def test_validation_errors_name_the_field(api_client: ApiClient, db: Session) -> None:
    client = api_client(make_user(db))
    cases = [
        ({"problem": "p"}, "title"),
        ({"title": "t" * 201, "problem": "p"}, "title"),
        ({"title": "t", "problem": "p" * 10_001}, "problem"),
        ({"title": "t", "problem": "p", "themes": "a,b"}, None),
        ({"title": 12, "problem": "p"}, "title"),
        ({"title": "t", "problem": "p", "unknown": 1}, "unknown"),
    ]
    for payload, field in cases:
        response = client.post("/api/v1/ideas", json=payload)
        if field is None:
            assert response.status_code == 201
            continue
        assert response.status_code == 422, payload
        assert response.json()["field"] == field


def test_validation_messages_are_french(api_client: ApiClient, db: Session) -> None:
    """The API says what is wrong as the pages do, in French, never pydantic's English."""
    client = api_client(make_user(db))
    expected = {
        "title": "Ce champ est obligatoire.",
        "problem": "10\u202f000 caractères au plus.",
        "themes": "Liste attendue.",
    }
    response = client.post(
        "/api/v1/ideas", json={"problem": "p" * 10_001, "themes": 12, "unknown": 1}
    )
    assert response.status_code == 422
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert {f: messages.get(f) for f in expected} == expected
    assert messages["unknown"] == "Champ inconnu."
    broken = client.post(
        "/api/v1/ideas", content=b'{"title":', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["field"] == "body" and broken.json()["errors"][0]["message"] == (
        "JSON invalide."
    )
    for message in messages.values():
        assert not re.search(r"\b(should|field|required|valid)\b", message, re.I), message


def test_unknown_or_hidden_objects_are_404_in_json(
    api_client: ApiClient, db: Session, clock: Clock
) -> None:
    author, other = make_user(db), make_user(db)
    draft = make_idea(db, author, clock.now, published=False)
    db.commit()
    client = api_client(other)
    for path in (
        f"/api/v1/ideas/{draft.id}",
        "/api/v1/ideas/0",
        "/api/v1/ideas/99999999999999999999",
    ):
        response = client.get(path)
        assert response.status_code == 404 and "detail" in response.json()
    assert client.get("/api/v1/ideas/abc").status_code == 422
    assert client.post("/api/v1/mines/-5/withdraw").status_code == 404


def test_body_over_one_megabyte_is_refused_with_413(api_client: ApiClient, db: Session) -> None:
    client = api_client(make_user(db))
    response = client.post(
        "/api/v1/ideas",
        content=b"{" + b" " * 1_100_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_openapi_documents_the_contract_and_docs_are_served_locally(app: FastAPI) -> None:
    with TestClient(app) as client:
        spec = client.get("/openapi.json").json()
        paths = set(spec["paths"])
        for path in (
            "/api/v1/ideas",
            "/api/v1/ideas/{idea_id}",
            "/api/v1/ideas/{idea_id}/publish",
            "/api/v1/ideas/{idea_id}/abandon",
            "/api/v1/ideas/{idea_id}/mines",
            "/api/v1/mines/{mine_id}/deminages",
            "/api/v1/deminages/{deminage_id}/accept",
            "/api/v1/mines/{mine_id}/withdraw",
            "/api/v1/mines/{mine_id}/reopen",
            "/api/v1/mines/{mine_id}/accept-risk",
        ):
            assert path in paths, path
        assert not any(p.startswith("/ideas") for p in paths)
        docs = client.get("/docs")
        assert docs.status_code == 200
        assert (
            "cdn" not in docs.text and "/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js" in docs.text
        )
        script = (
            docs.text.split("swagger-ui-bundle.js", 1)[0].rsplit('"', 1)[1] + "swagger-ui-bundle.js"
        )
        assert client.get(script).status_code == 200


def test_a_script_deletes_its_draft_but_never_abandons_it_into_view(
    api_client: ApiClient, db: Session, clock: Clock
) -> None:
    author, colleague = make_user(db), make_user(db)
    draft = make_idea(db, author, clock.now, published=False)
    published = make_idea(db, author, clock.now)
    db.commit()
    client = api_client(author)
    refused = client.post(f"/api/v1/ideas/{draft.id}/abandon", json={"lesson": "Trop tôt."})
    assert refused.status_code == 409
    assert "Supprimez-le" in refused.json()["detail"]
    assert api_client(colleague).delete(f"/api/v1/ideas/{draft.id}").status_code == 404
    assert client.delete(f"/api/v1/ideas/{published.id}").status_code == 409
    assert client.delete(f"/api/v1/ideas/{draft.id}").status_code == 204
    assert client.get(f"/api/v1/ideas/{draft.id}").status_code == 404
    assert client.get(f"/api/v1/ideas/{published.id}").status_code == 200
