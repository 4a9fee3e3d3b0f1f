"""Database engine, per-request session, and the Alembic migration helpers."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, event
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

from app.config import PROJECT_ROOT, Settings

WRITE_TRANSACTION = "demineurs_write_transaction"
READ_AUTOCOMMIT = "demineurs_read_autocommit"


def observer_session(engine: Engine) -> Session:
    """A long-lived session that never holds a stale snapshot (for tests and tools that watch
    the app's database while the app writes): on SQLite its reads run outside any transaction,
    and its first write of each unit of work takes the write lock then."""
    if engine.dialect.name != "sqlite":
        return Session(engine, expire_on_commit=False)
    session = Session(engine.execution_options(**{READ_AUTOCOMMIT: True}), expire_on_commit=False)

    @event.listens_for(session, "before_flush")
    def _begin_write(session: Session, *_: Any) -> None:
        dbapi = session.connection().connection.dbapi_connection
        if dbapi is not None and not dbapi.in_transaction:
            dbapi.execute("BEGIN IMMEDIATE")

    return session


def make_engine(settings: Settings) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if not settings.is_sqlite:
        return create_engine(settings.database_url, pool_pre_ping=True)
    path = settings.database_url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        settings.database_url, connect_args={"check_same_thread": False, "timeout": 15}
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # We emit BEGIN ourselves (below), so that writers can take the lock up front.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA cache_size=-8000")  # 8 MB per connection, bounded
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A request that will write takes SQLite's write lock at BEGIN: two writers then queue
        # on the busy timeout instead of failing with « database is locked » at their first write.
        options = conn.get_execution_options()
        if options.get(READ_AUTOCOMMIT):
            return  # each read sees the latest commit; the first write begins (see below)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_TRANSACTION) else "BEGIN")

    return engine


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One unit of work: commit at the end if all went well, roll back otherwise.

    `write=True` starts the transaction with the write lock (SQLite's BEGIN IMMEDIATE).
    """
    with Session(engine, expire_on_commit=False) as session:
        session.info[WRITE_TRANSACTION] = write
        if write and engine.dialect.name == "sqlite":
            session.connection(execution_options={WRITE_TRANSACTION: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def holds_write_lock(session: Session) -> bool:
    """Whether the session's transaction may write without upgrading a read (always true but
    on SQLite, where only a transaction begun with the write lock may)."""
    connection = session.connection()
    return connection.dialect.name != "sqlite" or bool(
        connection.get_execution_options().get(WRITE_TRANSACTION)
    )


def locks_rows(session: Session) -> bool:
    """Whether a write should lock the rows it reads first: on PostgreSQL, where writers run
    side by side (SQLite's write lock already serialises them)."""
    return bool(session.info.get(WRITE_TRANSACTION)) and session.get_bind().dialect.name != "sqlite"


def backup_sqlite(database_url: str, destination: Path) -> int:
    """Copy a live SQLite database with SQLite's online backup API: a consistent snapshot even
    while the app writes (the copy restarts on its own if a write lands mid-way). Returns its
    size in pages."""
    import sqlite3

    source_path = database_url.removeprefix("sqlite:///")
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.exists():
        destination.unlink()
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(destination)
    try:
        with target:
            source.backup(target, pages=1024, sleep=0.005)
        pages = int(target.execute("PRAGMA page_count").fetchone()[0])
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise RuntimeError(f"La copie est corrompue : {check}")
        return pages
    finally:
        target.close()
        source.close()


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(settings: Settings) -> None:
    """Bring the database to the latest migration."""
    if settings.is_sqlite:
        make_engine(settings).dispose()  # creates the data folder
    command.upgrade(alembic_config(settings.database_url), "head")


def migration_state(engine: Engine, database_url: str) -> tuple[str | None, str | None]:
    """The database's current revision and the code's head revision."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, script.get_current_head()


def check_migrations(engine: Engine, database_url: str) -> None:
    """Refuse to start on a database behind the code, saying what to run."""
    current, head = migration_state(engine, database_url)
    if current != head:
        raise RuntimeError(
            f"La base de données n'est pas à jour (révision {current or 'aucune'}, "
            f"attendue {head}). Lancez : demineurs migrate"
        )
