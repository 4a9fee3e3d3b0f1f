"""The security linters and the type checker run with the suite: a finding fails CI like a
failing test."""

import subprocess
import sys

from app.config import PROJECT_ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=PROJECT_ROOT, capture_output=True, text=True
    )


def test_bandit_finds_nothing_of_medium_severity_or_more_in_the_app() -> None:
    result = run("bandit", "-q", "-r", "app", "-ll")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_security_rules_pass() -> None:
    result = run("ruff", "check", "--select", "S", "app", "migrations")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_no_type_error_in_the_app_and_its_tests() -> None:
    # The settings are pyproject.toml's [tool.mypy]: app/ and tests/, check_untyped_defs, and
    # every `# type: ignore` names its code (and is reported once it is no longer needed).
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
