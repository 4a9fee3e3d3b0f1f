"""Closing the loop through pages and the API: the written outcome every decision requires, a
project's follow-up, « Idées en sommeil » and « Relancer »."""

import json
from typing import Any, TypedDict

import pytest
from sqlmodel import Session, col, select

from app.models import (
    Idea,
    IdeaStatus,
    Mine,
    Notification,
    NotificationKind,
    OutboxMessage,
    Role,
    User,
)
from app.models.base import pk
from app.services import ideas, moderation
from app.services.readiness import ScoringParams
from tests.conftest import ApiClient, Clock, MakeClient, field_error, soup, text_of
from tests.factories import make_deminage, make_idea, make_mine, make_user

P = ScoringParams()
DECISION = {
    "sponsor": "DGS",
    "next_step": "Pilote",
    "target_date": "2027-03-31",
    "reason": "Urgent",
}
OUTCOME = "Retenue : un pilote de six mois à l’accueil de Lyon."


class Scene(TypedDict):
    idea: Idea
    mine: Mine
    author: User
    layer: User
    helper: User
    manager: User
    admin: User
    agent: User


@pytest.fixture
def scene(db: Session, clock: Clock) -> Scene:
    author = make_user(db, name="Amina Diallo", unit="Accueil")
    layer = make_user(db, name="Rémi Poseur", unit="DSI")
    helper = make_user(db, name="Hélène Aide", unit="Juridique")
    manager = make_user(db, name="Karim Benali", unit="DGS", role=Role.manager)
    admin = make_user(db, name="Ada Admin", unit="DGS", role=Role.admin)
    agent = make_user(db, name="Bruno Passant", unit="RH", email="bruno@ville.fr")
    idea = make_idea(db, author, clock.now, title="Guichet sans attente", themes=["accueil"])
    mine = make_mine(db, idea, layer, clock.now, title="Le RGPD", body="Et les données ?")
    make_deminage(db, mine, helper, clock.now, body="Le DPO a validé.")
    db.commit()
    return {
        "idea": idea,
        "mine": mine,
        "author": author,
        "layer": layer,
        "helper": helper,
        "manager": manager,
        "admin": admin,
        "agent": agent,
    }


def outcome_notes(db: Session, user_id: int | None) -> list[str]:
    return list(
        db.exec(
            select(Notification.message).where(
                Notification.user_id == user_id,
                Notification.kind == NotificationKind.decision_outcome,
            )
        )
    )


def test_a_promotion_needs_its_outcome_and_shows_it_everywhere(
    make_client: MakeClient, api_client: ApiClient, scene: Scene, db: Session
) -> None:
    idea_id = scene["idea"].id
    manager = make_client(scene["manager"])
    refused = manager.post_form(f"/ideas/{idea_id}/promote", {**DECISION, "outcome": "  "})
    assert refused.status_code == 422
    page = soup(refused)
    assert field_error(page, "promote-outcome") == "Ce champ est obligatoire."
    assert page.find(id="promote-sponsor")["value"] == "DGS"  # what was typed is kept
    api = api_client(scene["manager"]).post(f"/api/v1/ideas/{idea_id}/promote", json=DECISION)
    assert api.status_code == 422 and api.json()["field"] == "outcome"

    assert manager.post_form(f"/ideas/{idea_id}/promote", {**DECISION, "outcome": OUTCOME})
    reader = make_client(scene["agent"])
    page = soup(reader.get(f"/ideas/{idea_id}"))
    assert "promue en projet" in text_of(page, "#issue h2")
    assert OUTCOME in text_of(page, "#issue")
    assert "Karim Benali" in text_of(page, "#issue")
    assert OUTCOME in text_of(page, "#history-title + ol")
    sheet = reader.get(f"/ideas/{idea_id}/fiche.md").text
    assert "## Issue" in sheet and OUTCOME in sheet
    (outcome,) = api_client(scene["agent"]).get(f"/api/v1/ideas/{idea_id}").json()["outcomes"]
    assert outcome["decision"] == "promoted" and outcome["text"] == OUTCOME
    assert outcome["author"]["name"] == "Karim Benali"
    rows = json.loads(make_client().get("/open-data/ideas.json").text)["ideas"]
    (row,) = [r for r in rows if r["id"] == idea_id]
    assert row["outcomes"][0]["text"] == OUTCOME and "Karim" not in json.dumps(row)
    # The déminage's author, the mine's author and the idea's author are told; not the manager.
    for person in ("author", "layer", "helper"):
        assert any(OUTCOME in m for m in outcome_notes(db, scene[person].id)), person
    assert outcome_notes(db, scene["manager"].id) == []


