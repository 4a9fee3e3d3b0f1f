"""Fixtures: a migrated template SQLite file copied per test, the app, and signed-in clients."""

import itertools
import os
import re
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from bs4 import BeautifulSoup, Tag
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine, migrate, observer_session
from app.main import create_app
from app.middleware import CSRF_COOKIE
from app.models import User
from app.security import csrf_token_for
from app.services import api_tokens
from tests.factories import PASSWORD
from tests.html import attr, one
from tests.postgres import PostgresServer

SECRET = "test-secret-key-that-is-long-enough-for-production"
CHROMIUM = os.environ.get("DEMINEURS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass
class Clock:
    """A clock the tests move by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


# DEMINEURS_TEST_DATABASE=postgresql runs the whole suite on a real PostgreSQL server started
# on loopback for the session (tests/postgres.py); SQLite files otherwise.
ON_POSTGRES = os.environ.get("DEMINEURS_TEST_DATABASE", "sqlite") == "postgresql"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    if not ON_POSTGRES:
        yield None
        return
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer | None) -> Path:
    """The schema built once per session by running the Alembic migrations."""
    if postgres is not None:
        postgres.execute("CREATE DATABASE template_tests")
        migrate(Settings(database_url=postgres.url("template_tests")))
        return Path("template_tests")
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate(Settings(database_url=f"sqlite:///{path}"))
    return path


_databases = itertools.count(1)


def database_url(template_db: Path, tmp_path: Path, postgres: PostgresServer | None) -> str:
    """A fresh database for one test, copied from the migrated template."""
    if postgres is not None:
        name = f"test_{next(_databases)}"
        postgres.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
        return postgres.url(name)
    path = tmp_path / "test.sqlite3"
    shutil.copy(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(template_db: Path, tmp_path: Path, postgres: PostgresServer | None) -> Settings:
    return Settings(
        database_url=database_url(template_db, tmp_path, postgres),
        env="test",
        secret_key=SECRET,
        strict_templates=True,
        writes_per_minute=100_000,  # tests write fast; the write limit has its own test
        mail_dir=str(tmp_path / "mails"),
        pdf_cache_dir=str(tmp_path / "pdf-cache"),
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Iterator[FastAPI]:
    application = create_app(settings, clock=clock)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def db(app: FastAPI) -> Iterator[Session]:
    """A session on the test database; commit what a test prepares before using a client."""
    with observer_session(app.state.engine) as session:
        yield session


@pytest.fixture
def engine_session(settings: Settings) -> Iterator[Session]:
    """A session for service tests, without the web app."""
    engine = make_engine(settings)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


class WebClient(TestClient):
    """A browser-like client: keeps cookies, sends the CSRF token like the forms do."""

    def csrf(self) -> str:
        if CSRF_COOKIE not in self.cookies:
            self.get("/login")
        return csrf_token_for(SECRET, self.cookies[CSRF_COOKIE])

    def post_form(
        self, url: str | Sequence[str], data: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """POST a form with its CSRF token; `url` may be a parsed form's `action`, which
        BeautifulSoup types as possibly multi-valued."""
        assert isinstance(url, str), url
        return self.post(url, data={"csrf_token": self.csrf(), **(data or {})}, **kwargs)

    def login(self, user: User, password: str = PASSWORD) -> None:
        response = self.post_form("/login", {"email": user.email, "password": password})
        assert response.status_code == 303, response.text


class MakeClient(Protocol):
    """The `make_client` fixture: a browser-like client, signed in as `user` if given."""

    def __call__(self, user: User | None = None) -> WebClient: ...


# The `api_client` fixture: an API client authenticated as the user with a real token.
ApiClient = Callable[[User], TestClient]


@pytest.fixture
def make_client(app: FastAPI) -> Iterator[MakeClient]:
    clients: list[WebClient] = []

    def factory(user: User | None = None) -> WebClient:
        client = WebClient(app, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        if user is not None:
            client.login(user)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def api_client(app: FastAPI, db: Session) -> Iterator[ApiClient]:
    """A factory of API clients authenticated with a real personal token."""
    clients: list[TestClient] = []

    def factory(user: User) -> TestClient:
        _, token = api_tokens.create_api_token(db, user, "tests")
        db.commit()
        client = TestClient(app, headers={"Authorization": f"Bearer {token}"})
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)


def soup(response: httpx.Response | str) -> BeautifulSoup:
    """Parse a response (or HTML text) as a browser would see it."""
    html = response if isinstance(response, str) else response.text
    return BeautifulSoup(html, "html.parser")


def field_error(page: BeautifulSoup, field_id: str) -> str | None:
    """The error message tied to a field by aria-describedby, as a screen reader finds it."""
    control = page.find(id=field_id)
    assert control is not None, f"no field #{field_id}"
    for ref in attr(control, "aria-describedby", "").split():
        if ref.endswith("-error"):
            node = page.find(id=ref)
            return node.get_text(" ", strip=True) if node else None
    return None


def error_of(page: BeautifulSoup, field_id: str) -> str:
    """The error message tied to a field; the test fails if the field shows none."""
    message = field_error(page, field_id)
    assert message is not None, f"#{field_id} shows no error"
    return message


def text_of(page: Tag, selector: str) -> str:
    node = one(page, selector)
    return re.sub(r"\s+", " ", node.get_text(" ", strip=True))


# One Playwright for the whole session (a second one inside the first one's event loop fails):
# the browser tests and the production-proxy test share it.
@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium (the test command does)"
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
