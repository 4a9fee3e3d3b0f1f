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
from app.services import co_carriers, ideas, moderation, notifications
from app.services.readiness import ScoringParams
from tests.conftest import ApiClient, Clock, MakeClient, error_of, field_error, soup, text_of
from tests.factories import make_deminage, make_idea, make_mine, make_user
from tests.html import attr, find_tag, one

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
    assert attr(find_tag(page, id="promote-sponsor"), "value") == "DGS"  # what was typed is kept
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
    open_page = soup(author.get(f"/ideas/{idea_id}"))
    assert "Précisez le premier terrain." in text_of(open_page, "#issue")
    assert "Pour progresser" in text_of(open_page, ".readiness")
    empty = author.post_form(f"/ideas/{idea_id}/abandon", {"lesson": " "})
    assert field_error(soup(empty), "abandon-lesson") == "Ce champ est obligatoire."
    author.post_form(f"/ideas/{idea_id}/abandon", {"lesson": "Le budget 2027 ne suit pas."})
    closed_page = soup(author.get(f"/ideas/{idea_id}"))
    issue = text_of(closed_page, "#issue")
    assert "abandonnée" in issue and "Le budget 2027 ne suit pas." in issue
    # One state, one name: the badge, the issue, the board's filter and the notice all say it.
    assert text_of(closed_page, "article header .badge") == "Abandonnée"
    board = soup(manager.get("/board"))
    options = [o.get_text(strip=True) for o in board.select("select[name=status] option")]
    assert "Abandonnées (idées en sommeil)" in options
    assert "Toutes, sauf les abandonnées" in options
    assert not [o for o in options if "close" in o or "Fermée" in o]
    # A closed idea no longer ripens: no list of what would raise its score.
    assert "Pour progresser" not in text_of(closed_page, ".readiness")


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
    assert attr(find_tag(soup(refused), id="field-merged"), "value") == str(duplicate.id)
    done = admin.post_form("/admin/merge", {**form, "outcome": "Même terrain, même idée."})
    assert done.status_code == 303
    db.expire_all()
    assert db.get_one(Idea, duplicate.id).merged_into_id == scene["idea"].id


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
        attr(one(card, "a[href^='/notifications/']"), "href")
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
    (link,) = [
        attr(a, "href") for a in soup(mail.html_body).find_all("a") if "Voir" in a.get_text()
    ]
    assert link.endswith(there) and link.count("/ideas/") == 1
    # The line is there on the kept page, with the merge's outcome; the duplicate's old address
    # (and the `#issue` of notifications sent before) lands on it too.
    page = soup(helper.get(f"/ideas/{keep.id}"))
    line = text_of(page, f"#fusion-{duplicate.id}")
    assert "Accueil sans file" in line and why in line and "Ada Admin" in line
    assert "Précisez le premier terrain." in text_of(page, "#issue")  # its own outcome stays
    assert helper.get(f"/ideas/{duplicate.id}").headers["location"] == there


