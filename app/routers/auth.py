"""Sign-in, sign-out, invitations and self-registration (local accounts)."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import SESSION_COOKIE, OptionalUser, SessionDep, SettingsDep
from app.errors import InvalidInput, NotFound
from app.services import users
from app.templating import render
from app.web import FormDep, redirect, safe_next

router = APIRouter(include_in_schema=False)


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


@router.get("/login", name="login")
def login_form(
    request: Request, user: OptionalUser, settings: SettingsDep, next: str = ""
) -> Response:
    if user is not None:
        return redirect(request, safe_next(next))
    return render(
        request,
        "auth/login.html",
        {
            "values": {"email": "", "next": next},
            "errors": {},
            "can_register": bool(settings.allowed_domains),
        },
    )


@router.post("/login", name="login_post")
def login(request: Request, session: SessionDep, settings: SettingsDep, form: FormDep) -> Response:
    email, password = form.get("email", ""), form.get("password", "")
    address = request.client.host if request.client else "unknown"
    user = users.authenticate(session, settings, email, password, address)
    if user is None:
        return render(
            request,
            "auth/login.html",
            {
                "values": {"email": email, "next": form.get("next", "")},
                "errors": {"password": "Adresse e-mail ou mot de passe incorrect."},
                "can_register": bool(settings.allowed_domains),
            },
            status=422,
        )
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        users.end_session(session, old)
    token = users.start_session(session, settings, user)
    return _signed_in(request, settings, token, safe_next(form.get("next")))


@router.post("/logout", name="logout")
def logout(request: Request, session: SessionDep, form: FormDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        users.end_session(session, token)
    response = redirect(request, request.url_for("login").path, flash="Vous êtes déconnecté·e.")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/invitations/{token}", name="invitation")
def invitation_form(request: Request, session: SessionDep, token: str) -> Response:
    invitation = users.pending_invitation(session, token)
    return render(
        request, "auth/invitation.html", {"invitation": invitation, "token": token, "errors": {}}
    )


@router.post("/invitations/{token}", name="invitation_post")
def accept_invitation(
    request: Request, session: SessionDep, settings: SettingsDep, token: str, form: FormDep
) -> Response:
    invitation = users.pending_invitation(session, token)
    password = form.get("password", "")
    errors = {}
    if password != form.get("password_confirm", ""):
        errors["password_confirm"] = "Les deux mots de passe diffèrent."  # noqa: S105
    try:
        if errors:
            raise InvalidInput(errors)
        user = users.accept_invitation(session, token, password)
    except InvalidInput as exc:
        return render(
            request,
            "auth/invitation.html",
            {"invitation": invitation, "token": token, "errors": exc.errors},
            status=422,
        )
    return _signed_in(request, settings, users.start_session(session, settings, user), "/ideas")


@router.get("/register", name="register")
def register_form(request: Request, settings: SettingsDep) -> Response:
    if not settings.allowed_domains:
        raise NotFound(
            "L'inscription se fait sur invitation : demandez-en une à un·e administrateur·rice."
        )
    return render(
        request,
        "auth/register.html",
        {"values": {}, "errors": {}, "domains": settings.allowed_domains},
    )


@router.post("/register", name="register_post")
def register(
    request: Request, session: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    if not settings.allowed_domains:
        raise NotFound("L'inscription se fait sur invitation.")
    values = {k: form.get(k, "") for k in ("email", "name", "unit")}
    try:
        user = users.register(session, settings, password=form.get("password", ""), **values)
    except InvalidInput as exc:
        return render(
            request,
            "auth/register.html",
            {"values": values, "errors": exc.errors, "domains": settings.allowed_domains},
            status=422,
        )
    return _signed_in(request, settings, users.start_session(session, settings, user), "/ideas")