def test_send_back_and_close_keep_their_text_as_outcome(
    make_client: MakeClient, scene: Scene
) -> None:
    idea_id = scene["idea"].id
    manager = make_client(scene["manager"])
    empty = manager.post_form(f"/ideas/{idea_id}/send-back", {"comment": ""})
    assert field_error(soup(empty), "send-back-comment") == "Ce champ est obligatoire."
    manager.post_form(f"/ideas/{idea_id}/send-back", {"comment": "Précisez le premier terrain."})
    author = make_client(scene["author"])
    assert "Précisez le premier terrain." in text_of(
        soup(author.get(f"/ideas/{idea_id}")), "#issue"
    )
    empty = author.post_form(f"/ideas/{idea_id}/abandon", {"lesson": " "})
    assert field_error(soup(empty), "abandon-lesson") == "Ce champ est obligatoire."
    author.post_form(f"/ideas/{idea_id}/abandon", {"lesson": "Le budget 2027 ne suit pas."})
    issue = text_of(soup(author.get(f"/ideas/{idea_id}")), "#issue")
    assert "close" in issue and "Le budget 2027 ne suit pas." in issue


def test_a_merge_needs_its_outcome_beside_the_field(
    make_client: MakeClient, scene: Scene, db: Session, clock: Clock
) -> None:
    duplicate = make_idea(db, scene["agent"], clock.now, title="Accueil sans file")
    db.commit()
    admin = make_client(scene["admin"])
    form = {"keep": str(scene["idea"].id), "merged": str(duplicate.id), "outcome": ""}
    refused = admin.post_form("/admin/merge", form)
    assert refused.status_code == 422
    assert field_error(soup(refused), "field-outcome") == "Ce champ est obligatoire."
    assert soup(refused).find(id="field-merged")["value"] == str(duplicate.id)
    done = admin.post_form("/admin/merge", {**form, "outcome": "Même terrain, même idée."})
    assert done.status_code == 303
    db.expire_all()
    assert db.get(Idea, duplicate.id).merged_into_id == scene["idea"].id  # type: ignore[union-attr]


def test_a_merge_tells_its_participants_where_the_idea_kept_explains_it(
    make_client: MakeClient, scene: Scene, db: Session, clock: Clock
) -> None:
    """The duplicate's people are led, from the app and from the e-mail, to the idea kept, on
    the line that tells why the duplicate joined it: not to the kept idea's own outcome."""
    keep = scene["idea"]
    make_client(scene["manager"]).post_form(
        f"/ideas/{keep.id}/send-back", {"comment": "Précisez le premier terrain."}
    )
    duplicate = make_idea(db, scene["agent"], clock.now, title="Accueil sans file")
    make_deminage(
        db, make_mine(db, duplicate, scene["layer"], clock.now), scene["helper"], clock.now
    )
    db.commit()
    why = "Même terrain : la fiche de l’accueil de Lyon reprend tout."
    admin = make_client(scene["admin"])
    form = {"keep": str(keep.id), "merged": str(duplicate.id), "outcome": why}
    assert admin.post_form("/admin/merge", form).status_code == 303

    there = f"/ideas/{keep.id}#fusion-{duplicate.id}"
    helper = make_client(scene["helper"])
    listed = soup(helper.get("/notifications"))
    (opened,) = [
        card.select_one("a[href^='/notifications/']")["href"]
        for card in listed.select(".notifications li")
        if "Accueil sans file" in card.get_text()
    ]
    assert helper.get(opened).headers["location"] == there
    (mail,) = db.exec(
        select(OutboxMessage).where(
            OutboxMessage.to_email == scene["helper"].email,
            col(OutboxMessage.subject).contains("Accueil sans file"),
        )
    )
    assert mail.body.count(there) == 1
    (link,) = [a["href"] for a in soup(mail.html_body).find_all("a") if "Voir" in a.get_text()]
    assert link.endswith(there) and link.count("/ideas/") == 1
    # The line is there on the kept page, with the merge's outcome; the duplicate's old address
    # (and the `#issue` of notifications sent before) lands on it too.
    page = soup(helper.get(f"/ideas/{keep.id}"))
    line = text_of(page, f"#fusion-{duplicate.id}")
    assert "Accueil sans file" in line and why in line and "Ada Admin" in line
    assert "Précisez le premier terrain." in text_of(page, "#issue")  # its own outcome stays
    assert helper.get(f"/ideas/{duplicate.id}").headers["location"] == there


