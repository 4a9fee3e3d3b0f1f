"""In a real browser: sign in, write an idea, publish it, find it in the list."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import People


def _write_idea(page: Page, title: str) -> None:
    page.get_by_role("link", name="Proposer une idée").first.click()
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Le problème").fill(
        "Les agents ressaisissent trois fois les mêmes informations."
    )
    page.get_by_label("La solution").fill(
        "Grâce à un formulaire unique, la saisie se fait une seule fois."
    )
    page.get_by_label("Thèmes").fill("simplification, numérique")
    page.get_by_role("button", name="Enregistrer le brouillon").click()


def test_agent_writes_publishes_and_finds_an_idea(people: People) -> None:
    amina = people("amina.diallo@ville-exemple.fr")
    page = amina.page
    _write_idea(page, "Saisie unique des demandes de subvention")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Saisie unique des demandes de subvention"
    )
    expect(page.locator(".badge").first).to_have_text("Brouillon")
    amina.shot("draft")
    page.get_by_role("button", name="Publier l’idée").click()
    expect(page.locator(".alert--success")).to_contain_text("Idée publiée")
    expect(page.locator(".badge").first).to_have_text("En déminage")
    page.get_by_role("link", name="Les idées", exact=True).click()
    first = page.locator("#published-title ~ ul.cards li").first
    expect(first).to_contain_text("Saisie unique des demandes de subvention")
    amina.shot("list")


def test_form_errors_keep_what_was_typed_without_javascript(people: People) -> None:
    lea = people(javascript=False)
    lea.login("lea.petit@ville-exemple.fr")
    page = lea.goto("/ideas/new")
    page.get_by_label("La solution").fill("Grâce à une borne, l'usager imprime son attestation.")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator("#field-title-error")).to_contain_text("obligatoire")
    expect(page.get_by_label("La solution")).to_have_value(
        "Grâce à une borne, l'usager imprime son attestation."
    )
    expect(page.get_by_label("Titre")).to_have_attribute(
        "aria-describedby", re.compile("field-title-error")
    )
