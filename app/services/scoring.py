"""The readiness glue: load an idea's facts, compute, store the score and note ripeness changes."""

from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, bindparam, func, or_, update
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import locks_rows, read_rows, wide_select
from app.models import (
    AppSetting,
    Deminage,
    Idea,
    IdeaEvent,
    IdeaStatus,
    IdeaTheme,
    Mine,
    MineSignature,
    RescoreJob,
    User,
)
from app.models.base import pk
from app.services import audit, blockers, board, readiness, visibility
from app.services.readiness import Contributor, IdeaFacts, MineFacts, Readiness, ScoringParams

PARAM_KEYS = tuple(f.name for f in fields(ScoringParams) if f.name != "version")
# The version of the parameters in force, kept beside them (a RescoreJob's id).
VERSION_KEY = "scoring_version"
PARAM_LABELS = {
    "ripe_threshold": "Seuil de maturité (0–100)",
    "min_reviewers": "Nombre minimal de regards croisés",
    "quiet_period_hours": "Période calme, en heures (0 la désactive)",
    "weight_minor": "Poids d’un pétard",
    "weight_major": "Poids d’une mine",
    "weight_blocking": "Poids d’une bombe",
}
PARAM_BOUNDS = {
    "ripe_threshold": (0, 100),
    "min_reviewers": (0, 50),
    "quiet_period_hours": (0, 24 * 90),
    "weight_minor": (1, 100),
    "weight_major": (1, 100),
    "weight_blocking": (1, 100),
}


def scoring_params(session: Session, settings: Settings) -> ScoringParams:
    """The environment's thresholds, overridden by what an admin set in the app."""
    values: dict[str, int] = {
        "ripe_threshold": settings.ripe_threshold,
        "min_reviewers": settings.min_reviewers,
        "quiet_period_hours": settings.quiet_period_hours,
    }
    keys = (*PARAM_KEYS, VERSION_KEY)
    for row in session.exec(select(AppSetting).where(col(AppSetting.key).in_(keys))):
        try:
            values["version" if row.key == VERSION_KEY else row.key] = int(row.value)
        except ValueError:
            continue
    return ScoringParams(**values)


def _versioned(values: dict[str, int], version: int) -> ScoringParams:
    known = {k: v for k, v in values.items() if k in PARAM_KEYS}
    return ScoringParams(**known, version=version)


def params_for_idea(session: Session, idea: Idea, current: ScoringParams) -> ScoringParams:
    """The parameters the idea's stored score was computed with: those in force, except while
    a recomputation has not reached it yet (its score, its page and its gates then keep the
    parameters from before, never half of each)."""
    if idea.score_version == current.version:
        return current
    job = session.exec(
        select(RescoreJob)
        .where(col(RescoreJob.id) >= idea.score_version)
        .order_by(col(RescoreJob.id))
        .limit(1)
    ).first()
    if job is None:
        return current
    if job.id == idea.score_version:
        return _versioned(job.params, job.id)
    # Version 0 (or one no longer kept): what was in force before the next change.
    return _versioned(job.previous, idea.score_version)