def test_the_merges_line_keeps_a_hidden_duplicate_out_of_sight(
    make_client: MakeClient, scene: Scene, db: Session, clock: Clock
) -> None:
    keep = scene["idea"]
    duplicate = make_idea(db, scene["agent"], clock.now, title="Doublon masqué")
    db.commit()
    ideas.merge(db, P, scene["admin"], keep, duplicate, "Doublon <script>x()</script>", clock.now)
    db.commit()
    page = soup(make_client(scene["layer"]).get(f"/ideas/{keep.id}"))
    assert page.find(id=f"fusion-{duplicate.id}").find("script") is None
    moderation.hide_idea(db, scene["admin"], duplicate, "Propos injurieux", clock.now)
    db.commit()
    page = soup(make_client(scene["layer"]).get(f"/ideas/{keep.id}"))
    assert page.find(id=f"fusion-{duplicate.id}") is None and page.find(id="fusions") is None


def test_an_admin_merges_over_the_api_as_from_the_page(
    make_client: MakeClient, api_client: ApiClient, scene: Scene, db: Session, clock: Clock
) -> None:
    keep = scene["idea"]
    duplicate = make_idea(db, scene["agent"], clock.now, title="Accueil sans file")
    closed = make_idea(db, scene["agent"], clock.now, title="Guichet fermé")
    hidden = make_idea(db, scene["agent"], clock.now, title="Guichet masqué")
    make_mine(db, duplicate, scene["layer"], clock.now)
    db.commit()
    ideas.abandon(db, P, scene["agent"], closed, "Pas de budget.", clock.now)
    moderation.hide_idea(db, scene["admin"], hidden, "Propos injurieux", clock.now)
    db.commit()
    url = f"/api/v1/ideas/{duplicate.id}/merge"
    why = "Même terrain, même idée."
    admin = api_client(scene["admin"])

    def refused(body: dict[str, Any], status: int, field: str | None) -> str:
        answer = admin.post(url, json=body)
        assert answer.status_code == status, answer.text
        assert answer.json().get("field") == field
        return str(answer.json()["detail"])

    refused({"keep": keep.id, "outcome": " "}, 422, "outcome")
    refused({"outcome": why}, 422, "keep")
    refused({"keep": "la bonne", "outcome": why}, 422, "keep")
    assert "/ideas/42" in refused({"keep": 999_999, "outcome": why}, 422, "keep")
    assert "elle-même" in refused({"keep": duplicate.id, "outcome": why}, 409, "keep")
    assert "close" in refused({"keep": closed.id, "outcome": why}, 409, "keep")
    assert "masquée" in refused({"keep": hidden.id, "outcome": why}, 409, "keep")
    for who in ("manager", "author"):
        answer = api_client(scene[who]).post(url, json={"keep": keep.id, "outcome": why})
        assert answer.status_code == 403
    db.expire_all()
    assert db.get(Idea, duplicate.id).merged_into_id is None  # type: ignore[union-attr]

    done = admin.post(url, json={"keep": keep.id, "outcome": why})
    assert done.status_code == 200 and done.json()["id"] == keep.id
    assert len(done.json()["mines"]) == 2  # the duplicate's mine moved to the idea kept
    db.expire_all()
    assert db.get(Idea, duplicate.id).merged_into_id == keep.id  # type: ignore[union-attr]
    (note,) = db.exec(
        select(Notification).where(
            Notification.user_id == scene["layer"].id,
            Notification.kind == NotificationKind.decision_outcome,
        )
    )
    assert why in note.message and note.url == f"/ideas/{keep.id}#fusion-{duplicate.id}"
    again = admin.post(url, json={"keep": keep.id, "outcome": why})
    assert again.status_code == 409


