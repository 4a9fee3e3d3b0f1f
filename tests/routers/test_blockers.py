"""« Ce qui bloque » as agents read it: the page, its API and its open data agree, and content
hidden by moderation is on none of them."""

from sqlmodel import Session

from app.models import Role
from app.services import mines, moderation
from app.services.readiness import ScoringParams
from tests.conftest import ApiClient, Clock, MakeClient, soup, text_of
from tests.factories import make_deminage, make_idea, make_mine, make_user

SAID = "Les numéros de téléphone des usagers demandent une base légale et une durée de conservation"


def test_the_map_shows_what_blocks_and_the_answers_found_elsewhere(
    make_client: MakeClient, api_client: ApiClient, db: Session, clock: Clock
) -> None:
    author, layer, helper = make_user(db, unit="Accueil"), make_user(db), make_user(db)
    admin = make_user(db, role=Role.admin)
    first = make_idea(db, author, clock.now, title="Rappel des rendez-vous", rule_kind="habit")
    second = make_idea(db, author, clock.now, title="Relance des dossiers", rule_kind="habit")
    old = make_mine(
        db, first, layer, clock.now, category="data_privacy", title="Numéros", body=SAID
    )
    answer = make_deminage(db, old, helper, clock.now, body="Le consentement écrit suffit.")
    mines.accept_deminage(db, ScoringParams(), author, answer, old, first, clock.now)
    again = make_mine(
        db, second, layer, clock.now, category="data_privacy", title="Téléphones", body=SAID + " ?"
    )
    make_mine(db, second, layer, clock.now, category="budget", severity="blocking", body="Cher.")
    hidden = make_mine(db, first, layer, clock.now, category="ethics", body="Texte masqué Zorglub")
    moderation.hide(db, ScoringParams(), admin, hidden, first, "hors sujet", clock.now)
    db.commit()

    client = make_client(helper)
    page = soup(client.get("/ce-qui-bloque"))
    assert text_of(page, "#open-title") == "2 mines actives"
    categories = text_of(page, "#chart-blocker-categories table")
    assert "Budget" in categories and "Données & RGPD" in categories
    assert "Éthique" not in categories and "Zorglub" not in page.get_text()
    assert "Accueil" in text_of(page, "#chart-blocker-units table")
    assert "Une habitude" in text_of(page, "#chart-blocker-rules table")
    recurring = text_of(page, "#recurring-title ~ article")
    assert "Le consentement écrit suffit." in recurring

    # The idea page offers the known answer beside its open mine.
    idea_page = soup(client.get(f"/ideas/{second.id}"))
    elsewhere = text_of(idea_page, ".elsewhere")
    assert "Téléphones" in elsewhere and "Le consentement écrit suffit." in elsewhere
    assert idea_page.select_one(f".elsewhere a[href='#mine-{again.id}']") is not None

    api = api_client(helper).get("/api/v1/blockers").json()
    assert api["open_mines"] == 2
    assert {r["key"] for r in api["by_category"]} == {"budget", "data_privacy"}
    [item] = api["recurring"]
    assert item["answers"][0]["body"] == "Le consentement écrit suffit."

    opened = make_client().get("/open-data/blockers.json").json()
    assert opened["open_mines"] == 2 and opened["by_rule_kind"] == [
        {"rule_kind": "habit", "ideas": 2}
    ]
    assert "consentement" not in str(opened) and "Zorglub" not in str(opened)
