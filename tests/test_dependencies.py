"""What the code imports is what pyproject.toml declares, and the versions installed are the
lock's: a fresh machine installs exactly what CI ran, and nothing rides on a package that
happened to be installed by hand."""

import ast
import importlib.metadata as metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
LOCAL = {"app", "tests", "bench", "migrations", "dev"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


RUNTIME = {canonical(Requirement(r).name) for r in PYPROJECT["dependencies"]}
EXTRAS = {
    canonical(Requirement(r).name)
    for reqs in PYPROJECT["optional-dependencies"].values()
    for r in reqs
}
# The application runs its migrations itself: migrations/ needs what app/ needs.
FOLDERS = {
    "app": RUNTIME,
    "migrations": RUNTIME,
    "tests": RUNTIME | EXTRAS,
    "bench": RUNTIME | EXTRAS,
    "docs": RUNTIME | EXTRAS,  # docs/screenshots.py
}


def third_party_imports(folder: Path) -> dict[str, str]:
    """Each top-level module imported under `folder` (read from the syntax tree), with the first
    file that imports it."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        if "vendor" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in LOCAL or top in sys.stdlib_module_names or top == "__future__":
                    continue
                found.setdefault(top, str(path.relative_to(folder.parent)))
    return found


def undeclared(folder: str, allowed: set[str]) -> list[str]:
    owners = metadata.packages_distributions()
    problems = []
    for module, where in sorted(third_party_imports(ROOT / folder).items()):
        distributions = {canonical(d) for d in owners.get(module, [])}
        if not distributions:
            problems.append(f"{where} imports `{module}`, which no installed distribution provides")
        elif not distributions & allowed:
            problems.append(
                f"{where} imports `{module}` (from {', '.join(sorted(distributions))}), "
                "which pyproject.toml does not declare"
            )
    return problems


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_every_imported_module_is_declared(folder: str) -> None:
    """app/ and migrations/ by the runtime dependencies; tests/, bench/ and docs/ by those or an
    extra. A package that only arrives as another one's requirement counts as undeclared."""
    assert undeclared(folder, FOLDERS[folder]) == []


def test_the_walk_finds_an_undeclared_import(tmp_path: Path) -> None:
    """The check above can fail: a module no one declares is named, with its file."""
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "x.py").write_text("import yaml\nfrom bs4 import BeautifulSoup\n")
    found = third_party_imports(tmp_path / "probe")
    assert set(found) == {"yaml", "bs4"}
    owners = metadata.packages_distributions()
    assert not {canonical(d) for d in owners["bs4"]} & RUNTIME  # a test-only package


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonical(name)] = version
    return pins


def required_distributions() -> set[str]:
    """The project's dependencies with their test extra, and theirs, transitively, as installed."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in metadata.requires("demineurs") or []]
    while todo:
        requirement = todo.pop()
        if requirement.marker and not any(
            requirement.marker.evaluate({"extra": extra}) for extra in ("", "test")
        ):
            continue
        name = canonical(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            extras = requirement.extras
            for text in metadata.requires(name) or []:
                nested = Requirement(text)
                if nested.marker is None or any(
                    nested.marker.evaluate({"extra": e}) for e in ("", *extras)
                ):
                    todo.append(nested)
        except metadata.PackageNotFoundError:
            continue
    return seen


def test_what_is_installed_is_what_the_lock_says() -> None:
    """Every distribution the project needs runs at the version constraints.txt pins, and that
    version is one pyproject.toml allows."""
    pins = locked()
    declared = {
        canonical(r.name): r
        for r in map(
            Requirement, PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["test"]
        )
    }
    problems = []
    for name in sorted(required_distributions()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name}: required but not installed")
            continue
        if name not in pins:
            problems.append(f"{name}: installed ({installed}) but not in constraints.txt")
        elif pins[name] != installed:
            problems.append(f"{name}: {installed} installed, {pins[name]} locked")
        if name in declared and not declared[name].specifier.contains(
            pins.get(name, installed), prereleases=True
        ):
            problems.append(f"{name}: locked {pins.get(name)} outside pyproject's {declared[name]}")
    assert problems == []


def test_the_suite_runs_in_a_virtualenv_that_sees_nothing_of_the_machines() -> None:
    """dev.py and CI run the tests in a virtualenv without the system's site packages: what was
    installed by hand on a machine cannot make them pass."""
    assert sys.prefix != sys.base_prefix, "run the tests with `python3 dev.py test`"
    config = (Path(sys.prefix) / "pyvenv.cfg").read_text()
    assert re.search(r"^include-system-site-packages\s*=\s*false", config, re.M)


def test_mypy_reads_the_hints_of_every_library_that_publishes_some() -> None:
    """An override ignoring a library's missing hints hides every misuse of it from mypy: only
    the libraries that publish none are ignored; PyYAML's come from types-PyYAML, a test extra
    pinned like the rest."""
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    ignored = {
        module
        for override in mypy["overrides"]
        if override.get("ignore_missing_imports")
        for module in override["module"]
    }
    assert ignored == {"snowballstemmer", "weasyprint"}
    extra = {canonical(Requirement(r).name) for r in PYPROJECT["optional-dependencies"]["test"]}
    assert "types-pyyaml" in extra and "types-pyyaml" in locked()
