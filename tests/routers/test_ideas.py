"""Writing, editing, publishing, listing and reading ideas in the HTML interface."""

from sqlmodel import Session

from app.models import Idea
from tests.conftest import Clock, MakeClient, error_of, field_error, soup, text_of
from tests.factories import LONG, make_idea, make_user
from tests.html import attr, find_tag, one

FICHE = {
    "title": "Prise de rendez-vous en ligne",
    "problem": "Les usagers font la queue dès 7 h devant la mairie.",
    "solution": "Grâce à un agenda en ligne, chacun réserve son créneau.",
    "broken_rule": "Premier arrivé, premier servi.",
    "first_ground": "La mairie annexe du quartier Nord.",
    "themes": "Accueil, numérique, accueil",
}


def test_agent_writes_a_draft_edits_and_publishes_it(make_client: MakeClient, db: Session) -> None:
    author = make_user(db, name="Amina Diallo")
    colleague = make_user(db)
    db.commit()
    client = make_client(author)
    response = client.post_form("/ideas", FICHE)
    assert response.status_code == 303
    url = response.headers["location"]
    page = soup(client.get(url))
    assert text_of(page, "h1") == FICHE["title"]
    assert "Brouillon" in text_of(page, ".badge")
    assert [t.get_text() for t in page.select("header .tag")] == ["accueil", "numérique"]
    # A draft is its author's alone.
    assert make_client(colleague).get(url).status_code == 404

    edit = client.post_form(
        url + "/edit", {**FICHE, "solution": "Grâce à un agenda partagé avec l'accueil."}
    )
    assert edit.status_code == 303
    assert client.post_form(url + "/publish").status_code == 303
    page = soup(make_client(colleague).get(url))
    assert "En déminage" in text_of(page, ".badge")
    revisions = page.select("#revisions-title + ol > li")
    assert len(revisions) == 2
    newest = revisions[0].get_text(" ", strip=True)
    assert "Révision 2" in newest and "Amina Diallo" in newest and "la solution" in newest
    assert (
        find_tag(revisions[0], "del").get_text(strip=True).endswith("chacun réserve son créneau.")
    )
    assert "agenda partagé" in find_tag(revisions[0], "ins").get_text()


def test_only_title_and_problem_are_required_and_errors_keep_the_text(
    make_client: MakeClient, db: Session
) -> None:
    user = make_user(db)
    db.commit()
    client = make_client(user)
    typed = {
        **FICHE,
        "title": "",
        "problem": "  ",
        "solution": "Grâce à « des guillemets » & <b>du HTML</b> 🎉",
    }
    response = client.post_form("/ideas", typed)
    assert response.status_code == 422
    page = soup(response)
    assert field_error(
        page, "field-title"
    ) == "⚠ Ce champ est obligatoire." or "obligatoire" in error_of(page, "field-title")
    assert "obligatoire" in error_of(page, "field-problem")
    assert find_tag(page, id="field-solution").get_text() == typed["solution"]
    assert attr(find_tag(page, id="field-themes"), "value") == typed["themes"]
    assert attr(find_tag(page, id="field-title"), "aria-invalid") == "true"


def test_title_over_200_characters_is_refused_beside_the_field(
    make_client: MakeClient, db: Session
) -> None:
    user = make_user(db)
    db.commit()
    client = make_client(user)
    response = client.post_form("/ideas", {**FICHE, "title": "T" * 201})
    assert response.status_code == 422
    assert "200 caractères au plus" in error_of(soup(response), "field-title")


def test_only_the_author_edits(make_client: MakeClient, db: Session, clock: Clock) -> None:
    author, other = make_user(db), make_user(db)
    idea = make_idea(db, author, clock.now)
    db.commit()
    client = make_client(other)
    assert client.get(f"/ideas/{idea.id}/edit").status_code == 403
    assert client.post_form(f"/ideas/{idea.id}/edit", FICHE).status_code == 403
    assert client.post_form(f"/ideas/{idea.id}/publish").status_code == 403
    page = soup(client.get(f"/ideas/{idea.id}"))
    assert page.find("a", string="Modifier la fiche") is None


def test_list_shows_published_ideas_newest_first_paginated(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db)
    for n in range(25):
        make_idea(db, author, clock.advance(minutes=1), title=f"Idée numéro {n}")
    make_idea(db, author, clock.advance(minutes=1), title="Brouillon secret", published=False)
    db.commit()
    user = make_user(db)
    db.commit()
    client = make_client(user)
    page = soup(client.get("/ideas"))
    titles = [a.get_text() for a in page.select("#published-title ~ ul.cards h3 a")]
    assert titles[0] == "Idée numéro 24" and len(titles) == 20
    assert "Brouillon secret" not in page.get_text()
    second = soup(client.get("/ideas?page=2"))
    assert [a.get_text() for a in second.select("#published-title ~ ul.cards h3 a")][
        -1
    ] == "Idée numéro 0"
    assert "Page 2 sur 2" in one(second, ".pagination").get_text()
    assert client.get("/ideas?page=abc").status_code == 200
    assert client.get("/ideas?page=99999999999999999999").status_code == 200


def test_author_sees_own_drafts_on_the_list(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db)
    make_idea(db, author, clock.now, title="Mon brouillon", published=False)
    db.commit()
    page = soup(make_client(author).get("/ideas"))
    assert "Mon brouillon" in text_of(page, "#drafts-title + p + ul")


