"""The layers' rules, read from the code itself: who commits, who opens transactions, who reads
the wall clock (docs/architecture.md, « Transactions and the clock »)."""

import ast
from collections.abc import Iterator

from app.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
# What opens a database session or a transaction of its own.
OPENS_A_SESSION = {"Session", "session_scope", "observer_session", "sessionmaker", "make_engine"}
# The wall clock, read directly instead of the `now` a caller passes in.
WALL_CLOCK = {"utcnow", "now", "today", "time", "monotonic_ns"}
# Read on purpose, with the reason.
WALL_CLOCK_ALLOWED = {
    # ProConnect's JWTs are dated by the provider's clock: their expiry is checked against the
    # real time, whatever clock the app runs on (a test's clock stands still).
    ("services/proconnect.py", "time.time"),
}


def modules(*folders: str) -> Iterator[tuple[str, ast.Module]]:
    for folder in folders:
        for path in sorted((APP / folder).glob("*.py")):
            yield str(path.relative_to(APP)), ast.parse(path.read_text(), str(path))


def called(node: ast.Call) -> str:
    """`f`, `module.f` or `.method` for a call."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        return f"{owner}.{func.attr}"
    return ""


def calls(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node.lineno, called(node)


def commits_or_opens(call: str, *, allowed: frozenset[str] = frozenset()) -> bool:
    name = call.rpartition(".")[2]
    return call.endswith((".commit", ".rollback", ".begin")) or (
        name in OPENS_A_SESSION and name not in allowed
    )


def reads_wall_clock(module: str, call: str) -> bool:
    return (
        call.rpartition(".")[2] in WALL_CLOCK
        and call.rpartition(".")[0] in ("", "datetime", "date", "time")
        and (module, call) not in WALL_CLOCK_ALLOWED
    )


def test_services_never_commit_nor_open_a_session() -> None:
    found = [
        f"app/{name}:{line} {call}"
        for name, tree in modules("services")
        for line, call in calls(tree)
        if commits_or_opens(call) or call.endswith("write_beside")
    ]
    assert found == [], "services work in their caller's unit of work: " + ", ".join(found)


def test_routers_never_commit_nor_open_a_transaction_but_the_named_one() -> None:
    found = [
        f"app/{name}:{line} {call}"
        for name, tree in modules("routers")
        for line, call in calls(tree)
        if commits_or_opens(call)
    ]
    assert found == [], "a router works in the request's unit of work: " + ", ".join(found)


def test_services_and_routers_take_the_time_they_are_given() -> None:
    found = [
        f"app/{name}:{line} {call}()"
        for name, tree in modules("services", "routers")
        for line, call in calls(tree)
        if reads_wall_clock(name, call)
    ]
    assert found == [], "use the `now` passed in (app.state.clock): " + ", ".join(found)


def test_the_checks_see_each_way_of_breaking_the_rules() -> None:
    sample = ast.parse(
        "session.commit()\nwith session_scope(engine) as s: pass\nSession(engine)\n"
        "now = utcnow()\ndatetime.now(UTC)\ndate.today()\ntime.time()\n"
        "session.flush()\nmine.now_open()\n"
    )
    seen = [call for _, call in sorted(calls(sample))]
    assert [c for c in seen if commits_or_opens(c)] == [
        "session.commit",
        "session_scope",
        "Session",
    ]
    assert [c for c in seen if reads_wall_clock("services/x.py", c)] == [
        "utcnow",
        "datetime.now",
        "date.today",
        "time.time",
    ]
    assert not reads_wall_clock("services/proconnect.py", "time.time")


def imported(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Every module a module imports (`from app.routers import ideas` imports
    `app.routers.ideas`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)


def test_no_router_imports_another() -> None:
    """What several pages share lives in a service or beside the routers (app/idea_page.py)."""
    found = [
        f"app/{name}:{line} {module}"
        for name, tree in modules("routers")
        for line, module in imported(tree)
        if module.startswith("app.routers.") and name != "routers/__init__.py"
    ]
    assert found == [], "a router imports no other router: " + ", ".join(found)
    sample = ast.parse("from app.routers.ideas import x\nfrom app.routers import mines\n")
    assert {m for _, m in imported(sample) if m.startswith("app.routers.")} == {
        "app.routers.ideas",
        "app.routers.ideas.x",
        "app.routers.mines",
    }