def test_the_merge_page_says_why_beside_the_idea_kept(
    make_client: MakeClient, scene: Scene, db: Session, clock: Clock
) -> None:
    closed = make_idea(db, scene["agent"], clock.now, title="Guichet fermé")
    duplicate = make_idea(db, scene["agent"], clock.now, title="Accueil sans file")
    db.commit()
    ideas.abandon(db, P, scene["agent"], closed, "Pas de budget.", clock.now)
    db.commit()
    form = {"keep": str(closed.id), "merged": str(duplicate.id), "outcome": "Doublon."}
    page = soup(make_client(scene["admin"]).post_form("/admin/merge", form))
    assert "close" in (field_error(page, "field-keep") or "")
    assert field_error(page, "field-merged") is None


def promote(make_client: MakeClient, scene: Scene) -> int:
    idea_id = pk(scene["idea"])
    response = make_client(scene["manager"]).post_form(
        f"/ideas/{idea_id}/promote", {**DECISION, "outcome": OUTCOME}
    )
    assert response.status_code == 303
    return idea_id


def test_the_porteur_and_the_sponsor_post_milestones_told_to_who_took_part(
    make_client: MakeClient, api_client: ApiClient, scene: Scene, db: Session
) -> None:
    idea_id = promote(make_client, scene)
    step = {"kind": "first_ground", "text": "Lancé à l’accueil de Lyon.", "lesson": ""}
    assert (
        make_client(scene["agent"]).post_form(f"/ideas/{idea_id}/milestones", step).status_code
        == 403
    )
    author = make_client(scene["author"])
    assert author.post_form(f"/ideas/{idea_id}/milestones", step).status_code == 303
    page = soup(make_client(scene["agent"]).get(f"/ideas/{idea_id}"))
    assert "Premier terrain lancé" in text_of(page, "#suivi")
    assert "Lancé à l’accueil de Lyon." in text_of(page, "#suivi")
    told = db.exec(
        select(Notification.message).where(
            Notification.user_id == scene["helper"].id,
            Notification.kind == NotificationKind.project_milestone,
        )
    ).all()
    assert any("premier terrain lancé" in m for m in told)
    # The manager who promoted is the sponsor; a manager names another by their address.
    manager = make_client(scene["manager"])
    unknown = manager.post_form(f"/ideas/{idea_id}/sponsor", {"sponsor_email": "x@nulle.part"})
    assert unknown.status_code == 422
    assert field_error(soup(unknown), "sponsor-email") == "Aucun compte actif avec cette adresse."
    named = manager.post_form(f"/ideas/{idea_id}/sponsor", {"sponsor_email": "bruno@ville.fr"})
    assert named.status_code == 303
    via_api = api_client(scene["agent"]).post(
        f"/api/v1/ideas/{idea_id}/milestones",
        json={"kind": "first_results", "text": "Deux fois moins d’attente."},
    )
    assert via_api.status_code == 200
    body = via_api.json()
    assert [m["kind"] for m in body["milestones"]] == ["first_results", "first_ground"]
    assert body["sponsor_account"]["name"] == "Bruno Passant"
    assert manager.post_form(f"/ideas/{idea_id}/milestones", step).status_code == 403


