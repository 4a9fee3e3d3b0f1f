"""ProConnect in the browser: an agent signs in for the first time (the account is created with
their organisation as unit), signs out through the provider, and signs in again."""

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from sqlmodel import Session as DbSession
from sqlmodel import select

from app.config import Settings
from app.db import make_engine
from app.models import ExternalIdentity, Unit, User
from tests.browser.conftest import Session
from tests.browser.test_accessibility import axe_violations
from tests.live import free_port, served
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.postgres import PostgresServer


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    server = Provider().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, provider: Provider, postgres: PostgresServer | None
) -> Iterator[tuple[str, str]]:
    """The app served with ProConnect configured (no demo data: agents come from ProConnect)."""
    folder = tmp_path_factory.mktemp("proconnect")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = f"sqlite:///{folder / 'pc.sqlite3'}"
    if postgres is not None:
        postgres.execute("CREATE DATABASE proconnect")
        database = postgres.url("proconnect")
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "DEMINEURS_SECRET_KEY": "proconnect-tests-secret-" + "x" * 20,
        "DEMINEURS_BASE_URL": url,
        "DEMINEURS_MAIL_DIR": str(folder / "mails"),
        "DEMINEURS_PROCONNECT_ISSUER": provider.issuer,
        "DEMINEURS_PROCONNECT_CLIENT_ID": CLIENT_ID,
        "DEMINEURS_PROCONNECT_CLIENT_SECRET": CLIENT_SECRET,
    }
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"], env=env, check=True, capture_output=True
    )
    with served(env, folder, port=port):
        yield url, database


def test_sign_in_sign_out_and_again_with_proconnect(
    browser: Browser, site: tuple[str, str], provider: Provider
) -> None:
    url, database = site
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    agent = Session(context, url, "proconnect")
    page = agent.goto("/login")
    page.get_by_role("link", name="S’identifier avec ProConnect").click()
    page.wait_for_url("**/ideas")
    page.get_by_role("navigation", name="Menu principal").locator("summary").click()  # « Plus »
    assert page.get_by_role("link", name="Nadia Haddad").is_visible()
    agent.shot("signed-in")

    engine = make_engine(Settings(database_url=database))
    with DbSession(engine) as db:
        user = db.exec(select(User)).one()
        assert db.get_one(Unit, user.unit_id).name == "Ministère de l'Intérieur"
        assert (db.exec(select(ExternalIdentity)).one().idp_id, user.email) == (
            "fia1v2",
            "nadia.haddad@interieur.gouv.fr",
        )

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/login")
    assert provider.logouts and provider.logouts[-1]["id_token_hint"].count(".") == 2
    assert page.get_by_role("link", name="S’identifier avec ProConnect").is_visible()

    page.get_by_role("link", name="S’identifier avec ProConnect").click()
    page.wait_for_url("**/ideas")
    page.get_by_role("navigation", name="Menu principal").locator("summary").click()  # « Plus »
    assert page.get_by_role("link", name="Nadia Haddad").is_visible()
    with DbSession(engine) as db:
        assert len(db.exec(select(User)).all()) == 1
    engine.dispose()
    context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_the_proconnect_button_has_its_look_and_passes_axe(
    browser: Browser, site: tuple[str, str], width: int
) -> None:
    url, _ = site
    # axe is injected as a script: only this audit context bypasses the page's CSP.
    context = browser.new_context(
        locale="fr-FR", viewport={"width": width, "height": 900}, bypass_csp=True
    )
    visitor = Session(context, url, f"proconnect-button-{width}")
    page = visitor.goto("/login")
    button = page.get_by_role("link", name="S’identifier avec ProConnect")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(0, 0, 145)"
    box = button.bounding_box()
    assert box is not None and box["height"] >= 56
    # ProConnect's own logo, served by the app and drawn (not a broken image).
    logo = button.locator("img")
    assert "/vendor/proconnect-react-dsfr-" in (logo.get_attribute("src") or "")
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 54
    about = page.get_by_role("link", name="Qu’est-ce que ProConnect ?")
    assert about.get_attribute("href") == "https://proconnect.gouv.fr/"
    assert about.get_attribute("rel") == "noopener noreferrer"
    assert about.get_attribute("target") == "_blank"
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.reload()
    assert all(r.startswith(url) for r in requests), requests  # nothing from elsewhere
    assert axe_violations(page) == []
    visitor.shot("login-with-proconnect")
    context.close()
