"""No Docker engine runs here: the compose file's structure is checked instead — services,
health checks, the migration step, required secrets — and its commands against the real CLI."""

import re
from pathlib import Path
from typing import Any

import yaml

from app.cli import build_parser
from app.config import PROJECT_ROOT, Settings

COMPOSE = PROJECT_ROOT / "docker-compose.yml"


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def test_services_health_checks_and_the_migration_step() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "app", "proxy", "mail"}
    db, migrate, app = services["db"], services["migrate"], services["app"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    # The migrations run once, after PostgreSQL is healthy, before any instance starts.
    assert migrate["command"] == ["demineurs", "migrate"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # Several instances, each healthy only when its database is reachable and migrated.
    assert app["deploy"]["replicas"] >= 2
    assert "/readyz" in " ".join(app["healthcheck"]["test"])
    assert services["proxy"]["depends_on"]["app"]["condition"] == "service_healthy"
    assert app["environment"]["DEMINEURS_SMTP_HOST"] == "mail"


def test_the_proxy_spreads_requests_over_the_instances() -> None:
    mount = compose()["services"]["proxy"]["volumes"][0].split(":")
    config = (PROJECT_ROOT / mount[0]).read_text()
    assert "server app:8000" in config and "proxy_pass http://demineurs" in config
    assert "X-Request-ID" in config and "X-Forwarded-Proto" in config


def test_secrets_are_required_never_defaulted() -> None:
    text = COMPOSE.read_text()
    for secret in ("POSTGRES_PASSWORD", "DEMINEURS_SECRET_KEY"):
        assert re.search(rf"\$\{{{secret}:\?[^}}]+\}}", text), f"{secret} must be required"
        assert not re.search(rf"\$\{{{secret}:-", text), f"{secret} must have no default"
    environment = compose()["services"]["app"]["environment"]
    assert environment["DEMINEURS_ENV"] == "production"  # refuses the development secret
    assert environment["DATABASE_URL"].startswith("postgresql+psycopg://")


def test_commands_match_the_real_command_line() -> None:
    parser = build_parser()
    services = compose()["services"]
    for name in ("migrate", "app"):
        command = services[name]["command"]
        assert command[0] == "demineurs"
        parser.parse_args(command[1:])  # exits (fails the test) on an unknown command or option
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD \[(.+)\]$", dockerfile, re.M)
    assert cmd is not None
    parser.parse_args([part.strip(' "') for part in cmd.group(1).split(",")][1:])
    # Every variable the app reads from the compose file is a real setting.
    fields = {f"DEMINEURS_{name.upper()}" for name in Settings.model_fields} | {"DATABASE_URL"}
    assert set(services["app"]["environment"]) <= fields
    assert Path(PROJECT_ROOT / "Dockerfile").exists()


def test_the_instances_believe_the_proxy_and_no_one_else() -> None:
    """Rate limits count the real client: the app reads X-Forwarded-For from the proxy's fixed
    address only, and the proxy passes the client's own address and its configured name, never
    the Host header a client sent."""
    spec = compose()
    proxy_address = spec["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    subnet = spec["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert proxy_address.rsplit(".", 1)[0] == subnet.rsplit(".", 1)[0]
    assert spec["services"]["app"]["environment"]["DEMINEURS_FORWARDED_ALLOW_IPS"] == proxy_address
    config = (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header Host $server_name;" in config
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in config


def test_the_image_installs_the_locked_versions_and_runs_unprivileged() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert re.search(r"^COPY .*\bconstraints\.txt\b", dockerfile, re.M)
    assert re.search(r"pip install .*-c constraints\.txt", dockerfile)
    users = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}


def compose_command() -> list[str]:
    """`docker compose` when the plugin is there, else Debian's docker-compose (the test command
    installs it); both validate a file without a Docker engine."""
    import shutil
    import subprocess

    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    found = shutil.which("docker-compose")
    assert found, (
        "docker-compose not found: install Debian's docker-compose (the test command does)"
    )
    return [found]


def test_compose_validates_with_its_secrets_and_refuses_without() -> None:
    import os
    import subprocess

    base = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "DEMINEURS_"))}
    secrets = {"POSTGRES_PASSWORD": "a-password", "DEMINEURS_SECRET_KEY": "k" * 40}
    command = [*compose_command(), "-f", str(COMPOSE), "config", "-q"]
    ok = subprocess.run(command, env={**base, **secrets}, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    refused = subprocess.run(command, env=base, capture_output=True, text=True)
    assert refused.returncode != 0 and "POSTGRES_PASSWORD" in refused.stderr