_IDEAS: BindParameter[Any] = bindparam("ids", expanding=True)
# The columns `facts_from_rows` reads, named as the idea page's rows name them
# (`mines.idea_rows`): several ideas' mines and déminages, no text but the mines' titles.
_MINE_ROWS = (
    wide_select(
        Mine.idea_id,
        Mine.id,
        Mine.title,
        Mine.author_id,
        col(User.unit_id).label("author_unit_id"),
        Mine.severity,
        Mine.status,
        Mine.hidden_at,
        Mine.armed_at,
        Mine.scope,
        Mine.category,
    )
    .join(User, col(Mine.author_id) == User.id)
    .where(col(Mine.idea_id).in_(_IDEAS))
    .order_by(col(Mine.created_at), col(Mine.id))
)
_DEMINAGE_ROWS = (
    wide_select(
        Mine.idea_id,
        Deminage.mine_id,
        Deminage.author_id,
        col(User.unit_id).label("author_unit_id"),
        Deminage.hidden_at,
    )
    .join(Mine, col(Deminage.mine_id) == Mine.id)
    .join(User, col(Deminage.author_id) == User.id)
    .where(col(Mine.idea_id).in_(_IDEAS))
    .order_by(col(Deminage.created_at), col(Deminage.id))
)
_SIGNATURE_ROWS = (
    wide_select(
        Mine.idea_id,
        MineSignature.mine_id,
        col(MineSignature.user_id).label("author_id"),
        col(User.unit_id).label("author_unit_id"),
        MineSignature.severity,
    )
    .join(Mine, col(MineSignature.mine_id) == Mine.id)
    .join(User, col(MineSignature.user_id) == User.id)
    .where(col(Mine.idea_id).in_(_IDEAS))
    .order_by(col(MineSignature.created_at), col(MineSignature.user_id))
)
_THEME_COUNTS = (
    select(IdeaTheme.idea_id, func.count())
    .where(col(IdeaTheme.idea_id).in_(_IDEAS))
    .group_by(col(IdeaTheme.idea_id))
)


def facts_from_rows(
    idea: Idea,
    theme_count: int,
    mine_rows: Sequence[Any],
    deminage_rows: Sequence[Any],
    signature_rows: Sequence[Any] = (),
) -> IdeaFacts:
    """The one place where the database's rows become the score's facts, whoever reads them
    (the stored score, the idea page, the API, the fiche): the idea's mines (`id`, `title`,
    `author_id`, `author_unit_id`, `severity`, `status`, `hidden_at`, `armed_at`, `scope`,
    `category`),
    their déminages (`mine_id`, `author_id`, `author_unit_id`, `hidden_at`) and their
    signatures (`mine_id`, `author_id`, `author_unit_id`), as read, before any redaction.
    What moderation hid counts as `visibility` says; the idea's co-porteurs (`carriers_counted`)
    count as its author does: as no reviewer. A mine's `severity` is already its signers'
    median (kept so by `mines`)."""
    by_id = {m.id: m for m in mine_rows}
    cosigners: dict[int, list[Contributor]] = {m.id: [] for m in mine_rows}
    for sig in signature_rows:
        if sig.author_id != by_id[sig.mine_id].author_id:
            cosigners[sig.mine_id].append(Contributor(sig.author_id, sig.author_unit_id))
    mines = [
        MineFacts(
            m.title,
            m.author_id,
            m.author_unit_id,
            m.severity,
            visibility.counted_status(m),
            m.armed_at,
            m.scope,
            tuple(cosigners[m.id]),
            m.category,
        )
        for m in mine_rows
    ]
    helpers = [
        Contributor(d.author_id, d.author_unit_id)
        for d in deminage_rows
        if visibility.counts(d, by_id[d.mine_id])
    ]
    return IdeaFacts(
        author_id=idea.author_id,
        problem=idea.problem,
        solution=idea.solution,
        broken_rule=idea.broken_rule,
        first_ground=idea.first_ground,
        theme_count=theme_count,
        mines=mines,
        deminage_authors=helpers,
        co_carrier_ids=carriers_counted(idea),
    )


def carriers_counted(idea: Idea) -> frozenset[int]:
    """The co-porteurs the score counts as carriers: those of now, or, once the idea closed,
    those it had then. A closed idea's score is frozen: nobody can lay a mine, bring a
    déminage or join it any more, and a co-porteur leaving it does not make them a reviewer."""
    if idea.status == IdeaStatus.abandoned and idea.closing_carrier_ids is not None:
        return frozenset(idea.closing_carrier_ids)
    return frozenset(idea.co_carrier_ids)


