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
