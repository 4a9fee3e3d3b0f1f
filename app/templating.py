"""Jinja environment: filters, globals, and the render helper used by every HTML router."""

import hashlib
import secrets
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from threading import Lock
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import BytecodeCache, StrictUndefined, pass_context
from jinja2.bccache import Bucket
from markupsafe import Markup
from starlette.datastructures import URL
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount

from app import addresses, formatting
from app.config import PROJECT_ROOT, Settings
from app.markdown import render_markdown
from app.models.call import PHASE_LABELS
from app.models.idea import (
    ABANDONED,
    ABANDONED_MANY,
    FICHE_LABELS,
    RULE_KIND_LABELS,
    STATUS_LABELS,
)
from app.models.mine import (
    BASIS_HINTS,
    BASIS_LABELS,
    CATEGORY_LABELS,
    KIND_LABELS,
    MINE_STATUS_LABELS,
    SCOPE_LABELS,
    SEVERITY_LABELS,
)
from app.models.outcome import MILESTONE_LABELS
from app.models.user import ROLE_LABELS
from app.security import csrf_token_for
from app.services import legal, rule_paths
from app.services.permissions import TEMPLATE_PREDICATES, is_carrier

STATIC_DIR = Path(__file__).resolve().parent / "static"


def iso(value: datetime | None) -> str:
    local = formatting.paris(value)
    return local.isoformat(timespec="minutes") if local else ""


@cache
def _static_version(path: str) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    """A versioned URL: the content hash in the name lets the file be cached forever."""
    return f"/static/{_static_version(path)}/{path}"


def link_base(request: Request) -> str:
    """What a page's links start with: the path the app is mounted at, never a host. A link
    built from the request's Host header would point wherever a forged header says (and the
    fragment cache, keyed by it, would fill with copies); the links that must be absolute
    (e-mails, security.txt, invitations) take DEMINEURS_BASE_URL instead."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def install_fast_url_for(templates: Jinja2Templates, routes: list[BaseRoute]) -> None:
    """`url_for` in templates without Starlette's scan of every route on each call: pages with
    long lists call it once per row, and the scan cost more than the database."""
    by_name: dict[str, tuple[str, BaseRoute]] = {}

    def collect(routes: list[BaseRoute], prefix: str) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)  # FastAPI's included router
            if included is not None:
                collect(included.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]  # an included router's route
            elif (name := getattr(route, "name", None)) and name not in by_name:
                by_name[name] = (prefix, route)

    collect(routes, "")

    @lru_cache(maxsize=8192)
    def path_for(name: str, params: tuple[tuple[str, Any], ...]) -> str:
        prefix, route = by_name[name]
        return prefix + str(route.url_path_for(name, **dict(params)))

    @pass_context
    def url_for(context: dict[str, Any], name: str, /, **params: Any) -> URL:
        request: Request = context["request"]
        found = by_name.get(name)
        if found is None or isinstance(found[1], Mount):
            return URL(request.url_for(name, **params).path)
        return URL(link_base(request) + path_for(name, tuple(params.items())))

    templates.env.globals["url_for"] = url_for


# Stands for the viewer's CSRF token in a shared fragment: unguessable, so that no text a user
# writes can be taken for it, and hexadecimal, so that it escapes to itself.
CSRF_PLACEHOLDER = secrets.token_hex(16)


class FragmentCache:
    """Rendered fragments kept in memory, keyed by everything they show: a key is made of the
    rows the fragment displays and of the answers to the permission questions it asks about
    its viewer, so an entry can never be stale — a change makes a new key, the old one ages
    out. Every viewer with the same rights shares an entry; the CSRF token (per session) is
    put in after the lookup."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars  # the budget: the least recently read entries go first
        self.chars = 0
        self._entries: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            html = self._entries.get(key)
            if html is not None:
                self._entries.move_to_end(key)
            return html

    def put(self, key: Hashable, html: str) -> None:
        if len(html) > self.max_chars:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self.chars += len(html) - (len(old) if old is not None else 0)
            self._entries[key] = html
            while self.chars > self.max_chars:
                self.chars -= len(self._entries.popitem(last=False)[1])


