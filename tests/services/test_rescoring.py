"""A change of the scoring parameters is recomputed in the background, by batches: resumable
after a crash, one worker at a time, superseded by a newer change, and no write on an idea
made meanwhile is lost; until an idea is reached, it reads with the parameters of its
stored score."""

from fastapi import FastAPI
from sqlmodel import Session, col, select

from app import rescore
from app.models import Idea, RescoreJob, Role, User
from app.models.base import pk
from app.services import idea_view, mines, scoring
from app.services.readiness import ScoringParams
from tests.conftest import Clock
from tests.factories import make_deminage, make_idea, make_mine, make_user

HEAVY_PETARDS = {"weight_minor": 20}  # a pétard now weighs nearly as much as a bomb


def _ideas(db: Session, clock: Clock, count: int) -> tuple[User, list[Idea]]:
    """`count` ideas whose score depends on the weights: a pétard defused, a mine open."""
    admin = make_user(db, role=Role.admin)
    author, reviewer, helper = make_user(db), make_user(db, unit="B"), make_user(db, unit="C")
    made = []
    for _ in range(count):
        idea = make_idea(db, author, clock.now)
        petard = make_mine(db, idea, reviewer, clock.now, severity="minor")
        deminage = make_deminage(db, petard, helper, clock.now)
        mines.accept_deminage(db, ScoringParams(), reviewer, deminage, petard, idea, clock.now)
        make_mine(db, idea, reviewer, clock.now, severity="major")
        made.append(idea)
    db.commit()
    return admin, made


def _save(db: Session, app: FastAPI, admin: User, clock: Clock, **values: int) -> RescoreJob:
    before = scoring.scoring_params(db, app.state.settings)
    job = scoring.save_params(db, admin, values, before, clock.now)
    db.commit()
    assert job is not None
    return job


def _stored(db: Session) -> dict[int, tuple[int, int]]:
    db.expire_all()
    return {pk(i): (i.score, i.score_version) for i in db.exec(select(Idea).order_by(col(Idea.id)))}


def _from_scratch(db: Session, params: ScoringParams, clock: Clock) -> dict[int, int]:
    db.expire_all()
    return {
        pk(i): scoring.compute_for(db, params, i, clock.now).score
        for i in db.exec(select(Idea).order_by(col(Idea.id)))
    }


def test_saving_stores_a_job_and_the_worker_recomputes_every_idea(
    app: FastAPI, db: Session, clock: Clock
) -> None:
    admin, _ = _ideas(db, clock, 4)
    old = _from_scratch(db, ScoringParams(), clock)
    job = _save(db, app, admin, clock, **HEAVY_PETARDS)
    new_params = scoring.scoring_params(db, app.state.settings)
    new = _from_scratch(db, new_params, clock)
    assert all(new[i] != old[i] for i in old)  # the change does move every score
    # Saved, not recomputed: every idea still has its score from before, version 0.
    assert _stored(db) == {i: (old[i], 0) for i in old}
    assert new_params.version == job.id and job.total == 4 and job.done == 0

    assert rescore.run_pending(app.state.engine, "w1", clock) > 0
    assert _stored(db) == {i: (new[i], job.id) for i in new}
    db.refresh(job)
    assert job.finished_at is not None and job.done == 4 and not job.superseded
    assert rescore.run_pending(app.state.engine, "w1", clock) == 0  # nothing left to do


def test_an_interrupted_recomputation_resumes_after_its_last_batch(
    app: FastAPI, db: Session, clock: Clock
) -> None:
    admin, made = _ideas(db, clock, 5)
    old = _from_scratch(db, ScoringParams(), clock)
    job = _save(db, app, admin, clock, **HEAVY_PETARDS)
    engine = app.state.engine
    # One batch of two, then the worker dies.
    assert rescore.run_pending(engine, "dead", clock, batch=2, max_batches=1) == 1
    db.refresh(job)
    assert (job.done, job.last_idea_id) == (2, made[1].id)
    stored = _stored(db)
    assert [stored[pk(i)][1] for i in made] == [job.id, job.id, 0, 0, 0]
    assert stored[pk(made[2])][0] == old[pk(made[2])]
    # Another instance cannot take it while the dead worker's lease runs…
    assert rescore.run_pending(engine, "other", clock, batch=2) == 0
    # …and takes it over, where it stopped, once the lease ran out.
    clock.advance(minutes=3)
    assert rescore.run_pending(engine, "other", clock, batch=2) == 3
    new = _from_scratch(db, scoring.scoring_params(db, app.state.settings), clock)
    assert _stored(db) == {i: (new[i], job.id) for i in new}
    db.refresh(job)
    assert job.done == 5 and job.claimed_by == "other" and job.finished_at is not None


