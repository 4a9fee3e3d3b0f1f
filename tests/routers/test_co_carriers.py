"""Co-porteurs in the interface and the API: invited by the idea's author, told, accepting or
declining; once they accept, they carry the idea as its author does, and stop when removed or
when they leave."""

from typing import Any

from httpx import Response
from sqlmodel import Session, col, select

from app.models import CoCarrier, Idea, Notification, NotificationKind, OutboxMessage
from app.models.base import pk
from tests.conftest import (
    ApiClient,
    Clock,
    MakeClient,
    WebClient,
    error_of,
    field_error,
    soup,
    text_of,
)
from tests.factories import LONG, make_deminage, make_idea, make_mine, make_user
from tests.html import attr, find_tag, one


def _field(db: Session, clock: Clock) -> dict[str, Any]:
    author = make_user(db, name="Aurélie Autrice", unit="Accueil", email="aurelie@ville.fr")
    colleague = make_user(db, name="Corinne Collègue", unit="DSI", email="corinne@ville.fr")
    layer = make_user(db, name="Mina Mineuse", unit="Finances")
    helper = make_user(db, name="Hugo Aide", unit="RH")
    idea = make_idea(db, author, clock.now, title="Guichet unique", problem=LONG)
    mine = make_mine(db, idea, layer, clock.now, severity="major", title="Budget")
    answer = make_deminage(db, mine, helper, clock.now, body="Un fonds existe.")
    db.commit()
    return {
        "author": author,
        "colleague": colleague,
        "layer": layer,
        "helper": helper,
        "idea": idea,
        "mine": mine,
        "answer": answer,
    }


def _invite(client: WebClient, idea_id: int | None, who: str, message: str = "") -> Response:
    return client.post_form(f"/ideas/{idea_id}/co-carriers", {"invitee": who, "message": message})


def _row(db: Session, idea_id: int | None, user_id: int | None) -> CoCarrier | None:
    db.expire_all()
    return db.exec(
        select(CoCarrier).where(CoCarrier.idea_id == idea_id, CoCarrier.user_id == user_id)
    ).first()


def _row_id(db: Session, idea_id: int | None, user_id: int | None) -> int:
    """The id of the invitation (or membership) that exists: the test fails if there is none."""
    row = _row(db, idea_id, user_id)
    assert row is not None, "no co-carrier row"
    return pk(row)


