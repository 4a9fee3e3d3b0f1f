"""« Qui peut déminer ? » on a real database: suggestions, invitations, declines, limits, API."""

from typing import TypedDict

import pytest
from sqlmodel import Session, select

from app.models import Idea, Mine, MineInvitation, Notification, User
from app.services import invitations, mines
from app.services.readiness import ScoringParams
from tests.conftest import ApiClient, Clock, MakeClient, soup, text_of
from tests.factories import make_deminage, make_idea, make_mine, make_user
from tests.html import attr, one, parent

P = ScoringParams()


class Field(TypedDict):
    author: User
    layer: User
    expert: User
    volunteer: User
    refuser: User
    stranger: User
    idea: Idea
    mine: Mine


@pytest.fixture
def field(db: Session, clock: Clock) -> Field:
    author = make_user(db, name="Autrice", unit="Accueil")
    layer = make_user(db, name="Poseur", unit="Finances")
    expert = make_user(db, name="Lina Experte", unit="Juridique")
    volunteer = make_user(db, name="Victor Volontaire", unit="DSI")
    refuser = make_user(db, name="Rita Refus", unit="RH")
    stranger = make_user(db, name="Sans Rapport", unit="Voirie")
    volunteer.ask_subjects = "data_privacy,legal"
    refuser.ask_subjects = "data_privacy"
    refuser.ask_opt_out = True
    # Lina defused a similar mine before, on another idea.
    earlier = make_idea(db, make_user(db, unit="Culture"), clock.now, title="Coffre-fort numérique")
    old_mine = make_mine(
        db,
        earlier,
        layer,
        clock.now,
        category="data_privacy",
        title="Hébergement des pièces",
        body="Où sont hébergées les pièces justificatives ?",
    )
    answer = make_deminage(db, old_mine, expert, clock.now, body="Hébergeur certifié en France.")
    mines.accept_deminage(db, P, layer, answer, old_mine, earlier, clock.now)
    other = make_mine(db, earlier, layer, clock.now, category="budget", title="Budget")
    also = make_deminage(db, other, refuser, clock.now)
    mines.accept_deminage(db, P, layer, also, other, earlier, clock.now)
    idea = make_idea(db, author, clock.now, title="Rendez-vous en ligne")
    mine = make_mine(
        db,
        idea,
        layer,
        clock.now,
        category="data_privacy",
        title="Hébergement des données",
        body="Où seront hébergées les données des usagers ?",
    )
    db.commit()
    return {
        "author": author,
        "layer": layer,
        "expert": expert,
        "volunteer": volunteer,
        "refuser": refuser,
        "stranger": stranger,
        "idea": idea,
        "mine": mine,
    }


def test_each_accepted_deminage_counts_in_the_reason(
    db: Session, clock: Clock, field: Field
) -> None:
    """A second accepted answer in the category adds to the first (an upsert, not a new row)."""
    idea = make_idea(db, field["author"], clock.now, title="Archives partagées")
    again = make_mine(db, idea, field["layer"], clock.now, category="data_privacy", title="Accès")
    answer = make_deminage(db, again, field["expert"], clock.now, body="Droits par service.")
    mines.accept_deminage(db, P, field["layer"], answer, again, idea, clock.now)
    db.commit()
    result = invitations.suggestions(db, field["mine"], field["idea"])
    assert result[0].name == "Lina Experte"
    assert result[0].reasons[0] == "2 déminages acceptés en données & rgpd"


def test_suggestions_come_with_their_reasons(db: Session, field: Field) -> None:
    result = invitations.suggestions(db, field["mine"], field["idea"])
    assert [s.name for s in result] == ["Lina Experte", "Victor Volontaire"]
    assert result[0].reasons[:2] == (
        "1 déminage accepté en données & rgpd",
        "a déminé «\u00a0Hébergement des pièces\u00a0» sur l’idée voisine "
        "«\u00a0Coffre-fort numérique\u00a0»",
    )
    names = {s.name for s in result}
    assert "Poseur" not in names and "Rita Refus" not in names and "Sans Rapport" not in names


def test_author_sees_suggestions_and_invites_a_colleague_who_is_told(
    make_client: MakeClient, db: Session, field: Field
) -> None:
    author = make_client(field["author"])
    page = soup(author.get(f"/mines/{field['mine'].id}/experts"))
    assert "Lina Experte" in text_of(page, ".suggestions")
    form = one(page, ".suggestions form")
    response = author.post_form(
        form["action"],
        {
            "invitee_id": attr(one(form, "input[name=invitee_id]"), "value"),
            "message": "Tu connais bien ce sujet",
        },
    )
    assert response.status_code == 303 and response.headers["location"].endswith(
        f"#mine-{field['mine'].id}"
    )
    db.rollback()  # see the app's latest writes: end the read snapshot…
    db.expire_all()  # …and forget what was loaded
    note = db.exec(select(Notification).where(Notification.user_id == field["expert"].id)).all()[-1]
    assert (
        note.message
        == "Autrice vous invite à regarder la mine «\u00a0Hébergement des données\u00a0»\u00a0: "
        "«\u00a0Tu connais bien ce sujet\u00a0»"
    )
    assert note.url == f"/ideas/{field['idea'].id}#mine-{field['mine'].id}"
    # Never twice for the same mine: the suggestion no longer offers « Inviter », it says so…
    page = soup(author.get(f"/mines/{field['mine'].id}/experts"))
    [expert] = [li for li in page.select(".suggestions li") if "Lina Experte" in li.get_text()]
    assert expert.find("button") is None and expert.find("form") is None
    assert one(expert, ".badge").get_text() == "Invitation envoyée"
    # …and a forced second invitation is refused.
    again = author.post_form(form["action"], {"invitee_id": str(field["expert"].id)})
    assert again.status_code == 422 and "déjà reçu une invitation pour cette mine" in again.text


