"""Managers' pages and actions: board, promotion, send-back, exports, dashboard, open data."""

import csv
import io
import json
import re
from typing import TypedDict

import pytest
from pypdf import PdfReader
from sqlmodel import Session, select

from app.models import Idea, Role, User
from app.services import mines, scoring
from app.services.readiness import ScoringParams
from tests.conftest import ApiClient, Clock, MakeClient, error_of, field_error, soup, text_of
from tests.factories import LONG, make_deminage, make_idea, make_mine, make_user
from tests.html import attr, find_tag, one

P = ScoringParams()


class Field(TypedDict):
    author: User
    manager: User
    reviewers: list[User]
    ripe: Idea
    unripe: Idea


@pytest.fixture
def field(db: Session, clock: Clock) -> Field:
    author = make_user(db, name="Amina Diallo", unit="Accueil", email="amina@ville.fr")
    manager = make_user(db, name="Karim Benali", unit="DGS", role=Role.manager)
    reviewers = [
        make_user(db, name=f"Relecteur {u}", unit=u, email=f"{u.lower()}@ville.fr")
        for u in ("Finances", "DSI", "RH")
    ]
    ripe = make_idea(
        db,
        author,
        clock.now,
        title="Rendez-vous en ligne",
        problem=LONG,
        solution=LONG,
        broken_rule=LONG,
        first_ground=LONG,
        themes=["accueil"],
    )
    for n, r in enumerate(reviewers):
        m = make_mine(
            db, ripe, r, clock.now, title=f"Risque {n}", body=f"Objection {n}", category="budget"
        )
        d = make_deminage(db, m, author, clock.now, body=f"Réponse {n}")
        if n < 2:
            mines.accept_deminage(db, P, r, d, m, ripe, clock.now)
        else:
            mines.accept_risk(db, P, author, m, ripe, "Risque limité au pilote", clock.now)
    unripe = make_idea(db, author, clock.now, title="Idée jeune", themes=["rh"])
    make_mine(
        db,
        unripe,
        reviewers[0],
        clock.now,
        severity="blocking",
        category="legal",
        title="Base légale",
    )
    make_idea(
        db,
        author,
        clock.now,
        title="Brouillon privé",
        published=False,
        problem="Secret de brouillon",
    )
    clock.advance(hours=73)
    for idea in (ripe, unripe):
        scoring.refresh(db, P, idea, clock.now)
    db.commit()
    return {
        "author": author,
        "manager": manager,
        "reviewers": reviewers,
        "ripe": ripe,
        "unripe": unripe,
    }


def test_every_agent_reads_the_board_ripe_first(make_client: MakeClient, field: Field) -> None:
    page = soup(make_client(field["reviewers"][0]).get("/board"))
    cards = page.select("#board-results .card")
    assert [one(c, "h3").get_text(strip=True) for c in cards] == [
        "Rendez-vous en ligne",
        "Idée jeune",
    ]
    assert "Mûre" in one(cards[0], ".badge").get_text()
    assert "1 bombe" in cards[1].get_text() and "Finances" in cards[0].get_text()