def test_a_milestone_posted_twice_is_published_once_and_told_once(
    make_client: MakeClient, api_client: ApiClient, scene: Scene, db: Session
) -> None:
    idea_id = promote(make_client, scene)
    step = {"kind": "first_ground", "text": "Lancé à l’accueil de Lyon.", "lesson": ""}
    author = make_client(scene["author"])
    assert author.post_form(f"/ideas/{idea_id}/milestones", step).status_code == 303
    # A double click sends the same form again: nothing new, and the page says so.
    again = author.post_form(f"/ideas/{idea_id}/milestones", step)
    assert again.status_code == 303
    flash = soup(author.get(again.headers["location"])).select_one(".alert--success")
    assert "Cette étape est déjà publiée" in flash.get_text()
    # A retried API request neither.
    retried = api_client(scene["author"]).post(
        f"/api/v1/ideas/{idea_id}/milestones",
        json={"kind": "first_ground", "text": "Lancé à l’accueil de Lyon."},
    )
    assert retried.status_code == 200
    assert [m["kind"] for m in retried.json()["milestones"]] == ["first_ground"]
    page = soup(make_client(scene["agent"]).get(f"/ideas/{idea_id}"))
    assert text_of(page, "#suivi").count("Lancé à l’accueil de Lyon.") == 1
    told = db.exec(
        select(Notification.message).where(
            Notification.user_id == scene["helper"].id,
            Notification.kind == NotificationKind.project_milestone,
        )
    ).all()
    assert len(told) == 1
    # Another step, or the same words for another step, is news.
    results = {**step, "kind": "first_results"}
    assert author.post_form(f"/ideas/{idea_id}/milestones", results).status_code == 303
    page = soup(make_client(scene["agent"]).get(f"/ideas/{idea_id}"))
    assert text_of(page, "#suivi").count("Lancé à l’accueil de Lyon.") == 2


def test_a_stopped_project_needs_its_lesson_and_goes_to_sleep(
    make_client: MakeClient, scene: Scene, db: Session
) -> None:
    idea_id = promote(make_client, scene)
    author = make_client(scene["author"])
    stop = {"kind": "stopped", "text": "Arrêté après trois mois.", "lesson": ""}
    refused = author.post_form(f"/ideas/{idea_id}/milestones", stop)
    assert refused.status_code == 422
    assert "leçon" in field_error(soup(refused), "milestone-lesson")
    assert soup(refused).find(id="milestone-text").get_text() == "Arrêté après trois mois."
    lesson = "Sans agent d’accueil formé, le guichet unique déplace la file."
    assert author.post_form(f"/ideas/{idea_id}/milestones", {**stop, "lesson": lesson})
    db.expire_all()
    assert db.get(Idea, idea_id).status == IdeaStatus.abandoned  # type: ignore[union-attr]
    sleeping = soup(make_client(scene["agent"]).get("/sommeil"))
    assert lesson in text_of(sleeping, f"#sleeping-idea-{idea_id}")


def test_sleeping_ideas_are_apart_from_the_board_and_the_search(
    make_client: MakeClient, api_client: ApiClient, scene: Scene, db: Session, clock: Clock
) -> None:
    closed = make_idea(db, scene["agent"], clock.now, title="Navette du personnel", themes=["rh"])
    db.commit()
    make_client(scene["agent"]).post_form(
        f"/ideas/{closed.id}/abandon", {"lesson": "Le covoiturage suffisait déjà."}
    )
    reader = make_client(scene["layer"])
    for url in ("/board", "/board?status=all", "/ideas"):
        assert f"/ideas/{closed.id}" not in reader.get(url).text, url
    assert f"/ideas/{closed.id}" in reader.get("/board?status=abandoned").text
    assert f"/ideas/{closed.id}" not in reader.get("/search?q=navette").text
    assert f"/ideas/{closed.id}" in reader.get("/search?q=navette&status=abandoned").text
    # « Idées en sommeil » lists it, and finds it by its lesson.
    page = soup(reader.get("/sommeil?q=covoiturage"))
    assert "Le covoiturage suffisait déjà." in text_of(page, f"#sleeping-idea-{closed.id}")
    assert f"sleeping-idea-{scene['idea'].id}" not in str(page)  # an open idea is not asleep
    listed = api_client(scene["layer"]).get("/api/v1/sleeping", params={"q": "covoiturage"})
    assert [i["lesson"] for i in listed.json()["items"]] == ["Le covoiturage suffisait déjà."]


