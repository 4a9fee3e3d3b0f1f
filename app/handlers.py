"""One place that turns errors into French pages (HTML) or JSON bodies naming the field (API)."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from app.errors import DomainError, InvalidInput, LoginRequired, RateLimited
from app.templating import render

log = logging.getLogger("demineurs")

HTTP_MESSAGES = {
    404: "Cette page n'existe pas.",
    405: "Cette action n'est pas possible à cette adresse.",
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
            errors.append({"field": ".".join(loc) or "body", "message": err.get("msg", "")})
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
        message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        return error_page(request, exc.status_code, message, dict(exc.headers or {}) or None)

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        """A value the database cannot hold (PostgreSQL: an id beyond its integers, a NUL
        character): nothing that exists can have it, so the request is refused, not failed."""
        if "out of range" in str(exc.orig):
            return error_page(request, 404, HTTP_MESSAGES[404])
        return error_page(request, 422, "Une valeur envoyée contient un caractère interdit.")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_page(
            request, 500, "Une erreur inattendue s'est produite. Rien n'a été enregistré."
        )
