"""In a real browser: the author's counter goes up without a reload when a colleague lays a mine;
similar ideas appear while an agent writes a new one."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import People


def test_counter_rises_without_reload_and_leads_to_the_mine(people: People) -> None:
    author = people("pierre.lambert@ville-exemple.fr")
    page = author.goto("/ideas")
    counter = page.locator("#notification-count")
    before = counter.inner_text().strip()
    digits = re.match(r"\d*", before)
    assert digits is not None  # \d* matches every text, if only with nothing
    start = int(digits.group() or 0)

    colleague = people("sophie.lefevre@ville-exemple.fr")
    other = colleague.goto("/ideas/16")  # « Tableau de bord public des délais », Pierre's idea
    other.get_by_label("Catégorie").select_option("budget")
    other.get_by_label("Pétard", exact=True).check()
    other.get_by_label(re.compile(r"^La mine")).fill("Qui met à jour le tableau chaque semaine ?")
    other.get_by_role("button", name="Poser la mine").click()
    expect(other.locator("[role=status][autofocus]")).to_have_text("Mine posée.")

    # No reload on the author's side: htmx polls the counter.
    expect(counter.locator(".counter-badge")).to_have_text(str(start + 1), timeout=10_000)
    author.shot("counter-up")
    page.get_by_role("link", name=re.compile("Notifications")).click()
    page.locator(".notifications li").first.get_by_role("link", name=re.compile("^Voir")).click()
    expect(page).to_have_url(re.compile(r"/ideas/16#mine-\d+"))


def test_similar_ideas_appear_while_writing(people: People) -> None:
    lea = people("lea.petit@ville-exemple.fr")
    page = lea.goto("/ideas/new")
    page.get_by_label("Titre").type("Payer la cantine par prélèvement", delay=20)
    hint = page.locator("#similar-ideas")
    expect(hint).to_contain_text("Des idées proches existent déjà", timeout=10_000)
    expect(hint.get_by_role("link")).to_contain_text(
        ["Paiement des cantines par prélèvement automatique"]
    )
    lea.shot("similar")
