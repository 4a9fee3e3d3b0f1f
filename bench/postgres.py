"""The bench base on PostgreSQL: the tests' own local server, the app's migrations, then the
SQLite base's rows copied table by table (COPY) and the sequences set after them."""

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from app.config import Settings
from app.db import migrate
from tests.postgres import PostgresServer

DATABASE = "bench"


@contextmanager
def started() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server on loopback (tests/postgres.py), stopped afterwards."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


def postmaster_pid(server: PostgresServer) -> int:
    """The server's main process: every backend is its child (CPU counted from /proc)."""
    return int((server.data / "postmaster.pid").read_text().split()[0])


def _dsn(server: PostgresServer) -> str:
    return f"host=127.0.0.1 port={server.port} user=postgres dbname={DATABASE}"


def load(server: PostgresServer, sqlite_path: Path, log=print) -> str:  # type: ignore[no-untyped-def]
    """Create the bench database with the app's migrations, copy the SQLite base into it, and
    return its URL. The search index's `tsv` is a generated column: PostgreSQL computes it
    from the same stemmed text the SQLite index holds, as the app's writes would."""
    began = time.perf_counter()
    server.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    server.execute(f"CREATE DATABASE {DATABASE}")
    url = server.url(DATABASE)
    migrate(Settings(database_url=url))
    source = sqlite3.connect(sqlite_path)
    rows = 0
    with psycopg.connect(_dsn(server)) as pg:
        pg.execute("SET TimeZone = 'UTC'")
        tables = [
            name
            for (name,) in pg.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version' ORDER BY tablename"
            )
        ]
        # What the migrations seeded is replaced by the base's own rows.
        pg.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        # Foreign keys are triggers: off while the tables arrive in alphabetical order.
        pg.execute("SET session_replication_role = replica")
        for table in tables:
            present = {row[1] for row in source.execute(f'PRAGMA table_info("{table}")')}
            if not present:
                continue  # a table only PostgreSQL has
            columns = [
                name
                for (name,) in pg.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                    "'public' AND table_name = %s AND is_generated = 'NEVER' "
                    "ORDER BY ordinal_position",
                    (table,),
                )
                if name in present
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            with pg.cursor().copy(f'COPY "{table}" ({listed}) FROM STDIN') as copy:
                for row in source.execute(f'SELECT {listed} FROM "{table}"'):
                    copy.write_row(row)
                    rows += 1
        pg.execute("SET session_replication_role = DEFAULT")
        serials = pg.execute(
            "SELECT table_name, column_name, "
            "pg_get_serial_sequence(quote_ident(table_name), column_name) "
            "FROM information_schema.columns WHERE table_schema = 'public' "
            "AND (column_default LIKE 'nextval%%' OR is_identity = 'YES')"
        ).fetchall()
        for table, column, sequence in serials:
            if sequence:
                pg.execute(
                    f'SELECT setval(%s, COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, '
                    "false)",
                    (sequence,),
                )
    source.close()
    with psycopg.connect(_dsn(server), autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")  # the planner's statistics, and index-only scans
    log(f"copied into PostgreSQL: {rows} rows in {time.perf_counter() - began:.1f} s")
    return url


def version(server: PostgresServer) -> str:
    with psycopg.connect(_dsn(server)) as pg:
        row = pg.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"
