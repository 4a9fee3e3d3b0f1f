"""In a real browser, a manager filters the board, opens a ripe idea and promotes it."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import People


def test_manager_filters_the_board_and_promotes_a_ripe_idea(people: People) -> None:
    karim = people("karim.benali@ville-exemple.fr")
    page = karim.goto("/board")
    expect(page.locator("#board-results .card").first.locator(".badge")).to_have_text("Mûre")
    page.get_by_label("Thème").select_option("inclusion")
    # htmx swaps the results and pushes a shareable address
    expect(page).to_have_url(re.compile(r"/board\?.*theme=inclusion"))
    cards = page.locator("#board-results .card")
    expect(cards.first).to_contain_text("Livret d’accueil des usagers en facile à lire")
    for text in cards.all_inner_texts():
        assert "inclusion" in text
    karim.shot("board-filtered")
    shared = page.url
    page.goto(shared)  # the same view from the link alone
    expect(page.get_by_label("Thème")).to_have_value("inclusion")

    cards.first.get_by_role("link").click()
    expect(page.locator(".badge").first).to_have_text("Mûre")
    page.locator("summary", has_text="Promouvoir en projet").click()
    page.get_by_label("Sponsor").fill("Karim Benali, DGS")
    page.get_by_label("Prochaine étape").fill("Pilote avec la DSI au premier trimestre.")
    page.get_by_label("Échéance").fill("2027-03-31")
    page.get_by_role("textbox", name=re.compile(r"^Issue écrite de la décision")).fill(
        "Un pilote avec la DSI, puis un bilan."
    )
    page.get_by_role("button", name="Promouvoir en projet").click()
    expect(page.locator(".alert--success").first).to_contain_text("devient un projet")
    expect(page.locator(".badge").first).to_have_text("Projet")
    expect(page.locator("#history-title + ol")).to_contain_text(
        "Promue en projet. Sponsor : Karim Benali, DGS"
    )
    karim.shot("promoted")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_agents_browse_the_board_read_only_and_cannot_open_the_dashboard(people: People) -> None:
    lea = people("lea.petit@ville-exemple.fr")
    page = lea.goto("/board")
    expect(page.locator("#board-results .card").first).to_be_visible()
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.locator("summary").click()
    expect(menu.get_by_role("link", name="Ce qui bloque")).to_be_visible()  # « Plus » is open
    expect(menu.get_by_role("link", name="Pilotage", exact=True)).to_have_count(0)
    page.goto(lea.base + "/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Action non autorisée")
