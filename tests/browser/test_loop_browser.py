"""In a real browser, closing the loop: a manager's promotion, refused until its outcome is
written, reaches the author of a déminage; an agent relaunches an idea from « Idées en
sommeil » and finds its old mines to check on the new draft."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import People

OUTCOME = "Retenue : un pilote avec les quinze prochains recrutements, bilan à six mois."


def test_a_promotion_s_outcome_reaches_a_deminage_s_author(people: People) -> None:
    karim = people("karim.benali@ville-exemple.fr")
    page = karim.goto("/board")
    page.get_by_role("link", name="Tutorat entre agents pour les nouveaux arrivants").click()
    page.locator("summary", has_text="Promouvoir en projet").click()
    page.get_by_label("Sponsor").fill("Karim Benali, DGS")
    page.get_by_label("Prochaine étape").fill("Former les dix premiers tuteurs.")
    page.get_by_label("Échéance").fill("2027-06-30")
    page.get_by_role("button", name="Promouvoir en projet").click()
    # Refused without its outcome: the message sits beside the field, what was typed stays.
    expect(page.locator("#promote-outcome-error")).to_have_text("Ce champ est obligatoire.")
    expect(page.get_by_label("Sponsor")).to_have_value("Karim Benali, DGS")
    page.get_by_role("textbox", name=re.compile(r"^Issue écrite de la décision")).fill(OUTCOME)
    page.get_by_role("button", name="Promouvoir en projet").click()
    expect(page.locator(".badge").first).to_have_text("Projet")
    expect(page.locator("#issue")).to_contain_text(OUTCOME)
    karim.shot("outcome-on-top")

    # Nicolas brought the déminage on « Le temps des tuteurs »: he is told, with the outcome.
    nicolas = people("nicolas.garnier@ville-exemple.fr")
    inbox = nicolas.goto("/notifications")
    told = inbox.locator(".notifications li", has_text=OUTCOME).first
    expect(told).to_contain_text("promue en projet")
    nicolas.shot("outcome-told")
    told.get_by_role("link", name=re.compile("^Voir")).click()
    expect(inbox).to_have_url(re.compile(r"/ideas/\d+#issue"))
    expect(inbox.locator("#issue")).to_contain_text(OUTCOME)


def test_an_idea_is_relaunched_from_idees_en_sommeil(people: People) -> None:
    thomas = people("thomas.nguyen@ville-exemple.fr")
    page = thomas.goto("/ideas")
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.locator("summary").click()
    menu.get_by_role("link", name="Idées en sommeil").click()
    page.get_by_label("Rechercher parmi les idées en sommeil").fill("biométrie")
    page.get_by_role("button", name="Rechercher").click()
    card = page.locator(".card", has_text="Pointeuse biométrique pour les horaires variables")
    expect(card).to_contain_text("vérifier le cadre de la CNIL")  # its lesson
    thomas.shot("sleeping")
    card.get_by_role("button", name=re.compile("Relancer")).click()
    expect(page.locator(".badge").first).to_have_text("Brouillon")
    expect(page.locator("#relance")).to_contain_text("Pointeuse biométrique")
    old = page.locator("#anciennes-mines .checklist li")
    expect(old).to_have_count(2)
    expect(old.first).to_contain_text("Les empreintes digitales des agents")
    thomas.shot("relaunched")
    # The old mines are to check, not copies: the new draft has none of its own.
    expect(page.locator(".minefield .cell")).to_have_count(0)