def test_a_merge_tells_those_who_carry_the_idea_kept_not_the_admin_who_merged(
    make_client: MakeClient, scene: Scene, db: Session, clock: Clock
) -> None:
    """The kept idea's author and co-porteurs learn, in the app and by e-mail as they chose,
    that a duplicate joined their idea, led to the line that says why; the admin who merged,
    a co-porteur too, is not told of their own act. Once moderation hides the duplicate, its
    title leaves their notifications and the digest written after."""
    keep = scene["idea"]
    author, layer, admin = scene["author"], scene["layer"], scene["admin"]
    for colleague in (layer, admin):
        row = co_carriers.invite(db, author, keep, colleague, "", clock.now)
        co_carriers.accept(db, P, colleague, row, keep, clock.now)
    notifications.set_channels(db, pk(layer), {"merged_into_my_idea": "digest"})
    duplicate = make_idea(db, scene["agent"], clock.now, title="Accueil zorglub")
    make_mine(db, duplicate, author, clock.now)  # she took part in the duplicate too
    db.commit()
    why = "Même terrain : la fiche de l’accueil de Lyon reprend tout."
    form = {"keep": str(keep.id), "merged": str(duplicate.id), "outcome": why}
    assert make_client(admin).post_form("/admin/merge", form).status_code == 303

    there = f"/ideas/{keep.id}#fusion-{duplicate.id}"

    def notes(user: User) -> list[Notification]:
        return list(
            db.exec(
                select(Notification).where(
                    Notification.user_id == user.id,
                    col(Notification.idea_id).in_([keep.id, duplicate.id]),
                    col(Notification.kind).in_(["merged_into_my_idea", "decision_outcome"]),
                )
            )
        )

    for person in (author, layer):
        (note,) = notes(person)  # the author once, not also as the duplicate's participant
        assert note.kind == NotificationKind.merged_into_my_idea and note.url == there
        assert "Accueil zorglub" in note.message and why in note.message
        client = make_client(person)
        (card,) = [
            li
            for li in soup(client.get("/notifications")).select(".notifications li")
            if "Accueil zorglub" in li.get_text()
        ]
        opened = attr(one(card, "a[href^='/notifications/']"), "href")
        assert client.get(opened).headers["location"] == there
    assert notes(admin) == []
    (mail,) = db.exec(
        select(OutboxMessage).where(
            OutboxMessage.to_email == author.email,
            col(OutboxMessage.subject).contains("fusionnée dans votre idée"),
        )
    )
    assert "Accueil zorglub" in mail.body and mail.body.count(there) == 1

    def mails_to(user: User, words: str) -> list[OutboxMessage]:
        return list(
            db.exec(
                select(OutboxMessage).where(
                    OutboxMessage.to_email == user.email,
                    col(OutboxMessage.subject).contains(words),
                )
            )
        )

    assert mails_to(layer, "fusionnée") == []  # his waits for the digest

    moderation.hide_idea(db, admin, db.get_one(Idea, duplicate.id), "Injurieux", clock.now)
    notifications.build_digests(db, notifications.mailer_of(db), clock.now)
    db.commit()
    (digest,) = mails_to(layer, "résumé")
    for text in (digest.body, digest.html_body, digest.subject):
        assert "zorglub" not in text
    assert "idée masquée par la modération" in digest.body
    for person in (author, layer):
        listed = make_client(person).get("/notifications").text
        assert "zorglub" not in listed and "idée masquée par la modération" in listed
    # The duplicate's author, who carries it, still reads what she was told of it.
    assert "Accueil zorglub" in make_client(scene["agent"]).get("/notifications").text


def test_the_merges_line_keeps_a_hidden_duplicate_out_of_sight(
    make_client: MakeClient, scene: Scene, db: Session, clock: Clock
) -> None:
    keep = scene["idea"]
    duplicate = make_idea(db, scene["agent"], clock.now, title="Doublon masqué")
    db.commit()
    ideas.merge(db, P, scene["admin"], keep, duplicate, "Doublon <script>x()</script>", clock.now)
    db.commit()
    page = soup(make_client(scene["layer"]).get(f"/ideas/{keep.id}"))
    assert find_tag(page, id=f"fusion-{duplicate.id}").find("script") is None
    moderation.hide_idea(db, scene["admin"], duplicate, "Propos injurieux", clock.now)
    db.commit()
    page = soup(make_client(scene["layer"]).get(f"/ideas/{keep.id}"))
    assert page.find(id=f"fusion-{duplicate.id}") is None and page.find(id="fusions") is None


def history_of(client, idea_id: int) -> list[str]:
    page = soup(client.get(f"/ideas/{idea_id}"))
    # Each line without its date: « who : what ».
    return [
        " ".join(li.get_text().split()).partition(" — ")[2] for li in page.select("ol.history li")
    ]


def test_the_history_of_the_idea_kept_no_longer_names_a_duplicate_hidden_since(
    make_client, scene, db: Session, clock: Clock
) -> None:
    """The line « L’idée « X » y a été fusionnée » names the duplicate to those who may read
    it (its carriers, the admins) and to nobody else once moderation hid it: on the page and
    in the fiche produit."""
    keep = scene["idea"]
    duplicate = make_idea(db, scene["agent"], clock.now, title="Doublon injurieux")
    db.commit()
    ideas.merge(db, P, scene["admin"], keep, duplicate, "Même terrain.", clock.now)
    db.commit()
    named = "Ada Admin : L’idée « Doublon injurieux » y a été fusionnée."
    assert named in history_of(make_client(scene["layer"]), keep.id)
    moderation.hide_idea(db, scene["admin"], duplicate, "Propos injurieux", clock.now)
    db.commit()
    masked = "Ada Admin : Une idée masquée par la modération y a été fusionnée."
    for who in ("layer", "author", "manager"):
        client = make_client(scene[who])
        lines = history_of(client, keep.id)
        assert masked in lines and not any("Doublon injurieux" in line for line in lines)
        sheet = client.get(f"/ideas/{keep.id}/fiche.md").text
        assert "Doublon injurieux" not in sheet and "Une idée masquée" in sheet
    for who in ("agent", "admin"):  # the duplicate's author, and the admins, still read it
        assert named in history_of(make_client(scene[who]), keep.id)
        assert "Doublon injurieux" in make_client(scene[who]).get(f"/ideas/{keep.id}/fiche.md").text


