"""The worker's background threads share one shape (app/background.py): a turn when woken, a
failed turn logged and the next one run, and a stop that lets the turn in hand finish."""

import logging
import threading

import pytest

from app.background import PeriodicWorker


class Turns(PeriodicWorker):
    """Counts its turns; the first one fails, and a turn can be held until released."""

    name = "test-worker"
    failure = "test turn failed"

    def __init__(self, interval: float | None = None, *, at_start: bool = False) -> None:
        super().__init__(interval, at_start=at_start)
        self.done: list[int] = []
        self.started = threading.Semaphore(0)
        self.release = threading.Event()
        self.release.set()

    def turn(self) -> None:
        self.started.release()
        self.release.wait(10)
        self.done.append(len(self.done))
        if len(self.done) == 1:
            raise RuntimeError("the first turn fails")


def test_a_failed_turn_is_logged_and_the_next_wake_runs_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = Turns()
    worker.start()
    try:
        with caplog.at_level(logging.ERROR, logger="demineurs.background"):
            worker.wake()
            assert worker.started.acquire(timeout=10)
            worker.wake()
            assert worker.started.acquire(timeout=10)
    finally:
        worker.stop()
    assert worker.done == [0, 1]
    assert [r.getMessage() for r in caplog.records] == ["test turn failed"]


def test_stop_lets_the_turn_in_hand_finish_and_runs_no_other() -> None:
    worker = Turns(interval=3600, at_start=True)
    worker.release.clear()
    worker.start()
    assert worker.started.acquire(timeout=10)  # the first turn, at start, is held
    worker.wake()  # asked for another one meanwhile
    worker.stop(timeout=0)  # asked to stop while the turn runs…
    assert worker.done == []
    worker.release.set()
    worker.stop()  # …it finishes that turn, and no other
    assert worker.done == [0]
    worker.start()  # a stopped worker does not start again
    worker.wake()
    assert worker.done == [0] and not worker.started.acquire(blocking=False)
