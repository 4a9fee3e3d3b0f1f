"""ASGI middleware: body size limit, security headers, CSRF cookie and origin check, flash."""

import json
import secrets
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

import anyio
from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings

CSRF_COOKIE = "demineurs_csrf"
FLASH_COOKIE = "demineurs_flash"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def _is_api(scope: Scope) -> bool:
    return str(scope.get("path", "")).startswith("/api/")


async def _send_error(scope: Scope, send: Send, status: int, message: str) -> None:
    if _is_api(scope):
        body = json.dumps({"detail": message}).encode()
        content_type = b"application/json"
    else:
        body = (
            '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Erreur</title>'
            f"</head><body><main><h1>Erreur {status}</h1><p>{message}</p>"
            '<p><a href="/">Revenir à l’accueil</a></p></main></body></html>'
        ).encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                # Sent before the app (and WebSecurity's headers): the same protections here.
                (b"content-security-policy", CSP.encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"x-frame-options", b"DENY"),
                (b"referrer-policy", b"same-origin"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuse request bodies over the limit with 413, counted as they arrive."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = "Requête trop volumineuse (1 Mo au plus)."
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _send_error(scope, send, 413, message)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge()
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_error(scope, send, 413, message)


class _TooLarge(Exception):
    pass


class WebSecurity:
    """Security headers on every answer; CSRF nonce cookie; cross-site writes refused; flash."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.flash_signer = URLSafeSerializer(settings.secret_key, salt="flash")
        self.csp = CSP
        # The public address (DEMINEURS_BASE_URL): behind a proxy that passes its own server
        # name as Host, the browser's Origin still carries the port it used.
        public = urlsplit(settings.base_url)
        self.public_origin = f"{public.scheme}://{public.netloc}"
        if settings.proconnect_enabled:
            # Signing out posts a form here, answered by a redirect to ProConnect's end-session
            # page: form-action must allow that one origin.
            issuer = urlsplit(settings.proconnect_issuer)
            origin = f"{issuer.scheme}://{issuer.netloc}"
            self.csp = CSP.replace("form-action 'self'", f"form-action 'self' {origin}")

    def _cross_site(self, scope: Scope, headers: dict[str, str]) -> bool:
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return True
        origin = headers.get("origin")
        if origin is not None and origin != "null":
            scheme = scope.get("scheme", "http")
            host = headers.get("host", "")
            return origin not in (self.public_origin, f"{scheme}://{host}")
        return origin == "null"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        bearer = headers.get("authorization", "").lower().startswith("bearer ")
        # One-click unsubscribe is posted by mail clients: its signed link is its credential.
        signed_link = str(scope.get("path", "")).startswith("/unsubscribe/")
        if (
            scope["method"] in UNSAFE_METHODS
            and not bearer
            and not signed_link
            and self._cross_site(scope, headers)
        ):
            await _send_error(
                scope, send, 403, "Requête refusée\u00a0: elle ne vient pas de ce site."
            )
            return

        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001  (a malformed cookie header is the client's problem)
            cookies = SimpleCookie()
        nonce = cookies[CSRF_COOKIE].value if CSRF_COOKIE in cookies else ""
        new_nonce = not (16 <= len(nonce) <= 100)
        if new_nonce:
            nonce = secrets.token_urlsafe(24)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["csrf_nonce"] = nonce
        had_flash = FLASH_COOKIE in cookies
        if had_flash:
            try:
                state["flash"] = self.flash_signer.loads(cookies[FLASH_COOKIE].value)
            except BadSignature:
                state["flash"] = None
        https = scope.get("scheme") == "https"
        secure = "; Secure" if https else ""

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                path = str(scope.get("path", ""))
                out.setdefault("X-Content-Type-Options", "nosniff")
                out.setdefault("Referrer-Policy", "same-origin")
                out.setdefault("X-Frame-Options", "DENY")
                out.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
                out.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                out.setdefault("Content-Security-Policy", self.csp)
                if https:
                    out.setdefault(
                        "Strict-Transport-Security", "max-age=63072000; includeSubDomains"
                    )
                if not path.startswith("/static/"):
                    out.setdefault("Cache-Control", "no-store")
                if new_nonce and not path.startswith(("/static/", "/api/")):
                    out.append(
                        "Set-Cookie",
                        f"{CSRF_COOKIE}={nonce}; Path=/; HttpOnly; SameSite=Lax{secure}",
                    )
                sets_flash = any(
                    v.startswith(f"{FLASH_COOKIE}=") for v in out.getlist("set-cookie")
                )
                if had_flash and not sets_flash and 200 <= message["status"] < 300:
                    out.append("Set-Cookie", f"{FLASH_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax")
            await send(message)

        await self.app(scope, receive, send_with_headers)


UNQUEUED = frozenset({"/healthz", "/readyz"})


class ConcurrencyLimit:
    """At most `limit` requests inside the app at once; the others wait their turn here.

    Waiting before the app — rather than in the thread pool — means a waiting request holds
    no database connection: the pool can never run dry while threads wait for each other.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._semaphore: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        # Static files, and the probes: an orchestrator must learn that the process lives
        # (and whether its database is ready) even while every slot serves a slow page.
        if scope["type"] != "http" or path.startswith("/static/") or path in UNQUEUED:
            await self.app(scope, receive, send)
            return
        if self._semaphore is None:
            self._semaphore = anyio.Semaphore(self.limit)
        async with self._semaphore:
            await self.app(scope, receive, send)


# GETs that act: starting a ProConnect sign-in writes its state and counts against the
# address's limit. A link checker's HEAD must not do that: it answers 405 there.
GETS_THAT_ACT = ("/auth/proconnect/",)


class HeadAsGet:
    """HEAD answers as GET would, without the body (RFC 9110 § 9.3.2): monitors and link checkers
    ask for it, and FastAPI's routes only declare GET."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "HEAD"
            or str(scope["path"]).startswith(GETS_THAT_ACT)
        ):
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
