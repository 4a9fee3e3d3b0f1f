"""Sign-in, sign-out, account invitations and self-registration (local accounts)."""

from datetime import datetime

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from app.config import Settings
from app.deps import (
    SESSION_COOKIE,
    NowDep,
    OptionalUser,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
)
from app.errors import InvalidInput, NotFound
from app.models import User
from app.services import (
    account_invitations,
    proconnect,
    rate_limits,
    registration,
    sessions,
    sign_in,
)
from app.templating import render
from app.web import FormDep, redirect, safe_next

router = APIRouter(include_in_schema=False)

# The ProConnect state is bound to the browser that asked for it: kept in this cookie too, and
# the callback refuses a state that this browser did not start (login CSRF).
OIDC_STATE_COOKIE = "demineurs_oidc_state"
OIDC_COOKIE_PATH = "/auth/proconnect"


def _signed_in(request: Request, settings: SettingsDep, token: str, url: str) -> Response:
    response = redirect(request, url)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def _login_page(
    request: Request,
    settings: SettingsDep,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    refusal: str = "",
) -> Response:
    return render(
        request,
        "auth/login.html",
        {
            "values": values,
            "errors": errors,
            "can_register": bool(settings.allowed_domains),
            "proconnect": settings.proconnect_enabled,
            "refusal": refusal,
        },
        status=status,
    )


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _renew_session(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    now: datetime,
    oidc_id_token: str = "",
) -> str:
    """Sign-in always starts a new session: the one this browser had, if any, ends."""
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        sessions.end_session(session, old)
    return sessions.start_session(session, settings, user, now, oidc_id_token)


@router.get("/login", name="login")
def login_form(
    request: Request, user: OptionalUser, settings: SettingsDep, next: str = ""
) -> Response:
    if user is not None:
        return redirect(request, safe_next(next))
    return _login_page(request, settings, {"email": "", "next": next}, {})


@router.post("/login", name="login_post")
def login(
    request: Request, session: SessionDep, settings: SettingsDep, now: NowDep, form: FormDep
) -> Response:
    email, password = form.get("email", ""), form.get("password", "")
    user = sign_in.authenticate(session, settings, email, password, _address(request), now)
    if user is None:
        return _login_page(
            request,
            settings,
            {"email": email, "next": form.get("next", "")},
            {"password": "Adresse e-mail ou mot de passe incorrect."},
            status=422,
        )
    token = _renew_session(request, session, settings, user, now)
    return _signed_in(request, settings, token, safe_next(form.get("next")))


