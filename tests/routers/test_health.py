"""/healthz (the process lives) and /readyz (the database answers, is migrated, takes writes)."""

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session, select

from app.models import Heartbeat


def test_ready_when_the_database_takes_a_write(app: FastAPI, db: Session) -> None:
    with TestClient(app) as client:
        answer = client.get("/readyz")
    assert answer.status_code == 200 and answer.json()["status"] == "ready"
    db.expire_all()
    assert db.exec(select(Heartbeat)).one().id == 1


def test_not_ready_when_the_database_is_read_only(app: FastAPI) -> None:
    """Every page still loads from a read-only file; every write fails: not ready."""
    engine = app.state.engine

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_conn: Any, _record: Any) -> None:
        if engine.dialect.name == "sqlite":
            dbapi_conn.execute("PRAGMA query_only=ON")
        else:  # PostgreSQL: every transaction of the connection read-only
            dbapi_conn.execute("SET default_transaction_read_only = on")
            dbapi_conn.commit()

    engine.dispose()  # connections opened from now on are read-only
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200  # alive, though
        assert client.get("/login").status_code == 200  # reads work
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "read-only"
    assert re.search(r"read-?only", answer.json()["detail"])
