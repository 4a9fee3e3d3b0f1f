"""A worker killed with SIGKILL in the middle of concurrent writes loses nothing: the database
is intact, every write acknowledged with a 2xx is there, none is half-applied (every stored
score equals the score recomputed from the mines), and the server answers again at once."""

import os
import signal
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import ColumnElement, text
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import make_engine
from app.models import Idea, Mine
from app.models.base import utcnow
from app.services import api_tokens, scoring
from app.services.readiness import ScoringParams
from tests.conftest import SECRET
from tests.factories import make_idea, make_user
from tests.live import served

WRITERS = 10
SECONDS = 4.0


def _workers(pid: int) -> list[int]:
    """uvicorn's worker processes (not multiprocessing's resource tracker)."""
    found = []
    for child in _children(pid):
        try:
            if "spawn_main" in Path(f"/proc/{child}/cmdline").read_text(errors="replace"):
                found.append(child)
        except OSError:
            pass  # it just ended
    return found


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_a_killed_worker_loses_no_acknowledged_write(settings: Settings, tmp_path: Path) -> None:
    engine = make_engine(settings)
    with Session(engine, expire_on_commit=False) as db:
        author = make_user(db, unit="Accueil")
        writers = [make_user(db, unit=f"Service {n % 5}") for n in range(WRITERS)]
        ideas = [make_idea(db, author, utcnow(), title=f"Idée {n}") for n in range(3)]
        tokens = [api_tokens.create_api_token(db, w, "crash")[1] for w in writers]
        db.commit()
    env = {
        "DATABASE_URL": settings.database_url,
        "DEMINEURS_ENV": "production",
        "DEMINEURS_SECRET_KEY": SECRET,
        "DEMINEURS_MAIL_DIR": str(tmp_path / "mails"),
        "DEMINEURS_WRITES_PER_MINUTE": "100000",
    }
    with served(env, tmp_path, "--workers", "2", ready="/healthz") as (url, server):
        deadline = time.monotonic() + 90
        while len(_workers(server.pid)) < 2 or not _answers(url):
            assert time.monotonic() < deadline, "the two workers did not start"
            time.sleep(0.2)

        acknowledged: list[int] = []
        failures: list[int] = []
        stop = time.monotonic() + SECONDS

        def write(n: int) -> None:
            with httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {tokens[n]}"}
            ) as http:
                while time.monotonic() < stop:
                    try:
                        answer = http.post(
                            f"/api/v1/ideas/{ideas[n % 3].id}/mines",
                            json={
                                "category": "budget",
                                "severity": "minor",
                                "body": f"Écrit par {n}",
                            },
                            timeout=10,
                        )
                    except httpx.TransportError:
                        failures.append(n)  # the worker died under this request: not acknowledged
                        continue
                    if answer.status_code == 201:
                        acknowledged.append(answer.json()["id"])

        threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        time.sleep(SECONDS / 2)
        victim = _workers(server.pid)[0]
        killed_at = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        # The other worker goes on answering (the bound is generous: a loaded machine is slow,
        # and how fast is the benchmark's business, not this test's).
        while not _answers(url):
            assert time.monotonic() - killed_at < 20, "the server did not answer again"
            time.sleep(0.05)
        for thread in threads:
            thread.join()
        # The supervisor replaced the killed worker.
        while victim in _workers(server.pid) or len(_workers(server.pid)) < 2:
            assert time.monotonic() - killed_at < 15, "the killed worker was not replaced"
            time.sleep(0.1)

    assert acknowledged, "no write went through"
    with Session(engine) as db:
        if settings.is_sqlite:
            assert db.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        stored = set(db.exec(select(Mine.id)))
        assert set(acknowledged) <= stored  # every acknowledged write is there
        params = ScoringParams()
        for idea in db.exec(select(Idea).where(col_in(ideas))):
            fresh = scoring.compute_for(db, params, idea, utcnow())
            # No mine without its score update: the stored figures are the recomputed ones.
            assert (idea.score, idea.reviewer_count) == (fresh.score, fresh.reviewers)
    engine.dispose()


def col_in(ideas: list[Idea]) -> ColumnElement[bool]:
    return col(Idea.id).in_([i.id for i in ideas])


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False