def test_board_filters_are_links_and_htmx_gets_the_fragment(
    make_client: MakeClient, field: Field
) -> None:
    client = make_client(field["manager"])
    page = soup(client.get("/board?category=legal&sort=activity"))
    assert [h.get_text(strip=True) for h in page.select("#board-results h3")] == ["Idée jeune"]
    assert (
        attr(find_tag(find_tag(page, id="f-category"), "option", selected=True), "value") == "legal"
    )
    fragment = client.get("/board?theme=accueil", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert [h.get_text(strip=True) for h in soup(fragment).select("h3")] == ["Rendez-vous en ligne"]
    restore = client.get(
        "/board?theme=accueil", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text
    assert client.get("/board?unit=abc&page=zz&sort=<b>").status_code == 200


def test_only_managers_promote_and_an_unripe_idea_needs_a_reason(
    make_client: MakeClient, field: Field
) -> None:
    decision = {
        "sponsor": "DGS",
        "next_step": "Pilote",
        "target_date": "2027-03-31",
        "outcome": "Un pilote.",
    }
    author = make_client(field["author"])
    assert soup(author.get(f"/ideas/{field['ripe'].id}")).find(id="decision-title") is None
    assert author.post_form(f"/ideas/{field['ripe'].id}/promote", decision).status_code == 403
    manager = make_client(field["manager"])
    unripe = manager.post_form(f"/ideas/{field['unripe'].id}/promote", decision)
    assert unripe.status_code == 422
    assert "n’est pas mûre" in error_of(soup(unripe), "promote-reason")
    assert attr(find_tag(soup(unripe), id="promote-sponsor"), "value") == "DGS"
    bad_date = manager.post_form(
        f"/ideas/{field['ripe'].id}/promote", {**decision, "target_date": "demain"}
    )
    assert bad_date.status_code == 422 and "Date" in error_of(soup(bad_date), "promote-target-date")
    no_date = manager.post_form(
        f"/ideas/{field['ripe'].id}/promote", {**decision, "target_date": ""}
    )
    assert field_error(soup(no_date), "promote-target-date") == "Ce champ est obligatoire."
    assert manager.post_form(f"/ideas/{field['ripe'].id}/promote", decision).status_code == 303
    page = soup(manager.get(f"/ideas/{field['ripe'].id}"))
    assert "Projet" in text_of(page, ".badge")
    assert "Sponsor : DGS" in text_of(page, "#history-title + ol")
    forced = manager.post_form(
        f"/ideas/{field['unripe'].id}/promote", {**decision, "reason": "Urgence politique"}
    )
    assert forced.status_code == 303
    assert (
        "promue sans être mûre, parce que\u00a0: Urgence politique"
        in manager.get(f"/ideas/{field['unripe'].id}").text
    )
    # Follow-up mines can still be laid on a project.
    assert (
        make_client(field["reviewers"][0])
        .post_form(
            f"/ideas/{field['ripe'].id}/mines",
            {"category": "other", "severity": "minor", "body": "Suivi"},
        )
        .status_code
        == 303
    )


def test_send_back_keeps_the_comment_in_history(make_client: MakeClient, field: Field) -> None:
    assert (
        make_client(field["reviewers"][1])
        .post_form(f"/ideas/{field['unripe'].id}/send-back", {"comment": "x"})
        .status_code
        == 403
    )
    manager = make_client(field["manager"])
    empty = manager.post_form(f"/ideas/{field['unripe'].id}/send-back", {"comment": " "})
    assert empty.status_code == 422
    assert (
        manager.post_form(
            f"/ideas/{field['unripe'].id}/send-back", {"comment": "Précisez le premier terrain."}
        ).status_code
        == 303
    )
    history = text_of(
        soup(make_client(field["author"]).get(f"/ideas/{field['unripe'].id}")),
        "#history-title + ol",
    )
    assert (
        "Karim Benali : Renvoyée pour être retravaillée : Précisez le premier terrain." in history
    )


def test_author_or_manager_closes_with_a_lesson(make_client: MakeClient, field: Field) -> None:
    assert (
        make_client(field["reviewers"][0])
        .post_form(f"/ideas/{field['unripe'].id}/abandon", {"lesson": "x"})
        .status_code
        == 403
    )
    assert (
        make_client(field["manager"])
        .post_form(f"/ideas/{field['unripe'].id}/abandon", {"lesson": "Le cadre légal manque."})
        .status_code
        == 303
    )
    page = make_client(field["reviewers"][0]).get(f"/ideas/{field['unripe'].id}")
    assert "Le cadre légal manque." in page.text


def test_markdown_sheet_holds_every_part(make_client: MakeClient, field: Field) -> None:
    response = make_client(field["reviewers"][0]).get(f"/ideas/{field['ripe'].id}/fiche.md")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    text = response.text
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))
    assert text.startswith("# Rendez-vous en ligne\n")
    assert sections["Le problème"].strip() == LONG
    assert "Statut\u00a0: Mûre" in text and "Proposée par Amina Diallo (Accueil)" in text
    mines_part = sections["Mines (3)"]
    assert mines_part.count("### Mine · Risque") == 3
    assert (
        "État\u00a0: Désamorcée" in mines_part
        and "Réponse\u00a0: Solution\u00a0: Réponse 0" in mines_part
    )
    assert (
        "État\u00a0: Risque assumé" in mines_part
        and "Réponse\u00a0: Risque limité au pilote" in mines_part
    )
    assert "Déminée par\u00a0: Amina Diallo (Accueil)" in mines_part
    reviewers = re.findall(r"^- (.+)$", sections["Regards croisés (3)"], flags=re.M)
    assert reviewers == [
        "Relecteur DSI (DSI)",
        "Relecteur Finances (Finances)",
        "Relecteur RH (RH)",
    ]
    history = [
        line
        for line in sections["Historique du score"].splitlines()
        if line.startswith("| ") and "---" not in line
    ]
    assert len(history) >= 8 and history[-1].split("|")[2].strip().isdigit()


