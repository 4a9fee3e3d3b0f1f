"""The layers' rules, read from the code itself: who commits, who opens transactions, who reads
the wall clock (docs/architecture.md, « Transactions and the clock »), who writes SQL, which
router leans on another."""

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


# A router may name the session's type; every query is a service's (or a model's).
ROUTERS_MAY_IMPORT_FROM_THE_ORM = {("sqlmodel", "Session")}
# What a router may not ask of the session itself: reading and writing rows is a service's job.
SESSION_WORK = {
    "exec",
    "execute",
    "scalar",
    "scalars",
    "query",
    "get",
    "get_one",
    "add",
    "add_all",
    "delete",
    "flush",
    "merge",
    "refresh",
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


def dotted(node: ast.expr) -> str:
    """`session`, `c.session` or `request.state.session` for the receiver of a call."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def asks_the_session(node: ast.Call) -> bool:
    """`session.exec(…)`, `c.session.get(…)` and the like: the session asked for rows."""
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in SESSION_WORK
        and dotted(func.value).rpartition(".")[2] == "session"
    )


def orm_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """`sqlmodel.select`, `sqlalchemy` and the like: what a module takes from the ORM."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.partition(".")[0] in ("sqlmodel", "sqlalchemy"):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and (node.module or "").partition(".")[0] in (
            "sqlmodel",
            "sqlalchemy",
        ):
            for alias in node.names:
                if (node.module, alias.name) not in ROUTERS_MAY_IMPORT_FROM_THE_ORM:
                    yield node.lineno, f"{node.module}.{alias.name}"


def router_imports(name: str, tree: ast.Module) -> Iterator[tuple[int, str]]:
    """The other routers a module of app/routers imports, however it spells it."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("app.routers."):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: `from .ideas import x`, `from . import ideas`
                module = node.module or ""
                found = [module] if module else [alias.name for alias in node.names]
            elif node.module == "app.routers":
                found = [alias.name for alias in node.names]
            elif node.module and node.module.startswith("app.routers."):
                found = [node.module.removeprefix("app.routers.")]
            else:
                found = []
            for module in found:
                if module != "__init__" and f"routers/{module}.py" != name:
                    yield node.lineno, f"app.routers.{module}"


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


def test_routers_write_no_sql() -> None:
    """A router parses, loads or 404s through a service, checks, calls one service, renders:
    the queries live in app/services (and app/models), where a test can reach them."""
    found = [
        f"app/{name}:{line} imports {what}"
        for name, tree in modules("routers")
        for line, what in orm_imports(tree)
    ] + [
        f"app/{name}:{node.lineno} {dotted(node.func)}()"
        for name, tree in modules("routers")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and asks_the_session(node)
    ]
    assert found == [], "move the query into a service: " + ", ".join(found)


def test_no_router_imports_another() -> None:
    """What two routers share lives in a service or in a helper module outside app/routers
    (app/web.py and the like), never in a router."""
    found = [
        f"app/{name}:{line} imports {what}"
        for name, tree in modules("routers")
        for line, what in router_imports(name, tree)
    ]
    assert found == [], "share through a service or a module outside app/routers: " + ", ".join(
        found
    )


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


def test_the_sql_and_import_checks_see_each_way_of_breaking_them() -> None:
    sample = ast.parse(
        "from sqlmodel import Session, select\nfrom sqlalchemy import func\nimport sqlalchemy.orm\n"
        "session.exec(q)\nc.session.get(Unit, 1)\nrequest.state.session.execute(q)\n"
        "session.add(x)\n"
        "form.get('title')\nsessions.get(s)\nrequest.query_params.get('q')\n"
    )
    assert [what for _, what in orm_imports(sample)] == [
        "sqlmodel.select",
        "sqlalchemy.func",
        "sqlalchemy.orm",
    ]
    asked = [
        dotted(node.func)
        for node in ast.walk(sample)
        if isinstance(node, ast.Call) and asks_the_session(node)
    ]
    assert sorted(asked) == [
        "c.session.get",
        "request.state.session.execute",
        "session.add",
        "session.exec",
    ]
    imports = ast.parse(
        "from app.routers.ideas import render_idea\nfrom app.routers import mines\n"
        "import app.routers.board\nfrom .search import PAGE\nfrom . import admin\n"
        "from app.services import ideas\nfrom app.web import redirect\n"
        "from app.routers.stats import x\n"
    )
    assert [what for _, what in router_imports("routers/stats.py", imports)] == [
        "app.routers.ideas",
        "app.routers.mines",
        "app.routers.board",
        "app.routers.search",
        "app.routers.admin",
    ]
