"""In a real browser, without JavaScript: a form sent back with errors shows its summary at the
top of the form and puts the focus there (no script: autofocus), then each link leads to its
field; reloading the form's address shows the idea again."""

from playwright.sync_api import expect

from tests.browser.conftest import People


def test_a_rejected_form_puts_the_focus_on_its_error_summary(people: People) -> None:
    thomas = people("thomas.nguyen@ville-exemple.fr", javascript=False)
    page = thomas.goto("/ideas/5")
    form = page.locator("form[action$='/ideas/5/mines']")
    form.get_by_label("Résumé de la mine").fill("Un titre gardé")
    form.get_by_role("button", name="Poser la mine").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement === document.querySelector('.error-summary')")
    # On screen, not two screens down: the page scrolled to it.
    box = summary.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None and 0 <= box["y"] < viewport["height"]
    thomas.shot("summary")
    summary.get_by_role("link", name="La mine : Ce champ est obligatoire.").click()
    expect(page.locator("#lay-body")).to_be_focused()
    expect(form.get_by_label("Résumé de la mine")).to_have_value("Un titre gardé")
    page.reload()  # the browser asks to send the form again: it does, and the page stands
    expect(page.locator(".error-summary")).to_be_visible()
    page.goto(page.url.split("#")[0])  # the address opened anew: the idea, never a 405
    expect(page).to_have_url(thomas.base + "/ideas/5")
    expect(page.locator("h1")).to_be_visible()