def test_relaunching_makes_a_private_draft_with_the_old_mines_to_check(
    make_client: MakeClient, api_client: ApiClient, scene: Scene, db: Session, clock: Clock
) -> None:
    idea = scene["idea"]
    hidden = make_mine(db, idea, scene["helper"], clock.now, title="Propos hors sujet")
    moderation.hide(db, P, scene["admin"], hidden, idea, "Hors sujet", clock.now)
    db.commit()
    make_client(scene["author"]).post_form(
        f"/ideas/{idea.id}/abandon", {"lesson": "Trop tôt pour le RGPD."}
    )
    open_idea = make_idea(db, scene["agent"], clock.now)
    db.commit()
    agent = make_client(scene["agent"])
    assert agent.post_form(f"/ideas/{open_idea.id}/relaunch", {}).status_code == 409
    relaunched = agent.post_form(f"/ideas/{idea.id}/relaunch", {})
    assert relaunched.status_code == 303
    draft = db.exec(select(Idea).where(Idea.relaunched_from_id == idea.id)).one()
    assert draft.status == IdeaStatus.draft and draft.author_id == scene["agent"].id
    assert draft.title == idea.title
    page = soup(agent.get(relaunched.headers["location"]))
    checklist = text_of(page, "#anciennes-mines")
    assert "Le RGPD" in checklist and "Propos hors sujet" not in checklist
    assert "1 déminage" in checklist
    assert (
        page.select("#anciennes-mines .checklist li")[0]
        .a["href"]
        .endswith(f"/ideas/{idea.id}#mine-{scene['mine'].id}")
    )
    # Private to its author like any draft, and not a mine of its own.
    assert make_client(scene["layer"]).get(f"/ideas/{draft.id}").status_code == 404
    assert api_client(scene["agent"]).get(f"/api/v1/ideas/{draft.id}").json()["mines"] == []
    assert f"/ideas/{draft.id}" not in make_client(scene["layer"]).get(f"/ideas/{idea.id}").text
    agent.post_form(f"/ideas/{draft.id}/publish", {})
    assert f"/ideas/{draft.id}" in make_client(scene["layer"]).get(f"/ideas/{idea.id}").text


def test_an_idea_has_one_relaunch_alive_at_a_time(
    make_client: MakeClient, api_client: ApiClient, scene: Scene, db: Session
) -> None:
    idea = scene["idea"]
    make_client(scene["author"]).post_form(f"/ideas/{idea.id}/abandon", {"lesson": "Trop tôt."})
    agent = make_client(scene["agent"])
    assert agent.post_form(f"/ideas/{idea.id}/relaunch", {}).status_code == 303
    draft = db.exec(select(Idea).where(Idea.relaunched_from_id == idea.id)).one()
    # A second click does not make a second draft: the page says where the first one is.
    again = agent.post_form(f"/ideas/{idea.id}/relaunch", {})
    assert again.status_code == 409
    assert "Vous avez déjà relancé cette idée" in text_of(soup(again), "main")
    assert f"(n° {draft.id})" in text_of(soup(again), "main")
    page = soup(agent.get(f"/ideas/{idea.id}"))
    assert page.find("button", string="Relancer cette idée") is None
    hint = page.select_one("#relance-en-cours")
    assert hint is not None and hint.a["href"].endswith(f"/ideas/{draft.id}")
    refused = api_client(scene["agent"]).post(f"/api/v1/ideas/{idea.id}/relaunch")
    assert refused.status_code == 409 and refused.json()["field"] == "idea_id"
    # Someone else's draft is private: it stops no colleague.
    layer = make_client(scene["layer"])
    assert soup(layer.get(f"/ideas/{idea.id}")).find("button", string="Relancer cette idée")
    # Once published, the relaunch stops everyone: they join it instead.
    agent.post_form(f"/ideas/{draft.id}/publish", {})
    helper = make_client(scene["helper"])
    refused_page = helper.post_form(f"/ideas/{idea.id}/relaunch", {})
    assert refused_page.status_code == 409
    assert "Cette idée est déjà relancée dans" in text_of(soup(refused_page), "main")
    listed = soup(helper.get("/sommeil"))
    card = text_of(listed, f"#sleeping-idea-{idea.id}")
    assert "Déjà relancée dans" in card and not listed.select(f"#sleeping-idea-{idea.id} form")
    # When the relaunch closes in turn, the idea may be taken up again.
    agent.post_form(f"/ideas/{draft.id}/abandon", {"lesson": "Toujours trop tôt."})
    assert helper.post_form(f"/ideas/{idea.id}/relaunch", {}).status_code == 303
    assert len(db.exec(select(Idea).where(Idea.relaunched_from_id == idea.id)).all()) == 2


