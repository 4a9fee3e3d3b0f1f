"""The recomputation of every idea's score after the scoring parameters changed, in the
background: by batches, each in its own short write transaction, so that a write waits at
most for one batch; resumable where it stopped; one worker at a time across instances."""

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from app.background import PeriodicWorker
from app.config import Settings
from app.db import session_scope
from app.models.base import utcnow
from app.services import notifications, scoring

log = logging.getLogger(__name__)


def worker_name() -> str:
    """Who claims a job: this host and process, unique per start."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


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
) -> int:
    """Work through the latest unfinished recomputation, then any newer one; returns how many
    batches were done. `max_batches` stops early (what a crash or a stop leaves: the next run
    resumes after the last batch committed). An idea that ripens or stops being ripe is told
    as a request would tell it: its e-mails go out through `on_mail` once the batch commits."""
    mailer = notifications.Mailer.from_settings(settings) if settings is not None else None
    batches = 0
    while max_batches is None or batches < max_batches:
        with session_scope(engine, write=True) as session:
            job_id = scoring.claim_rescore(session, worker, clock())
        if job_id is None:
            return batches
        more = True
        while more and (max_batches is None or batches < max_batches):
            if stopping():
                return batches
            with session_scope(engine, write=True) as session:
                if mailer is not None:
                    session.info[notifications.MAILER_KEY] = mailer
                more = scoring.rescore_batch(session, job_id, worker, clock(), batch)
            batches += 1
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
