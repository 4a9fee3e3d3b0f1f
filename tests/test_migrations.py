"""The Alembic migrations build exactly the schema the models describe, and go down again."""

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.config import Settings
from app.db import alembic_config, migrate


def _no_search_index(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    return not (type_ == "table" and name and name.startswith("search_index"))


def test_migrations_match_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    migrate(Settings(database_url=url))
    with create_engine(url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _no_search_index})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_migrations_go_down_to_nothing_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    migrate(Settings(database_url=url))
    command.downgrade(alembic_config(url), "base")
    with create_engine(url).connect() as conn:
        tables = {
            r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert tables <= {"alembic_version"}
    migrate(Settings(database_url=url))
