"""`demineurs backup` while the app writes: the copy is consistent, restores into a fresh
database that the app serves, and holds exactly the writes committed before it."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.config import Settings
from app.db import make_engine, migrate
from app.main import create_app
from app.models import Idea, IdeaTheme
from app.models.base import pk, utcnow
from app.schemas import IdeaCreate
from app.services import ideas
from app.services.readiness import ScoringParams
from tests.factories import make_user


def test_backup_during_writes_restores_a_consistent_copy(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    settings = Settings(database_url=f"sqlite:///{live}")
    migrate(settings)
    engine = make_engine(settings)
    with Session(engine, expire_on_commit=False) as db:
        author = make_user(db)
        db.commit()
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        # Each idea and its three themes are one transaction: a copy must hold all or none.
        with Session(engine, expire_on_commit=False) as db:
            while not stop.is_set():
                data = IdeaCreate(
                    title=f"Idée {len(written)}", problem="Un problème.", themes=["a", "b", "c"]
                )
                idea = ideas.create_draft(db, ScoringParams(), author, data, utcnow())
                db.commit()
                written.append(pk(idea))

    writer = threading.Thread(target=write)
    writer.start()
    while len(written) < 50:
        time.sleep(0.01)
    copy = tmp_path / "copies" / "backup.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "backup", str(copy)],
        env={**os.environ, "DATABASE_URL": settings.database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    during = len(written)
    stop.set()
    writer.join()
    assert result.returncode == 0, result.stderr
    assert "intégrité vérifiée" in result.stdout

    # Restore: a fresh database file from the copy, served by the app.
    restored = tmp_path / "restored.sqlite3"
    restored.write_bytes(copy.read_bytes())
    restored_settings = Settings(database_url=f"sqlite:///{restored}")
    with Session(make_engine(restored_settings)) as db:
        ids = list(db.exec(select(Idea.id).order_by(col(Idea.id))))
        themes_per_idea = set(
            db.exec(select(func.count()).select_from(IdeaTheme).group_by(col(IdeaTheme.idea_id)))
        )
    # Writes kept going during the copy: it holds a prefix of them, each one whole.
    assert 50 <= len(ids) <= during and ids == written[: len(ids)]
    assert themes_per_idea == {3}
    with TestClient(create_app(restored_settings)) as client:
        assert client.get("/readyz").json()["status"] == "ready"
    engine.dispose()


def test_the_served_app_moves_its_log_into_the_database_file_by_itself(tmp_path: Path) -> None:
    """Requests never run a checkpoint (app.db.Checkpointer does, from a thread): what the app
    wrote reaches the database file within seconds."""
    live = tmp_path / "live.sqlite3"
    settings = Settings(database_url=f"sqlite:///{live}")
    migrate(settings)
    with Session(make_engine(settings), expire_on_commit=False) as db:
        author = make_user(db)
        db.commit()
    app = create_app(settings)
    with TestClient(app):
        with Session(app.state.engine, expire_on_commit=False) as db:
            for n in range(200):
                data = IdeaCreate(title=f"Idée {n}", problem="Un problème.", themes=["a"])
                ideas.create_draft(db, ScoringParams(), author, data, utcnow())
                db.commit()
            assert db.exec(select(func.count()).select_from(Idea)).one() == 200
        # The database file alone (no log beside it) holds every idea after a few seconds.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            copy = tmp_path / "file-only.sqlite3"
            copy.write_bytes(live.read_bytes())
            with Session(make_engine(Settings(database_url=f"sqlite:///{copy}"))) as db:
                if db.exec(select(func.count()).select_from(Idea)).one() == 200:
                    break
            copy.unlink()
            time.sleep(0.2)
        else:
            raise AssertionError("the log was not copied into the database file")
