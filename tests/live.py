"""The real app served by `demineurs serve` in a child process, for the tests that need a live
server (browser, several instances, crashes): a free port, a log file, wait until it answers."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(
    env: dict[str, str], folder: Path, *args: str, ready: str = "/readyz", port: int = 0
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """(its URL, its process) once `ready` answers 200; stopped (SIGTERM) afterwards."""
    port = port or free_port()
    log_path = folder / f"server-{port}.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), *args],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(url + ready, timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("the app did not start: " + log_path.read_text())
        time.sleep(0.2)
    try:
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
