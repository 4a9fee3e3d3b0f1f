"""The README's first command, run as a newcomer runs it: in a clean copy of the repository, with
a Python that has nothing of ours installed, it makes its own virtualenv, installs, loads the
demo data and serves an app that answers. The README cannot drift from what works."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from tests.html import attr, find_tag
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_PYTHON = Path("/usr/bin/python3")


def readme_commands() -> list[str]:
    """The shell blocks of the README's « two commands » section, in order."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def clean_copy(destination: Path) -> Path:
    """The files a clean clone holds: what git tracks (or would track), as they stand."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def newcomer_python(folder: Path) -> Path:
    """A `python3` with none of the project's packages: Debian's own when there is one (where
    PEP 668 refuses `pip install` outside a virtualenv), else the base interpreter."""
    base = Path(getattr(sys, "_base_executable", sys.executable))
    python = DEBIAN_PYTHON if DEBIAN_PYTHON.exists() else base
    probe = subprocess.run([python, "-c", "import fastapi"], capture_output=True)
    assert probe.returncode != 0, f"{python} already has fastapi: not a newcomer's Python"
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(python)
    return bin_dir


def test_the_readme_has_two_commands() -> None:
    first, second = readme_commands()
    assert "demo" in first and "test" in second
    assert (ROOT / ".ci" / "run").read_text().count("dev.py test") == 1


def test_the_readmes_first_command_serves_the_demo_on_a_fresh_machine(tmp_path: Path) -> None:
    first = readme_commands()[0]
    clone = clean_copy(tmp_path / "clone")
    bin_dir = newcomer_python(tmp_path)
    port = free_port()
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CACHE_DIR", "PIP_TRUSTED_HOST"):
        if name in os.environ:
            env[name] = os.environ[name]
    log_path = tmp_path / "first-command.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["/bin/sh", "-c", f"{first} --port {port}"],
            cwd=clone,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # a first install downloads the dependencies
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the README's first command did not serve:\n" + log_path.read_text())
            time.sleep(1)
        output = log_path.read_text()
        # It says where the `demineurs` command is, and it made its own virtualenv.
        assert str(clone / ".venv" / "bin" / "demineurs") in output
        assert (clone / ".venv" / "bin" / "demineurs").exists()
        with httpx.Client(base_url=url, timeout=10) as client:
            login = client.get("/login")
            assert login.status_code == 200
            form = find_tag(
                BeautifulSoup(login.text, "html.parser"), "form", action=re.compile("login")
            )
            assert form.find("input", attrs={"name": "password"})
            # The demo data is there: a demo account signs in and sees published ideas.
            token = attr(find_tag(form, "input", attrs={"name": "csrf_token"}), "value")
            signed_in = client.post(
                attr(form, "action"),
                data={
                    "email": "karim.benali@ville-exemple.fr",
                    "password": "demineurs-demo",
                    "csrf_token": token,
                },
                follow_redirects=True,
            )
            assert signed_in.status_code == 200
            page = BeautifulSoup(signed_in.text, "html.parser")
            assert len(page.select("a[href*='/ideas/']")) >= 5
        assert (clone / "data" / "demineurs.sqlite3").exists()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