def facts_for(session: Session, ideas: list[Idea]) -> dict[int, IdeaFacts]:
    """What the score needs for several ideas, in four queries over their mines, déminages,
    signatures and themes only (plain columns, no ORM objects): the cost follows these ideas,
    never the base."""
    ids = [pk(i) for i in ideas]
    mines: dict[int, list[Any]] = {i: [] for i in ids}
    for row in read_rows(session, _MINE_ROWS, {"ids": ids}):
        mines[row.idea_id].append(row)
    deminages: dict[int, list[Any]] = {i: [] for i in ids}
    signatures: dict[int, list[Any]] = {i: [] for i in ids}
    if any(mines.values()):
        for row in read_rows(session, _DEMINAGE_ROWS, {"ids": ids}):
            deminages[row.idea_id].append(row)
        for row in read_rows(session, _SIGNATURE_ROWS, {"ids": ids}):
            signatures[row.idea_id].append(row)
    themes = dict(read_rows(session, _THEME_COUNTS, {"ids": ids}))
    return {
        pk(idea): facts_from_rows(
            idea,
            themes.get(idea.id, 0),
            mines[pk(idea)],
            deminages[pk(idea)],
            signatures[pk(idea)],
        )
        for idea in ideas
    }


def idea_facts(session: Session, idea: Idea) -> IdeaFacts:
    """What the score needs for one idea."""
    return facts_for(session, [idea])[pk(idea)]


def compute_for(session: Session, params: ScoringParams, idea: Idea, now: datetime) -> Readiness:
    """The idea's readiness computed from scratch."""
    return readiness.compute(idea_facts(session, idea), params, now)


def refresh(
    session: Session,
    params: ScoringParams,
    idea: Idea,
    now: datetime,
    actor: User | None = None,
    cause: str = "",
    facts: IdeaFacts | None = None,
    *,
    map_unchanged: bool = False,
) -> Readiness:
    """Recompute and store the score in the caller's transaction; note when ripeness changes;
    keep the map of what blocks and the board's categories of open mines up to date (unless
    only the scoring parameters changed)."""
    events = [e for e in session.new if isinstance(e, IdeaEvent) and e.idea_id == idea.id]
    # Closing freezes who carries it, for the score (`carriers_counted`); every closing
    # refreshes the score right after setting the status.
    if idea.status != IdeaStatus.abandoned:
        if idea.closing_carrier_ids is not None:
            idea.closing_carrier_ids = None
    elif idea.closing_carrier_ids is None:
        idea.closing_carrier_ids = list(idea.co_carrier_ids)
    if facts is None:
        session.flush()
        facts = idea_facts(session, idea)
    was_ripe = idea.is_ripe(now)
    # Ripe until now, whatever the status says: a promotion changes it before this runs.
    ripe_since = idea.ripe_from if idea.ripe_from is not None and idea.ripe_from <= now else None
    score_then = idea.score
    result = readiness.compute(facts, params, now)
    idea.score = result.score
    idea.score_version = params.version
    # The history shows the score each event led to: lines written earlier in this transaction
    # (« Bombe posée ») were stamped with the score from before it.
    for event in events:
        event.score = result.score
    idea.reviewer_count = result.reviewers
    idea.ripe_from = result.ripe_from if idea.status == IdeaStatus.open else None
    session.add(idea)
    is_ripe = idea.is_ripe(now)
    if ripe_since is not None and not is_ripe:
        _remember_ripening(session, idea, ripe_since, score_then)
    if was_ripe and not is_ripe and idea.status == IdeaStatus.open:
        reasons = "\u202f; ".join(g.label.lower() for g in result.unmet_gates)
        said = f"{cause} — " if cause else ""
        message = f"N’est plus mûre\u00a0: {said}{reasons or 'score recalculé'}."
        session.add(
            IdeaEvent(
                idea_id=pk(idea),
                actor_id=actor.id if actor else None,
                kind="unripe",
                message=message,
                score=result.score,
                created_at=now,
            )
        )
    elif is_ripe and not was_ripe:
        session.add(
            IdeaEvent(
                idea_id=pk(idea),
                actor_id=actor.id if actor else None,
                kind="ripe",
                message="Devenue mûre\u00a0: toutes les conditions sont réunies.",
                score=result.score,
                created_at=now,
            )
        )
    if is_ripe:
        # Its author, the people who helped and its followers are told, once per ripening.
        from app.services import ripening  # noqa: PLC0415  (ripening → mines → scoring)

        ripening.announce(session, idea, actor, now)
    else:
        idea.ripe_announced_at = None  # the next ripening will be told
    if not map_unchanged:
        blockers.refresh(session, idea)
        board.keep_open_categories(idea, facts)
    return result