def test_a_write_during_the_recomputation_is_kept_and_ends_with_the_new_parameters(
    app: FastAPI, db: Session, clock: Clock
) -> None:
    admin, made = _ideas(db, clock, 4)
    job = _save(db, app, admin, clock, **HEAVY_PETARDS)
    engine = app.state.engine
    rescore.run_pending(engine, "w", clock, batch=2, max_batches=1)
    # A colleague lays a bomb on an idea already recomputed and on one not reached yet, with
    # the parameters a request reads: the new ones.
    params = scoring.scoring_params(db, app.state.settings)
    late = make_user(db, unit="D")
    for idea in (made[0], made[3]):
        db.refresh(idea)
        make_mine(db, idea, late, clock.now, severity="blocking", params=params)
    db.commit()
    rescore.run_pending(engine, "w", clock, batch=2)
    new = _from_scratch(db, params, clock)
    stored = _stored(db)
    assert stored == {i: (new[i], job.id) for i in new}
    # The bombs count: not overwritten by a batch computed from what was there before.
    db.expire_all()
    assert all(
        len(mines.mines_for_idea(db, db.get_one(Idea, i.id), admin)) == 3
        for i in (made[0], made[3])
    )


def test_until_reached_an_idea_reads_with_the_parameters_of_its_score(
    app: FastAPI, db: Session, clock: Clock
) -> None:
    admin, made = _ideas(db, clock, 3)
    _save(db, app, admin, clock, **HEAVY_PETARDS)
    rescore.run_pending(app.state.engine, "w", clock, batch=1, max_batches=1)
    current = scoring.scoring_params(db, app.state.settings)
    db.expire_all()
    for idea, expected in ((made[0], current), (made[2], ScoringParams())):
        fresh = db.get(Idea, idea.id)
        assert fresh is not None
        view = idea_view.idea_view(db, current, fresh, admin, clock.now)
        # The page's gates and score agree with the score the board shows.
        assert view.readiness.score == fresh.score
        assert scoring.params_for_idea(db, fresh, current) == expected


def test_a_newer_save_supersedes_the_running_recomputation(
    app: FastAPI, db: Session, clock: Clock
) -> None:
    admin, _ = _ideas(db, clock, 4)
    first = _save(db, app, admin, clock, **HEAVY_PETARDS)
    rescore.run_pending(app.state.engine, "w", clock, batch=2, max_batches=1)
    second = _save(db, app, admin, clock, weight_minor=5, weight_major=1)
    db.refresh(first)
    assert first.superseded and first.finished_at is not None
    rescore.run_pending(app.state.engine, "w", clock, batch=2)
    params = scoring.scoring_params(db, app.state.settings)
    assert (params.weight_minor, params.weight_major, params.version) == (5, 1, second.id)
    new = _from_scratch(db, params, clock)
    assert _stored(db) == {i: (new[i], second.id) for i in new}


def test_an_idea_ripened_by_the_background_recomputation_is_told_once_by_mail(
    app: FastAPI, db: Session, clock: Clock
) -> None:
    """Two colleagues cleared the field; three were needed. The admin asks for two: the
    background worker ripens the idea, its author is told once, with a link to it, and the
    outbox sender is woken at once rather than at the next write."""
    from app.models import OutboxMessage
    from tests.factories import LONG

    admin = make_user(db, role=Role.admin)
    author, helper = make_user(db), make_user(db, unit="H")
    idea = make_idea(
        db, author, clock.now, problem=LONG, solution=LONG, broken_rule=LONG, first_ground=LONG
    )
    for unit in ("B", "C"):
        reviewer = make_user(db, unit=unit)
        mine = make_mine(db, idea, reviewer, clock.now)
        answer = make_deminage(db, mine, helper, clock.now)
        mines.accept_deminage(db, ScoringParams(), reviewer, answer, mine, idea, clock.now)
    db.commit()
    clock.advance(hours=73)
    _save(db, app, admin, clock, min_reviewers=2)
    woken: list[bool] = []
    worker = rescore.Rescorer(
        app.state.engine, app.state.settings, clock, on_mail=lambda: woken.append(True)
    )
    worker.turn()
    worker.turn()  # nothing left: told once
    db.expire_all()
    told = db.exec(
        select(OutboxMessage).where(
            OutboxMessage.to_email == author.email, col(OutboxMessage.subject).contains("mûre")
        )
    ).all()
    assert len(told) == 1
    assert f"/ideas/{idea.id}" in told[0].body
    assert woken  # the sender is woken when the batch commits, not at the next write
