"""In a real browser: an author sees « Qui peut déminer ? » under a mine, invites a colleague, and
the colleague, signed in, follows the notification and brings a déminage."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import People


def test_author_invites_a_suggested_colleague_who_answers(people: People) -> None:
    # « Traduction instantanée au guichet d'accueil » (idea 5) is Léa Petit's, with open mines.
    lea = people("lea.petit@ville-exemple.fr")
    console: list[str] = []
    lea.page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page = lea.goto("/ideas/5")
    mine = page.locator("article.mine", has=page.locator(".mine-state", has_text="Active")).first
    mine.locator("summary", has_text="Qui peut déminer ?").click()
    suggestions = mine.locator(".suggestions li")
    expect(suggestions.first).to_be_visible()
    expect(suggestions.first).to_contain_text("service")
    invited = suggestions.first.locator("strong").inner_text()
    lea.shot("suggestions")
    suggestions.first.get_by_role("button", name=re.compile("Inviter")).click()
    expect(mine.locator("[role=status]")).to_contain_text(f"Invitation envoyée à {invited}")
    # Already invited: the suggestion says so instead of offering « Inviter » again.
    expect(mine.locator(".suggestions li", has_text=invited).locator(".badge")).to_have_text(
        "Invitation envoyée"
    )
    # htmx's swap broke no rule of the Content-Security-Policy (it used to copy the old
    # elements' empty style attributes onto the new ones: two errors).
    lea.shot("invited")
    assert [line for line in console if "Content Security Policy" in line] == []

    emails = {
        "Thomas Nguyen": "thomas.nguyen",
        "Fatou Sow": "fatou.sow",
        "Julien Moreau": "julien.moreau",
        "Karim Benali": "karim.benali",
        "Claire Martin": "claire.martin",
        "Sophie Lefèvre": "sophie.lefevre",
        "Nicolas Garnier": "nicolas.garnier",
        "Pierre Lambert": "pierre.lambert",
        "Amina Diallo": "amina.diallo",
    }
    colleague = people(f"{emails[invited]}@ville-exemple.fr")
    inbox = colleague.goto("/notifications")
    note = inbox.locator(".notifications li", has_text="Léa Petit vous invite").first
    note.get_by_role("link", name=re.compile("^Voir")).click()
    expect(inbox).to_have_url(re.compile(r"/ideas/5#mine-\d+"))
    target = inbox.locator("#" + inbox.url.split("#")[1])
    expect(target).to_contain_text("Léa Petit vous invite à regarder cette mine")
    target.locator("summary", has_text="Proposer un déminage").click()
    target.get_by_label("Type de déminage").select_option("contact")
    target.get_by_label("Votre déminage").fill(
        "La préfecture a un marché d'interprétariat : je vous mets en contact."
    )
    target.get_by_role("button", name="Proposer ce déminage").click()
    expect(inbox.locator("[role=status][autofocus]")).to_have_text("Déminage proposé.")
    colleague.shot("answered")