def _remember_ripening(session: Session, idea: Idea, since: datetime, score: int) -> None:
    """An idea that ripened with time alone (its quiet period ran out with nothing written) got
    no « ripe » line then; when it stops being ripe (a new mine, a promotion), the history and
    the statistics keep the moment it was ripe from."""
    told = session.exec(
        select(IdeaEvent.id).where(
            IdeaEvent.idea_id == idea.id,
            IdeaEvent.kind == "ripe",
            col(IdeaEvent.created_at) >= since,
        )
    ).first()
    if told is None:
        session.add(
            IdeaEvent(
                idea_id=pk(idea),
                actor_id=None,
                kind="ripe",
                message="Devenue mûre : la période de calme s’est achevée sans nouvelle mine.",
                score=score,
                created_at=since,
            )
        )


def save_params(
    session: Session, admin: User, values: dict[str, int], before: ScoringParams, now: datetime
) -> RescoreJob | None:
    """Store an admin's thresholds and weights (validated by the caller) as a new version of
    the parameters, and the job that recomputes every idea's score with them in the
    background (none when nothing changed); the audit log keeps what changed, from the values
    in force `before`. A job still running is superseded: the new one redoes every idea."""
    previous = {k: v for k, v in asdict(before).items() if k in PARAM_KEYS}
    for key, value in values.items():
        row = session.get(AppSetting, key) or AppSetting(key=key, value=str(value))
        row.value = str(value)
        row.updated_at = now
        row.updated_by_id = admin.id
        session.add(row)
    changed = {k: v for k, v in values.items() if previous.get(k) != v}
    if changed:
        old = {k: previous.get(k) for k in changed}
        audit.record(session, admin, "scoring_changed", "settings", old, changed, now)
    else:
        session.flush()
        return None
    return _queue_rescore(session, {**previous, **values}, previous, now, admin.id)


def _queue_rescore(
    session: Session,
    params: dict[str, int],
    previous: dict[str, int],
    now: datetime,
    created_by_id: int | None,
) -> RescoreJob:
    """A new version of the parameters and its job, superseding any job still running."""
    for running in session.exec(
        select(RescoreJob).where(col(RescoreJob.finished_at).is_(None)).with_for_update()
    ):
        running.finished_at = now
        running.superseded = True
        session.add(running)
    job = RescoreJob(
        params=params,
        previous=previous,
        created_at=now,
        created_by_id=created_by_id,
        total=session.exec(select(func.count()).select_from(Idea)).one(),
    )
    session.add(job)
    session.flush()
    row = session.get(AppSetting, VERSION_KEY) or AppSetting(key=VERSION_KEY, value="0")
    row.value = str(job.id)
    row.updated_at = now
    row.updated_by_id = created_by_id
    session.add(row)
    session.flush()
    session.info[RESCORE_FLAG] = True
    return job


def rescore_everything(session: Session, current: ScoringParams, now: datetime) -> RescoreJob:
    """The job that recomputes every idea's score with the parameters in force (what
    `demineurs recompute-scores` runs): the unfinished one if it has these parameters, so that
    a command interrupted resumes where it stopped, or else a new one."""
    values = {k: v for k, v in asdict(current).items() if k in PARAM_KEYS}
    running = session.exec(
        select(RescoreJob)
        .where(col(RescoreJob.finished_at).is_(None))
        .order_by(col(RescoreJob.id).desc())
        .limit(1)
    ).first()
    if running is not None and running.params == values and running.id == current.version:
        return running
    return _queue_rescore(session, values, values, now, None)


# Set on a session whose transaction queued a recomputation: once committed, the worker's
# background thread is woken (app/deps.py).
RESCORE_FLAG = "rescore_queued"
# A worker renews its claim on a job after each batch; a claim older than this is a dead
# worker's (a crash, a stopped instance) and another takes the job over where it stopped.
RESCORE_LEASE = timedelta(minutes=2)
RESCORE_BATCH = 500


