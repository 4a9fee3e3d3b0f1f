"""The Alembic migrations build exactly the schema the models describe, and go down again
(on the suite's database engine: SQLite, or PostgreSQL with DEMINEURS_TEST_DATABASE)."""

import itertools
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.config import Settings
from app.db import alembic_config, migrate
from tests.postgres import PostgresServer

_names = itertools.count(1)


def _no_search_index(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    return not (type_ == "table" and name and name.startswith("search_index"))


def empty_database(tmp_path: Path, postgres: PostgresServer | None) -> str:
    if postgres is None:
        return f"sqlite:///{tmp_path / 'm.sqlite3'}"
    name = f"migrations_{next(_names)}"
    postgres.execute(f"CREATE DATABASE {name}")
    return postgres.url(name)


def test_migrations_match_the_models(tmp_path: Path, postgres: PostgresServer | None) -> None:
    url = empty_database(tmp_path, postgres)
    migrate(Settings(database_url=url))
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _no_search_index})
        assert compare_metadata(context, SQLModel.metadata) == []
    engine.dispose()


def test_migrations_go_down_to_nothing_and_up_again(
    tmp_path: Path, postgres: PostgresServer | None
) -> None:
    url = empty_database(tmp_path, postgres)
    migrate(Settings(database_url=url))
    command.downgrade(alembic_config(url), "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate(Settings(database_url=url))


def test_migration_0015_keeps_one_acceptance_in_force_and_tells_no_old_ripening(
    tmp_path: Path, postgres: PostgresServer | None
) -> None:
    """Data written before 0015: every answer of a reopened mine still « accepted » (the bug),
    two accepted on a defused one; an idea ripe long ago, another still waiting. After 0015,
    only the last acceptance of a defused mine is in force, and only the idea waiting will be
    told of its ripening."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text
    from sqlmodel import Session

    from app.services import mines
    from app.services.readiness import ScoringParams
    from tests.factories import make_deminage, make_idea, make_mine, make_user

    url = empty_database(tmp_path, postgres)
    migrate(Settings(database_url=url))
    engine = create_engine(url)
    now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    params = ScoringParams()
    with Session(engine) as db:
        author, layer, helper = (make_user(db, name=n) for n in ("Autrice", "Poseur", "Aide"))
        idea = make_idea(db, author, now)
        waiting = make_idea(db, author, now)
        defused = make_mine(db, idea, layer, now, title="Défusée")
        first = make_deminage(db, defused, helper, now, body="Première")
        mines.accept_deminage(db, params, layer, first, defused, idea, now)
        mines.reopen(db, params, layer, defused, idea, "Non.", now + timedelta(minutes=1))
        last = make_deminage(db, defused, helper, now, body="Dernière")
        mines.accept_deminage(db, params, layer, last, defused, idea, now + timedelta(minutes=2))
        reopened = make_mine(db, idea, layer, now, title="Rouverte")
        old = make_deminage(db, reopened, helper, now, body="Ancienne")
        mines.accept_deminage(db, params, layer, old, reopened, idea, now)
        mines.reopen(db, params, layer, reopened, idea, "Non.", now + timedelta(minutes=3))
        db.commit()
        ids = {"first": first.id, "last": last.id, "old": old.id}
        idea_ids = {"ripe": idea.id, "waiting": waiting.id}
    command.downgrade(alembic_config(url), "0014")
    with engine.begin() as conn:
        conn.execute(text("UPDATE deminage SET accepted = true"))  # as the bug left them
        conn.execute(
            text("UPDATE idea SET ripe_from = :at WHERE id = :id"),
            {"at": datetime(2020, 1, 1), "id": idea_ids["ripe"]},
        )
        conn.execute(
            text("UPDATE idea SET ripe_from = :at WHERE id = :id"),
            {"at": datetime(2999, 1, 1), "id": idea_ids["waiting"]},
        )
    migrate(Settings(database_url=url))
    with engine.connect() as conn:
        accepted = dict(conn.execute(text("SELECT id, accepted FROM deminage")).all())
        announced = dict(conn.execute(text("SELECT id, ripe_announced_at FROM idea")).all())
    engine.dispose()
    assert {name: bool(accepted[i]) for name, i in ids.items()} == {
        "first": False,
        "last": True,
        "old": False,
    }
    assert announced[idea_ids["ripe"]] is not None
    assert announced[idea_ids["waiting"]] is None
