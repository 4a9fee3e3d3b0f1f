"""In a real browser, a call for ideas from its opening to its outcomes: a manager opens it, an
agent answers it with an idea that a colleague co-carries, colleagues mine that idea, the
manager closes the call, and the outcome its sponsor writes reaches the idea's author and its
co-porteur."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser.conftest import People

QUESTION = "Comment accueillir les usagers sourds au guichet\u202f?"


def test_a_call_from_its_opening_to_the_outcome_its_author_reads(people: People) -> None:
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    karim = people("karim.benali@ville-exemple.fr")  # manager
    page = karim.goto("/calls/new")
    page.get_by_label("La question").fill(QUESTION)
    page.get_by_label("Le contexte").fill(
        "Trois usagers sourds par semaine repartent sans réponse."
    )
    page.get_by_label(re.compile("^Le sponsor")).fill("claire.martin@ville-exemple.fr")  # admin
    page.get_by_label("Tout le monde").check()
    # The dates out of order first: the message sits beside the field, the rest is kept.
    page.get_by_label("Idées reçues jusqu’au").fill(str(today + timedelta(days=7)))
    page.get_by_label("Déminage jusqu’au").fill(str(today + timedelta(days=3)))
    page.get_by_label("Décision au plus tard le").fill(str(today + timedelta(days=21)))
    page.get_by_role("button", name="Ouvrir l’appel").click()
    expect(page.locator("#field-deminage_until-error")).to_contain_text("après")
    expect(page.get_by_label("La question")).to_have_value(QUESTION)
    page.get_by_label("Déminage jusqu’au").fill(str(today + timedelta(days=14)))
    page.get_by_role("button", name="Ouvrir l’appel").click()
    expect(page.locator("h1")).to_have_text(re.compile("usagers sourds"))
    call_url = page.url
    karim.shot("opened")

    # An agent finds it on the home page and answers it with an idea.
    amina = people("amina.diallo@ville-exemple.fr")
    amina.goto("/ideas")
    amina.page.locator("#open-calls-title ~ ul").get_by_role(
        "link", name=re.compile("sourds")
    ).click()
    amina.page.get_by_role("link", name="Proposer une idée pour cet appel").click()
    expect(amina.page.get_by_label(re.compile("Répond à l’appel"))).to_have_value(
        call_url.rsplit("/", 1)[1]
    )
    amina.page.get_by_label("Titre").fill("Visio-interprétation en langue des signes au guichet")
    amina.page.get_by_label("Le problème").fill(
        "Les usagers sourds ne peuvent pas se faire comprendre à l’accueil."
    )
    amina.page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(amina.page.locator("article header")).to_contain_text("Répond à l’appel à idées")
    amina.page.get_by_role("button", name="Publier l’idée").click()
    idea_url = amina.page.url.split("#")[0]
    # A colleague of her unit carries it with her.
    amina.page.get_by_text("Inviter une ou un collègue à co-porter l’idée").click()
    amina.page.get_by_label("Son nom ou son adresse e-mail").fill("lea.petit@ville-exemple.fr")
    amina.page.get_by_role("button", name="Inviter à co-porter l’idée").click()
    lea = people("lea.petit@ville-exemple.fr")
    lea.page.goto(idea_url)
    lea.page.get_by_role("button", name="Accepter de co-porter l’idée").click()
    expect(lea.page.locator("#co-porteurs")).to_contain_text("Léa Petit")

    # Two colleagues mine it; the call's page shows its field of mines.
    for email, severity, title, category in (
        ("julien.moreau@ville-exemple.fr", "Mine", "Coût de l’abonnement", "Budget"),
        ("thomas.nguyen@ville-exemple.fr", "Bombe", "Réseau du guichet", "Technique"),
    ):
        colleague = people(email)
        colleague.page.goto(idea_url)
        colleague.page.get_by_label("Catégorie").select_option(label=category)
        colleague.page.get_by_label(severity, exact=True).check()
        colleague.page.get_by_label("Résumé de la mine").fill(title)
        colleague.page.get_by_label(re.compile(r"^La mine")).fill(f"{title} : à régler d’abord.")
        colleague.page.get_by_role("button", name="Poser la mine").click()
        expect(colleague.page.locator(".minefield")).to_contain_text(title)
    karim.page.goto(call_url)
    card = karim.page.locator("[id^=call-idea-]")
    expect(card).to_contain_text("1 bombe, 1 mine")
    karim.page.get_by_role("link", name="Voir ces idées sur le tableau").click()
    expect(karim.page.locator("#board-results h3")).to_have_text(
        ["Visio-interprétation en langue des signes au guichet"]
    )

    # The manager closes the call early; its sponsor decides at once.
    karim.page.goto(call_url)
    karim.page.get_by_role("button", name="Clore l’appel").click()
    expect(karim.page.locator(".alert--success")).to_contain_text("Appel clos")
    claire = people("claire.martin@ville-exemple.fr")
    claire.page.goto(call_url)
    claire.page.get_by_role("link", name="Décider de chaque idée").click()
    decision = claire.page.locator("fieldset[id^=decide-]")
    decision.get_by_label("Ce que devient l’idée").select_option(label="Promue en projet")
    claire.page.get_by_role("button", name="Enregistrer et prévenir").click()
    # The text was forgotten: the message sits beside it, the choice is kept.
    expect(decision.locator(".error-text")).to_have_text("Ce champ est obligatoire.")
    expect(decision.get_by_label("Ce que devient l’idée")).to_have_value("promoted")
    decision.get_by_label("Pourquoi, et la suite").fill(
        "On teste avec l’interprète de la maison des sourds au guichet central, dès janvier."
    )
    claire.page.get_by_role("button", name="Enregistrer et prévenir").click()
    expect(claire.page.locator("article header")).to_contain_text("Décidé")
    expect(claire.page.locator("[id^=call-idea-]")).to_contain_text("promue en projet")
    claire.shot("decided")

    # The idea's author and its co-porteur read the outcome in their notifications.
    for carrier in (amina, lea):
        carrier.goto("/notifications")
        expect(carrier.page.locator("main")).to_contain_text("maison des sourds")
        carrier.shot("told")