def rescore_progress(session: Session) -> RescoreJob | None:
    """The latest recomputation, finished or not (what the admin page shows)."""
    return session.exec(select(RescoreJob).order_by(col(RescoreJob.id).desc()).limit(1)).first()


def claim_rescore(session: Session, worker: str, now: datetime) -> int | None:
    """Take the latest unfinished recomputation for `worker`, in one statement: free, already
    its own, or left by a worker whose lease ran out. None when there is nothing to take (or
    another worker holds it)."""
    latest = select(func.max(RescoreJob.id)).scalar_subquery()
    claimable = (
        col(RescoreJob.finished_at).is_(None),
        or_(
            col(RescoreJob.claimed_by).is_(None),
            col(RescoreJob.claimed_by) == worker,
            col(RescoreJob.claimed_at) < now - RESCORE_LEASE,
        ),
    )
    claimed = session.execute(
        update(RescoreJob)
        # Checked again on the row itself: PostgreSQL re-reads a row another worker just
        # claimed, which then no longer matches.
        .where(col(RescoreJob.id) == latest, *claimable)
        .values(claimed_by=worker, claimed_at=now)
        .returning(col(RescoreJob.id)),
        execution_options={"synchronize_session": False},
    ).scalar()
    return claimed


def release_rescore(session: Session, job_id: int, worker: str) -> None:
    """Give up `worker`'s claim on a job it stops working on (an interrupted command): the
    next worker takes it over at once instead of after the lease."""
    session.execute(
        update(RescoreJob)
        .where(col(RescoreJob.id) == job_id, col(RescoreJob.claimed_by) == worker)
        .values(claimed_by=None, claimed_at=None),
        execution_options={"synchronize_session": False},
    )


def rescore_batch(
    session: Session, job_id: int, worker: str, now: datetime, batch: int = RESCORE_BATCH
) -> bool:
    """Recompute the next `batch` ideas of the job with its parameters, in the caller's (short)
    transaction, and note how far it got; returns whether there is more to do. Stops when the
    job was superseded or another worker took it over. Ideas are taken in id order from where
    the last batch stopped, then any idea still stamped with another version (one written by a
    request that read the parameters just before the save)."""
    job = session.exec(
        select(RescoreJob)
        .where(RescoreJob.id == job_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if job is None or job.finished_at is not None or job.claimed_by != worker:
        return False
    params = _versioned(job.params, pk(job))
    ids = list(
        session.exec(
            select(Idea.id)
            .where(col(Idea.id) > job.last_idea_id)
            .order_by(col(Idea.id))
            .limit(batch)
        )
    )
    onward = bool(ids)
    if not onward:
        ids = list(
            session.exec(
                select(Idea.id)
                .where(col(Idea.score_version) != job.id)
                .order_by(col(Idea.id))
                .limit(batch)
            )
        )
    if ids:
        rescore_ideas(session, params, [i for i in ids if i is not None], now)
    if onward:
        job.last_idea_id = max(i for i in ids if i is not None)
        job.done += len(ids)
        job.claimed_at = now
    elif not ids:
        job.finished_at = now
        job.done = max(job.done, job.total)
    session.add(job)
    session.flush()
    return job.finished_at is None


def rescore_ideas(session: Session, params: ScoringParams, ids: list[int], now: datetime) -> int:
    """Recompute and store the score of the ideas `ids` after the scoring parameters changed
    (not the ideas: the map of what blocks stays as it is), in five queries; returns how many
    there were."""
    query = select(Idea).where(col(Idea.id).in_(ids)).order_by(col(Idea.id))
    if locks_rows(session):
        # As every write on an idea does: a write beside this batch waits, or is waited for.
        query = query.with_for_update().execution_options(populate_existing=True)
    ideas = list(session.exec(query))
    facts = facts_for(session, ideas)
    for idea in ideas:
        refresh(
            session,
            params,
            idea,
            now,
            cause="paramètres du score modifiés",
            facts=facts[pk(idea)],
            map_unchanged=True,
        )
    session.flush()
    return len(ideas)