def test_pdf_sheet_text_matches_the_idea(make_client: MakeClient, field: Field) -> None:
    response = make_client(field["reviewers"][0]).get(f"/ideas/{field['ripe'].id}/fiche.pdf")
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in (
        "Rendez-vous en ligne",
        "Le problème",
        "Risque 0",
        "Désamorcée",
        "Risque assumé",
        "Risque limité au pilote",
        "Relecteur RH",
        "Historique du score",
        "Mûre",
    ):
        assert expected in text, expected


def test_drafts_cannot_be_exported_by_others(
    make_client: MakeClient, field: Field, db: Session
) -> None:
    draft = db.exec(select(Idea).where(Idea.title == "Brouillon privé")).one()
    assert make_client(field["manager"]).get(f"/ideas/{draft.id}/fiche.md").status_code == 404


def test_open_data_has_counts_and_no_personal_data(make_client: MakeClient, field: Field) -> None:
    anonymous = make_client()
    data = json.loads(anonymous.get("/open-data/ideas.json").text)
    rows = {row["title"]: row for row in data["ideas"]}
    assert set(rows) == {"Rendez-vous en ligne", "Idée jeune"}
    ripe = rows["Rendez-vous en ligne"]
    assert ripe["ripe"] is True and ripe["themes"] == ["accueil"]
    assert ripe["mines"]["budget"] == {"open": 0, "defused": 2, "accepted_risk": 1, "withdrawn": 0}
    raw = anonymous.get("/open-data/ideas.json").text + anonymous.get("/open-data/ideas.csv").text
    for personal in (
        "Amina",
        "Diallo",
        "Relecteur",
        "@ville.fr",
        "Karim",
        'Accueil"',
        "Objection",
        "Réponse 0",
        "Risque limité",
        "Secret de brouillon",
        LONG[:30],
    ):
        assert personal not in raw, personal
    table = list(csv.DictReader(io.StringIO(anonymous.get("/open-data/ideas.csv").text)))
    by_title = {row["title"]: row for row in table}
    assert (
        by_title["Idée jeune"]["mines_legal"] == "1" and by_title["Idée jeune"]["mines_open"] == "1"
    )
    assert by_title["Rendez-vous en ligne"]["mines_defused"] == "2"


