"""Database engine, the unit of work (and the one write beside it), and Alembic's helpers."""

import logging
import threading
import weakref
from _thread import LockType
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Executable, event
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine
from sqlmodel.sql.expression import Select

from app.background import PeriodicWorker
from app.config import PROJECT_ROOT, Settings

log = logging.getLogger("demineurs.db")
SQLITE_BUSY_SECONDS = 15
# The part of the file read through a memory map rather than copied (address space, not memory:
# the pages stay in the OS cache, shared by every worker).
SQLITE_MMAP_BYTES = 1 << 30
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


def make_engine(settings: Settings, *, background_checkpoints: bool = False) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys and a busy timeout.

    With `background_checkpoints` (the served app, see `Checkpointer`), its connections leave
    checkpoints to a thread instead of running one inside the request that crosses the WAL's
    threshold."""
    if not settings.is_sqlite:
        return create_engine(settings.database_url, pool_pre_ping=True)
    path = settings.database_url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        settings.database_url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS},
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # We emit BEGIN ourselves (below), so that writers can take the lock up front.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        # 4 MB per connection, bounded: the OS keeps the rest of the file in its own cache, shared
        # by every connection and worker; mapped into memory, a read of it costs no copy (a
        # filtered board reads some thousand pages: a third less CPU, docs/performance.md).
        cursor.execute("PRAGMA cache_size=-4000")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        if background_checkpoints:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute(f"PRAGMA journal_size_limit={64 * 1024 * 1024}")  # log file, at rest
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


_CHECKPOINTS: "weakref.WeakKeyDictionary[Engine, LockType]" = weakref.WeakKeyDictionary()


def checkpoint_lock(engine: Engine) -> LockType:
    """Held by every checkpointer of this engine during a pass (a tool that swaps the file
    under a running app takes it)."""
    return _CHECKPOINTS.setdefault(engine, threading.Lock())


class Checkpointer(PeriodicWorker):
    """Copies SQLite's write-ahead log into the database file from a thread, every second.

    By default the write that crosses the log's threshold runs the checkpoint, and its fsync,
    before answering: with many writers that one is slow, often 10 to 100 times the others.
    Here writers only append to the log; a passive checkpoint never blocks them, and the log
    stays small as long as the thread runs (each worker process runs its own: they do not
    disturb each other)."""

    name = "wal-checkpoint"
    log = log
    failure = "WAL checkpoint failed"  # a failed pass is retried by the next

    def __init__(self, engine: Engine, interval: float = 1.0) -> None:
        super().__init__(interval)
        self.engine = engine
        self.lock = checkpoint_lock(engine)

    def stop(self, timeout: float = 10) -> None:
        super().stop(timeout)
        self.checkpoint()  # what the last requests wrote

    def checkpoint(self) -> None:
        with self.lock:
            connection = self.engine.raw_connection()
            try:
                driver = connection.driver_connection
                if driver is not None:  # None only once the connection is closed
                    driver.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                connection.close()

    def turn(self) -> None:
        self.checkpoint()


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One unit of work: commit at the end if all went well, roll back otherwise.

    `write=True` starts the transaction with the write lock (SQLite's BEGIN IMMEDIATE).
    """
    queue = _writers_queue(engine) if write else None
    # Past the wait, SQLite's own busy timeout applies.
    queued = queue is not None and queue.acquire(timeout=SQLITE_BUSY_SECONDS)
    try:
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
    finally:
        if queue is not None and queued:
            queue.release()


@contextmanager
def write_beside(session: Session) -> Iterator[Session]:
    """The one second transaction a request may open: a short write beside a request that
    only reads, committed at once and whatever becomes of the request (an API token's last use,
    a PDF's rate limit; see docs/decisions.md). In a request that writes, the write goes in its
    own unit of work instead.

    A read request keeps its read transaction: on SQLite a read that turns into a write fails
    when another writer committed since it began."""
    if session.info.get(WRITE_TRANSACTION):
        yield session
        return
    with session_scope(session.get_bind().engine, write=True) as writer:
        yield writer


# A plain lock, not an RLock: FastAPI may end a dependency in another thread than it began.
_WRITERS: "weakref.WeakKeyDictionary[Engine, LockType]" = weakref.WeakKeyDictionary()


def _writers_queue(engine: Engine) -> LockType | None:
    """On SQLite, the writers of one process wait for the write lock in turn, here.

    SQLite's busy handler makes a waiting writer sleep and retry (up to 100 ms a nap): under
    load, a writer may lose the lock again and again while others take it, and wait seconds.
    A process-wide mutex around write transactions serves them in order instead; SQLite's
    busy timeout still arbitrates between processes (several workers, the CLI)."""
    if engine.dialect.name != "sqlite":
        return None
    queue = _WRITERS.get(engine)
    if queue is None:
        queue = _WRITERS.setdefault(engine, threading.Lock())
    return queue


def read_rows(session: Session, statement: Executable, params: dict[str, Any] | None = None) -> Any:
    """Plain rows for a page: the statement (built once, with bound parameters) runs on the
    session's connection, past the ORM's execution layer — no identity map, no objects.
    Pending changes are flushed first, so the rows include them."""
    session.flush()
    return session.connection().execute(statement, params or {}).all()


def wide_select(*columns: Any) -> Select[*tuple[Any, ...]]:
    """`select` of five columns or more: the same statement as sqlmodel's `select`, whose
    signatures stop at four columns (its rows come back as tuples of `Any`)."""
    return Select(*columns)


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
            raise RuntimeError(f"La copie est corrompue\u00a0: {check}")
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
            f"La base de données n’est pas à jour (révision {current or 'aucune'}, "
            f"attendue {head}). Lancez\u00a0: demineurs migrate"
        )
