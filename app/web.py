"""Helpers shared by the HTML routers: checked forms, redirects with a flash message, pages."""

import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from itsdangerous import URLSafeSerializer
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from app.config import Settings
from app.errors import Forbidden
from app.middleware import FLASH_COOKIE
from app.schemas import BIDI_CONTROLS
from app.security import csrf_token_valid
from app.templating import is_htmx

MAX_FIELDS = 50
MAX_LONG_FIELDS = 1000
_INVISIBLE = re.compile(f"[\x00{BIDI_CONTROLS}]")


async def _checked(request: Request, max_fields: int) -> FormData:
    """The posted form, once its CSRF token is checked."""
    form = await request.form(max_fields=max_fields, max_files=0)
    settings: Settings = request.app.state.settings
    token = request.headers.get("x-csrf-token") or form.get("csrf_token")
    if not isinstance(token, str) or not csrf_token_valid(
        settings.secret_key, request.state.csrf_nonce, token
    ):
        raise Forbidden(
            "Jeton de sécurité manquant ou expiré\u00a0: rechargez la page et recommencez."
        )
    return form


def _plain(value: str | UploadFile) -> str | None:
    # No NUL character reaches the database (PostgreSQL refuses it in text), nor a bidi
    # override (it would reverse the text shown after it): dropped here, for every field.
    return None if isinstance(value, UploadFile) else _INVISIBLE.sub("", value)


def _values(form: FormData) -> dict[str, str]:
    return {
        k: plain for k, v in form.items() if k != "csrf_token" and (plain := _plain(v)) is not None
    }


async def checked_form(request: Request) -> dict[str, str]:
    """The posted form as plain strings, once its CSRF token is checked."""
    return _values(await _checked(request, MAX_FIELDS))


FormDep = Annotated[dict[str, str], Depends(checked_form)]


@dataclass(frozen=True)
class LongForm:
    """A long form (a field per unit, per idea): its last value per field, and every value
    of each field sent several times (checkboxes of one name)."""

    values: dict[str, str]
    lists: dict[str, list[str]]


async def checked_long_form(request: Request) -> LongForm:
    """A form of up to MAX_LONG_FIELDS fields, once its CSRF token is checked."""
    form = await _checked(request, MAX_LONG_FIELDS)
    lists = {
        k: [p for v in form.getlist(k) if (p := _plain(v)) is not None]
        for k in form
        if k != "csrf_token"
    }
    return LongForm(_values(form), lists)


LongFormDep = Annotated[LongForm, Depends(checked_long_form)]


def redirect(request: Request, url: str, flash: str | None = None) -> Response:
    """303 to a plain browser; htmx gets HX-Redirect so it navigates too."""
    response: Response
    if is_htmx(request):
        response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if flash:
        settings: Settings = request.app.state.settings
        value = URLSafeSerializer(settings.secret_key, salt="flash").dumps(flash)
        response.set_cookie(
            FLASH_COOKIE, value, httponly=True, samesite="lax", secure=request.url.scheme == "https"
        )
    response.headers["Vary"] = "HX-Request"
    return response


def safe_next(url: str | None, default: str = "/ideas") -> str:
    """Only local paths: never redirect a user to another site after sign-in."""
    if not url:
        return default
    parts = urlsplit(url)
    if (
        parts.scheme
        or parts.netloc
        or not url.startswith("/")
        or url.startswith("//")
        or "\\" in url
    ):
        return default
    return url


def page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 10**6))
    except ValueError:
        return 1