def test_a_duplicate_no_longer_names_the_idea_it_joined_once_that_one_is_hidden(
    make_client, api_client, scene, db: Session, clock: Clock
) -> None:
    """The duplicate's lesson (« Fusionnée avec l’idée « X » ») and history name the idea kept:
    hidden since, its title is masked in the duplicate's fiche and API for ordinary agents."""
    keep = scene["idea"]
    duplicate = make_idea(db, scene["agent"], clock.now, title="Accueil sans file")
    db.commit()
    ideas.merge(db, P, scene["admin"], keep, duplicate, "Même terrain.", clock.now)
    moderation.hide_idea(db, scene["admin"], keep, "Propos injurieux", clock.now)
    db.commit()
    kept_title = "Guichet sans attente"
    for who in ("layer", "agent"):
        sheet = make_client(scene[who]).get(f"/ideas/{duplicate.id}/fiche.md")
        assert sheet.status_code == 200 and "Accueil sans file" in sheet.text
        assert kept_title not in sheet.text and "Fusionnée avec une idée masquée" in sheet.text
        read = api_client(scene[who]).get(f"/api/v1/ideas/{duplicate.id}")
        assert read.status_code == 200 and kept_title not in read.text
        assert read.json()["lesson"] == "Fusionnée avec une idée masquée par la modération."
    for who in ("author", "admin"):  # the idea kept's author, and the admins, still read it
        assert kept_title in make_client(scene[who]).get(f"/ideas/{duplicate.id}/fiche.md").text
        assert kept_title in api_client(scene[who]).get(f"/api/v1/ideas/{duplicate.id}").text


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
    # A destructive act takes a number, never a text or a boolean Python would read as one.
    for lax in (True, str(keep.id)):
        refused({"keep": lax, "outcome": why}, 422, "keep")
    assert "/ideas/42" in refused({"keep": 999_999, "outcome": why}, 422, "keep")
    assert "elle-même" in refused({"keep": duplicate.id, "outcome": why}, 409, "keep")
    assert "abandonnée" in refused({"keep": closed.id, "outcome": why}, 409, "keep")
    assert "masquée" in refused({"keep": hidden.id, "outcome": why}, 409, "keep")
    for who in ("manager", "author"):
        answer = api_client(scene[who]).post(url, json={"keep": keep.id, "outcome": why})
        assert answer.status_code == 403
    db.expire_all()
    assert db.get_one(Idea, duplicate.id).merged_into_id is None

    done = admin.post(url, json={"keep": keep.id, "outcome": why})
    assert done.status_code == 200 and done.json()["id"] == keep.id
    assert len(done.json()["mines"]) == 2  # the duplicate's mine moved to the idea kept
    db.expire_all()
    assert db.get_one(Idea, duplicate.id).merged_into_id == keep.id
    (note,) = db.exec(
        select(Notification).where(
            Notification.user_id == scene["layer"].id,
            Notification.kind == NotificationKind.decision_outcome,
        )
    )
    assert why in note.message and note.url == f"/ideas/{keep.id}#fusion-{duplicate.id}"
    again = admin.post(url, json={"keep": keep.id, "outcome": why})
    assert again.status_code == 409
    # The duplicate, read over the API, says which idea it joined; not once that one is hidden.
    reader = api_client(scene["helper"])
    assert reader.get(f"/api/v1/ideas/{duplicate.id}").json()["merged_into_id"] == keep.id
    assert reader.get(f"/api/v1/ideas/{keep.id}").json()["merged_into_id"] is None
    moderation.hide_idea(db, scene["admin"], db.get_one(Idea, keep.id), "Injurieux", clock.now)
    db.commit()
    assert reader.get(f"/api/v1/ideas/{duplicate.id}").json()["merged_into_id"] is None


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
    assert "abandonnée" in (field_error(page, "field-keep") or "")
    assert field_error(page, "field-merged") is None
    # Digits of another script, or Python's separators, are no idea's number: nothing merges.
    keep = scene["idea"]
    for lax in ("\u0661" * len(str(keep.id)), f"{keep.id}_0", f"+{keep.id}"):
        sent = {**form, "keep": lax}
        answer = make_client(scene["admin"]).post_form("/admin/merge", sent)
        assert answer.status_code == 422
        assert field_error(soup(answer), "field-keep"), lax
    db.expire_all()
    assert db.get_one(Idea, duplicate.id).merged_into_id is None


