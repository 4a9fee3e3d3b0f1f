"""Column types shared by every model: UTC timestamps that come back timezone-aware; and the
typed ways to a stored row's id and a model's table."""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import DateTime, FromClause, TypeDecorator
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel


def utcnow() -> datetime:
    """The real time: the app's default clock, and the default of a row's timestamp columns.

    Services never call it: they take the `now` of their request or command, so that tests can
    move time (docs/architecture.md, « Transactions and the clock »)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC, so SQLite and PostgreSQL behave alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


# Ids are the database's positive 32-bit integers (SQLite and PostgreSQL alike).
ID_MAX = 2**31 - 1


def parse_id(raw: object) -> int | None:
    """An id typed in a form or a path: ASCII digits only, within the ids' range; None for
    anything else (`int()` also reads « ١ », « 1_0 », « ¹ » and « 1.0 » as numbers)."""
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def pk(row: _Stored) -> int:
    """The id of a row that is in the database: the type says `int | None` because a new row
    gets its id only when flushed; asking for it before is a bug, said here rather than later as
    a NULL foreign key."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: add and flush it first")
    return row.id


def stored_ids(ids: Iterable[int | None]) -> list[int]:
    """Ids selected from the database, as `int`: sqlmodel types a primary key column
    `int | None` (a new row has none yet) though a stored row always has one."""
    return [i for i in ids if i is not None]


def table_of(model: type[SQLModel]) -> FromClause:
    """A table model's Core table (its `__table__`, which SQLModel sets without typing it)."""
    return sa_inspect(model).local_table
