"""The README's screenshots, taken anew from the app: `.venv/bin/python docs/screenshots.py`.

The demo data goes into a throwaway SQLite base, `demineurs serve` serves it on a free loopback
port, and Debian's Chromium (driven by Playwright, which never downloads a browser here) signs
in as the demo's manager and one of its agents. Each picture is reduced to 256 colours, which
keeps it under 300 KB without a visible difference on an interface of flat colours.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
CHROMIUM = os.environ.get("DEMINEURS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "demineurs-demo"
MANAGER = "karim.benali@ville-exemple.fr"
AGENT = "julien.moreau@ville-exemple.fr"
IDEA = "Prise de rendez-vous en ligne pour les passeports"
DESKTOP: ViewportSize = {"width": 1280, "height": 1100}
PHONE: ViewportSize = {"width": 360, "height": 760}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def wait_until_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit("L’application n’a pas démarré.")


def signed_in(browser: Browser, base: str, email: str, viewport: ViewportSize) -> Page:
    context = browser.new_context(locale="fr-FR", viewport=viewport)
    page = context.new_page()
    page.goto(base + "/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/ideas")
    return page


def save(page: Page, name: str) -> None:
    """The visible part of the page (the README shows its top), in 256 colours."""
    path = DOCS / f"screenshot-{name}.png"
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path))
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    print(f"{path.relative_to(ROOT)} : {path.stat().st_size // 1024} Ko")


def shoot(browser: Browser, base: str) -> None:
    manager = signed_in(browser, base, MANAGER, DESKTOP)
    manager.goto(base + "/board")
    save(manager, "board")
    manager.goto(base + "/dashboard")
    save(manager, "dashboard")
    for name, viewport in (("idea", DESKTOP), ("idea-phone", PHONE)):
        agent = signed_in(browser, base, AGENT, viewport)
        agent.goto(base + "/board")
        agent.get_by_role("link", name=IDEA).first.click()
        agent.wait_for_url("**/ideas/*")
        save(agent, name)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(folder) / 'demo.sqlite3'}",
            "DEMINEURS_MAIL_DIR": str(Path(folder) / "mails"),
            "DEMINEURS_PDF_CACHE_DIR": str(Path(folder) / "pdf-cache"),
            "DEMINEURS_LOG_FORMAT": "text",
        }
        cli(env, "migrate")
        cli(env, "seed-demo")
        port = free_port()
        with (Path(folder) / "server.log").open("w") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                wait_until_ready(base, server)
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                    )
                    shoot(browser, base)
                    browser.close()
            finally:
                server.terminate()
                server.wait(timeout=20)


if __name__ == "__main__":
    main()
