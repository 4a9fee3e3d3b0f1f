"""The agent's own profile (password, API tokens) and every agent's « démineur » record."""

import json

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import SESSION_COOKIE, CurrentUser, NowDep, ObjectId, SessionDep, SettingsDep
from app.errors import InvalidInput
from app.models.mine import CATEGORY_LABELS
from app.security import verify_password
from app.services import api_tokens, mines, personal_data, sessions, users
from app.templating import render
from app.web import FormDep, redirect

router = APIRouter(include_in_schema=False)


def _profile(
    request: Request, session: SessionDep, user: CurrentUser, status: int = 200, **extra: object
) -> Response:
    context: dict[str, object] = {
        "person": user,
        "unit": users.unit_of(session, user),
        "record": mines.demineur_record(session, user),
        "tokens": api_tokens.list_api_tokens(session, user),
        "new_token": None,
        "token_name": "",
        "errors": {},
    }
    context.update(extra)
    return render(request, "profile/me.html", context, status=status)


@router.get("/profile", name="profile")
def profile(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return _profile(request, session, user)


@router.post("/profile/tokens", name="token_create")
def create_token(
    request: Request, session: SessionDep, user: CurrentUser, form: FormDep
) -> Response:
    name = form.get("name", "")
    try:
        _, token = api_tokens.create_api_token(session, user, name)
    except InvalidInput as exc:
        return _profile(request, session, user, status=422, errors=exc.errors, token_name=name)
    # Shown once, on this answer only: it is never stored in clear nor sent again.
    return _profile(request, session, user, new_token=token)


@router.post("/profile/tokens/{token_id}/revoke", name="token_revoke")
def revoke_token(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    token_id: ObjectId,
    form: FormDep,
) -> Response:
    api_tokens.revoke_api_token(session, user, token_id, now)
    return redirect(request, request.url_for("profile").path + "#jetons", flash="Jeton révoqué.")


@router.post("/profile/password", name="password_change")
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    now: NowDep,
    form: FormDep,
) -> Response:
    errors: dict[str, str] = {}
    if not verify_password(form.get("current_password", ""), user.password_hash):
        errors["current_password"] = "Mot de passe actuel incorrect."  # noqa: S105
    elif form.get("new_password", "") != form.get("new_password_confirm", ""):
        errors["new_password_confirm"] = "Les deux mots de passe diffèrent."  # noqa: S105
    try:
        if errors:
            raise InvalidInput(errors)
        users.set_password(session, user, form.get("new_password", ""))
    except InvalidInput as exc:
        renamed = {("new_password" if k == "password" else k): v for k, v in exc.errors.items()}
        return _profile(request, session, user, status=422, errors=renamed)
    # Every session ended with the change; this browser gets a fresh one.
    token = sessions.start_session(session, settings, user, now)
    response = redirect(request, request.url_for("profile").path, flash="Mot de passe changé.")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/users/{user_id}", name="user")
def public_profile(
    request: Request, session: SessionDep, user: CurrentUser, user_id: ObjectId
) -> Response:
    person = users.get_user(session, user_id)
    unit = users.unit_of(session, person)
    return render(
        request,
        "profile/public.html",
        {"person": person, "unit": unit, "record": mines.demineur_record(session, person)},
    )


@router.post("/profile/asking", name="profile_asking")
def save_asking(
    request: Request, session: SessionDep, user: CurrentUser, form: FormDep
) -> Response:
    """The subjects one is happy to be asked about in « Qui peut déminer ? », or a plain no."""
    subjects = [key for key in CATEGORY_LABELS if form.get(f"subject_{key}") == "on"]
    users.set_asking(session, user, subjects, opt_out=form.get("opt_out") == "on")
    return redirect(
        request,
        request.url_for("profile").path + "#solliciter",
        flash="Vos préférences de sollicitation sont enregistrées.",
    )


@router.get("/profile/export.json", name="profile_export")
def export_my_data(session: SessionDep, user: CurrentUser) -> Response:
    """Download everything the tool holds about me (JSON)."""
    body = json.dumps(personal_data.personal_data(session, user), ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees.json"'},
    )


@router.post("/profile/close", name="profile_close")
def close_my_account(
    request: Request, session: SessionDep, user: CurrentUser, now: NowDep, form: FormDep
) -> Response:
    """Close my account: personal data erased, published contributions kept and unsigned."""
    if form.get("confirm") != "FERMER":
        return _profile(
            request,
            session,
            user,
            status=422,
            errors={"confirm": "Tapez FERMER en capitales pour confirmer."},
        )
    personal_data.close_account(session, user, now)
    response = redirect(
        request,
        request.url_for("login").path,
        flash="Votre compte est fermé. Vos contributions publiées restent, sans votre nom.",
    )
    response.delete_cookie(SESSION_COOKIE)
    return response
