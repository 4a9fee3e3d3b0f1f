"""Browser harness: the real app served by `demineurs serve` on a free loopback port, driven in
Debian's Chromium by Playwright. Every test leaves a screenshot in test-artifacts/screenshots/."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 — the browser tests read them here
from tests.live import served
from tests.postgres import PostgresServer

# The PostgreSQL run, which runs beside the SQLite one, keeps its screenshots apart.
ARTIFACTS = (
    Path(__file__).resolve().parents[2]
    / "test-artifacts"
    / (
        "screenshots-postgresql"
        if os.environ.get("DEMINEURS_TEST_DATABASE") == "postgresql"
        else "screenshots"
    )
)
DEMO_PASSWORD = "demineurs-demo"


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer | None
) -> Iterator[str]:
    """The app on demo data, as the README's first command serves it (quiet period off), on
    SQLite or on the suite's PostgreSQL server."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    folder = tmp_path_factory.mktemp("live")
    database = f"sqlite:///{folder / 'live.sqlite3'}"
    if postgres is not None:
        postgres.execute("CREATE DATABASE live")
        database = postgres.url("live")
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "DEMINEURS_QUIET_PERIOD_HOURS": "0",
        "DEMINEURS_MAIL_DIR": str(folder / "mails"),
        "DEMINEURS_NOTIFICATION_POLL_SECONDS": "1",
        "DEMINEURS_WRITES_PER_MINUTE": "100000",  # the demo accounts serve every browser test
        "DEMINEURS_SECRET_KEY": "browser-tests-secret-" + "x" * 20,
    }
    for command in (["migrate"], ["seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", "app.cli", *command], env=env, check=True, capture_output=True
        )
    with served(env, folder, ready="/login") as (url, _):
        yield url


class Session:
    """One person in one browser context."""

    def __init__(self, context: BrowserContext, base: str, name: str) -> None:
        self.context = context
        self.page: Page = context.new_page()
        self.base = base
        self.name = name
        self.shots = 0

    def goto(self, path: str) -> Page:
        self.page.goto(self.base + path)
        return self.page

    def login(self, email: str, password: str = DEMO_PASSWORD) -> "Session":
        self.goto("/login")
        self.page.get_by_label("Adresse e-mail").fill(email)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        self.page.wait_for_url("**/ideas")
        return self

    def shot(self, label: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        path = ARTIFACTS / f"{self.name}-{self.shots:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


class People(Protocol):
    """The `people` fixture: a person in their own browser context, signed in if `email`."""

    def __call__(
        self,
        email: str | None = None,
        *,
        javascript: bool = True,
        width: int = 1280,
        bypass_csp: bool = False,
    ) -> Session: ...


@pytest.fixture
def people(browser: Browser, live_server: str, request: pytest.FixtureRequest) -> Iterator[People]:
    """A factory of signed-in people, each in their own context; screenshots at the end."""
    contexts: list[Session] = []

    def factory(
        email: str | None = None,
        *,
        javascript: bool = True,
        width: int = 1280,
        bypass_csp: bool = False,
    ) -> Session:
        context = browser.new_context(
            locale="fr-FR",
            java_script_enabled=javascript,
            viewport={"width": width, "height": 900},
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(10_000)
        session = Session(context, live_server, f"{request.node.name}-{len(contexts)}")
        contexts.append(session)
        if email:
            session.login(email)
        return session

    yield factory
    for session in contexts:
        session.shot("end")
        session.context.close()
