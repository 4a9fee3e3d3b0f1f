"""Calls for ideas over the API: a manager opens, edits and closes one, its sponsor decides;
the rules are the pages' (same services), refusals are JSON naming the field."""

import httpx
from sqlmodel import Session, select

from app.config import Settings
from app.models import CallForIdeas, IdeaStatus, Notification, NotificationKind, Role
from app.models.base import pk
from app.services import calls, notifications
from tests.conftest import ApiClient, Clock
from tests.factories import make_idea, make_user

CALL = {
    "question": "Comment raccourcir l’attente à l’accueil\u202f?",
    "context": "Une heure d’attente le lundi matin.",
    "audience": "everyone",
    "ideas_until": "2026-11-10",
    "deminage_until": "2026-11-20",
    "decision_by": "2026-11-30",
}


def test_a_manager_opens_edits_and_closes_a_call_over_the_api(
    api_client: ApiClient, db: Session, settings: Settings, clock: Clock
) -> None:
    manager = make_user(db, role=Role.manager, unit="DGS")
    sponsor = make_user(db, email="sophie@ville.fr", unit="DGS", role=Role.manager)
    accueil = make_user(db, unit="Accueil")
    finances = make_user(db, unit="Finances")
    db.commit()
    api = api_client(manager)

    units = {"audience": "units", "units": [accueil.unit_id]}
    opened = api.post("/api/v1/calls", json={**CALL, "sponsor_email": sponsor.email, **units})
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert body["phase"] == "ideas" and body["audience"] == ["Accueil"]
    assert body["sponsor"]["id"] == sponsor.id
    call_id = body["id"]
    mailer = notifications.Mailer.from_settings(settings)
    calls.send_notices(db, mailer, clock.now)
    db.commit()

    # Only what is sent changes; Finances joins the audience and is told, once.
    edited = api.patch(
        f"/api/v1/calls/{call_id}",
        json={
            "question": "Comment mieux accueillir\u202f?",
            "units": [accueil.unit_id, finances.unit_id],
        },
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["question"] == "Comment mieux accueillir\u202f?"
    assert edited.json()["context"] == CALL["context"]
    assert sorted(edited.json()["audience"]) == ["Accueil", "Finances"]
    db.expire_all()
    calls.send_notices(db, mailer, clock.now)
    db.commit()
    told = db.exec(
        select(Notification.user_id).where(Notification.kind == NotificationKind.call_opened)
    ).all()
    assert sorted(told) == sorted([pk(accueil), pk(finances)])

    closed = api.post(f"/api/v1/calls/{call_id}/close")
    assert closed.status_code == 200 and closed.json()["closed_at"] is not None
    assert closed.json()["phase"] == "decision"
    # A closed call keeps its question (the field is named), nor is it closed twice.
    kept = api.patch(f"/api/v1/calls/{call_id}", json={"question": "Encore\u202f?"})
    assert kept.status_code == 422 and kept.json()["field"] == "question"
    assert api.post(f"/api/v1/calls/{call_id}/close").status_code == 409


def test_an_agent_may_not_open_edit_close_or_decide_a_call(
    api_client: ApiClient, db: Session, clock: Clock
) -> None:
    manager = make_user(db, role=Role.manager)
    agent = make_user(db)
    db.commit()
    api = api_client(agent)
    refused = api.post("/api/v1/calls", json={**CALL, "sponsor_email": agent.email})
    assert refused.status_code == 403 and refused.json()["detail"]
    call_id = (
        api_client(manager)
        .post("/api/v1/calls", json={**CALL, "sponsor_email": manager.email})
        .json()["id"]
    )
    assert (
        api.patch(f"/api/v1/calls/{call_id}", json={"question": "À moi\u202f?"}).status_code == 403
    )
    assert api.post(f"/api/v1/calls/{call_id}/close").status_code == 403
    assert api.post(f"/api/v1/calls/{call_id}/decision", json={"outcomes": []}).status_code == 403
    # An unknown call is not found, whoever asks.
    assert api.post("/api/v1/calls/999999/close").status_code == 404
    db.expire_all()
    call = db.get(CallForIdeas, call_id)
    assert call is not None and call.question == CALL["question"] and call.closed_at is None


def test_bad_input_names_the_field(api_client: ApiClient, db: Session) -> None:
    manager = make_user(db, role=Role.manager)
    db.commit()
    api = api_client(manager)

    def error(response: httpx.Response) -> tuple[int, str, set[str]]:
        body = response.json()
        return response.status_code, body["field"], {e["field"] for e in body["errors"]}

    # The service's rules between fields, in French, every field at fault.
    wrong = {**CALL, "sponsor_email": "personne@ville.fr", "deminage_until": "2026-11-05"}
    status, field, fields = error(api.post("/api/v1/calls", json=wrong))
    assert status == 422 and fields == {"sponsor_email", "deminage_until"}
    assert field in fields
    # Shapes the schema refuses: a missing question, a date that is none, unknown units.
    no_question = {k: v for k, v in CALL.items() if k != "question"}
    assert (
        error(api.post("/api/v1/calls", json={**no_question, "sponsor_email": manager.email}))[1]
        == "question"
    )
    bad_date = {**CALL, "sponsor_email": manager.email, "ideas_until": "demain"}
    assert error(api.post("/api/v1/calls", json=bad_date))[1] == "ideas_until"
    units = {**CALL, "sponsor_email": manager.email, "audience": "units", "units": [424242]}
    assert error(api.post("/api/v1/calls", json=units))[1] == "units"

    call_id = api.post("/api/v1/calls", json={**CALL, "sponsor_email": manager.email}).json()["id"]
    # A required field sent as null, an unknown field: named, nothing changed.
    assert error(api.patch(f"/api/v1/calls/{call_id}", json={"question": None}))[1] == "question"
    assert error(api.patch(f"/api/v1/calls/{call_id}", json={"sponsor": "x"}))[1] == "sponsor"
    assert (
        error(api.patch(f"/api/v1/calls/{call_id}", json={"decision_by": "2026-11-01"}))[1]
        == "decision_by"
    )


def test_the_sponsor_decides_over_the_api(api_client: ApiClient, db: Session, clock: Clock) -> None:
    manager = make_user(db, role=Role.manager)
    sponsor = make_user(db, role=Role.manager)
    author = make_user(db)
    db.commit()
    opened = api_client(manager).post(
        "/api/v1/calls", json={**CALL, "sponsor_email": sponsor.email}
    )
    call_id = opened.json()["id"]
    kept = make_idea(db, author, clock.now, call_id=call_id, title="Gardée")
    other = make_idea(db, author, clock.now, title="Hors appel")
    db.commit()
    api = api_client(sponsor)
    decision = {"outcomes": [{"idea_id": kept.id, "decision": "promoted", "text": "On la teste."}]}
    # During the déminage, too early.
    assert api.post(f"/api/v1/calls/{call_id}/decision", json=decision).status_code == 409
    clock.advance(days=20)
    # An idea that does not answer the call, a decision that is none: each named by its place.
    stray = {"idea_id": other.id, "decision": "closed", "text": "Non."}
    refused = api.post(
        f"/api/v1/calls/{call_id}/decision", json={"outcomes": [*decision["outcomes"], stray]}
    )
    assert refused.status_code == 422 and refused.json()["field"] == "outcomes.1.idea_id"
    bad = {"outcomes": [{"idea_id": kept.id, "decision": "maybe", "text": "Bof."}]}
    refused = api.post(f"/api/v1/calls/{call_id}/decision", json=bad)
    assert refused.status_code == 422 and refused.json()["field"] == "outcomes.0.decision"
    db.expire_all()
    assert db.get_one(type(kept), kept.id).status == IdeaStatus.open

    decided = api.post(f"/api/v1/calls/{call_id}/decision", json=decision)
    assert decided.status_code == 200, decided.text
    assert decided.json()["phase"] == "decided"
    assert decided.json()["ideas"][0]["outcome"]["text"] == "On la teste."
    db.expire_all()
    assert db.get_one(type(kept), kept.id).status == IdeaStatus.project
