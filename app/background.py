"""The one shape of the worker's background threads (the outbox's sender, the score's
recomputation, SQLite's checkpoints): a daemon thread that runs a turn when woken and, if it
has an interval, every `interval` seconds; a failed turn is logged and the next one tries again;
`stop` lets the turn in hand finish."""

import logging
import threading

log = logging.getLogger("demineurs.background")


class PeriodicWorker:
    """A background thread running `turn`; subclasses say what a turn does. `interval=None`
    waits for `wake` alone; `at_start` runs a first turn as soon as the thread starts."""

    name = "worker"
    log = log  # where a failed turn is told, with `failure`
    failure = "background work failed"

    def __init__(self, interval: float | None = None, *, at_start: bool = False) -> None:
        self.interval = interval
        self.at_start = at_start
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def turn(self) -> None:
        raise NotImplementedError

    @property
    def stopping(self) -> bool:
        """Whether `stop` was asked: a long turn checks it between its steps."""
        return self._stopping

    def start(self) -> None:
        """Start the thread, once (later calls, and calls after `stop`, do nothing)."""
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def wake(self) -> None:
        """Run a turn soon (after the one in hand, if any)."""
        self._wake.set()

    def stop(self, timeout: float = 10) -> None:
        """Stop waiting and wait for the turn in hand, at most `timeout` seconds."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        if self.at_start:
            self._turn()
        while True:
            self._wake.wait(self.interval)
            # A wake that comes during the turn sets the event again: the next turn follows.
            self._wake.clear()
            if self._stopping:
                return
            self._turn()

    def _turn(self) -> None:
        try:
            self.turn()
        except Exception:  # noqa: BLE001  (the next turn, woken or timed, tries again)
            self.log.exception(self.failure)
