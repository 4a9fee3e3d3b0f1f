"""The production topology for real: Debian's nginx with the shipped deploy/nginx.conf (only its
listen port and upstream addresses substituted), on a port other than 80, in front of two app
instances on PostgreSQL. A browser signs in, lays a mine and signs out through it; wrong passwords
from one client lock that client out, not everybody behind the proxy."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, ConsoleMessage, expect

from tests.browser.conftest import ARTIFACTS, DEMO_PASSWORD
from tests.conftest import SECRET
from tests.html import find_tag
from tests.live import free_port, served
from tests.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
AGENT = "fatou.sow@ville-exemple.fr"


def site_config(listen: int, upstreams: list[int]) -> str:
    """The shipped file, with what differs between Docker and this machine substituted."""
    text = SHIPPED.read_text()
    assert text.count("listen 80;") == 1 and text.count("server app:8000;") == 1
    servers = "\n    ".join(f"server 127.0.0.1:{port};" for port in upstreams)
    return text.replace("listen 80;", f"listen 127.0.0.1:{listen};").replace(
        "server app:8000;", servers
    )


def start_nginx(folder: Path, listen: int, upstreams: list[int]) -> subprocess.Popen[bytes]:
    folder.mkdir()
    os.chmod(folder, 0o777)  # nginx's workers write their temporary files here
    (folder / "site.conf").write_text(site_config(listen, upstreams))
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    user = "user root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"{user}\ndaemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{ access_log {folder / 'access.log'}; {temp} include {folder / 'site.conf'}; }}\n"
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", "stderr"],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "stderr.log").open("w"),
    )
    deadline = time.monotonic() + 15
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", listen)) == 0:
                return process
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("nginx did not start: " + (folder / "stderr.log").read_text())
        time.sleep(0.1)


@dataclass
class Topology:
    url: str  # the proxy, as a browser reaches it
    instances: list[str]  # each app instance, directly


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    if not Path(NGINX).exists():
        pytest.fail("nginx not found: install Debian's nginx-light (the test command does)")
    folder = tmp_path_factory.mktemp("proxy")
    with ExitStack() as stack:
        postgres = PostgresServer().start()
        stack.callback(postgres.stop)
        postgres.execute("CREATE DATABASE proxied")
        listen = free_port()
        env = {
            "DATABASE_URL": postgres.url("proxied"),
            "DEMINEURS_ENV": "production",
            "DEMINEURS_SECRET_KEY": SECRET,
            "DEMINEURS_BASE_URL": f"http://127.0.0.1:{listen}",
            "DEMINEURS_MAIL_DIR": str(folder / "mails"),
            "DEMINEURS_WRITES_PER_MINUTE": "100000",
            "DEMINEURS_FORWARDED_ALLOW_IPS": "127.0.0.1",  # the proxy's address, nobody else's
        }
        for command in (["migrate"], ["seed-demo"]):
            subprocess.run(
                [sys.executable, "-m", "app.cli", *command],
                env={**os.environ, **env},
                check=True,
                capture_output=True,
            )
        instances = [stack.enter_context(served(env, folder))[0] for _ in range(2)]
        ports = [int(url.rsplit(":", 1)[1]) for url in instances]
        nginx = start_nginx(folder / "nginx", listen, ports)
        stack.callback(nginx.wait, 10)
        stack.callback(nginx.terminate)
        yield Topology(f"http://127.0.0.1:{listen}", instances)


def absolute_urls(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    found = [
        tag.get(attribute)
        for attribute in ("href", "action", "src", "hx-post", "hx-get")
        for tag in soup.select(f"[{attribute}]")
    ]
    return [u for u in found if isinstance(u, str) and u.startswith("http://127.0.0.1")]


def test_a_browser_signs_in_lays_a_mine_and_signs_out_through_nginx(
    topology: Topology, browser: Browser
) -> None:
    problems: list[str] = []
    pages_html: list[str] = []
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                problems.append(message.text)

        page.on("console", console)
        page.on("pageerror", lambda error: problems.append(str(error)))

        page.goto(topology.url + "/login")
        page.get_by_label("Adresse e-mail").fill(AGENT)
        page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(topology.url + "/ideas")
        pages_html.append(page.content())

        page.locator("#published-title ~ ul.cards a", has_text="Tableau de bord public").click()
        page.wait_for_url(re.compile(re.escape(topology.url) + r"/ideas/\d+"))
        pages_html.append(page.content())
        cells = page.locator(".minefield .cell")
        before = cells.count()
        page.get_by_label("Catégorie").select_option(label="Organisation & RH")
        page.get_by_label("Pétard", exact=True).check()
        page.get_by_label("Résumé de la mine").fill("Derrière le proxy")
        page.get_by_label(re.compile(r"^La mine")).fill(
            "Une mine posée à travers nginx, sur un port qui n’est pas le 80."
        )
        page.get_by_role("button", name="Poser la mine").click()
        expect(cells).to_have_count(before + 1)
        expect(page.locator(".minefield")).to_contain_text("Derrière le proxy")
        pages_html.append(page.content())

        page.get_by_role("navigation", name="Menu principal").locator("summary").click()
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_url(re.compile(re.escape(topology.url) + r"/login"))
        expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
        pages_html.append(page.content())
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "proxy-signed-out.png"), full_page=True)
    finally:
        context.close()

    assert problems == []  # no CSP violation, no refused form, no script error
    wrong = [
        u for html in pages_html for u in absolute_urls(html) if not u.startswith(topology.url)
    ]
    assert pages_html and wrong == []  # every absolute URL keeps the proxy's port


def sign_in(client: httpx.Client, email: str, password: str, **headers: str) -> int:
    """The status of a sign-in through the login form (303 when it succeeds)."""
    form = client.get("/login")
    token = find_tag(BeautifulSoup(form.text, "html.parser"), "input", attrs={"name": "csrf_token"})
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token["value"]},
        headers=headers,
    ).status_code


def from_address(base: str, address: str) -> httpx.Client:
    """A client whose connections leave from this loopback address."""
    return httpx.Client(
        base_url=base, transport=httpx.HTTPTransport(local_address=address), timeout=10
    )


def test_wrong_passwords_lock_out_their_own_client_only(topology: Topology) -> None:
    with from_address(topology.url, "127.0.0.2") as attacker:
        for n in range(20):  # a different unknown account each time: the per-address limit
            assert sign_in(attacker, f"personne{n}@ville-exemple.fr", "devine") == 422
        # That client is now refused even with a right password…
        assert sign_in(attacker, AGENT, DEMO_PASSWORD) != 303
        # …and claiming another address changes nothing: nginx passes the one it sees.
        assert sign_in(attacker, AGENT, DEMO_PASSWORD, **{"X-Forwarded-For": "127.0.0.9"}) != 303
    # Straight to an instance, the forwarded header of someone who is not the proxy is ignored.
    with from_address(topology.instances[0], "127.0.0.2") as direct:
        assert sign_in(direct, AGENT, DEMO_PASSWORD, **{"X-Forwarded-For": "127.0.0.9"}) != 303
    # A colleague behind the same proxy still signs in.
    with from_address(topology.url, "127.0.0.3") as colleague:
        assert sign_in(colleague, AGENT, DEMO_PASSWORD) == 303