def test_a_closed_duplicate_is_not_merged_and_keeps_its_lesson(
    make_client, api_client, scene, db: Session, clock: Clock
) -> None:
    """A closed idea stays in « Idées en sommeil » with what it taught: a merge would take it
    out and replace its lesson with « Fusionnée avec… ». Refused beside the duplicate's field,
    on the page and over the API."""
    keep = scene["idea"]
    closed = make_idea(db, scene["agent"], clock.now, title="Accueil sans file")
    db.commit()
    lesson = "Le budget 2027 ne suivait pas."
    ideas.abandon(db, P, scene["agent"], closed, lesson, clock.now)
    db.commit()
    form = {"keep": str(keep.id), "merged": str(closed.id), "outcome": "Doublon."}
    page = make_client(scene["admin"]).post_form("/admin/merge", form)
    assert page.status_code == 422
    assert "déjà abandonné" in (field_error(soup(page), "field-merged") or "")
    assert field_error(soup(page), "field-keep") is None
    answer = api_client(scene["admin"]).post(
        f"/api/v1/ideas/{closed.id}/merge", json={"keep": keep.id, "outcome": "Doublon."}
    )
    assert answer.status_code == 409 and answer.json()["field"] == "idea_id"
    assert "déjà abandonné" in answer.json()["detail"]
    db.expire_all()
    still = db.get_one(Idea, closed.id)
    assert still.merged_into_id is None and still.lesson == lesson
    assert lesson in text_of(
        soup(make_client(scene["layer"]).get("/sommeil")), f"#sleeping-idea-{closed.id}"
    )


def test_a_project_is_not_merged_away_but_an_idea_may_join_it(
    make_client: MakeClient,
    api_client: ApiClient,
    scene: Scene,
    db: Session,
    clock: Clock,
) -> None:
    """A project was decided on: merged as a duplicate it would close. Refused beside the
    duplicate's field, on the page and over the API; the other way, the project keeps the
    duplicate's mines."""
    project_id = promote(make_client, scene)
    other = make_idea(db, scene["agent"], clock.now, title="Accueil sans file")
    mine = make_mine(db, other, scene["helper"], clock.now, title="Le local manque")
    db.commit()
    admin = make_client(scene["admin"])
    form = {"keep": str(other.id), "merged": str(project_id), "outcome": "Doublon."}
    page = admin.post_form("/admin/merge", form)
    assert page.status_code == 422
    assert "devenu un projet" in (field_error(soup(page), "field-merged") or "")
    assert field_error(soup(page), "field-keep") is None
    assert one(soup(page), "#field-outcome").get_text() == "Doublon."  # what was typed stays
    answer = api_client(scene["admin"]).post(
        f"/api/v1/ideas/{project_id}/merge", json={"keep": other.id, "outcome": "Doublon."}
    )
    assert answer.status_code == 409 and answer.json()["field"] == "idea_id"
    assert "devenu un projet" in answer.json()["detail"]
    db.expire_all()
    assert db.get_one(Idea, project_id).status == IdeaStatus.project
    assert db.get_one(Idea, project_id).merged_into_id is None

    into = {"keep": str(project_id), "merged": str(other.id), "outcome": "Doublon."}
    assert admin.post_form("/admin/merge", into).status_code == 303
    db.expire_all()
    assert db.get_one(Idea, project_id).status == IdeaStatus.project
    assert db.get_one(Mine, mine.id).idea_id == project_id
    shown = soup(make_client(scene["layer"]).get(f"/ideas/{project_id}"))
    assert shown.find(id=f"mine-{mine.id}") is not None


def test_two_projects_are_not_merged_and_the_page_does_not_advise_the_other_way(
    make_client: MakeClient, scene: Scene, db: Session, clock: Clock
) -> None:
    project_id = promote(make_client, scene)
    other = make_idea(db, scene["agent"], clock.now, title="Accueil sans file")
    db.commit()
    forced = {**DECISION, "outcome": OUTCOME, "reason": "Urgence politique"}
    assert (
        make_client(scene["manager"]).post_form(f"/ideas/{other.id}/promote", forced).status_code
        == 303
    )
    form = {"keep": str(project_id), "merged": str(other.id), "outcome": "Doublon."}
    page = make_client(scene["admin"]).post_form("/admin/merge", form)
    assert page.status_code == 422
    said = field_error(soup(page), "field-merged") or ""
    assert "deux projets ne peuvent pas être fusionnés" in said
    assert "Fusionnez plutôt" not in said
    db.expire_all()
    assert db.get_one(Idea, pk(other)).merged_into_id is None


