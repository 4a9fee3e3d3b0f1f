"""The recomputation of every idea's score after the scoring parameters changed, in the
background: by batches, each in its own short write transaction, so that a write waits at
most for one batch; resumable where it stopped; one worker at a time across instances."""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

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


class Rescorer:
    """The worker's background thread: woken after a save of the parameters commits, and
    every `interval` seconds to take over a job another instance left unfinished (or this one,
    after a restart)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        on_mail: Callable[[], None] | None = None,
        interval: float = 30.0,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.on_mail = on_mail
        self.clock = clock
        self.interval = interval
        self.worker = worker_name()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rescore", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping:
            try:
                run_pending(self.engine, self.worker, self.clock, stopping=lambda: self._stopping)
            except Exception:  # noqa: BLE001  (the next turn resumes after the last batch)
                log.exception("score recomputation failed")
            self._wake.wait(self.interval)
            self._wake.clear()