def test_the_invitee_can_decline_and_is_not_asked_again(
    make_client: MakeClient, db: Session, field: Field, clock: Clock
) -> None:
    invitations.invite(
        db, field["author"], field["mine"], field["idea"], field["volunteer"], "", clock.now
    )
    db.commit()
    volunteer = make_client(field["volunteer"])
    page = soup(volunteer.get(f"/ideas/{field['idea'].id}"))
    decline = one(page, f"#mine-{field['mine'].id} form[action*='/decline']")
    assert "Autrice vous invite" in parent(decline, "div").get_text()
    assert make_client(field["expert"]).post_form(decline["action"]).status_code == 403
    assert volunteer.post_form(decline["action"]).status_code == 303
    assert (
        soup(volunteer.get(f"/ideas/{field['idea'].id}")).select_one("form[action*='/decline']")
        is None
    )
    refused = make_client(field["layer"]).post_form(
        f"/mines/{field['mine'].id}/invitations", {"invitee_id": str(field["volunteer"].id)}
    )
    assert refused.status_code == 422


def test_opted_out_colleagues_cannot_be_invited_and_invitations_are_limited(
    make_client: MakeClient, db: Session, field: Field, clock: Clock
) -> None:
    # Prepared before any request: the app's background e-mail thread then never races
    # with this test's own writes.
    colleagues = [make_user(db, unit=f"U{n}") for n in range(21)]
    db.commit()
    client = make_client(field["author"])
    opted = client.post_form(
        f"/mines/{field['mine'].id}/invitations",
        {"email": "", "invitee_id": str(field["refuser"].id)},
    )
    assert opted.status_code == 422 and "ne souhaite pas recevoir de sollicitations" in opted.text
    unknown = client.post_form(
        f"/mines/{field['mine'].id}/invitations", {"email": "personne@nulle.part"}
    )
    assert unknown.status_code == 422 and "Aucun compte ne porte cette adresse" in unknown.text
    by_name = client.post_form(
        f"/mines/{field['mine'].id}/invitations", {"email": "  lina   EXPERTE "}
    )
    assert by_name.status_code == 303
    # Keep inviting: the first refusal must come exactly when 20 invitations were sent today.
    statuses = [
        client.post_form(f"/mines/{field['mine'].id}/invitations", {"email": c.email}).status_code
        for c in colleagues
    ]
    assert statuses == [303] * 19 + [429, 429]
    db.rollback()
    assert len(db.exec(select(MineInvitation)).all()) == 20


def test_profile_declares_subjects_or_opts_out(
    make_client: MakeClient, db: Session, field: Field
) -> None:
    client = make_client(field["stranger"])
    assert (
        client.post_form(
            "/profile/asking", {"subject_data_privacy": "on", "subject_bogus": "on"}
        ).status_code
        == 303
    )
    names = [s.name for s in invitations.suggestions(db, field["mine"], field["idea"])]
    assert "Sans Rapport" in names
    opted = client.post_form("/profile/asking", {"subject_data_privacy": "on", "opt_out": "on"})
    assert opted.status_code == 303
    db.rollback()  # see the app's latest writes: end the read snapshot…
    db.expire_all()  # …and forget what was loaded
    assert "Sans Rapport" not in [
        s.name for s in invitations.suggestions(db, field["mine"], field["idea"])
    ]


def test_demineurs_page_lists_expertise_alphabetically(
    make_client: MakeClient, field: Field
) -> None:
    page = soup(make_client(field["author"]).get("/demineurs"))
    privacy = text_of(page, "#cat-data_privacy + ul")
    assert "Lina Experte (Juridique) — déminages acceptés" in privacy
    assert "Victor Volontaire (DSI) — se propose pour aider" in privacy
    assert "Rita Refus" not in privacy  # opted out: not proposed, not listed as volunteer


def test_api_experts_and_invitations(api_client: ApiClient, field: Field) -> None:
    client = api_client(field["author"])
    experts = client.get(f"/api/v1/mines/{field['mine'].id}/experts").json()
    assert experts[0]["user"]["name"] == "Lina Experte" and experts[0]["reasons"]
    created = client.post(
        f"/api/v1/mines/{field['mine'].id}/invitations", json={"invitee_id": field["expert"].id}
    )
    assert created.status_code == 201
    again = client.post(
        f"/api/v1/mines/{field['mine'].id}/invitations", json={"invitee_id": field["expert"].id}
    )
    assert again.status_code == 409
    assert (
        client.post(
            f"/api/v1/mines/{field['mine'].id}/invitations", json={"invitee_id": 0}
        ).status_code
        == 422
    )


def test_a_superscript_digit_as_a_colleague_or_an_excluded_idea_is_refused_not_a_crash(
    make_client: MakeClient, field: Field
) -> None:
    """« ¹ ».isdigit() is true but int() refuses it: the form answers in French, not 500."""
    layer = make_client(field["layer"])
    refused = layer.post_form(f"/mines/{field['mine'].id}/invitations", {"invitee_id": "¹"})
    assert refused.status_code == 422
    similar = layer.get("/ideas/similar", params={"title": "Guichet", "exclude": "²"})
    assert similar.status_code == 200
