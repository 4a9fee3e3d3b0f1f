"""The Alembic migrations build exactly the schema the models describe, and go down again
(on the suite's database engine: SQLite, or PostgreSQL with DEMINEURS_TEST_DATABASE)."""

import itertools
from datetime import UTC, date, datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text, update
from sqlmodel import Session, SQLModel, select

import app.models  # noqa: F401
from app import rescore
from app.config import Settings
from app.db import alembic_config, migrate
from app.demo import seed_demo
from app.models import Idea, Mine, MineSignature, Role
from app.models.base import pk
from app.schemas import PromoteInput
from app.services import blockers, ideas, scoring
from app.services.readiness import ScoringParams
from tests.factories import make_idea, make_user
from tests.postgres import PostgresServer

_names = itertools.count(1)


def _no_search_index(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
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


def test_migration_0019_keeps_one_acceptance_in_force_and_tells_no_old_ripening(
    tmp_path: Path, postgres: PostgresServer | None
) -> None:
    """Data written before 0019: every answer of a reopened mine still « accepted » (the bug),
    two accepted on a defused one; an idea ripe long ago, another still waiting. After 0019,
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
        ids = {"first": pk(first), "last": pk(last), "old": pk(old)}
        idea_ids = {"ripe": pk(idea), "waiting": pk(waiting)}
    command.downgrade(alembic_config(url), "0016")
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
        accepted: dict[int, int] = dict(
            conn.execute(text("SELECT id, accepted FROM deminage")).all()
        )
        announced: dict[int, object] = dict(
            conn.execute(text("SELECT id, ripe_announced_at FROM idea")).all()
        )
    engine.dispose()
    assert {name: bool(accepted[i]) for name, i in ids.items()} == {
        "first": False,
        "last": True,
        "old": False,
    }
    assert announced[idea_ids["ripe"]] is not None
    assert announced[idea_ids["waiting"]] is None


def test_mines_become_first_ground_on_intuition_signed_by_their_author_and_no_score_moves(
    tmp_path: Path, postgres: PostgresServer | None
) -> None:
    """Migration 0016 on the demo base: every mine threatens the first ground, rests on
    « intuition » and has its author as sole signer with its severity; recomputed from
    scratch after it, every idea's score, ripeness and reviewers are those stored before."""
    url = empty_database(tmp_path, postgres)
    settings = Settings(database_url=url)
    migrate(settings)
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    engine = create_engine(url)
    with Session(engine) as session:
        seed_demo(session, settings, now)
        # A base from before 0016 had no mine for the generalisation only: the demo's go back
        # to the first ground, each idea with the score it then had.
        session.execute(update(Mine).values(scope="first_ground"))
        # … recomputed as `demineurs recompute-scores` does: a job, run by batches.
        scoring.rescore_everything(session, scoring.scoring_params(session, settings), now)
        session.commit()
    rescore.run_pending(engine, "migration-test", lambda: now)
    before_0016 = ScriptDirectory.from_config(alembic_config(url)).get_revision("0016")
    assert before_0016 is not None and isinstance(before_0016.down_revision, str)
    command.downgrade(alembic_config(url), before_0016.down_revision)
    with engine.connect() as conn:
        assert "scope" not in {c["name"] for c in inspect(conn).get_columns("mine")}
        stored = {
            row.id: (row.score, row.reviewer_count, row.ripe_from)
            for row in conn.execute(text("SELECT id, score, reviewer_count, ripe_from FROM idea"))
        }
        mines_before = {
            row.id: (row.author_id, row.severity)
            for row in conn.execute(text("SELECT id, author_id, severity FROM mine"))
        }
    assert len(stored) == 25 and len(mines_before) >= 40

    migrate(settings)
    params = ScoringParams(
        ripe_threshold=settings.ripe_threshold,
        min_reviewers=settings.min_reviewers,
        quiet_period_hours=settings.quiet_period_hours,
    )
    with Session(engine) as session:
        laid = session.exec(select(Mine)).all()
        assert {m.id: (m.author_id, m.severity) for m in laid} == mines_before
        assert {(m.scope, m.basis, m.basis_reference) for m in laid} == {
            ("first_ground", "intuition", "")
        }
        signatures = session.exec(select(MineSignature)).all()
        assert sorted((s.mine_id, s.user_id, s.severity) for s in signatures) == sorted(
            (mine_id, author, severity) for mine_id, (author, severity) in mines_before.items()
        )
        for idea in session.exec(select(Idea)).all():
            score, reviewers, ripe_from = stored[idea.id]
            recomputed = scoring.compute_for(session, params, idea, now)
            assert (recomputed.score, recomputed.reviewers) == (score, reviewers), idea.title
            # Ripe from the same instant (the column, untouched, read back as a date).
            assert (ripe_from is None) == (idea.ripe_from is None), idea.title
            expected = recomputed.ripe_from if idea.status == "open" else None
            assert idea.ripe_from == expected, idea.title
        # The map counts every open mine on the first ground, as it counted them before.
        assert blockers.stored(session) == blockers.recount(session)
    engine.dispose()


def test_decisions_taken_before_outcomes_existed_keep_what_was_written_then(
    tmp_path: Path, postgres: PostgresServer | None
) -> None:
    """Migration 0015 makes an outcome of every decision already taken — a promotion of its
    history line, a send-back of its comment, a closing of its lesson, a merge of the lesson
    left on the duplicate — and makes the promoting manager the project's sponsor."""
    url = empty_database(tmp_path, postgres)
    migrate(Settings(database_url=url))
    engine = create_engine(url)
    now, params = datetime(2026, 11, 2, 9, 0, tzinfo=UTC), ScoringParams()
    with Session(engine) as db:
        author = make_user(db, name="Autrice")
        manager = make_user(db, name="Manon", role=Role.manager)
        admin = make_user(db, name="Adèle", role=Role.admin)
        promoted, sent_back, closed, kept, merged = (
            make_idea(db, author, now, title=f"Idée {n}") for n in range(5)
        )
        ideas.promote(
            db,
            params,
            manager,
            promoted,
            PromoteInput(
                sponsor="DGS",
                next_step="Pilote",
                target_date=date(2027, 3, 31),
                reason="Urgent",
                outcome="Un pilote.",
            ),
            now,
        )
        ideas.send_back(db, manager, sent_back, "Précisez le premier terrain.", now)
        ideas.abandon(db, params, author, closed, "Trop tôt.", now)
        ideas.merge(db, params, admin, kept, merged, "Doublon.", now)
        ids = {i.title: i.id for i in (promoted, sent_back, closed, merged)}
        people = (manager.id, admin.id, author.id)
        db.commit()
    engine.dispose()
    command.downgrade(alembic_config(url), "0015-1")  # the revision before 0015
    command.upgrade(alembic_config(url), "0015")
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT idea_id, decision, text, author_id FROM outcome ORDER BY idea_id")
        ).all()
        sponsor = conn.execute(
            text("SELECT sponsor_id FROM idea WHERE id = :i"), {"i": ids["Idée 0"]}
        ).scalar_one()
    engine.dispose()
    manager_id, admin_id, author_id = people
    found = {idea_id: (decision, text_, who) for idea_id, decision, text_, who in rows}
    assert found[ids["Idée 0"]][0] == "promoted" and "Sponsor\u00a0: DGS" in found[ids["Idée 0"]][1]
    assert found[ids["Idée 0"]][2] == manager_id and sponsor == manager_id
    assert found[ids["Idée 1"]] == ("sent_back", "Précisez le premier terrain.", manager_id)
    assert found[ids["Idée 2"]] == ("closed", "Trop tôt.", author_id)
    assert found[ids["Idée 4"]] == (
        "merged",
        "Fusionnée avec l’idée «\u00a0Idée 3\u00a0».",
        admin_id,
    )
    assert len(rows) == 4  # the idea kept is not itself decided on