def install_fragment_cache(templates: Jinja2Templates, cache: FragmentCache) -> None:
    """`cached_include(name, key, **variables)`: the template `name` rendered with the page's
    context plus `variables`, from the cache when `key` was seen (a `None` key renders anew,
    e.g. when the fragment shows a form's errors)."""

    @pass_context
    def cached_include(
        context: Any, name: str, key: Hashable | None, /, **variables: Any
    ) -> Markup:
        template = context.environment.get_template(name)
        html = full_key = None
        if key is not None:
            full_key = (name, link_base(context["request"]), key)
            try:
                html = cache.get(full_key)
            except TypeError:  # a value that cannot be a key (a dict in a row): render anew
                full_key = None
        if full_key is None:
            # An autoescaped template's output: already HTML.
            return Markup(template.render({**context.get_all(), **variables}))  # noqa: S704  # nosec B704
        if html is None:
            html = template.render(
                {**context.get_all(), **variables, "csrf_token": CSRF_PLACEHOLDER}
            )
            cache.put(full_key, html)
        # The same, with the session's token (hexadecimal) put back.
        return Markup(html.replace(CSRF_PLACEHOLDER, context["csrf_token"]))  # noqa: S704  # nosec B704

    templates.env.globals["cached_include"] = cached_include


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per process, whatever the number of apps built (the tests build
    one per test): Jinja then skips parsing and compiling on every new environment."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if (code := self._store.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def make_templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(PROJECT_ROOT / "templates"))
    env = templates.env
    env.bytecode_cache = _COMPILED
    env.auto_reload = settings.env == "development"  # elsewhere, no stat() per template use
    if settings.strict_templates:
        env.undefined = StrictUndefined
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters.update(
        formatting.FILTERS,
        markdown=render_markdown,
        iso=iso,
        blocker_row=blocker_row,
    )
    env.globals.update(
        TEMPLATE_PREDICATES,
        is_carrier=is_carrier,
        static_url=static_url,
        STATUS_LABELS=STATUS_LABELS,
        ABANDONED=ABANDONED,
        ABANDONED_MANY=ABANDONED_MANY,
        FICHE_LABELS=FICHE_LABELS,
        CATEGORY_LABELS=CATEGORY_LABELS,
        SEVERITY_LABELS=SEVERITY_LABELS,
        MINE_STATUS_LABELS=MINE_STATUS_LABELS,
        KIND_LABELS=KIND_LABELS,
        SCOPE_LABELS={scope.value: label for scope, label in SCOPE_LABELS.items()},
        BASIS_LABELS={basis.value: label for basis, label in BASIS_LABELS.items()},
        BASIS_HINTS={basis.value: hint for basis, hint in BASIS_HINTS.items()},
        ROLE_LABELS=ROLE_LABELS,
        PHASE_LABELS={phase.value: label for phase, label in PHASE_LABELS.items()},
        MILESTONE_LABELS={kind.value: label for kind, label in MILESTONE_LABELS.items()},
        RULE_KIND_LABELS={kind.value: label for kind, label in RULE_KIND_LABELS.items()},
        rule_paths=rule_paths.paths_for,
        read_contact=legal.read_contact,
        is_link=addresses.is_link,
    )
    install_fragment_cache(templates, FragmentCache(settings.fragment_cache_mb * 1024 * 1024))
    return templates


def blocker_row(row: Any, severities: list[tuple[str, str]]) -> tuple[Any, ...]:
    """A row of the map of what blocks as the bar chart takes it: its label, then one count per
    severity."""
    return (row.label, *(row.counts.get(key, 0) for key, _ in severities))


def csrf_token(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return csrf_token_for(settings.secret_key, request.state.csrf_nonce)


def is_htmx(request: Request) -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render a page or fragment with what every template needs."""
    templates: Jinja2Templates = request.app.state.templates
    base = {
        "current_user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "flash": getattr(request.state, "flash", None),
        "unread": getattr(request.state, "unread", 0),
        "poll_seconds": request.app.state.settings.notification_poll_seconds,
        "now": request.app.state.clock(),
        # The fields shown with an error, noted for the form's error summary (forms.html).
        "form_error_log": [],
    }
    response = templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status
    )
    response.headers["Vary"] = "HX-Request, Cookie"
    return response
