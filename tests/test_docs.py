"""docs/architecture.md names only what exists: every path, URL, `module.name` and identifier it
puts in backticks is found in the code, so a rename or a removal that forgets the doc fails."""

import importlib
import re
from types import ModuleType

from app.config import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "architecture.md"
APP = PROJECT_ROOT / "app"
# Where a path the doc names is read from: the table shortens `app/services/ideas.py` to
# `ideas.py` and `app/models/idea.py` to `models/idea.py`, and names templates by their folder.
PATH_ROOTS = [PROJECT_ROOT, APP, APP / "services", PROJECT_ROOT / "templates"]
# The packages a `module.name` is looked up in, as the doc shortens them (`scoring.refresh`).
PACKAGES = ["", "app.", "app.services.", "app.models."]
# What the doc names without being ours: the wall clock's calls that tests/test_layers.py bans.
NOT_OURS = {"date.today", "datetime.now", "time.time", "utcnow"}
# Words in backticks that name no code: a value, SQL, a placeholder.
NOT_NAMES = {"None", "UPDATE … WHERE"}


def spans() -> set[str]:
    return set(re.findall(r"`([^`\n]+)`", DOC.read_text()))


def is_path(span: str) -> bool:
    return bool(re.fullmatch(r"[\w.-]+(/[\w.{}-]*)+|[\w-]+\.(py|html|md)", span))


def is_url(span: str) -> bool:
    return span.startswith(("/", "GET /"))


def routed_paths() -> set[str]:
    from app import main

    paths = {r.path for r in main.create_app().routes if hasattr(r, "path")}
    for file in sorted((APP / "routers").glob("*.py")):
        module = importlib.import_module(f"app.routers.{file.stem}")
        if hasattr(module, "router"):
            paths |= {r.path for r in module.router.routes if hasattr(r, "path")}
    return paths


def resolve(dotted: str) -> object | None:
    """The module, class or attribute `dotted` names, or None."""
    parts = dotted.split(".")
    for package in PACKAGES:
        for cut in range(len(parts), 0, -1):
            try:
                found: object = importlib.import_module(package + ".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            for part in parts[cut:]:
                fields = getattr(found, "model_fields", None) or getattr(
                    found, "__dataclass_fields__", {}
                )
                if part in fields:
                    break  # a field without a class-level default: nothing further to walk
                if not hasattr(found, part):
                    return None
                found = getattr(found, part)
            return found
    return None


def class_module(name: str) -> str | None:
    """The module that defines the class (or module-level name) `name`."""
    for path in sorted(APP.rglob("*.py")):
        if re.search(rf"^(class {name}\b|{name}\b *[:=])", path.read_text(), re.M):
            return ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return None


def names_exists(dotted: str) -> bool:
    if resolve(dotted) is not None:
        return True
    head, _, rest = dotted.partition(".")
    module = class_module(head)
    return module is not None and resolve(f"{module}.{head}.{rest}") is not None


def test_every_path_named_exists() -> None:
    missing = [
        span
        for span in sorted(spans())
        if is_path(span) and not any((root / span).exists() for root in PATH_ROOTS)
    ]
    assert missing == []


def test_every_url_named_is_routed() -> None:
    routed = routed_paths()
    named = {span.removeprefix("GET ") for span in spans() if is_url(span)}
    assert sorted(named - routed) == []


def test_every_dotted_name_exists() -> None:
    dotted = {
        name
        for span in spans()
        if not is_path(span) and not is_url(span)
        for name in re.findall(r"\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+", span)
    }
    # `app.state.clock` is set when the app is made, not defined on a module.
    made = {"app.state.clock"}
    missing = sorted(dotted - NOT_OURS - made - {n for n in dotted if names_exists(n)})
    assert missing == []
    assert re.search(r"app\.state\.clock = ", (APP / "main.py").read_text())


def test_every_bare_name_is_defined() -> None:
    """A name alone in backticks (`minefield_key`, `IdeaView`, `hidden_at`) is defined in app/
    or its migrations: a module, function, class, parameter, assignment, field, string key or
    table."""
    files = [*APP.rglob("*.py"), *(PROJECT_ROOT / "migrations").rglob("*.py")]
    source = "\n".join(path.read_text() for path in sorted(files))
    names = {
        name
        for span in spans() - NOT_NAMES
        if not is_path(span) and not is_url(span) and not span.startswith("demineurs")
        for name in re.findall(r"(?<![.\w])[A-Za-z_]\w*(?![.\w])", span)
    } - NOT_OURS
    # `can_*`, `check_*`: the families, each of which has members.
    families = {name for name in names if name.endswith("_")}
    defined: set[str] = set()
    for pattern in (
        r"(?:def|class) (\w+)",
        r"^\s*(\w+)\s*[:=]",
        r"\b(\w+)=",
        r"[\"'](\w+)[\"']",
        r"\.(\w+)\(",
        r"[(,]\s*(\w+)\s*[:=,)]",
        r"(?i:from|into|table|join|update) (\w+)",
    ):
        defined |= set(re.findall(pattern, source, re.M))
    missing = sorted(
        name for name in names - families - defined if not isinstance(resolve(name), ModuleType)
    )
    assert missing == []
    for family in families:
        assert re.search(rf"^def {family}\w+", source, re.M)


def test_every_command_named_exists() -> None:
    commands = {span.split()[1] for span in spans() if re.fullmatch(r"demineurs [\w-]+", span)}
    cli = (APP / "cli.py").read_text()
    assert sorted(c for c in commands if f'"{c}"' not in cli) == []
