"""The recomputation of every idea's score after the scoring parameters changed, in the
background: by batches, each in its own short write transaction, so that a write waits at
most for one batch; resumable where it stopped; one worker at a time across instances."""

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from app.background import PeriodicWorker
from app.config import Settings
from app.db import session_scope
from app.models import RescoreJob
from app.models.base import utcnow
from app.services import notifications, scoring

log = logging.getLogger(__name__)


def worker_name() -> str:
    """Who claims a job: this host and process, unique per start."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# Between two batches on SQLite, the write lock is left free for as long as the batch took
# (10 ms at least, SQLITE_NAP at most): a writer of another process (another worker, the app
# beside the command line) that began to wait during the batch is then asleep in SQLite's busy
# handler for no longer than it has waited so far (its naps grow 1, 2, 5… up to 100 ms), so it
# wakes within the pause and takes the lock, instead of finding the next batch holding it
# again. PostgreSQL queues writers on the rows themselves and needs no pause.
SQLITE_NAP = 0.1


def pause_after(took: float) -> float:
    """How long the write lock stays free after a batch that took `took` seconds (SQLite)."""
    return min(max(took, 0.01), SQLITE_NAP) * 1.1


def run_pending(
    engine: Engine,
    worker: str,
    clock: Callable[[], datetime] = utcnow,
    *,
    batch: int = scoring.RESCORE_BATCH,
    max_batches: int | None = None,
    stopping: Callable[[], bool] = lambda: False,
    settings: Settings | None = None,
    on_mail: Callable[[], None] | None = None,
    progress: Callable[[RescoreJob], None] | None = None,
    pause: float | None = None,
) -> int:
    """Work through the latest unfinished recomputation, then any newer one; returns how many
    batches were done. `max_batches` stops early (what a crash or a stop leaves: the next run
    resumes after the last batch committed). An idea that ripens or stops being ripe is told
    as a request would tell it: its e-mails go out through `on_mail` once the batch commits.
    `progress` is shown the job once each batch has committed; `pause` (seconds, by default
    `pause_after` the batch on SQLite, none on PostgreSQL) separates two batches."""
    mailer = notifications.Mailer.from_settings(settings) if settings is not None else None
    sqlite = engine.dialect.name == "sqlite"
    rest = 0.0
    batches = 0
    while max_batches is None or batches < max_batches:
        with session_scope(engine, write=True) as session:
            job_id = scoring.claim_rescore(session, worker, clock())
        if job_id is None:
            return batches
        more = True
        while more and (max_batches is None or batches < max_batches):
            if rest:
                time.sleep(rest)
            if stopping():
                return batches
            began = time.perf_counter()
            with session_scope(engine, write=True) as session:
                if mailer is not None:
                    session.info[notifications.MAILER_KEY] = mailer
                more = scoring.rescore_batch(session, job_id, worker, clock(), batch)
                job = session.get(RescoreJob, job_id)
            batches += 1
            if pause is not None:
                rest = pause
            elif sqlite:
                rest = pause_after(time.perf_counter() - began)
            if progress is not None and job is not None:
                progress(job)
            if on_mail is not None and session.info.get(notifications.OUTBOX_FLAG):
                on_mail()
    return batches


class Rescorer(PeriodicWorker):
    """The worker's background thread: woken after a save of the parameters commits, and
    every `interval` seconds to take over a job another instance left unfinished (or this one,
    after a restart)."""

    name = "rescore"
    log = log
    failure = "score recomputation failed"  # the next turn resumes after the last batch

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        on_mail: Callable[[], None] | None = None,
        interval: float = 30.0,
    ) -> None:
        super().__init__(interval, at_start=True)
        self.engine = engine
        self.settings = settings
        self.on_mail = on_mail
        self.clock = clock
        self.worker = worker_name()

    def turn(self) -> None:
        run_pending(
            self.engine,
            self.worker,
            self.clock,
            stopping=lambda: self.stopping,
            settings=self.settings,
            on_mail=self.on_mail,
        )
