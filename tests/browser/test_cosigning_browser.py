"""In a real browser: two colleagues co-sign a mine with different estimates, and the page shows
the median and « avis partagés »; a bombe the idea's author asks to move to the generalisation
stops blocking ripeness once its author agrees, and the fiche lists it apart."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import People

LONG = " Cela concerne chaque semaine une centaine d'usagers et trois agents du service."


def publish_idea(page: Page) -> str:
    page.get_by_label("Titre").fill("Prise de rendez-vous en ligne pour les cartes d'identité")
    page.get_by_label("Le problème").fill(
        "Les usagers font la queue dès sept heures pour un rendez-vous de carte d'identité." + LONG
    )
    page.get_by_label("La solution").fill(
        "Grâce à un agenda en ligne, chacun réserve son créneau depuis chez soi." + LONG
    )
    page.locator("#field-broken_rule").fill(
        "On abandonne le premier arrivé, premier servi du guichet des titres d'identité." + LONG
    )
    page.get_by_label("Premier terrain").fill(
        "La mairie annexe du quartier Sud, pendant trois mois, pour les seules cartes d'identité."
    )
    page.get_by_label("Thèmes").fill("accueil, numérique")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.get_by_role("button", name="Publier l’idée").click()
    return page.url.split("#")[0]


def lay_bombe(page: Page, title: str, category: str) -> None:
    page.get_by_label("Catégorie").select_option(label=category)
    page.get_by_label("Bombe", exact=True).check()
    page.get_by_label("Résumé de la mine").fill(title)
    page.get_by_label(re.compile(r"^La mine")).fill(f"{title} : à régler avant tout.")
    page.get_by_role("button", name="Poser la mine").click()


def cosign(page: Page, title: str, estimate: str) -> None:
    page.reload()
    sibling = page.locator("#lay-siblings li", has_text=title)
    sibling.get_by_label(estimate).check()
    sibling.get_by_role("button", name="Co-signer cette mine").click()


def gate(page: Page, label: str) -> str:
    return page.locator("[id$='-readiness'] .gates li", has_text=label).get_attribute("class") or ""


def test_cosigned_median_split_opinions_and_a_mine_moved_to_the_generalisation(
    people: People,
) -> None:
    author = people("amina.diallo@ville-exemple.fr")
    page = author.page
    author.goto("/ideas/new")
    idea_url = publish_idea(page)

    julien = people("julien.moreau@ville-exemple.fr")  # Finances
    julien.page.goto(idea_url)
    lay_bombe(julien.page, "Hébergement des rendez-vous", "Données & RGPD")
    expect(julien.page.locator(".minefield .cell")).to_have_count(1)

    # Two colleagues who see the same risk co-sign it rather than lay it again, each with their
    # own estimate; the category chosen in the form narrows the list (htmx).
    thomas = people("thomas.nguyen@ville-exemple.fr")  # DSI
    thomas.page.goto(idea_url)
    thomas.page.get_by_label("Catégorie").select_option(label="Budget")
    expect(thomas.page.locator("#lay-siblings")).to_contain_text("Aucune mine active en budget")
    thomas.page.get_by_label("Catégorie").select_option(label="Données & RGPD")
    # One mine laid on this idea; those of neighbouring ideas (made by other tests) are apart.
    expect(thomas.page.locator("#lay-siblings .siblings-list li")).to_have_count(1)
    cosign(thomas.page, "Hébergement des rendez-vous", "Pétard")
    expect(thomas.page.locator(".alert--success")).to_contain_text("Mine co-signée")
    sophie = people("sophie.lefevre@ville-exemple.fr")  # RH
    sophie.page.goto(idea_url)
    cosign(sophie.page, "Hébergement des rendez-vous", "Mine")
    expect(sophie.page.locator(".alert--success")).to_contain_text("Mine co-signée")

    page.reload()
    mine = page.locator("article.mine", has_text="Hébergement des rendez-vous")
    estimates = mine.locator("[id$='-estimates']")
    # Bombe, pétard, mine: the median is a mine, and the estimates span pétard to bombe.
    expect(estimates).to_contain_text("Co-signée par 2 collègues")
    expect(estimates).to_contain_text("la médiane des estimations\u00a0: mine")
    expect(estimates.locator(".badge")).to_have_text("Avis partagés")
    expect(estimates.locator("li")).to_have_text(
        [
            re.compile(r"^Bombe — Julien"),
            re.compile(r"^Pétard — Thomas"),
            re.compile(r"^Mine — Sophie"),
        ]
    )
    expect(page.locator(".minefield .cell").first).to_contain_text("Mine")
    # Its median no longer a bombe, it blocks nothing; the co-signers count as reviewers.
    assert "gate--ok" in gate(page, "Aucune bombe active")
    expect(page.locator("[id$='-readiness'] .parts")).to_contain_text("3 personnes, 3 services")
    author.shot("cosigned-median")

    # A bombe that only threatens the generalisation: asked to move, agreed, it stops blocking.
    julien.page.reload()
    lay_bombe(julien.page, "Déploiement dans toutes les mairies", "Organisation & RH")
    expect(julien.page.locator(".minefield .cell")).to_have_count(2)
    page.reload()
    assert "gate--ko" in gate(page, "Aucune bombe active")
    later = page.locator("article.mine", has_text="Déploiement dans toutes les mairies")
    later.locator("summary", has_text="Demander de la passer à la généralisation").click()
    later.get_by_label("Pourquoi elle ne menace pas le premier terrain").fill(
        "Le premier terrain n'est que la mairie annexe du quartier Sud."
    )
    later.get_by_role("button", name="Envoyer la demande").click()
    expect(page.locator(".alert--success")).to_contain_text("Demande envoyée")

    julien.page.reload()
    asked = julien.page.locator("article.mine", has_text="Déploiement dans toutes les mairies")
    expect(asked).to_contain_text("Le premier terrain n'est que la mairie annexe")
    asked.get_by_role("button", name="D’accord, elle passe à la généralisation").click()
    expect(julien.page.locator(".alert--success")).to_contain_text("passée à la généralisation")

    page.reload()
    assert "gate--ok" in gate(page, "Aucune bombe active")
    expect(page.locator("#later-title")).to_have_text("À déminer avant de généraliser")
    expect(page.locator("section[aria-labelledby=later-title] article.mine")).to_contain_text(
        "Déploiement dans toutes les mairies"
    )
    expect(page.locator("[id$='-readiness']")).to_contain_text("Avant de généraliser")
    expect(page.locator("[id$='-readiness'] .missing")).not_to_contain_text("Déploiement")
    expect(page.locator("#history-title + ol")).to_contain_text(
        "Mine « Déploiement dans toutes les mairies » passée à la généralisation"
    )
    author.shot("moved-to-generalisation")

    fiche = page.request.get(idea_url + "/fiche.md").text()
    first_ground, generalisation = fiche.split("## À déminer avant de généraliser (1)")
    assert "Hébergement des rendez-vous" in first_ground
    assert "Déploiement dans toutes les mairies" not in first_ground
    assert "Déploiement dans toutes les mairies" in generalisation.split("## Regards croisés")[0]
    assert "Estimations (avis partagés)" in first_ground