def test_a_duplicate_hidden_by_moderation_is_not_merged(
    make_client, api_client, scene, db: Session, clock: Clock
) -> None:
    """Its mines would move, readable by everyone, onto the idea kept: refused until restored."""
    keep = scene["idea"]
    hidden = make_idea(db, scene["agent"], clock.now, title="Doublon injurieux")
    mine = make_mine(db, hidden, scene["layer"], clock.now, title="Propos hors charte")
    db.commit()
    moderation.hide_idea(db, scene["admin"], hidden, "Propos injurieux", clock.now)
    db.commit()
    form = {"keep": str(keep.id), "merged": str(hidden.id), "outcome": "Doublon."}
    page = make_client(scene["admin"]).post_form("/admin/merge", form)
    assert page.status_code == 422
    assert "masqué par la modération" in (field_error(soup(page), "field-merged") or "")
    answer = api_client(scene["admin"]).post(
        f"/api/v1/ideas/{hidden.id}/merge", json={"keep": keep.id, "outcome": "Doublon."}
    )
    assert answer.status_code == 409 and answer.json()["field"] == "idea_id"
    db.expire_all()
    assert db.get_one(Idea, hidden.id).merged_into_id is None
    assert db.get_one(type(mine), mine.id).idea_id == hidden.id
    assert "Propos hors charte" not in make_client(scene["author"]).get(f"/ideas/{keep.id}").text


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
    flash = one(soup(author.get(again.headers["location"])), ".alert--success")
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
    assert "leçon" in error_of(soup(refused), "milestone-lesson")
    assert find_tag(soup(refused), id="milestone-text").get_text() == "Arrêté après trois mois."
    lesson = "Sans agent d’accueil formé, le guichet unique déplace la file."
    assert author.post_form(f"/ideas/{idea_id}/milestones", {**stop, "lesson": lesson})
    db.expire_all()
    assert db.get_one(Idea, idea_id).status == IdeaStatus.abandoned
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
    assert attr(one(page.select("#anciennes-mines .checklist li")[0], "a"), "href").endswith(
        f"/ideas/{idea.id}#mine-{scene['mine'].id}"
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
    hint = one(page, "#relance-en-cours")
    assert attr(one(hint, "a"), "href").endswith(f"/ideas/{draft.id}")
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
    assert "hors sujet" not in masked and "[Passage masqué par la modération.]" in masked

    moderation.hide_idea(db, scene["admin"], idea, "Propos injurieux", clock.now)
    db.commit()
    page = soup(author.get(relaunch))
    assert page.find(id="relance-lecon") is None
    assert "Trop tôt pour le RGPD." not in page.get_text()


def test_a_second_relaunch_is_not_published_while_the_first_is_alive(
    make_client, api_client, scene, db
) -> None:
    """Two colleagues relaunch the same closed idea (each draft is private, so neither sees the
    other's); once one is published, the other draft says so and cannot be published."""
    idea = scene["idea"]
    make_client(scene["author"]).post_form(f"/ideas/{idea.id}/abandon", {"lesson": "Trop tôt."})
    first, second = make_client(scene["agent"]), make_client(scene["layer"])
    first.post_form(f"/ideas/{idea.id}/relaunch", {})
    second.post_form(f"/ideas/{idea.id}/relaunch", {})
    live, late = db.exec(
        select(Idea).where(Idea.relaunched_from_id == idea.id).order_by(col(Idea.id))
    ).all()
    assert late.author_id == scene["layer"].id
    # Before the first is published, nothing stops the second draft.
    page = soup(second.get(f"/ideas/{late.id}"))
    assert page.select_one("#relance-concurrente") is None
    assert page.find("button", string="Publier l’idée") is not None
    assert first.post_form(f"/ideas/{live.id}/publish", {}).status_code == 303
    # The second draft's page warns before they try, points to the live relaunch, offers no
    # button to publish.
    page = soup(second.get(f"/ideas/{late.id}"))
    warning = text_of(page, "#relance-concurrente")
    assert f"(n° {live.id})" in warning and "posez-y vos mines" in warning
    assert attr(one(page, "#relance-concurrente a"), "href").endswith(f"/ideas/{live.id}")
    assert page.find("button", string="Publier l’idée") is None
    # Publishing anyway (a page left open) is refused on the page, with the same message.
    refused = second.post_form(f"/ideas/{late.id}/publish", {})
    assert refused.status_code == 409
    assert f"(n° {live.id})" in text_of(soup(refused), "#relance-concurrente")
    api = api_client(scene["layer"]).post(f"/api/v1/ideas/{late.id}/publish")
    assert api.status_code == 409 and api.json()["field"] == "relaunched_from_id"
    assert f"n°\u00a0{live.id}" in api.json()["detail"]
    db.refresh(late)
    assert late.status == IdeaStatus.draft
    # The closed idea names its one live relaunch, not the refused draft.
    closed = make_client(scene["helper"]).get(f"/ideas/{idea.id}").text
    assert f"/ideas/{live.id}" in closed and f"/ideas/{late.id}" not in closed
    # Once the live relaunch closes, the second draft may be published.
    first.post_form(f"/ideas/{live.id}/abandon", {"lesson": "Toujours trop tôt."})
    assert second.post_form(f"/ideas/{late.id}/publish", {}).status_code == 303
    db.refresh(late)
    assert late.status == IdeaStatus.open


def test_an_idea_hidden_by_moderation_is_not_relaunched(
    make_client, api_client, scene, db: Session, clock: Clock
) -> None:
    """Its carriers and the admins still read a hidden idea, but none of them relaunches it:
    the new draft would copy back what moderation hid."""
    idea = scene["idea"]
    make_client(scene["author"]).post_form(f"/ideas/{idea.id}/abandon", {"lesson": "Trop tôt."})
    moderation.hide_idea(db, scene["admin"], idea, "Propos injurieux", clock.now)
    db.commit()
    for who in ("author", "admin"):
        client = make_client(scene[who])
        page = soup(client.get(f"/ideas/{idea.id}"))
        assert page.find("button", string="Relancer cette idée") is None
        refused = client.post_form(f"/ideas/{idea.id}/relaunch", {})
        assert refused.status_code == 409
        assert "masquée par la modération" in text_of(soup(refused), "main")
        answer = api_client(scene[who]).post(f"/api/v1/ideas/{idea.id}/relaunch")
        assert answer.status_code == 409 and answer.json()["field"] == "idea_id"
        assert "ne peut pas être relancée" in answer.json()["detail"]
    assert db.exec(select(Idea).where(Idea.relaunched_from_id == idea.id)).all() == []
    # Restored, it may be taken up again.
    moderation.restore_idea(db, scene["admin"], idea, clock.now)
    db.commit()
    assert (
        make_client(scene["agent"]).post_form(f"/ideas/{idea.id}/relaunch", {}).status_code == 303
    )


def test_a_merged_idea_s_participants_are_told_which_idea_it_joined_unless_hidden_since(
    make_client: MakeClient, scene: Scene, db: Session, clock: Clock
) -> None:
    """The duplicate's participants read « fusionnée dans « Y » », led to Y; once moderation
    hides Y, those who may not read it no longer see its title."""
    keep, admin, agent = scene["idea"], scene["admin"], scene["agent"]
    duplicate = make_idea(db, scene["author"], clock.now, title="Accueil en double")
    make_mine(db, duplicate, agent, clock.now, title="Horaires", body="Et le samedi ?")
    db.commit()
    form = {"keep": str(keep.id), "merged": str(duplicate.id), "outcome": "Même terrain."}
    assert make_client(admin).post_form("/admin/merge", form).status_code == 303
    told = (
        "Décision sur l’idée «\u00a0Accueil en double\u00a0»\u00a0: fusionnée dans "
        "«\u00a0Guichet sans attente\u00a0». Même terrain."
    )
    client = make_client(agent)
    (card,) = [
        li
        for li in soup(client.get("/notifications")).select(".notifications li")
        if "Accueil en double" in li.get_text()
    ]
    assert told in card.get_text()
    opened = attr(one(card, "a[href^='/notifications/']"), "href")
    assert client.get(opened).headers["location"] == f"/ideas/{keep.id}#fusion-{duplicate.id}"
    db.rollback()  # see the app's latest writes
    moderation.hide_idea(db, admin, db.get_one(Idea, keep.id), "Hors charte", clock.now)
    db.commit()
    listed = client.get("/notifications").text
    assert "Guichet sans attente" not in listed and "fusionnée dans" not in listed