def test_markdown_is_rendered_and_sanitised(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db)
    idea = make_idea(
        db,
        author,
        clock.now,
        problem="**Urgent** <script>alert(1)</script> "
        "[lien](javascript:alert(1)) <img src=x onerror=alert(1)>",
    )
    db.commit()
    page = soup(make_client(author).get(f"/ideas/{idea.id}"))
    problem = one(page, ".fiche dd")
    assert find_tag(problem, "strong").get_text() == "Urgent"
    assert problem.find("script") is None and problem.find("img") is None
    assert not any(attr(a, "href", "").startswith("javascript") for a in problem.find_all("a"))
    assert "<script>alert(1)</script>" in problem.get_text()


def test_unknown_idea_is_a_french_404(make_client: MakeClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    client = make_client(user)
    for path in ("/ideas/999999", "/ideas/-1", "/ideas/abc", "/ideas/99999999999999999999999"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "introuvable" in text_of(soup(response), "h1").lower()


def test_score_panel_shows_parts_and_missing_actions(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db)
    idea = make_idea(db, author, clock.now, problem=LONG)
    db.commit()
    page = soup(make_client(author).get(f"/ideas/{idea.id}"))
    panel = find_tag(page, id=f"idea-{idea.id}-readiness")
    assert one(panel, ".score").get_text(strip=True).startswith("5")
    missing = [li.get_text(" ", strip=True) for li in panel.select(".missing li")]
    assert "Décrire la règle brisée\u00a0: +5" in missing
    assert any(
        m.startswith("Faire poser au moins une mine") and m.endswith("requis") for m in missing
    )


def test_abandon_requires_a_lesson_and_keeps_the_idea_readable(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db)
    idea = make_idea(db, author, clock.now)
    db.commit()
    client = make_client(author)
    empty = client.post_form(f"/ideas/{idea.id}/abandon", {"lesson": ""})
    assert empty.status_code == 422
    assert "obligatoire" in error_of(soup(empty), "abandon-lesson")
    assert (
        client.post_form(
            f"/ideas/{idea.id}/abandon", {"lesson": "Vérifier le cadre CNIL d'abord."}
        ).status_code
        == 303
    )
    reader = make_user(db)
    db.commit()
    page = soup(make_client(reader).get(f"/ideas/{idea.id}"))
    assert "Abandonnée" in text_of(page, ".badge")
    assert "cadre CNIL" in page.get_text()
    db.rollback()  # see the app's latest writes: end the read snapshot…
    db.expire_all()  # …and forget what was loaded
    assert db.get_one(Idea, idea.id).status == "abandoned"


def test_a_draft_is_deleted_by_its_author_never_closed_into_public_view(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author, colleague = make_user(db), make_user(db)
    draft = make_idea(db, author, clock.now, title="Brouillon à oublier", published=False)
    db.commit()
    draft_id = draft.id
    client = make_client(author)
    page = soup(client.get(f"/ideas/{draft_id}"))
    assert page.find(id="abandon-title") is None  # closing it would show it to everyone
    assert page.find(id="delete-title") is not None
    refused = client.post_form(f"/ideas/{draft_id}/abandon", {"lesson": "Trop tôt."})
    assert refused.status_code == 409
    assert make_client(colleague).get(f"/ideas/{draft_id}").status_code == 404
    # Nobody else may delete it: they do not even find it.
    assert make_client(colleague).post_form(f"/ideas/{draft_id}/delete", {}).status_code == 404
    done = client.post_form(f"/ideas/{draft_id}/delete", {})
    assert done.status_code == 303
    assert "Brouillon supprimé" in client.get(done.headers["location"]).text
    assert client.get(f"/ideas/{draft_id}").status_code == 404
    assert "Brouillon à oublier" not in client.get("/ideas").text
    db.rollback()
    db.expire_all()
    assert db.get(Idea, draft_id) is None


def test_a_published_idea_is_never_deleted(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db)
    idea = make_idea(db, author, clock.now)
    db.commit()
    client = make_client(author)
    assert soup(client.get(f"/ideas/{idea.id}")).find(id="delete-title") is None
    assert client.post_form(f"/ideas/{idea.id}/delete", {}).status_code == 409
    assert client.get(f"/ideas/{idea.id}").status_code == 200


def test_what_an_agent_typed_reads_typeset_and_the_form_keeps_it_as_typed(
    make_client: MakeClient, db: Session
) -> None:
    author = make_user(db)
    db.commit()
    client = make_client(author)
    typed = {
        **FICHE,
        "title": "L'accueil sans attente: enfin ?",
        "problem": "L'usager attend; parfois une heure ! Voir https://ex.fr/a?b=1: la file.",
    }
    url = client.post_form("/ideas", typed).headers["location"]
    page = soup(client.get(url))
    assert one(page, "h1").get_text() == "L’accueil sans attente\u00a0: enfin\u202f?"
    assert (
        "L’usager attend\u202f; parfois une heure\u202f! Voir https://ex.fr/a?b=1\u00a0: la file."
        in (page.get_text())
    )
    form = soup(client.get(url + "/edit"))
    assert attr(one(form, "input[name=title]"), "value") == typed["title"]
    assert one(form, "textarea[name=problem]").get_text() == typed["problem"]
