"""The application factory: create_app(settings) wires database, routers and middleware."""

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from app import handlers, logs, openapi_links
from app.config import Settings, get_settings
from app.db import Checkpointer, check_migrations, make_engine, migration_state, session_scope
from app.logs import RequestId
from app.mail import OutboxSender
from app.middleware import BodySizeLimit, ConcurrencyLimit, HeadAsGet, WebSecurity
from app.models import Heartbeat
from app.models.base import utcnow
from app.rescore import Rescorer
from app.routers import (
    admin,
    api,
    auth,
    blockers,
    board,
    calls,
    co_carriers,
    experts,
    exports,
    ideas,
    legal,
    mines,
    moderation,
    notifications,
    profile,
    search,
    sleeping,
    stats,
)
from app.services import legal as legal_facts
from app.services import pdfs
from app.services.stats import StatsCache
from app.templating import STATIC_DIR, install_fast_url_for, make_templates, render


class CachedStatic(StaticFiles):
    """Static files; under a versioned name (/static/<content hash>/…) they never change,
    so browsers keep them a year without asking again."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        version, _, rest = path.partition("/")
        versioned = bool(rest) and re.fullmatch(r"[0-9a-f]{12}", version) is not None
        response = await super().get_response(rest if versioned else path, scope)
        if versioned and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "public, max-age=3600"
        return response


def create_app(settings: Settings | None = None, clock: Callable[[], datetime] = utcnow) -> FastAPI:
    """Build the app; nothing touches the database until startup."""
    settings = settings or get_settings()
    settings.check_production_safety()
    engine = make_engine(settings, background_checkpoints=settings.is_sqlite)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.env != "test":  # the test runner keeps its own log capture
            logs.configure(settings.log_format, settings.log_level)
        check_migrations(engine, settings.database_url)
        legal_facts.warn_if_incomplete(app.state.site, settings.env)
        checkpointer = Checkpointer(engine) if settings.is_sqlite else None
        if checkpointer is not None:
            checkpointer.start()
        # The tests run the recomputation themselves, batch by batch (tests/services).
        if settings.env != "test":
            app.state.rescorer.start()
        yield
        app.state.rescorer.stop()
        app.state.outbox.stop()
        if checkpointer is not None:
            checkpointer.stop()
        engine.dispose()

    app = FastAPI(
        title="Les démineurs — API",
        version="1",
        description=(
            "API des démineurs\u00a0: idées, mines et déminages. Authentifiez-vous avec "
            "`Authorization: Bearer <jeton>` (jeton créé sur votre page de profil)."
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # Starlette's own redirect of /ideas/ to /ideas is absolute, built from the Host
        # header: app.handlers answers it with a path instead.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.outbox = OutboxSender(engine, settings)
    app.state.rescorer = Rescorer(engine, settings, clock, on_mail=app.state.outbox.wake)
    app.state.pdf_makers = pdfs.makers(settings)
    app.state.clock = clock
    app.state.templates = make_templates(settings)
    # Who publishes this deployment: the footer of every page and the legal pages say it.
    app.state.site = app.state.templates.env.globals["site"] = legal_facts.site(settings)
    app.state.stats_cache = StatsCache(settings.stats_cache_seconds)

    # search first: its /ideas/similar must win over /ideas/{idea_id}
    for module in (
        auth,
        search,
        ideas,
        co_carriers,
        mines,
        moderation,
        experts,
        blockers,
        sleeping,
        board,
        calls,
        exports,
        notifications,
        profile,
        admin,
        legal,
        stats,
        api,
    ):
        app.include_router(module.router)
    app.mount("/static", CachedStatic(directory=STATIC_DIR), name="static")

    @app.get("/healthz", include_in_schema=False, name="healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive (no database involved)."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False, name="readyz")
    def readyz() -> Response:
        """The database answers, its schema is at the migrations' head, and it takes a write."""
        try:
            current, head = migration_state(engine, settings.database_url)
        except Exception as exc:  # noqa: BLE001  (any failure means: not ready)
            return JSONResponse(
                {"status": "unavailable", "detail": str(exc)[:200]}, status_code=503
            )
        if current != head:
            return JSONResponse(
                {"status": "behind", "current": current, "head": head}, status_code=503
            )
        try:
            # Reading is not enough: a read-only file or a full disk lets every page load and
            # every write fail. One row rewritten and committed shows that writes go through
            # (the probe is its own unit of work: it has no request session).
            with session_scope(engine, write=True) as session:
                session.merge(Heartbeat(id=1, beat_at=clock()))
        except Exception as exc:  # noqa: BLE001  (any failure means: not ready)
            return JSONResponse({"status": "read-only", "detail": str(exc)[:200]}, status_code=503)
        return JSONResponse({"status": "ready", "revision": current})

    if settings.bench_endpoints:
        from app.benchmarks import install_bench_endpoints

        install_bench_endpoints(app)

    @app.get("/docs", include_in_schema=False, name="api_docs")
    def api_docs(request: Request) -> Response:
        return render(request, "api_docs.html")

    openapi_links.install(app)
    install_fast_url_for(app.state.templates, app.routes)
    handlers.install(app)
    app.add_middleware(handlers.CatchUnexpected)
    app.add_middleware(ConcurrencyLimit, limit=settings.threads_per_worker)
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
    app.add_middleware(WebSecurity, settings=settings)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestId)
    app.add_middleware(HeadAsGet)
    return app
