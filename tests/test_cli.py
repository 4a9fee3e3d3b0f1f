"""The command line of the contract: migrate, seed-demo, create-user, create-token, serve,
recompute-scores."""

import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, update
from sqlmodel import Session, select

from app import cli, rescore
from app.config import Settings, get_settings
from app.main import create_app
from app.models import Idea, Mine, RescoreJob
from app.models.base import pk
from app.services import scoring
from app.services.readiness import ScoringParams
from tests.conftest import ON_POSTGRES, Clock
from tests.factories import make_idea, make_mine, make_user
from tests.html import attr, find_tag


def run(args: list[str], db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{db}", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_seed_create_user_and_token(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    assert run(["migrate"], db).returncode == 0
    seeded = run(["seed-demo"], db)
    assert seeded.returncode == 0, seeded.stderr
    assert "claire.martin@ville-exemple.fr" in seeded.stdout and "demineurs-demo" in seeded.stdout
    again = run(["seed-demo"], db)
    assert again.returncode == 0
    settings = Settings(database_url=f"sqlite:///{db}")
    created = run(
        [
            "create-user",
            "--email",
            "Zoe@Ville.fr",
            "--name",
            "Zoé",
            "--unit",
            "Urbanisme",
            "--role",
            "manager",
            "--password",
            "un-mot-de-passe",
        ],
        db,
    )
    assert created.returncode == 0, created.stderr
    duplicate = run(["create-user", "--email", "zoe@ville.fr", "--name", "Zoé", "--unit", "U"], db)
    assert duplicate.returncode != 0 and "existe déjà" in duplicate.stderr
    token = run(["create-token", "--email", "zoe@ville.fr"], db)
    assert token.returncode == 0
    secret = token.stdout.strip().splitlines()[-1]
    with TestClient(create_app(settings)) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.json()["name"] == "Zoé" and me.json()["unit"] == "Urbanisme"
        ideas = client.get("/api/v1/ideas", headers={"Authorization": f"Bearer {secret}"}).json()
        # 25 demo ideas, 3 of them drafts and 1 closed (« Idées en sommeil »); seeding twice
        # added none.
        assert ideas["total"] == 21
        statuses = {
            i["status"]
            for i in client.get(
                "/api/v1/ideas?page=2", headers={"Authorization": f"Bearer {secret}"}
            ).json()["items"]
        }
        assert statuses


def test_app_refuses_a_database_behind_the_code(tmp_path: Path) -> None:
    db = tmp_path / "empty.sqlite3"
    app = create_app(Settings(database_url=f"sqlite:///{db}"))
    with pytest.raises(RuntimeError, match="demineurs migrate"), TestClient(app):
        pass
    served = run(["serve", "--port", "1"], db)
    assert served.returncode != 0 and "demineurs migrate" in served.stderr


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("DEMINEURS_STATS_CACHE_SECONDS", "99999999999999", "au plus 86400"),
        ("DEMINEURS_SESSION_DAYS", "-3", "au moins 1"),
        ("DEMINEURS_ACCESSIBILITY_DECLARED_ON", "2999-01-01", "dans le futur"),
        ("DEMINEURS_ACCESSIBILITY_DECLARED_ON", "hier", "AAAA-MM-JJ"),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_line_naming_it(
    tmp_path: Path, variable: str, value: str, said: str
) -> None:
    served = run(["serve", "--port", "1"], tmp_path / "db.sqlite3", **{variable: value})
    assert served.returncode != 0
    assert "Traceback" not in served.stderr
    [line] = served.stderr.strip().splitlines()
    assert variable in line and said in line


def test_an_empty_declaration_date_is_no_reason_to_stop(tmp_path: Path) -> None:
    served = run(
        ["serve", "--port", "1"], tmp_path / "db.sqlite3", DEMINEURS_ACCESSIBILITY_DECLARED_ON=""
    )
    assert "Traceback" not in served.stderr and "demineurs migrate" in served.stderr


def test_production_refuses_the_default_secret(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="DEMINEURS_SECRET_KEY"):
        create_app(Settings(env="production", database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}"))
    served = run(["serve"], tmp_path / "p.sqlite3", DEMINEURS_ENV="production")
    assert served.returncode != 0 and "DEMINEURS_SECRET_KEY" in served.stderr


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "wal.sqlite3"
    run(["migrate"], db)
    app = create_app(Settings(database_url=f"sqlite:///{db}"))
    with app.state.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_update_user_changes_role_and_unit(tmp_path: Path) -> None:
    db = tmp_path / "roles.sqlite3"
    run(["migrate"], db)
    run(["create-user", "--email", "a@b.fr", "--name", "A", "--unit", "U1"], db)
    changed = run(["update-user", "--email", "a@b.fr", "--role", "admin", "--unit", "U2"], db)
    assert changed.returncode == 0, changed.stderr
    token = run(["create-token", "--email", "a@b.fr"], db).stdout.strip().splitlines()[-1]
    with TestClient(create_app(Settings(database_url=f"sqlite:///{db}"))) as client:
        assert (
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["unit"]
            == "U2"
        )
    assert run(["update-user", "--email", "nobody@b.fr", "--role", "admin"], db).returncode != 0


def test_serve_logs_json_lines_with_request_ids_and_stops_gracefully(tmp_path: Path) -> None:
    import json
    import signal
    import socket
    import threading
    import time

    import httpx

    db = tmp_path / "logs.sqlite3"
    assert run(["migrate"], db).returncode == 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DEMINEURS_BENCH_ENDPOINTS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            ping = httpx.get(f"{url}/healthz", headers={"X-Request-ID": "rapport-42"}, timeout=1)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
    assert ping.headers["x-request-id"] == "rapport-42"
    made_up = httpx.get(f"{url}/nulle-part", headers={"X-Request-ID": "<script>"}).headers
    assert made_up["x-request-id"] != "<script>" and len(made_up["x-request-id"]) == 32

    # SIGTERM while a request is in flight: it still gets its answer, then the process ends.
    answers: list[httpx.Response] = []
    slow = threading.Thread(
        target=lambda: answers.append(httpx.get(f"{url}/_bench/slow", timeout=10))
    )
    slow.start()
    time.sleep(0.3)
    server.send_signal(signal.SIGTERM)
    slow.join()
    assert server.wait(timeout=15) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal
    assert answers and answers[0].json() == {"status": "done"}

    lines = [line for line in (server.stdout.read() if server.stdout else "").splitlines() if line]
    records = [json.loads(line) for line in lines[1:]]  # after the banner, JSON only
    ours = [r for r in records if r.get("path") == "/healthz"]
    assert ours and ours[0]["request_id"] == "rapport-42" and ours[0]["status"] == 200
    assert any(r.get("path") == "/_bench/slow" and r["status"] == 200 for r in records)
    assert all({"time", "level", "message", "request_id"} <= r.keys() for r in records)


def test_links_point_where_the_server_answers_unless_told_otherwise(tmp_path: Path) -> None:
    """Served on another port without DEMINEURS_BASE_URL, an invitation link names that port;
    with it, the address it gives."""
    import re

    import httpx
    from bs4 import BeautifulSoup

    from tests.live import served

    db = tmp_path / "links.sqlite3"
    assert run(["migrate"], db).returncode == 0
    admin = ["--email", "admin@ville.fr", "--name", "Admin", "--unit", "DSI", "--role", "admin"]
    assert run(["create-user", *admin, "--password", "mot-de-passe-long"], db).returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "DEMINEURS_BASE_URL"}
    os.environ.pop("DEMINEURS_BASE_URL", None)

    def invitation_link(url: str, email: str) -> str:
        with httpx.Client(base_url=url) as client:
            page = BeautifulSoup(client.get("/login").text, "html.parser")
            token = attr(find_tag(page, "input", attrs={"name": "csrf_token"}), "value")
            credentials = {"email": "admin@ville.fr", "password": "mot-de-passe-long"}
            client.post("/login", data={**credentials, "csrf_token": token})
            page = BeautifulSoup(client.get("/admin/users").text, "html.parser")
            token = attr(find_tag(page, "input", attrs={"name": "csrf_token"}), "value")
            form = {"email": email, "name": "Invitée", "unit": "DSI", "role": "agent"}
            answer = client.post("/admin/account-invitations", data={**form, "csrf_token": token})
            found = re.search(r"https?://[^\s\"<]+/join/[^\s\"<]+", answer.text)
            assert found, answer.text
            return found.group()

    database = {"DATABASE_URL": f"sqlite:///{db}"}
    with served({**env, **database}, tmp_path) as (url, _):
        assert invitation_link(url, "une@ville.fr").startswith(url + "/join/")
    told = {**env, **database, "DEMINEURS_BASE_URL": "https://demineurs.ville.fr"}
    with served(told, tmp_path) as (url, _):
        link = invitation_link(url, "deux@ville.fr")
        assert link.startswith("https://demineurs.ville.fr/join/")


class _Terminal(io.StringIO):
    """The command's standard output, with a hand on each progress line it prints."""

    def __init__(self, on_progress: Callable[[str], None]) -> None:
        super().__init__()
        self.on_progress = on_progress

    def write(self, text: str) -> int:
        written = super().write(text)
        if re.search(r"\d+/\d+ idées recalculées", text):
            self.on_progress(text.strip())
        return written


def _recompute(
    settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch, terminal: _Terminal
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DEMINEURS_MAIL_DIR", settings.mail_dir)
    monkeypatch.setattr(sys, "stdout", terminal)
    get_settings.cache_clear()
    try:
        cli.main(["recompute-scores", "--batch-size", "2"], clock=clock)
    finally:
        get_settings.cache_clear()


def _stale_ideas(db: Session, clock: Clock, count: int) -> list[Idea]:
    """`count` ideas with an open mine each, whose stored scores were left wrong (a restored
    base, a migration that changed their facts)."""
    author, reviewer = make_user(db), make_user(db, unit="B")
    made = [make_idea(db, author, clock.now) for _ in range(count)]
    for idea in made:
        make_mine(db, idea, reviewer, clock.now)
    db.commit()
    db.execute(update(Idea).values(score=0))
    db.commit()
    return made


def _scores(db: Session, params: ScoringParams, clock: Clock) -> dict[int, tuple[int, int]]:
    """Each idea's stored score beside the one computed from scratch."""
    db.expire_all()
    return {
        pk(i): (i.score, scoring.compute_for(db, params, i, clock.now).score)
        for i in db.exec(select(Idea))
    }


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write lock; PostgreSQL locks rows")
def test_recompute_scores_commits_each_batch_so_a_colleague_writes_in_between(
    db: Session, settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five ideas by batches of two: each time the command shows its progress, a colleague on
    another connection, who would not wait a moment for the write lock, lays a bomb on an idea
    — the command holds no lock between batches, and every score ends right, bombs counted."""
    made = _stale_ideas(db, clock, 5)
    colleague = make_user(db, unit="C")
    db.commit()
    impatient = create_engine(settings.database_url, connect_args={"timeout": 0})
    lines: list[str] = []

    def lay_a_bomb(line: str) -> None:
        lines.append(line)
        with Session(impatient, expire_on_commit=False) as other:
            idea = other.get(Idea, made[len(lines) % len(made)].id)
            assert idea is not None
            params = scoring.scoring_params(other, get_settings())  # as a request reads them
            make_mine(other, idea, colleague, clock.now, severity="blocking", params=params)
            other.commit()  # « database is locked » at once if a batch still held the lock

    try:
        _recompute(settings, clock, monkeypatch, _Terminal(lay_a_bomb))
    finally:
        impatient.dispose()
    assert lines[:3] == ["2/5 idées recalculées", "4/5 idées recalculées", "5/5 idées recalculées"]
    scores = _scores(db, scoring.scoring_params(db, get_settings()), clock)
    assert all(stored == fresh for stored, fresh in scores.values()), scores
    assert any(fresh > 0 for _, fresh in scores.values())  # the stale zeros were replaced
    job = db.exec(select(RescoreJob)).one()
    assert job.finished_at is not None and job.done == 5 and job.created_by_id is None
    assert {i.score_version for i in db.exec(select(Idea))} == {job.id}
    # Each bomb counts: laid between two batches, none was overwritten by the next one.
    assert len(db.exec(select(Mine).where(Mine.severity == "blocking")).all()) == len(lines)


def test_an_interrupted_recompute_scores_resumes_after_its_last_batch(
    db: Session, settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stale_ideas(db, clock, 5)

    def interrupt(line: str) -> None:
        raise KeyboardInterrupt  # Ctrl-C once the first batch is saved

    with pytest.raises(SystemExit, match="pour reprendre"):
        _recompute(settings, clock, monkeypatch, _Terminal(interrupt))
    stored = _scores(db, scoring.scoring_params(db, get_settings()), clock)
    assert sum(1 for s, fresh in stored.values() if s == fresh) == 2  # the first batch only

    lines: list[str] = []
    terminal = _Terminal(lines.append)
    _recompute(settings, clock, monkeypatch, terminal)  # at once: the claim was given up
    said = terminal.getvalue()
    assert "Reprise du recalcul interrompu\u00a0: 2 idées déjà recalculées sur 5." in said
    assert lines[0] == "4/5 idées recalculées"  # onward from the third idea
    assert "5 idées recalculées en" in said
    scores = _scores(db, scoring.scoring_params(db, get_settings()), clock)
    assert all(stored == fresh for stored, fresh in scores.values())
    [job] = db.exec(select(RescoreJob)).all()  # the same job, taken up again
    assert job.finished_at is not None

    # Once done, the command starts over (a new job) and lands on the same scores.
    _recompute(settings, clock, monkeypatch, _Terminal(lambda line: None))
    assert _scores(db, scoring.scoring_params(db, get_settings()), clock) == scores
    assert len(db.exec(select(RescoreJob)).all()) == 2


def test_recompute_scores_takes_over_the_job_of_a_process_that_died(
    app: FastAPI, db: Session, settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed after one batch keeps its claim; once its two-minute lease has run out,
    the next run takes the same job over after that batch."""
    _stale_ideas(db, clock, 5)
    scoring.rescore_everything(db, scoring.scoring_params(db, get_settings()), clock.now)
    db.commit()
    assert rescore.run_pending(app.state.engine, "killed", clock, batch=2, max_batches=1) == 1
    clock.advance(minutes=3)
    terminal = _Terminal(lambda line: None)
    _recompute(settings, clock, monkeypatch, terminal)
    assert "2 idées déjà recalculées sur 5" in terminal.getvalue()
    scores = _scores(db, scoring.scoring_params(db, get_settings()), clock)
    assert all(stored == fresh for stored, fresh in scores.values())
    [job] = db.exec(select(RescoreJob)).all()
    assert job.finished_at is not None and job.claimed_by != "killed"