def test_open_data_quotes_formulas_for_spreadsheets(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    make_idea(db, make_user(db), clock.now, title='=HYPERLINK("http://evil")')
    make_idea(
        db,
        make_user(db),
        clock.now,
        title="Sans formule",
        themes=["=cmd|' /C calc'!A0", "accueil"],
    )
    make_idea(db, make_user(db), clock.now, title="  @SUM(1+1)", themes=["+1", " -2"])
    db.commit()
    client = make_client()
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/ideas.csv").text)))
    assert rows[0]["title"].startswith("'=")
    assert rows[1]["themes"].startswith("'") and "calc" in rows[1]["themes"]
    assert rows[2]["title"].startswith("'") and rows[2]["themes"].startswith("'")
    dangerous = ("=", "+", "-", "@", "\t", "\r", "|", "%")
    for row in rows:
        for name, cell in row.items():
            assert not cell.lstrip(" ").startswith(dangerous), (name, cell)


def test_open_data_has_a_french_spreadsheet_form_and_a_plain_one(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    make_idea(db, make_user(db), clock.now, title="Accueil, guichet ; été", themes=["été"])
    db.commit()
    client = make_client()
    plain = client.get("/open-data/ideas.csv")
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    assert plain.text.splitlines()[0].startswith("id,title,status")
    french = client.get("/open-data/ideas-tableur.csv")
    assert french.headers["content-type"] == "text/csv; charset=utf-8"
    assert "idees-tableur.csv" in french.headers["content-disposition"]
    assert french.content.startswith(b"\xef\xbb\xbf")  # UTF-8 for Excel
    text = french.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id;title;status")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows[0]["title"] == "Accueil, guichet ; été" and rows[0]["themes"] == "été"
    assert rows == list(csv.DictReader(io.StringIO(plain.text)))  # the same data


def test_dashboard_is_for_managers_with_svg_and_text(make_client: MakeClient, field: Field) -> None:
    assert make_client(field["author"]).get("/dashboard").status_code == 403
    page = soup(make_client(field["manager"]).get("/dashboard"))
    charts = page.select("figure.chart")
    assert len(charts) == 4
    for chart in charts:
        svg = chart.find("svg")
        if svg is not None:
            assert svg["role"] == "img"
            ids = attr(svg, "aria-labelledby").split()
            assert all(page.find(id=i) for i in ids)
            assert chart.find("table") is not None
    categories = find_tag(page, id="chart-categories")
    first_row = one(categories, "tbody tr").get_text(" ", strip=True)
    assert first_row == "Budget 3 0"
    assert "Juridique 1 1" in one(categories, "tbody").get_text(" ", strip=True)
    assert (
        one(find_tag(page, id="chart-ripe"), ".big-number").get_text(strip=True) == "3\u00a0jours"
    )
    assert page.find("script", src=re.compile("chart")) is None


def test_an_empty_optional_query_parameter_of_the_api_means_no_filter(
    api_client: ApiClient, field: Field
) -> None:
    """As on the pages' board, `?unit=&call=` (a form's empty choices) filters nothing: no
    « Ce champ est obligatoire » for a parameter nobody must give."""
    agent = api_client(field["reviewers"][0])
    everything = agent.get("/api/v1/board").json()
    assert everything["total"] == 2
    for query in ("unit=", "call=", "unit=&call=&category=&theme=&status=&sort=&ripe=&page="):
        empty = agent.get(f"/api/v1/board?{query}")
        assert empty.status_code == 200, (query, empty.text)
        assert empty.json() == everything, query
    for path in ("/api/v1/ideas?page=", "/api/v1/sleeping?q=&page=", "/api/v1/search?q=rdv&page="):
        assert agent.get(path).status_code == 200, path
    # What is given is still checked, and the answer names it.
    for name, value in (("unit", "abc"), ("call", "0"), ("page", "0")):
        refused = agent.get(f"/api/v1/board?{name}={value}")
        assert refused.status_code == 422 and refused.json()["field"] == name, name
    # A search of spaces alone is no search: refused, naming its field.
    blank = agent.get("/api/v1/search?q=%20%20")
    assert blank.status_code == 422 and blank.json()["field"] == "q"
    assert "obligatoire" in blank.text


def test_api_board_promote_and_send_back(api_client: ApiClient, field: Field) -> None:
    agent = api_client(field["reviewers"][0])
    board = agent.get("/api/v1/board").json()
    assert [i["title"] for i in board["items"]] == ["Rendez-vous en ligne", "Idée jeune"]
    assert board["items"][1]["open_mines"] == {"blocking": 1}
    assert [i["title"] for i in agent.get("/api/v1/board?ripe=true").json()["items"]] == [
        "Rendez-vous en ligne"
    ]
    assert agent.get("/api/v1/board?theme=rh&sort=reviewers").json()["total"] == 1
    assert agent.get("/api/v1/board?sort=nope").status_code == 422
    for field_name, value in (("category", "ETHICS"), ("status", "nope")):
        refused = agent.get(f"/api/v1/board?{field_name}={value}")
        assert refused.status_code == 422 and refused.json()["field"] == field_name
    assert [i["title"] for i in agent.get("/api/v1/board?category=legal").json()["items"]] == [
        "Idée jeune"
    ]
    decision = {
        "sponsor": "DGS",
        "next_step": "Pilote",
        "target_date": "2027-03-31",
        "outcome": "Un pilote.",
    }
    assert agent.post(f"/api/v1/ideas/{field['ripe'].id}/promote", json=decision).status_code == 403
    manager = api_client(field["manager"])
    refused = manager.post(f"/api/v1/ideas/{field['unripe'].id}/promote", json=decision)
    assert refused.status_code == 422 and refused.json()["field"] == "reason"
    assert (
        manager.post(f"/api/v1/ideas/{field['ripe'].id}/promote", json=decision).json()["status"]
        == "project"
    )
    assert (
        manager.post(f"/api/v1/ideas/{field['ripe'].id}/promote", json=decision).status_code == 409
    )
    assert (
        manager.post(
            f"/api/v1/ideas/{field['unripe'].id}/send-back", json={"comment": "Encore"}
        ).status_code
        == 200
    )


def test_a_project_without_a_deadline_does_not_announce_an_empty_one(
    make_client: MakeClient, field: Field, db: Session
) -> None:
    manager = make_client(field["manager"])
    decision = {
        "sponsor": "DGS",
        "next_step": "Pilote",
        "target_date": "2027-03-31",
        "outcome": "Un pilote.",
    }
    idea_id = field["ripe"].id
    assert manager.post_form(f"/ideas/{idea_id}/promote", decision).status_code == 303
    idea = db.get(Idea, idea_id)
    assert idea is not None
    db.refresh(idea)
    idea.target_date = None
    db.add(idea)
    db.commit()
    page = soup(manager.get(f"/ideas/{idea_id}"))
    banner = next(
        a.get_text(" ", strip=True) for a in page.select(".alert") if "Projet depuis" in a.text
    )
    assert "prochaine étape\u00a0: Pilote. Les mines" in banner
    assert "échéance" not in banner
    sheet = manager.get(f"/ideas/{idea_id}/fiche.md").text
    assert "- Prochaine étape\u00a0: Pilote" in sheet and "Échéance" not in sheet


def test_an_empty_board_says_none_and_suggests_the_real_label_of_a_wider_status(
    make_client: MakeClient, field: Field
) -> None:
    client = make_client(field["author"])
    page = soup(client.get("/board", params={"theme": "aucun-theme-ainsi"}))
    assert text_of(page, "#board-count") == "Aucune idée"
    label = text_of(page, '#f-status option[value="all"]')
    said = one(page, "#board-results .empty").get_text()
    assert f"«\u00a0{label}\u00a0»" in said
    already = soup(client.get("/board", params={"theme": "aucun-theme-ainsi", "status": "all"}))
    assert label not in one(already, "#board-results .empty").get_text()
    assert "idées en sommeil" in one(already, "#board-results .empty").get_text()


def test_the_theme_filters_list_themes_in_french_dictionary_order(
    make_client: MakeClient, field: Field, db: Session, clock: Clock
) -> None:
    for theme in ("voirie", "état civil", "écoles", "espaces verts"):
        make_idea(db, field["author"], clock.now, themes=[theme])
    db.commit()
    client = make_client(field["author"])
    for path, menu in (("/board", "#f-theme"), ("/search", "#s-theme")):
        page = soup(client.get(path, params={"q": "x"} if path == "/search" else None))
        shown = [o.get_text() for o in page.select(f"{menu} option") if o.get("value")]
        assert shown == ["accueil", "écoles", "espaces verts", "état civil", "rh", "voirie"], path


def test_an_empty_board_suggests_what_widens_it(make_client: MakeClient, field: Field) -> None:
    """No abandoned idea matches: the board does not suggest « all but the abandoned ones »,
    which would hide what was asked for, but the other filters and the sleeping ideas."""
    client = make_client(field["reviewers"][0])
    empty = text_of(soup(client.get("/board?status=abandoned")), ".empty")
    assert "Élargissez les autres filtres" in empty and "sauf" not in empty
    assert "idées en sommeil" in empty
    none_open = text_of(soup(client.get("/board?status=project&theme=aucun")), ".empty")
    assert "Toutes, sauf les abandonnées" in none_open
