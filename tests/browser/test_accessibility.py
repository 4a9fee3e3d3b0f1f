"""Every page type passes axe-core's WCAG 2.1 A and AA rules, in Chromium, at 1280 and 360 px;
a keyboard alone plays the core loop."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, People
from tests.browser.pages import JULIEN, PAGE_TYPES, PageType

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
COVERED = ARTIFACTS / "accessibility-pages.txt"  # the pages covered, rewritten each run


def open_page(people: People, page_type: PageType, width: int):
    # axe is injected as a script: only this audit context bypasses the page's CSP.
    person = people(page_type.who, width=width, bypass_csp=True)
    page = person.goto(page_type.path)
    if page_type.submit_empty:
        page.locator("main form button[type=submit]").first.click()
        expect(page.locator(".error-text").first).to_be_visible()
    return person, page


def axe_violations(page: Page, exclude: str | None = None) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """exclude => axe.run(exclude ? {exclude: [exclude]} : document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""",
        exclude,
    )
    return [
        f"{v['id']}: {v['help']} — " + ", ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
    ]


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=[p.name for p in PAGE_TYPES])
def test_page_type_has_no_wcag_violation(people: People, page_type: PageType, width: int) -> None:
    person, page = open_page(people, page_type, width)
    assert page.locator("main h1").count() == 1
    assert page.locator("a.skip-link").get_attribute("href") == "#contenu"
    violations = axe_violations(page)
    person.shot(f"{page_type.name}-{width}px")
    if width == 360:
        # Nothing wider than a phone: no horizontal scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    COVERED.parent.mkdir(parents=True, exist_ok=True)
    with COVERED.open("a") as report:
        report.write(
            f"{page_type.name} {page_type.path} {width}px: {len(violations)} violation(s)\n"
        )
    assert violations == []


@pytest.mark.parametrize("width", [1280, 360])
def test_api_page_passes_outside_its_third_party_widget_and_reads_without_javascript(
    people: People,
    width: int,
) -> None:
    """The declaration lists Swagger UI's own faults as known; the rest of the page is checked."""
    person = people(JULIEN, width=width, bypass_csp=True)
    page = person.goto("/docs")
    page.locator("#swagger-ui .swagger-ui").first.wait_for()  # the widget did render
    assert axe_violations(page, exclude="#swagger-ui") == []
    if width == 360:
        assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    without = people(JULIEN, javascript=False, width=width).goto("/docs")
    contract = without.locator("main").get_by_role("link", name="openapi.json").first
    assert (contract.get_attribute("href") or "").endswith("/openapi.json")
    assert without.locator("footer").get_by_role("link", name="Accessibilité", exact=False).count()


def press_tab_until(page: Page, selector: str, limit: int = 150) -> None:
    """Tab through the page, as a keyboard user does, until `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never received the focus")


def test_keyboard_alone_lays_a_mine_and_accepts_a_deminage(people: People) -> None:
    julien = people(width=1280)
    page = julien.goto("/login")
    press_tab_until(page, "#field-email")
    page.keyboard.type(JULIEN)
    page.keyboard.press("Tab")
    page.keyboard.type("demineurs-demo")
    page.keyboard.press("Enter")
    page.wait_for_url("**/ideas")
    press_tab_until(page, "a[href$='/ideas/11']")  # « Accueil sans rendez-vous le samedi matin »
    page.keyboard.press("Enter")
    page.wait_for_url("**/ideas/11")
    # The skip link is the first stop, and leads to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Aller au contenu"

    press_tab_until(page, "#lay-category")
    page.keyboard.type("Budget")
    assert page.locator("#lay-category").input_value() == "budget"
    press_tab_until(page, "input[name=severity]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")  # pétard → mine
    assert page.locator("input[name=severity]:checked").get_attribute("value") == "major"
    press_tab_until(page, "#lay-title-input")
    page.keyboard.type("Coût des vacations du samedi")
    page.keyboard.press("Tab")
    page.keyboard.type("Qui paie les heures du samedi ?")
    press_tab_until(page, "form[action$='/mines'] button[type=submit]")
    page.keyboard.press("Enter")
    status = page.locator("[role=status][autofocus]")
    expect(status).to_have_text("Mine posée.")
    expect(status).to_be_focused()
    julien.shot("keyboard-mine-laid")

    # A colleague answers; Julien accepts with the keyboard alone.
    amina = people("amina.diallo@ville-exemple.fr")
    other = amina.goto("/ideas/11")
    mine = other.locator("article.mine", has_text="Coût des vacations du samedi")
    mine.locator("summary", has_text="Proposer un déminage").click()
    mine.get_by_label("Type de déminage").select_option("solution")
    mine.get_by_label("Votre déminage").fill("Les récupérations remplacent les heures payées.")
    mine.get_by_role("button", name="Proposer ce déminage").click()
    expect(other.locator("[role=status][autofocus]")).to_have_text("Déminage proposé.")

    page.reload()
    press_tab_until(page, "form[action$='/accept'] button")
    page.keyboard.press("Space")
    expect(page.locator("[role=status][autofocus]")).to_have_text(
        "Déminage accepté : la mine est désamorcée."
    )
    expect(
        page.locator("article.mine", has_text="Coût des vacations").locator(".mine-state")
    ).to_have_text("Désamorcée")
    julien.shot("keyboard-defused")