def test_a_relaunched_draft_shows_what_the_old_idea_taught(
    make_client: MakeClient, scene: Scene, db: Session, clock: Clock
) -> None:
    idea = scene["idea"]
    lesson = "Le budget 2027 ne **suivait** pas. <script>alert(1)</script><img src=x onerror=y()>"
    make_client(scene["author"]).post_form(f"/ideas/{idea.id}/abandon", {"lesson": lesson})
    agent = make_client(scene["agent"])
    draft = soup(agent.get(agent.post_form(f"/ideas/{idea.id}/relaunch", {}).headers["location"]))
    taught = draft.select_one("#relance #relance-lecon")
    assert taught is not None
    assert "Le budget 2027 ne suivait pas." in taught.get_text(" ", strip=True)
    assert taught.find("strong", string="suivait") is not None
    assert taught.find("script") is None and taught.find("img") is None
    assert "2\u00a0novembre 2026" in taught.get_text()  # when it stopped


def test_a_relaunched_draft_keeps_a_hidden_lesson_out_of_sight(
    make_client: MakeClient, scene: Scene, db: Session, clock: Clock
) -> None:
    """The lesson is not shown once the old idea is hidden by moderation, not even to its own
    author who relaunched it and may still open it; one quoting a hidden mine is masked."""
    idea = scene["idea"]
    other = make_idea(db, scene["agent"], clock.now, title="Navette du personnel")
    hidden = make_mine(db, other, scene["layer"], clock.now, title="Propos hors sujet")
    moderation.hide(db, P, scene["admin"], hidden, other, "Hors sujet", clock.now)
    db.commit()
    author, agent = make_client(scene["author"]), make_client(scene["agent"])
    author.post_form(f"/ideas/{idea.id}/abandon", {"lesson": "Trop tôt pour le RGPD."})
    agent.post_form(
        f"/ideas/{other.id}/abandon", {"lesson": "«\u00a0Propos hors sujet\u00a0» a tout bloqué."}
    )
    relaunch = author.post_form(f"/ideas/{idea.id}/relaunch", {}).headers["location"]
    quoted = agent.post_form(f"/ideas/{other.id}/relaunch", {}).headers["location"]
    assert "Trop tôt pour le RGPD." in text_of(soup(author.get(relaunch)), "#relance-lecon")
    masked = text_of(soup(agent.get(quoted)), "#relance-lecon")
    assert "hors sujet" not in masked and "masquée par la modération" in masked

    moderation.hide_idea(db, scene["admin"], idea, "Propos injurieux", clock.now)
    db.commit()
    page = soup(author.get(relaunch))
    assert page.find(id="relance-lecon") is None
    assert "Trop tôt pour le RGPD." not in page.get_text()
