"""Every page's footer, signed out and signed in, error pages included: the accessibility status
linking to the declaration, the legal links, the statistics, the feedback link and the licence."""

from collections.abc import Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from app.services import legal
from tests.conftest import Clock, MakeClient, WebClient, soup
from tests.factories import make_user
from tests.html import attr
from tests.routers.authorization_world import CALLS, build_world

FEEDBACK = "https://formulaires.ville.fr/avis"
LINKS = {
    "Mentions légales": "/mentions-legales",
    "Conditions d’utilisation": "/conditions-utilisation",
    "Données personnelles": "/donnees-personnelles",
    "Statistiques": "/stats",
}


def footer_faults(html: BeautifulSoup, status: str, feedback: str) -> list[str]:
    """What the page's footer lacks."""
    footer = html.select_one("footer.site-footer")
    if footer is None:
        return ["no footer"]
    links = {a.get_text(" ", strip=True): attr(a, "href") for a in footer.select("a[href]")}
    faults = []
    accessibility = f"Accessibilité\u00a0: {status}"
    if not links.get(accessibility, "").endswith("/accessibilite"):
        faults.append(f"« {accessibility} » linking to the declaration")
    for text, path in LINKS.items():
        if not links.get(text, "").endswith(path):
            faults.append(f"« {text} » linking to {path}")
    if links.get("Donner votre avis") != feedback:
        faults.append(f"« Donner votre avis » linking to {feedback}")
    licence = "Logiciel libre sous licence EUPL-1.2"
    if links.get(legal.LICENCE) != legal.LICENCE_URL or licence not in " ".join(
        footer.get_text(" ").split()
    ):
        faults.append("the licence")
    return faults


@pytest.fixture
def world_app(settings: Settings, clock: Clock) -> Iterator[tuple[FastAPI, dict[str, Any]]]:
    """The authorization matrix's world (every route can be called in it), with a feedback
    form configured, and one route that fails on purpose to show the 500 page."""
    configured = settings.model_copy(
        update={"feedback_url": FEEDBACK, "allowed_email_domains": "ville.fr"}
    )
    application = create_app(configured, clock=clock)

    def broken() -> None:
        raise RuntimeError("a bug nobody foresaw")

    application.add_api_route("/test-broken-page", broken, include_in_schema=False)
    with Session(application.state.engine, expire_on_commit=False) as db:
        world = build_world(db, configured, clock.now)
        db.commit()
    yield application, {"ids": world.ids, "people": world.people}
    application.state.engine.dispose()


def _client(app: FastAPI, person: Any | None) -> WebClient:
    client = WebClient(app, follow_redirects=False)
    client.__enter__()
    if person is not None:
        client.login(person)
    return client


def test_every_page_type_has_the_whole_footer_signed_out_and_signed_in(
    world_app: tuple[FastAPI, dict[str, Any]],
) -> None:
    app, world = world_app
    ids, people = world["ids"], world["people"]
    viewers = {
        "signed out": _client(app, None),
        "agent": _client(app, people["agent"]),
        "author": _client(app, people["author"]),
        "admin": _client(app, people["admin"]),
    }
    pages: dict[tuple[str, int], str] = {}
    missing: list[str] = []
    try:
        for route, (template, _) in CALLS.items():
            if not route.startswith("GET ") or route.startswith("GET /api/"):
                continue
            path = template.format(**ids)
            for who, client in viewers.items():
                response = client.get(path)
                if not response.headers.get("content-type", "").startswith("text/html"):
                    continue
                html = soup(response)
                if html.body is None:  # a fragment that htmx swaps into a page, not a page
                    continue
                pages.setdefault((route, response.status_code), who)
                for fault in footer_faults(html, "non conforme", FEEDBACK):
                    missing.append(f"{route} ({response.status_code}, {who}): {fault}")
        agent = viewers["agent"]
        errors = {
            "404": agent.get("/cette-page-n-existe-pas"),
            "403": agent.get("/dashboard"),
            "422": agent.post_form("/ideas", {"title": "", "problem": ""}),
            "500": agent.get("/test-broken-page"),
        }
        for status, response in errors.items():
            assert str(response.status_code) == status, response.text
            for fault in footer_faults(soup(response), "non conforme", FEEDBACK):
                missing.append(f"error page {status}: {fault}")
    finally:
        for client in viewers.values():
            client.__exit__(None, None, None)
    assert missing == [], "\n".join(missing)
    # The walk did see pages of every kind: public and private, signed out and in, errors.
    statuses = {status for _, status in pages}
    assert {200, 404} <= statuses
    seen = {route for route, _ in pages}
    for route in (
        "GET /login",
        "GET /ideas",
        "GET /ideas/{idea_id}",
        "GET /ideas/{idea_id} (brouillon)",
        "GET /board",
        "GET /dashboard",
        "GET /admin/users",
        "GET /profile",
        "GET /docs",
        "GET /stats",
        "GET /accessibilite",
    ):
        assert route in seen, route
    assert {"signed out", "agent"} <= set(pages.values())


def test_without_a_form_the_feedback_link_writes_to_an_address(
    make_client: MakeClient,
    settings: Settings,
    clock: Clock,
) -> None:
    for changes, feedback in (
        ({}, "/mentions-legales#contact"),
        ({"contact_email": "demineurs@ville.fr"}, "mailto:demineurs@ville.fr"),
        # The setting takes an address as well as a form's URL.
        (
            {"contact_email": "demineurs@ville.fr", "feedback_url": "avis@ville.fr"},
            "mailto:avis@ville.fr",
        ),
    ):
        application = create_app(settings.model_copy(update=changes), clock=clock)
        with WebClient(application) as client:
            html = soup(client.get("/login"))
        application.state.engine.dispose()
        assert footer_faults(html, "non conforme", feedback) == []


def test_a_feedback_address_is_given_as_one_in_the_legal_notice(
    make_client: MakeClient,
    settings: Settings,
    clock: Clock,
) -> None:
    changes = {"contact_email": "demineurs@ville.fr", "feedback_url": "avis@ville.fr"}
    application = create_app(settings.model_copy(update=changes), clock=clock)
    with WebClient(application) as client:
        html = soup(client.get("/mentions-legales"))
    application.state.engine.dispose()
    contact = html.select_one("#contact ~ p")
    assert contact is not None
    links = [(a["href"], a.get_text()) for a in contact.find_all("a")]
    assert links == [
        ("mailto:demineurs@ville.fr", "demineurs@ville.fr"),
        ("mailto:avis@ville.fr", "avis@ville.fr"),
    ]
    assert "formulaire" not in contact.get_text()


def test_the_help_page_goes_by_one_name_in_the_menu_the_footer_and_the_idea_form(
    make_client: MakeClient, db: Session
) -> None:
    user = make_user(db, name="Nina Neuve", unit="Accueil")
    db.commit()
    client = make_client(user)
    name = soup(client.get("/aide")).h1
    assert name is not None
    title = name.get_text(strip=True)
    form = soup(client.get("/ideas/new"))
    menu = [a.get_text(strip=True) for a in form.select("header nav a[href='/aide']")]
    footer = [a.get_text(strip=True) for a in form.select("footer a[href='/aide']")]
    assert menu == [title] and footer == [title]
    hint = form.find(string=lambda s: bool(s and "décrit les chemins" in s))
    assert hint is not None and f"«\u00a0{title}\u00a0»" in hint
