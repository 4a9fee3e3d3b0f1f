"""`demineurs backup` while the app writes: the copy is consistent, restores into a fresh
database that the app serves, and holds exactly the writes committed before it."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.config import Settings
from app.db import make_engine, migrate
from app.main import create_app
from app.models import Idea, IdeaTheme
from app.models.base import utcnow
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
                written.append(idea.id)  # type: ignore[arg-type]

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
        ids = list(db.exec(select(Idea.id).order_by(Idea.id)))
        themes_per_idea = set(
            db.exec(select(func.count()).select_from(IdeaTheme).group_by(IdeaTheme.idea_id))
        )
    # Writes kept going during the copy: it holds a prefix of them, each one whole.
    assert 50 <= len(ids) <= during and ids == written[: len(ids)]
    assert themes_per_idea == {3}
    with TestClient(create_app(restored_settings)) as client:
        assert client.get("/readyz").json()["status"] == "ready"
    engine.dispose()
