"""The main menu fits: one line at 1280 px, three short rows at 360 px with no link cut off at
the edge (test_layout_browser), even for an administrator (the longest menu), and the links
behind « Plus » open from the keyboard, with or without JavaScript."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import People

ADMIN = "claire.martin@ville-exemple.fr"  # admin and manager: every link of the menu

pytestmark = pytest.mark.browser


def menu_lines(page: Page) -> int:
    """How many rows the menu's visible items sit on (items whose middles are less than half an
    item's height apart share a row)."""
    return page.evaluate(
        """() => {
          const items = document.querySelectorAll('nav.nav > ul > li, nav.nav > details > summary');
          const middles = [...items].map(el => {
            const r = el.getBoundingClientRect();
            return [r.top + r.height / 2, r.height];
          });
          const rows = [];
          for (const [middle, height] of middles.sort((a, b) => a[0] - b[0])) {
            if (!rows.length || middle - rows[rows.length - 1] > height / 2) rows.push(middle);
          }
          return rows.length;
        }"""
    )


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("javascript", [True, False])
def test_the_menu_fits_and_opens_from_the_keyboard(
    people: People, width: int, javascript: bool
) -> None:
    page = people(ADMIN, width=width, javascript=javascript).goto("/ideas")
    menu = page.get_by_role("navigation", name="Menu principal")
    # A phone wraps the everyday links rather than scroll them out of sight.
    assert menu_lines(page) <= (1 if width >= 1280 else 3)
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    expect(menu.get_by_role("link", name="Pilotage")).to_be_hidden()
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    for name in (
        "Démineurs",
        "Ce qui bloque",
        "Pilotage",
        "Administration",
        "Comment ça marche",
        "Mon profil",
    ):
        expect(menu.get_by_role("link", name=name)).to_be_visible()
    expect(menu.get_by_role("button", name="Se déconnecter")).to_be_visible()
    menu.get_by_role("link", name="Pilotage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pilotage")
    # The page reached from « Plus » is marked on the summary, so one sees where one is.
    expect(menu.locator("summary")).to_have_class("nav__current")


def test_the_dashboard_and_the_board_no_longer_share_a_name(people: People) -> None:
    page = people(ADMIN).goto("/ideas")
    labels = page.locator("nav.nav a").all_inner_texts()
    assert not [label for label in labels if "tableau de bord" in label.lower()]
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(menu.get_by_role("link", name="Le tableau")).to_be_visible()
