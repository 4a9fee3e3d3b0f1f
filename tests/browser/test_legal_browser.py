"""The legal pages and the public statistics in the browser: reached from any page's footer with
JavaScript off, and a footer that stays readable on a 360 px phone."""

from playwright.sync_api import expect

from tests.browser.conftest import People
from tests.browser.pages import JULIEN

FOOTER_PAGES = {
    "Accessibilité\u00a0: non conforme": "Déclaration d’accessibilité",
    "Mentions légales": "Mentions légales",
    "Conditions d’utilisation": "Conditions d’utilisation",
    "Données personnelles": "Données personnelles",
    "Statistiques": "Statistiques",
}


def test_every_legal_page_and_the_stats_are_reached_from_the_footer_without_javascript(
    people: People,
) -> None:
    visitor = people(javascript=False)
    for link, title in FOOTER_PAGES.items():
        page = visitor.goto("/login")
        page.locator("footer").get_by_role("link", name=link, exact=True).click()
        expect(page.locator("main h1")).to_have_text(title)
    page = visitor.goto("/stats")
    expect(page.locator("#stat-ideas dd")).not_to_have_text("0")
    # Each chart's data: a table behind a <details>, which opens without a script.
    chart = page.locator("#chart-contributions")
    chart.locator("summary").click()
    expect(chart.locator("table tbody tr")).to_have_count(12)
    visitor.shot("stats-no-js")


def test_the_footer_stays_readable_on_a_phone(people: People) -> None:
    julien = people(JULIEN, width=360)
    page = julien.goto("/ideas")
    footer = page.locator("footer.site-footer")
    footer.scroll_into_view_if_needed()
    links = footer.locator("a")
    assert links.count() >= 12
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360 + 1, links.nth(i).inner_text()
        assert box["height"] >= 16  # a line of text a finger can aim at
    size = footer.locator("a").first.evaluate("a => parseFloat(getComputedStyle(a).fontSize)")
    assert size >= 13
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    footer.screenshot(path=str(julien.shot("footer-360px").with_name("footer-phone-360px.png")))