@router.post("/logout", name="logout")
def logout(request: Request, session: SessionDep, settings: SettingsDep, form: FormDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    id_token = sessions.end_session(session, token) if token else ""
    response = redirect(request, request.url_for("login").path, flash="Déconnexion faite.")
    if id_token and settings.proconnect_enabled:
        # Signed in through ProConnect: sign out there too; it sends the browser back here.
        back = settings.base_url.rstrip("/") + request.url_for("login").path
        response.headers["location"] = proconnect.logout_url(settings, id_token, back)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _refused(request: Request, settings: SettingsDep, message: str) -> Response:
    values = {"email": "", "next": ""}
    return _login_page(request, settings, values, {}, status=400, refusal=message)


@router.get("/auth/proconnect/login", name="proconnect_login")
def proconnect_login(
    request: Request,
    session: WriteSessionDep,
    settings: SettingsDep,
    now: NowDep,
    next: str = "",
) -> Response:
    if not settings.proconnect_enabled:
        raise NotFound("La connexion avec ProConnect n’est pas configurée ici.")
    try:
        url, state = proconnect.start(session, settings, safe_next(next), now, _address(request))
    except proconnect.SignInRefused as exc:
        return _refused(request, settings, exc.message)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        OIDC_STATE_COOKIE,
        state,
        max_age=int(proconnect.LOGIN_TTL.total_seconds()),
        path=OIDC_COOKIE_PATH,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back, never on a sub-request
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/auth/proconnect/callback", name="proconnect_callback")
def proconnect_callback(
    request: Request,
    session: WriteSessionDep,
    settings: SettingsDep,
    now: NowDep,
    code: str = "",
    state: str = "",
    error: str = "",
) -> Response:
    if not settings.proconnect_enabled:
        raise NotFound("La connexion avec ProConnect n’est pas configurée ici.")
    # A refusal is an answer, not an error: the request's unit of work commits it, the spent
    # state with it, so that a state never serves twice (nothing else is written before a
    # refusal: see proconnect.finish).
    try:
        proconnect.check_browser(state, request.cookies.get(OIDC_STATE_COOKIE, ""))
        login = proconnect.consume(session, state, now)
        if error:
            return _refused(
                request, settings, "ProConnect n’a pas pu vous identifier\u00a0: recommencez."
            )
        user, id_token = proconnect.finish(session, settings, code[:2000], login)
        token = _renew_session(request, session, settings, user, now, id_token)
    except proconnect.SignInRefused as exc:
        refused = _refused(request, settings, exc.message)
        refused.delete_cookie(OIDC_STATE_COOKIE, path=OIDC_COOKIE_PATH)
        return refused
    signed = _signed_in(request, settings, token, safe_next(login.next_url))
    signed.delete_cookie(OIDC_STATE_COOKIE, path=OIDC_COOKIE_PATH)
    return signed


@router.get("/invitations/{token}", name="invitation_old_link")
def old_invitation_link(request: Request, token: str) -> Response:
    """The address account invitations had before they moved to /join: the links already
    handed out keep working."""
    return RedirectResponse(request.url_for("join", token=token).path, status_code=308)


@router.get("/join/{token}", name="join")
def invitation_form(request: Request, session: SessionDep, now: NowDep, token: str) -> Response:
    invitation = account_invitations.pending_invitation(session, token, now)
    return render(
        request, "auth/join.html", {"invitation": invitation, "token": token, "errors": {}}
    )


@router.post("/join/{token}", name="join_post")
def accept_invitation(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    token: str,
    form: FormDep,
) -> Response:
    try:
        user = account_invitations.accept_invitation(
            session, token, form.get("password", ""), form.get("password_confirm", ""), now
        )
    except InvalidInput as exc:
        invitation = account_invitations.pending_invitation(session, token, now)
        return render(
            request,
            "auth/join.html",
            {"invitation": invitation, "token": token, "errors": exc.errors},
            status=422,
        )
    cookie = sessions.start_session(session, settings, user, now)
    return _signed_in(request, settings, cookie, "/ideas")


@router.get("/register", name="register")
def register_form(request: Request, settings: SettingsDep) -> Response:
    if not settings.allowed_domains:
        raise NotFound(
            "L’inscription se fait sur invitation\u00a0: demandez-en une à l’équipe "
            "qui administre l’outil."
        )
    return render(
        request,
        "auth/register.html",
        {"values": {}, "errors": {}, "domains": settings.allowed_domains},
    )


@router.post("/register", name="register_post")
def register(
    request: Request, session: SessionDep, settings: SettingsDep, now: NowDep, form: FormDep
) -> Response:
    if not settings.allowed_domains:
        raise NotFound("L’inscription se fait sur invitation.")
    rate_limits.throttle_account_creation(session, settings, _address(request), now)
    values = {k: form.get(k, "") for k in ("email", "name", "unit")}
    try:
        user, _ = registration.register(session, settings, now=now, **values)
    except InvalidInput as exc:
        return render(
            request,
            "auth/register.html",
            {"values": values, "errors": exc.errors, "domains": settings.allowed_domains},
            status=422,
        )
    # Nobody is signed in yet: the address must first be shown to be theirs.
    return redirect(
        request,
        request.url_for("login").path,
        flash=f"Presque fini\u202f! Un lien d’activation a été envoyé à {user.email}\u00a0: "
        "suivez-le dans les 48\u00a0heures pour activer votre compte.",
    )


@router.get("/register/confirm/{token}", name="register_confirm")
def confirm_form(request: Request, session: SessionDep, now: NowDep, token: str) -> Response:
    # A GET changes nothing (mail scanners open links): the page asks for one click.
    _, user = registration.pending_confirmation(session, token[:200], now)
    return render(request, "auth/confirm.html", {"email": user.email, "token": token, "errors": {}})


@router.post("/register/confirm/{token}", name="register_confirm_post")
def confirm(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    token: str,
    form: FormDep,
) -> Response:
    try:
        user = registration.confirm_registration(
            session, token[:200], form.get("password", ""), form.get("password_confirm", ""), now
        )
    except InvalidInput as exc:
        _, pending = registration.pending_confirmation(session, token[:200], now)
        context = {"email": pending.email, "token": token, "errors": exc.errors}
        return render(request, "auth/confirm.html", context, status=422)
    cookie = _renew_session(request, session, settings, user, now)
    return _signed_in(request, settings, cookie, "/ideas")
