"""One place that turns errors into French pages (HTML) or JSON bodies naming the field (API)."""

import logging
from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import DomainError, InvalidInput, LoginRequired, RateLimited
from app.logs import request_id
from app.middleware import GETS_THAT_ACT
from app.schemas import french_message
from app.templating import render

log = logging.getLogger("demineurs")

HTTP_MESSAGES = {
    404: "Cette page n’existe pas.",
    405: "Cette action n’est pas possible à cette adresse.",
}
TITLES = {
    401: "Connexion requise",
    403: "Action non autorisée",
    404: "Page introuvable",
    409: "Action impossible pour le moment",
    413: "Envoi trop volumineux",
    422: "Données invalides",
    429: "Trop de tentatives",
}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    response = render(
        request,
        "errors/error.html",
        {"status": status, "title": TITLES.get(status, "Erreur"), "message": message},
        status=status,
    )
    if headers:
        response.headers.update(headers)
    return response


def page_above(request: Request) -> str | None:
    """The nearest page above a form's address (/ideas/13/mines → /ideas/13): where a browser
    that opens or reloads an address made for POST is sent instead of a 405."""
    segments = request.url.path.rstrip("/").split("/")
    while len(segments) > 1:
        segments.pop()
        path = "/".join(segments) or "/"
        scope = {**request.scope, "path": path, "method": "GET"}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            return path
    return None


def allowed_methods(routes: list[Any], scope: Scope) -> set[str]:
    """Every method some route answers at this request's path (included routers walked)."""
    methods: set[str] = set()
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            methods |= allowed_methods(included.routes, scope)
        elif isinstance(route, Mount) and route.matches(scope)[0] != Match.NONE:
            methods |= {"GET", "HEAD"}  # the static files
        elif getattr(route, "methods", None) and route.matches(scope)[0] != Match.NONE:
            methods |= set(route.methods)
    return methods


def allow_header(request: Request) -> str:
    """A 405's Allow: every method the path answers, HEAD with GET (middleware.HeadAsGet)
    except where a GET acts."""
    # Raised inside a Mount (StaticFiles refuses a POST), the scope's root_path is the mount's.
    root = request.scope.get("app_root_path", request.scope.get("root_path", ""))
    scope = {**request.scope, "root_path": root}
    methods = allowed_methods(request.app.routes, scope)
    if "GET" in methods and not request.url.path.startswith(GETS_THAT_ACT):
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def slash_twin(request: Request) -> str | None:
    """/ideas for /ideas/ (and the reverse) when only the twin is a page, as a path with the
    query: where Starlette would have redirected, without trusting the Host header."""
    path = request.scope["path"]
    if path == "/":
        return None
    routes = request.app.router.routes
    if any(route.matches(request.scope)[0] != Match.NONE for route in routes):
        return None  # the path exists (a Mount's missing file, say): no redirect loop
    twin = path.removesuffix("/") if path.endswith("/") else path + "/"
    if not any(route.matches({**request.scope, "path": twin})[0] != Match.NONE for route in routes):
        return None
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return root + twin + (f"?{request.url.query}" if request.url.query else "")


def _id_out_of_range(exc: RequestValidationError) -> bool:
    errors = exc.errors()
    return bool(errors) and all(
        err.get("loc", ("",))[0] == "path"
        and err.get("type") in ("greater_than_equal", "less_than_equal")
        for err in errors
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        if exc.status_code == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        if wants_json(request):
            body: dict[str, object] = {"detail": exc.message}
            if exc.field:
                body["field"] = exc.field
            if isinstance(exc, InvalidInput):
                body["errors"] = [{"field": f, "message": m} for f, m in exc.errors.items()]
            return JSONResponse(body, status_code=exc.status_code, headers=headers)
        return error_page(request, exc.status_code, exc.message, headers)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = request.url_for("login").include_query_params(next=target).path
        query = request.url_for("login").include_query_params(next=target).query
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": f"{url}?{query}"})
        return RedirectResponse(f"{url}?{query}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
            if err.get("type") == "json_invalid":
                loc = []  # its location is a character position, not a field: the body
            errors.append({"field": ".".join(loc) or "body", "message": french_message(err)})
        if not wants_json(request):
            # Only path parameters reach here for pages: /ideas/abc is simply not a page.
            return error_page(request, 404, HTTP_MESSAGES[404])
        if _id_out_of_range(exc):
            # An integer id no object can have (app.deps.ObjectId): not found, as ever.
            return JSONResponse({"detail": "Objet introuvable."}, status_code=404)
        first = errors[0]["field"] if errors else "body"
        return JSONResponse(
            {"detail": "Données invalides.", "field": first, "errors": errors}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and (twin := slash_twin(request)) is not None:
            return RedirectResponse(twin, status_code=307)
        if exc.status_code == 405 and request.method == "GET" and not wants_json(request):
            target = page_above(request)
            if target is not None:
                return RedirectResponse(target, status_code=303)
        message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names the methods of the first route on that path only (GET and POST
            # /api/v1/ideas are two routes: OPTIONS answered « Allow: POST »): all of them.
            headers["Allow"] = allow_header(request)
        return error_page(request, exc.status_code, message, headers or None)

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        """A value the database cannot hold (PostgreSQL: an id beyond its integers, a NUL
        character): nothing that exists can have it, so the request is refused, not failed."""
        if "out of range" in str(exc.orig):
            return error_page(request, 404, HTTP_MESSAGES[404])
        return error_page(request, 422, "Une valeur envoyée contient un caractère interdit.")


UNEXPECTED = "Une erreur inattendue s’est produite. Rien n’a été enregistré."


def unexpected_page(request: Request) -> Response:
    """The answer to an error nobody foresaw: a French page (JSON under /api) that gives the
    request's id, so that a report can be matched to the log lines."""
    rid = request_id.get()
    if wants_json(request):
        return JSONResponse({"detail": UNEXPECTED, "request_id": rid}, status_code=500)
    message = f"{UNEXPECTED} Si cela se reproduit, donnez cette référence\u00a0: {rid}."
    try:
        return error_page(request, 500, message)
    except Exception:  # noqa: BLE001  (the page itself failed: a bare one, still in French)
        log.exception("the error page failed")
        return HTMLResponse(
            '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Erreur</title>'
            f"</head><body><main><h1>Erreur inattendue</h1><p>{escape(message)}</p></main>"
            "</body></html>",
            status_code=500,
        )


class CatchUnexpected:
    """Turns an unexpected exception into a proper 500 answer, and stops it there.

    Starlette's last-resort handler answers and then re-raises, and uvicorn closes the
    connection of a request that raised: the client's next request on that keep-alive
    connection failed. Here the exception ends with its answer; the connection stays usable."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            request = Request(scope, receive)
            log.exception("unexpected error on %s %s", request.method, request.url.path)
            if started:  # half an answer is out: only closing the connection can tell
                raise
            await unexpected_page(request)(scope, receive, send)