def test_the_author_invites_a_colleague_who_is_told_and_accepts(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    f = _field(db, clock)
    idea = f["idea"]
    author = make_client(f["author"])
    form = one(soup(author.get(f"/ideas/{idea.id}")), "#co-porteurs form")
    assert attr(form, "action").endswith(f"/ideas/{idea.id}/co-carriers")
    response = _invite(author, idea.id, "corinne@ville.fr", "Tu connais le terrain.")
    assert response.status_code == 303
    assert response.headers["location"] == f"/ideas/{idea.id}#co-porteurs"

    # Told in the app and by e-mail (the default channel of this kind).
    told = db.exec(select(Notification).where(Notification.user_id == f["colleague"].id)).one()
    assert told.kind == NotificationKind.co_carrier
    assert "Aurélie Autrice vous invite à co-porter l’idée" in told.message
    assert "Tu connais le terrain." in told.message
    mail = db.exec(select(OutboxMessage).where(OutboxMessage.to_email == "corinne@ville.fr")).one()
    assert "co-porter" in mail.subject

    # Until they accept, the invitee carries nothing: no edit, and not named on the idea.
    colleague = make_client(f["colleague"])
    assert colleague.get(f"/ideas/{idea.id}/edit").status_code == 403
    page = soup(colleague.get(f"/ideas/{idea.id}"))
    assert "co-portée par" not in text_of(page, "header .meta")
    assert "Tu connais le terrain." in text_of(page, "#co-porteurs .alert")
    # Others do not see who was invited.
    stranger = soup(make_client(f["helper"]).get(f"/ideas/{idea.id}"))
    assert stranger.select_one("#co-porteurs") is None

    accept = one(page, "#co-porteurs form[action$='/accept']")
    assert colleague.post_form(accept["action"]).status_code == 303
    page = soup(make_client(f["helper"]).get(f"/ideas/{idea.id}"))
    assert "co-portée par Corinne Collègue (DSI)" in text_of(page, "header .meta")
    assert "Corinne Collègue" in text_of(page, "#co-porteurs")
    assert "Corinne Collègue : Co-porte désormais l’idée." in text_of(page, ".history")
    # The author hears of it.
    assert db.exec(
        select(Notification).where(
            Notification.user_id == f["author"].id,
            col(Notification.message).contains("accepte de co-porter"),
        )
    ).first()
    # The co-porteur now edits the fiche, as the author does.
    assert colleague.get(f"/ideas/{idea.id}/edit").status_code == 200
    edited = colleague.post_form(
        f"/ideas/{idea.id}/edit",
        {"title": "Guichet unique", "problem": LONG, "solution": "Grâce au guichet, tout va."},
    )
    assert edited.status_code == 303
    db.expire_all()
    assert db.get_one(Idea, idea.id).solution == "Grâce au guichet, tout va."


def test_a_wrong_invitation_is_shown_beside_the_field_with_what_was_typed(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    f = _field(db, clock)
    author = make_client(f["author"])
    for who, expected in (
        ("personne@ville.fr", "Aucun"),
        ("aurelie@ville.fr", "une autre personne que vous-même"),
        ("", "obligatoire"),
    ):
        response = _invite(author, f["idea"].id, who, "Un mot gardé")
        assert response.status_code == 422, who
        page = soup(response)
        assert expected in (field_error(page, "co-carrier-invitee") or ""), who
        assert attr(find_tag(page, id="co-carrier-invitee"), "value") == who
        assert find_tag(page, id="co-carrier-message").get_text() == "Un mot gardé"
    assert _invite(author, f["idea"].id, "Corinne Collègue").status_code == 303
    again = _invite(author, f["idea"].id, "corinne@ville.fr")
    assert again.status_code == 422
    assert "déjà reçu une invitation" in error_of(soup(again), "co-carrier-invitee")


def test_only_the_author_chooses_who_carries_the_idea(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    f = _field(db, clock)
    idea = f["idea"]
    layer = make_client(f["layer"])
    assert soup(layer.get(f"/ideas/{idea.id}")).select_one("#co-porteurs") is None
    assert _invite(layer, idea.id, "corinne@ville.fr").status_code == 403
    # A co-porteur cannot invite nor remove anyone either.
    _invite(make_client(f["author"]), idea.id, "corinne@ville.fr")
    row_id = _row_id(db, idea.id, f["colleague"].id)
    colleague = make_client(f["colleague"])
    colleague.post_form(f"/co-carriers/{row_id}/accept")
    assert _invite(colleague, idea.id, "Hugo Aide").status_code == 403
    assert colleague.post_form(f"/co-carriers/{row_id}/remove").status_code == 403
    assert layer.post_form(f"/co-carriers/{row_id}/leave").status_code == 403
    page = soup(colleague.get(f"/ideas/{idea.id}"))
    assert page.select_one("#co-porteurs form[action$='/remove']") is None
    assert page.select_one("#co-porteurs form[action$='/leave']") is not None
    # A draft has no co-porteurs: it is its author's alone until published.
    draft = make_idea(db, f["author"], clock.now, published=False)
    db.commit()
    refused = _invite(make_client(f["author"]), draft.id, "corinne@ville.fr")
    assert refused.status_code == 409


def test_a_co_porteur_answers_mines_as_the_author_does_but_cannot_mine_the_idea(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    f = _field(db, clock)
    idea, mine = f["idea"], f["mine"]
    _invite(make_client(f["author"]), idea.id, "corinne@ville.fr")
    colleague = make_client(f["colleague"])
    colleague.post_form(f"/co-carriers/{_row_id(db, idea.id, f['colleague'].id)}/accept")
    # An agent of the same role looks first: the field of mines rendered for them (and cached)
    # is not the one a co-porteur gets (`minefield_key` knows who carries the idea).
    stranger = make_user(db, name="Sans Rapport", unit="Voirie")
    db.commit()
    plain = soup(make_client(stranger).get(f"/ideas/{idea.id}"))
    assert plain.select_one(f"form[action$='/deminages/{f['answer'].id}/accept']") is None
    page = soup(colleague.get(f"/ideas/{idea.id}"))
    assert page.select_one(f"form[action$='/deminages/{f['answer'].id}/accept']") is not None
    assert page.find(id="lay-title") is None  # no form to mine one's own field
    laid = colleague.post_form(
        f"/ideas/{idea.id}/mines", {"category": "legal", "severity": "minor", "body": "Et si ?"}
    )
    assert laid.status_code == 403
    assert colleague.post_form(f"/deminages/{f['answer'].id}/accept").status_code == 303
    db.expire_all()
    assert db.get_one(type(mine), mine.id).status == "defused"
    # The mine's author is told who defused it.
    told = db.exec(
        select(Notification).where(
            Notification.user_id == f["layer"].id,
            Notification.kind == NotificationKind.my_mine_defused,
        )
    ).one()
    assert "Corinne Collègue, qui porte l’idée" in told.message
    other = make_mine(db, db.get_one(Idea, idea.id), f["layer"], clock.now, severity="minor")
    db.commit()
    # A mine laid on the idea reaches its co-porteurs too.
    assert db.exec(
        select(Notification).where(
            Notification.user_id == f["colleague"].id,
            Notification.kind == NotificationKind.mine_on_my_idea,
        )
    ).first()
    risk = colleague.post_form(f"/mines/{other.id}/accept-risk", {"reason": "Un pétard, assumé."})
    assert risk.status_code == 303


def test_declined_removed_or_gone_a_colleague_carries_nothing(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    f = _field(db, clock)
    idea = f["idea"]
    author, colleague = make_client(f["author"]), make_client(f["colleague"])
    edit = f"/ideas/{idea.id}/edit"

    def invited() -> int:
        _invite(author, idea.id, "corinne@ville.fr")
        return _row_id(db, idea.id, f["colleague"].id)

    row_id = invited()
    assert make_client(f["helper"]).post_form(f"/co-carriers/{row_id}/decline").status_code == 403
    assert colleague.post_form(f"/co-carriers/{row_id}/decline").status_code == 303
    assert _row(db, idea.id, f["colleague"].id) is None
    assert colleague.get(edit).status_code == 403
    assert colleague.post_form(f"/co-carriers/{row_id}/accept").status_code == 404
    assert (
        "décline votre invitation"
        in db.exec(
            select(Notification.message).where(Notification.user_id == f["author"].id)
        ).all()[-1]
    )

    # Invited again, then the invitation withdrawn before any answer.
    row_id = invited()
    withdraw = one(
        soup(author.get(f"/ideas/{idea.id}")), f"#co-porteur-{row_id} form[action$='/remove']"
    )
    assert author.post_form(withdraw["action"]).status_code == 303
    assert colleague.post_form(f"/co-carriers/{row_id}/accept").status_code == 404

    # Invited, accepted, removed by the author.
    row_id = invited()
    colleague.post_form(f"/co-carriers/{row_id}/accept")
    assert colleague.get(edit).status_code == 200
    assert author.post_form(f"/co-carriers/{row_id}/remove").status_code == 303
    assert colleague.get(edit).status_code == 403
    assert colleague.post_form(f"/deminages/{f['answer'].id}/accept").status_code == 403
    db.expire_all()
    assert db.get_one(Idea, idea.id).co_carrier_ids == []

    # Invited, accepted, and gone of their own accord.
    row_id = invited()
    colleague.post_form(f"/co-carriers/{row_id}/accept")
    assert colleague.post_form(f"/co-carriers/{row_id}/leave").status_code == 303
    assert colleague.get(edit).status_code == 403
    page = soup(make_client(f["helper"]).get(f"/ideas/{idea.id}"))
    assert "co-portée" not in text_of(page, "header .meta")
    assert "Corinne Collègue : Ne co-porte plus l’idée." in text_of(page, ".history")


def test_a_co_porteur_is_no_reviewer_of_the_idea(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    f = _field(db, clock)
    idea = f["idea"]
    # Corinne brought a déminage before she was asked to carry the idea: a reviewer, then.
    make_deminage(db, f["mine"], f["colleague"], clock.now, body="Le budget participatif.")
    db.commit()
    db.expire_all()
    assert db.get_one(Idea, idea.id).reviewer_count == 3
    _invite(make_client(f["author"]), idea.id, "corinne@ville.fr")
    colleague = make_client(f["colleague"])
    colleague.post_form(f"/co-carriers/{_row_id(db, idea.id, f['colleague'].id)}/accept")
    db.expire_all()
    assert db.get_one(Idea, idea.id).reviewer_count == 2
    reader = make_client(f["helper"])
    sheet = reader.get(f"/ideas/{idea.id}/fiche.md").text
    assert "- Co-portée par\u00a0: Corinne Collègue (DSI)" in sheet
    reviewers = sheet.split("## Regards croisés (2)", 1)[1].split("##", 1)[0]
    assert "Corinne" not in reviewers and "Mina Mineuse" in reviewers
    # The board counts the same reviewers, from the same units (Corinne's DSI is gone).
    card = text_of(soup(reader.get("/board?status=all")), f"#board-idea-{idea.id}")
    assert "2 regards (Finances, RH)" in card


def test_a_closed_idea_keeps_its_score_when_a_co_porteur_leaves_it(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    f = _field(db, clock)
    idea = f["idea"]
    # Corinne answered a mine, then carried the idea: no reviewer of it while she carries it.
    make_deminage(db, f["mine"], f["colleague"], clock.now, body="Le budget participatif.")
    db.commit()
    author, colleague = make_client(f["author"]), make_client(f["colleague"])
    _invite(author, idea.id, "corinne@ville.fr")
    row = _row(db, idea.id, f["colleague"].id)
    assert row is not None
    colleague.post_form(f"/co-carriers/{row.id}/accept")
    author.post_form(f"/ideas/{idea.id}/abandon", {"lesson": "Pas de budget cette année."})
    db.expire_all()
    closed = db.get_one(Idea, idea.id)
    score, reviewers = closed.score, closed.reviewer_count
    reader = make_client(f["helper"])
    shown = text_of(soup(reader.get(f"/ideas/{idea.id}")), f"#idea-{idea.id}-readiness")
    assert "## Regards croisés (2)" in reader.get(f"/ideas/{idea.id}/fiche.md").text
    assert colleague.post_form(f"/co-carriers/{row.id}/leave").status_code == 303
    db.expire_all()
    after = db.get_one(Idea, idea.id)
    assert after.co_carrier_ids == []  # she no longer carries it…
    assert (after.score, after.reviewer_count) == (score, reviewers)  # …and nothing moved
    page = soup(reader.get(f"/ideas/{idea.id}"))
    assert text_of(page, f"#idea-{idea.id}-readiness") == shown
    reviewers = reader.get(f"/ideas/{idea.id}/fiche.md").text.split("## Regards croisés (2)")[1]
    assert "Corinne" not in reviewers.split("##", 1)[0]
    assert "co-portée" not in text_of(page, "header .meta")


def test_the_api_carries_the_whole_lifecycle(
    api_client: ApiClient, db: Session, clock: Clock
) -> None:
    f = _field(db, clock)
    idea = f["idea"]
    author, colleague = api_client(f["author"]), api_client(f["colleague"])
    url = f"/api/v1/ideas/{idea.id}/co-carriers"
    refused = api_client(f["layer"]).post(url, json={"invitee_id": f["colleague"].id})
    assert refused.status_code == 403
    bad = author.post(url, json={"invitee_id": f["colleague"].id, "message": "x" * 2001})
    assert bad.status_code == 422 and bad.json()["field"] == "message"
    itself = author.post(url, json={"invitee_id": f["author"].id})
    assert itself.status_code == 409 and itself.json()["field"] == "invitee"
    created = author.post(url, json={"invitee_id": f["colleague"].id, "message": "Avec moi ?"})
    assert created.status_code == 201
    invitation = created.json()
    assert invitation["user"]["name"] == "Corinne Collègue" and invitation["accepted_at"] is None
    assert author.get(f"/api/v1/ideas/{idea.id}").json()["co_carriers"] == []
    # The invitee finds their invitation on the idea (the author too; nobody else).
    seen = colleague.get(f"/api/v1/ideas/{idea.id}").json()["carrier_invitations"]
    assert [i["id"] for i in seen] == [invitation["id"]]
    assert [
        i["id"] for i in author.get(f"/api/v1/ideas/{idea.id}").json()["carrier_invitations"]
    ] == [invitation["id"]]
    assert (
        api_client(f["helper"]).get(f"/api/v1/ideas/{idea.id}").json()["carrier_invitations"] == []
    )

    accepted = colleague.post(f"/api/v1/co-carriers/{invitation['id']}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["co_carriers"] == [
        {"id": f["colleague"].id, "name": "Corinne Collègue", "unit": "DSI"}
    ]
    patched = colleague.patch(f"/api/v1/ideas/{idea.id}", json={"solution": "Grâce au guichet."})
    assert patched.status_code == 200
    again = colleague.post(f"/api/v1/co-carriers/{invitation['id']}/accept")
    assert again.status_code == 409
    assert colleague.post(f"/api/v1/co-carriers/{invitation['id']}/remove").status_code == 403
    left = colleague.post(f"/api/v1/co-carriers/{invitation['id']}/leave")
    assert left.status_code == 200 and left.json()["co_carriers"] == []
    assert colleague.patch(f"/api/v1/ideas/{idea.id}", json={"solution": "Non."}).status_code == 403
