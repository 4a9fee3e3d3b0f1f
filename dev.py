"""The README's two commands with nothing but Python: `python3 dev.py demo`, `python3 dev.py test`.

Both work in a virtualenv of their own (`.venv/` here, or the folder `DEMINEURS_VENV` names), so
that they run on a stock Debian or Ubuntu Python too, where `pip install` outside a virtualenv is
refused (PEP 668). Every install is held to the versions in `constraints.txt`, the ones CI ran;
`python3 dev.py lock` writes that file anew from the newest versions `pyproject.toml` allows.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CONSTRAINTS = ROOT / "constraints.txt"
# Everything that touches the database through the app runs again on PostgreSQL; of the browser
# tests, the core loop (the others check pages whose engine does not matter: accessibility,
# weight). The command-line tests are about the embedded SQLite file; the fresh-install and
# proxy tests choose their engines themselves (the proxy test runs on PostgreSQL).
POSTGRES_TESTS = [
    "tests/services",
    "tests/routers",
    "tests/browser/test_core_loop_browser.py",
    "tests/test_migrations.py",
    "tests/test_postgres.py",
    "tests/test_crash.py",
]
# Debian packages the tests drive: the browser, the database server, the reverse proxy, compose.
SYSTEM_PACKAGES = {
    "chromium": ["/usr/bin/chromium"],
    "fonts-dejavu-core": ["/usr/share/fonts/truetype/dejavu"],
    "postgresql": sorted(str(p) for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")),
    "nginx-light": ["/usr/sbin/nginx"],
    "docker-compose": ["/usr/bin/docker-compose"],  # validates docker-compose.yml, no engine
}


def say(message: str) -> None:
    print(f"→ {message}", flush=True)


def run(*command: str | Path, **kwargs: object) -> None:
    subprocess.run([str(part) for part in command], check=True, **kwargs)  # type: ignore[call-overload]


def venv_folder() -> Path:
    return Path(os.environ.get("DEMINEURS_VENV", ROOT / ".venv")).resolve()


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(venv: Path) -> Path:
    """The virtualenv's interpreter, made first if needed, with a pip of its own."""
    python = venv_python(venv)
    if python.exists():
        return python
    say(f"Environnement virtuel {venv}")
    try:
        run(sys.executable, "-m", "venv", venv, stdout=subprocess.DEVNULL)
    except subprocess.CalledProcessError:
        # Debian without python3-venv has no ensurepip: make the virtualenv bare, then let the
        # system's pip put a pip into it (pip runs under the virtualenv's interpreter, where
        # PEP 668's marker does not apply).
        shutil.rmtree(venv, ignore_errors=True)
        run(sys.executable, "-m", "venv", "--without-pip", venv)
        run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "pip")
    return python


def install(python: Path, extra: str = "") -> None:
    target = f"{ROOT}[{extra}]" if extra else str(ROOT)
    say(
        f"Installation de demineurs{f'[{extra}]' if extra else ''} (versions de {CONSTRAINTS.name})"
    )
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run(python, "-m", "pip", "install", "-q", "-c", CONSTRAINTS, "-e", target, env=env)


def demo(serve_args: list[str]) -> None:
    """Install, migrate, load the demo data and serve (SQLite under ./data/)."""
    python = ensure_venv(venv_folder())
    install(python)
    command = python.parent / "demineurs"
    print(
        f"\nLa commande `demineurs` est dans {command.parent} : "
        f"`source {command.parent / 'activate'}`, ou lancez `{command} …` directement.\n",
        flush=True,
    )
    run(command, "migrate")
    run(command, "seed-demo")
    os.execv(command, [str(command), "serve", *serve_args])


def system_packages() -> None:
    """Debian's chromium, postgresql and nginx when they are missing (Playwright never
    downloads a browser here)."""
    missing = [
        name
        for name, paths in SYSTEM_PACKAGES.items()
        if not paths or not any(Path(p).exists() for p in paths)
    ]
    if not missing:
        return
    if not shutil.which("apt-get"):
        sys.exit(f"Paquets système manquants : {', '.join(missing)} (apt-get introuvable).")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    say(f"apt-get install {' '.join(missing)}")
    run(*sudo, "apt-get", "update", "-qq", env=env)
    run(*sudo, "apt-get", "install", "-y", "-qq", *missing, env=env)


def test(pytest_args: list[str]) -> None:
    """Install what the tests need, then run the whole suite on SQLite and, beside it (two
    cores do twice the work), the tests that touch the database again on PostgreSQL."""
    system_packages()
    python = ensure_venv(venv_folder())
    install(python, "test")
    os.chdir(ROOT)
    log_path = ROOT / "test-artifacts" / "postgresql.log"
    log_path.parent.mkdir(exist_ok=True)
    env = {**os.environ, "DEMINEURS_TEST_DATABASE": "postgresql"}
    with log_path.open("w") as log:
        say(f"PostgreSQL : {' '.join(POSTGRES_TESTS)} (sortie dans {log_path.relative_to(ROOT)})")
        postgres = subprocess.Popen(
            [python, "-m", "pytest", "-p", "no:cacheprovider", *POSTGRES_TESTS, *pytest_args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        say("SQLite : toute la suite")
        sqlite = subprocess.run([python, "-m", "pytest", *pytest_args])
        postgres.wait()
    say("PostgreSQL :")
    print(log_path.read_text(), flush=True)
    if sqlite.returncode or postgres.returncode:
        sys.exit(f"Échec : SQLite {sqlite.returncode}, PostgreSQL {postgres.returncode}.")


def lock() -> None:
    """Write constraints.txt from the newest versions pyproject.toml allows, resolved in a
    brand-new virtualenv."""
    with tempfile.TemporaryDirectory() as folder:
        python = ensure_venv(Path(folder) / "venv")
        run(python, "-m", "pip", "install", "-q", "-U", "pip")
        run(python, "-m", "pip", "install", "-q", f"{ROOT}[test]")
        frozen = subprocess.run(
            [python, "-m", "pip", "freeze", "--exclude", "demineurs"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    pins = sorted(
        (line for line in frozen.splitlines() if line and not line.startswith("-e ")),
        key=str.lower,
    )
    CONSTRAINTS.write_text(
        "# The versions CI ran. Rewrite with `python3 dev.py lock`, then run the tests.\n"
        + "\n".join(pins)
        + "\n"
    )
    say(f"{CONSTRAINTS.name} : {len(pins)} versions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "demo",
        help="installer, migrer, charger la démo et servir "
        "(la suite va à `demineurs serve` : --port 8001…)",
    )
    commands.add_parser(
        "test", help="toute la suite, sur SQLite puis PostgreSQL (la suite va à pytest)"
    )
    commands.add_parser("lock", help="réécrire constraints.txt")
    args, rest = parser.parse_known_args()
    if args.command == "demo":
        demo(rest)
    elif args.command == "test":
        test(rest)
    elif rest:
        parser.error(f"arguments inconnus : {' '.join(rest)}")
    else:
        lock()


if __name__ == "__main__":
    main()
