"""Fiches in PDF: made once per content shown and kept, a small number made at once, a per-person
allowance; the health probes never wait behind pages."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest
from fastapi import FastAPI
from sqlmodel import Session
from starlette.types import Message, Receive, Scope, Send

from app.config import Settings
from app.main import create_app
from app.middleware import ConcurrencyLimit
from app.models import Role
from app.services import exports, mines, moderation
from app.services.readiness import ScoringParams
from tests.conftest import Clock, MakeClient
from tests.factories import make_deminage, make_idea, make_mine, make_user


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Iterator[FastAPI]:
    application = create_app(settings.model_copy(update={"pdfs_per_hour": 3}), clock=clock)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every HTML turned into a PDF (WeasyPrint stood in for: seconds each)."""
    htmls: list[str] = []

    def fake_pdf(html: str) -> bytes:
        htmls.append(html)
        return b"%PDF-1.7 " + str(len(htmls)).encode()

    monkeypatch.setattr(exports, "render_pdf", fake_pdf)
    return htmls


def test_a_pdf_is_made_once_per_content_shown_and_kept(
    make_client: MakeClient, db: Session, clock: Clock, made: list[str]
) -> None:
    author, reader, other = make_user(db), make_user(db), make_user(db)
    idea = make_idea(db, author, clock.now, title="Guichet unique")
    db.commit()
    url = f"/ideas/{idea.id}/fiche.pdf"
    first = make_client(reader).get(url)
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    # Again, and by a colleague who is shown the same fiche: the kept file.
    assert make_client(reader).get(url).content == first.content
    assert make_client(other).get(url).content == first.content
    assert len(made) == 1
    # A new version of the idea: a new PDF.
    author_client = make_client(author)
    edited = author_client.post_form(
        f"/ideas/{idea.id}/edit", {"title": "Guichet unique, v2", "problem": idea.problem}
    )
    assert edited.status_code == 303
    second = make_client(reader).get(url)
    assert second.content != first.content and len(made) == 2
    assert "Guichet unique, v2" in made[-1]


def test_pdfs_made_per_person_are_limited_but_kept_ones_are_free(
    make_client: MakeClient, db: Session, clock: Clock, made: list[str]
) -> None:
    author, reader = make_user(db), make_user(db)
    ideas_ = [make_idea(db, author, clock.now, title=f"Idée {n}") for n in range(4)]
    db.commit()
    client = make_client(reader)
    for idea in ideas_[:3]:
        assert client.get(f"/ideas/{idea.id}/fiche.pdf").status_code == 200
    refused = client.get(f"/ideas/{ideas_[3].id}/fiche.pdf")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "Markdown" in refused.text
    assert client.get(f"/ideas/{ideas_[0].id}/fiche.pdf").status_code == 200  # kept: free
    assert len(made) == 3
    clock.advance(hours=1, minutes=1)
    assert client.get(f"/ideas/{ideas_[3].id}/fiche.pdf").status_code == 200


def test_when_the_slots_are_taken_a_pdf_answers_503_at_once(
    app: FastAPI, make_client: MakeClient, db: Session, clock: Clock, made: list[str]
) -> None:
    author = make_user(db)
    idea = make_idea(db, author, clock.now)
    db.commit()
    client = make_client(author)
    slots = app.state.pdf_makers
    assert slots.acquire(blocking=False)  # another request is making one
    try:
        busy = client.get(f"/ideas/{idea.id}/fiche.pdf")
        assert busy.status_code == 503 and busy.headers["retry-after"] == "10"
        assert client.get("/ideas").status_code == 200  # pages are served meanwhile
    finally:
        slots.release()
    assert client.get(f"/ideas/{idea.id}/fiche.pdf").status_code == 200
    assert len(made) == 1


def test_health_probes_never_queue_behind_pages() -> None:
    """Every slot of the worker held by a slow page: /healthz and /readyz still answer."""
    answered: list[str] = []
    events: list[anyio.Event] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/slow":
            await events[0].wait()
        answered.append(scope["path"])

    limited = ConcurrencyLimit(app, limit=1)

    async def receive() -> Message:
        raise AssertionError("the app under the limit reads no request body")

    async def send(message: Message) -> None:
        raise AssertionError("the app under the limit sends no response")

    async def call(path: str) -> None:
        await limited({"type": "http", "path": path}, receive, send)

    async def main() -> None:
        events.append(anyio.Event())
        release = events[0]
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(call, "/slow")
            await anyio.sleep(0.01)
            tasks.start_soon(call, "/ideas")  # waits for the slot
            with anyio.fail_after(1):
                await call("/healthz")
                await call("/readyz")
            assert answered == ["/healthz", "/readyz"]
            release.set()
        assert sorted(answered) == ["/healthz", "/ideas", "/readyz", "/slow"]

    # Its own thread: a browser test's Playwright may hold this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, main).result()


def test_a_mine_an_answer_or_a_moderators_hiding_makes_a_new_pdf_without_the_hidden_words(
    make_client, db: Session, clock: Clock, made: list[str]
) -> None:
    """The kept PDF serves while nothing changes; a mine laid, its answer accepted, then the
    answer and the mine hidden by moderation each make a new one — and no PDF a colleague gets
    afterwards holds the hidden words, not even one kept from before."""
    author, reader = make_user(db), make_user(db)
    reviewer, helper = make_user(db, unit="B"), make_user(db, unit="C")
    admin = make_user(db, role=Role.admin)
    idea = make_idea(db, author, clock.now, title="Guichet unique")
    db.commit()
    client = make_client(reader)
    url = f"/ideas/{idea.id}/fiche.pdf"
    served = [client.get(url).content]
    assert len(made) == 1

    mine = make_mine(db, idea, reviewer, clock.now, body="Objection CANARI-MINE à lever.")
    db.commit()
    served.append(client.get(url).content)
    assert len(made) == 2 and "CANARI-MINE" in made[-1]
    assert client.get(url).content == served[-1] and len(made) == 2  # unchanged: kept

    answer = make_deminage(db, mine, helper, clock.now, body="Réponse CANARI-REPONSE.")
    db.refresh(idea)
    mines.accept_deminage(db, ScoringParams(), reviewer, answer, mine, idea, clock.now)
    db.commit()
    served.append(client.get(url).content)
    assert len(made) == 3 and "CANARI-REPONSE" in made[-1]

    clock.advance(hours=1, minutes=1)  # past this reader's allowance of three PDFs an hour
    db.refresh(idea)
    moderation.hide(db, ScoringParams(), admin, answer, idea, "Hors sujet", clock.now)
    db.commit()
    served.append(client.get(url).content)
    assert len(made) == 4 and "CANARI-REPONSE" not in made[-1] and "CANARI-MINE" in made[-1]

    db.refresh(idea)
    moderation.hide(db, ScoringParams(), admin, mine, idea, "Hors sujet", clock.now)
    db.commit()
    hidden = client.get(url)
    assert hidden.status_code == 200 and len(made) == 5
    assert "CANARI" not in made[-1] and "Masquée par la modération" in made[-1]
    assert hidden.content not in served  # none of the kept PDFs that held the words
    # Another colleague is shown the same fiche: the same PDF, kept, without the words.
    colleague = make_user(db)
    db.commit()
    assert make_client(colleague).get(url).content == hidden.content and len(made) == 5
