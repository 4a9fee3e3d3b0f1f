"""Every form that can fail comes back, without JavaScript, opening with its error summary (the
DSFR and GOV.UK pattern): at the top of the form, a link to each field to fix, and the focus on
it when the page loads (autofocus on a tabindex=-1 box: no script). What was typed is kept."""

from collections.abc import Callable
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from sqlmodel import Session

from app.models import Role
from tests.conftest import Clock, soup
from tests.factories import make_deminage, make_idea, make_mine, make_user
from tests.html import attr, find_tag


@pytest.fixture
def world(db: Session, clock: Clock) -> dict[str, Any]:
    author = make_user(db, name="Amina Diallo", unit="Accueil")
    layer = make_user(db, name="Julien Moreau", unit="Finances")
    helper = make_user(db, name="Fatou Sow", unit="Juridique")
    idea = make_idea(db, author, clock.now, title="Guichet unique")
    mine = make_mine(db, idea, layer, clock.now, title="Coût")
    deminage = make_deminage(db, mine, helper, clock.now)
    defused = make_mine(db, idea, layer, clock.now, title="RGPD")
    answer = make_deminage(db, defused, helper, clock.now)
    from app.services import mines
    from app.services.readiness import ScoringParams

    mines.accept_deminage(db, ScoringParams(), layer, answer, defused, idea, clock.now)
    people = {
        "author": author,
        "layer": layer,
        "helper": helper,
        "manager": make_user(db, name="Karim Benali", unit="DGS", role=Role.manager),
        "admin": make_user(db, name="Ada Admin", unit="DGS", role=Role.admin),
    }
    db.commit()
    ids = {"idea": idea.id, "mine": mine.id, "deminage": deminage.id, "defused": defused.id}
    return {"people": people, "ids": ids}


# (who, form's address, what is sent, the fields the summary links to, a value kept as typed)
Case = tuple[str, str, dict[str, str], list[str], tuple[str, str] | None]
CASES: dict[str, Case] = {
    "idea form": (
        "author",
        "/ideas",
        {"title": "", "problem": "", "solution": "Gardée"},
        ["field-title", "field-problem"],
        ("field-solution", "Gardée"),
    ),
    "idea edit": (
        "author",
        "/ideas/{idea}/edit",
        {"title": "", "problem": "Gardé"},
        ["field-title"],
        ("field-problem", "Gardé"),
    ),
    "déminage form": (
        "manager",
        "/mines/{mine}/deminages",
        {"kind": "", "body": ""},
        ["deminage-{mine}-kind", "deminage-{mine}-body"],
        None,
    ),
    "reopen form": (
        "layer",
        "/mines/{defused}/reopen",
        {"reason": ""},
        ["reopen-{defused}-reason"],
        None,
    ),
    "assume the risk": (
        "author",
        "/mines/{mine}/accept-risk",
        {"reason": ""},
        ["risk-{mine}-reason"],
        None,
    ),
    "« ne répond pas »": (
        "author",
        "/deminages/{deminage}/dismiss",
        {"reason": ""},
        ["dismiss-{deminage}-reason"],
        None,
    ),
    "promote form": (
        "manager",
        "/ideas/{idea}/promote",
        {"sponsor": "DGS", "next_step": "", "target_date": "demain", "reason": ""},
        ["promote-next-step", "promote-target-date"],
        ("promote-sponsor", "DGS"),
    ),
    "send back": (
        "manager",
        "/ideas/{idea}/send-back",
        {"comment": ""},
        ["send-back-comment"],
        None,
    ),
    "abandon": ("author", "/ideas/{idea}/abandon", {"lesson": ""}, ["abandon-lesson"], None),
    "hide (moderation)": (
        "admin",
        "/mines/{mine}/hide",
        {"reason": ""},
        ["hide-mine-{mine}-reason"],
        None,
    ),
    "profile: token": (
        "author",
        "/profile/tokens",
        {"name": "Un nom de jeton bien trop long " * 4},
        ["field-name"],
        ("field-name", "Un nom de jeton bien trop long " * 4),
    ),
    "profile: password": (
        "author",
        "/profile/password",
        {"current_password": "faux", "new_password": "x", "new_password_confirm": "y"},
        ["field-current_password"],
        None,
    ),
    "profile: close": ("author", "/profile/close", {"confirm": "non"}, ["close-confirm"], None),
    "admin: merge": (
        "admin",
        "/admin/merge",
        {"keep": "", "merged": ""},
        ["field-keep", "field-merged"],
        None,
    ),
    "admin: create an account": (
        "admin",
        "/admin/users",
        {"email": "pas-une-adresse", "name": "Léa", "unit": "RH", "role": "agent", "password": ""},
        ["create-email", "create-password"],
        ("create-name", "Léa"),
    ),
    "admin: scoring": (
        "admin",
        "/admin/scoring",
        {"ripe_threshold": "beaucoup"},
        ["field-ripe_threshold"],
        ("field-ripe_threshold", "beaucoup"),
    ),
}


def _form_of(page: BeautifulSoup, action: str) -> Tag:
    forms = [f for f in page.select("form") if attr(f, "action", "").endswith(action)]
    assert len(forms) == 1, action
    return forms[0]


@pytest.mark.parametrize("case", list(CASES))
def test_a_form_sent_back_opens_with_its_error_summary(
    make_client: Callable[..., Any], world: dict[str, Any], case: str
) -> None:
    who, address, data, linked, kept = CASES[case]
    ids = world["ids"]
    address = address.format(**ids)
    response = make_client(world["people"][who]).post_form(address, data)
    assert response.status_code == 422, response.text[:300]
    page = soup(response)
    summaries = page.select(".error-summary")
    assert len(summaries) == 1
    summary = summaries[0]
    # The focus lands there on arrival, and nowhere else.
    assert summary["tabindex"] == "-1" and summary.has_attr("autofocus")
    assert page.select("[autofocus]") == [summary]
    assert summary["role"] == "alert"
    # At the top of the form sent, before its first field.
    form = _form_of(page, address)
    assert summary.find_parent("form") is form
    first_field = find_tag(form, ["textarea", "select", "input"], type=lambda t: t != "hidden")
    assert first_field in summary.find_all_next()
    # A link to each field to fix, named by its label and its message, leading to it.
    links = {
        attr(a, "href").removeprefix("#"): a.get_text(" ", strip=True) for a in summary.select("a")
    }
    expected = [i.format(**ids) for i in linked]
    assert set(expected) <= set(links), links
    for target, text in links.items():
        assert form.find(id=target) is not None, target
        message = page.find(id=f"{target}-error")
        assert message is not None and message.get_text(strip=True) in text
    if kept:
        field_id, value = kept
        shown = find_tag(form, id=field_id)
        assert (shown.get("value") or shown.get_text()) == value
