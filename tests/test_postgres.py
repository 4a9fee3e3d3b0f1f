"""Two app instances (separate processes) on one database take concurrent writes on the same
idea; afterwards every acknowledged write is there and every stored score is the recomputed one.

On PostgreSQL, writers run side by side: each write locks the idea's row first (SELECT … FOR
UPDATE), so they queue per idea and each recomputes the score from everything committed before
it. On SQLite the write lock taken at BEGIN does the same. The suite runs this on both.
"""

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from app.config import Settings
from app.db import make_engine
from app.deps import SESSION_COOKIE
from app.models import Deminage, Idea, Mine, Role
from app.models.base import pk, utcnow
from app.services import api_tokens, scoring, sessions
from app.services.readiness import ScoringParams
from tests.conftest import SECRET
from tests.factories import LONG, make_idea, make_user
from tests.live import served

WRITERS = 8
ROUNDS = 4


def serve(settings: Settings, folder: Path):
    """`demineurs serve` on the test's database, as a deployment runs it."""
    env = {
        "DATABASE_URL": settings.database_url,
        "DEMINEURS_ENV": "production",
        "DEMINEURS_SECRET_KEY": SECRET,
        "DEMINEURS_MAIL_DIR": str(folder / "mails"),
        "DEMINEURS_QUIET_PERIOD_HOURS": "0",
        "DEMINEURS_WRITES_PER_MINUTE": "100000",  # one author accepts a burst from 4 sessions
    }
    return served(env, folder)


@pytest.fixture
def instances(settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    with serve(settings, tmp_path) as (first, _), serve(settings, tmp_path) as (second, _):
        yield [first, second]


def test_two_instances_lose_no_write_and_keep_every_score_exact(
    settings: Settings, instances: list[str]
) -> None:
    engine = make_engine(settings)
    with Session(engine, expire_on_commit=False) as db:
        author = make_user(db, unit="Accueil")
        writers = [make_user(db, unit=f"Service {n % 4}") for n in range(WRITERS)]
        manager = make_user(db, unit="DGS", role=Role.manager)
        idea = make_idea(
            db, author, utcnow(), problem=LONG, solution=LONG, broken_rule=LONG, first_ground=LONG
        )
        tokens = {
            u.id: api_tokens.create_api_token(db, u, "concurrence")[1]
            for u in [author, *writers, manager]
        }
        cookie = sessions.start_session(db, settings, make_user(db, name="Lectrice"), utcnow())
        db.commit()

    def idea_pages() -> list[str]:
        """The idea page as an agent reads it on each instance."""
        pages = []
        for url in instances:
            with httpx.Client(base_url=url, cookies={SESSION_COOKIE: cookie}) as http:
                page = http.get(f"/ideas/{idea.id}")
                assert page.status_code == 200
                pages.append(page.text)
        return pages

    def client(user_id: int, n: int) -> httpx.Client:
        return httpx.Client(
            base_url=instances[n % 2],
            headers={"Authorization": f"Bearer {tokens[user_id]}"},
            timeout=30,
        )

    def lay(n: int) -> list[tuple[str, int]]:
        """Writers lay mines on the same idea at once, through both instances."""
        rng = random.Random(n)
        with client(pk(writers[n]), n) as http:
            answers = [
                http.post(
                    f"/api/v1/ideas/{idea.id}/mines",
                    json={
                        "category": rng.choice(["legal", "budget", "technical"]),
                        "severity": rng.choice(["minor", "major"]),
                        "body": f"Objection {n}-{r}",
                    },
                )
                for r in range(ROUNDS)
            ]
        return [("mine", a.json()["id"]) for a in answers if a.status_code == 201]

    def bring(n: int) -> list[tuple[str, int]]:
        """Each writer answers every colleague's mine."""
        done = []
        with client(pk(writers[n]), n) as http:
            for m in http.get(f"/api/v1/ideas/{idea.id}").json()["mines"]:
                if m["author"]["id"] != writers[n].id:
                    answer = http.post(
                        f"/api/v1/mines/{m['id']}/deminages",
                        json={"kind": "solution", "body": f"Piste de {n}"},
                    )
                    if answer.status_code == 201:
                        done.append(("deminage", answer.json()["id"]))
        return done

    def accept(k: int) -> list[tuple[str, int]]:
        """Several sessions of the author accept, at once, different answers to each mine:
        only one acceptance per mine may win."""
        done = []
        with client(pk(author), k) as http:
            for m in http.get(f"/api/v1/ideas/{idea.id}").json()["mines"]:
                if m["deminages"]:
                    d = m["deminages"][k % len(m["deminages"])]
                    if http.post(f"/api/v1/deminages/{d['id']}/accept").status_code == 200:
                        done.append(("accepted", d["id"]))
        return done

    acknowledged: list[tuple[str, int]] = []
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        for phase, count in ((lay, WRITERS), (bring, WRITERS), (accept, 4)):
            acknowledged += [
                item for f in [pool.submit(phase, n) for n in range(count)] for item in f.result()
            ]
            idea_pages()  # each instance renders (and keeps) the field as it stands

    with Session(engine) as db:
        mines = {m.id: m for m in db.exec(select(Mine).where(Mine.idea_id == idea.id))}
        deminages = {d.id: d for d in db.exec(select(Deminage))}
        laid = [i for kind, i in acknowledged if kind == "mine"]
        brought = [i for kind, i in acknowledged if kind == "deminage"]
        accepted = [i for kind, i in acknowledged if kind == "accepted"]
        assert len(laid) >= WRITERS * ROUNDS // 2 and brought and accepted
        assert set(laid) <= set(mines) and set(brought) <= set(deminages)
        assert all(deminages[d].accepted for d in accepted)
        # One accepted déminage per defused mine: no two acceptances raced on one mine.
        for mine in mines.values():
            answers = [d for d in deminages.values() if d.mine_id == mine.id and d.accepted]
            assert len(answers) == (1 if mine.status == "defused" else 0)
        stored = db.get(Idea, idea.id)
        assert stored is not None
        fresh = scoring.compute_for(db, ScoringParams(quiet_period_hours=0), stored, utcnow())
        assert (stored.score, stored.reviewer_count) == (fresh.score, fresh.reviewers)

    # Each instance renders the field of mines once and shares it (keyed by what it shows):
    # after each phase's writes, through either instance, both show the field as it stands.
    for text in idea_pages():
        assert text.count('class="cell ') == len(mines)
        assert all(f'id="deminage-{d}"' in text for d in brought)
        assert text.count("✓ Déminage accepté") == len(accepted)
    engine.dispose()
