"""Administration: accounts, roles and units, account invitations, and the score's parameters."""

from dataclasses import asdict

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from app import formatting
from app.deps import AdminUser, NowDep, ObjectId, ParamsDep, SessionDep, SettingsDep
from app.errors import DomainError, InvalidInput
from app.models.audit import AUDIT_LABELS
from app.models.base import parse_id
from app.schemas import OutcomeInput, french_errors
from app.services import account_invitations, audit, ideas, scoring, users
from app.templating import render
from app.web import FormDep, redirect

router = APIRouter(prefix="/admin", include_in_schema=False)

ACCOUNT_FIELDS = ("email", "name", "unit", "role")


def _users_page(
    request: Request, session: SessionDep, status: int = 200, **extra: object
) -> Response:
    context: dict[str, object] = {
        "rows": users.list_users(session),
        "units": users.list_units(session),
        "create_values": {"role": "agent"},
        "create_errors": {},
        "invite_values": {"role": "agent"},
        "invite_errors": {},
        "invitation_link": None,
    }
    context.update(extra)
    return render(request, "admin/users.html", context, status=status)


@router.get("", name="admin_home")
def home(request: Request, admin: AdminUser) -> Response:
    """/admin, typed by hand: the administration opens on its first page, the accounts."""
    return redirect(request, request.url_for("admin_users").path)


@router.get("/users", name="admin_users")
def list_accounts(request: Request, session: SessionDep, admin: AdminUser) -> Response:
    return _users_page(request, session)


@router.post("/users", name="admin_user_create")
def create_account(
    request: Request, session: SessionDep, admin: AdminUser, form: FormDep
) -> Response:
    values = {k: form.get(k, "") for k in ACCOUNT_FIELDS}
    try:
        user = users.create_user(session, password=form.get("password", ""), **values)
    except InvalidInput as exc:
        return _users_page(
            request, session, status=422, create_values=values, create_errors=exc.errors
        )
    return redirect(
        request, request.url_for("admin_users").path, flash=f"Compte créé pour {user.name}."
    )


@router.post("/account-invitations", name="admin_invite")
def invite(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    admin: AdminUser,
    now: NowDep,
    form: FormDep,
) -> Response:
    values = {k: form.get(k, "") for k in ACCOUNT_FIELDS}
    try:
        _, token = account_invitations.invite(session, admin, now=now, **values)
    except InvalidInput as exc:
        return _users_page(
            request, session, status=422, invite_values=values, invite_errors=exc.errors
        )
    link = settings.base_url.rstrip("/") + request.url_for("join", token=token).path
    return _users_page(request, session, invitation_link=link, invited_email=values["email"])


@router.get("/users/{user_id}", name="admin_user")
def edit_account_form(
    request: Request, session: SessionDep, admin: AdminUser, user_id: ObjectId
) -> Response:
    person = users.get_user(session, user_id)
    unit = users.unit_of(session, person)
    values = {"role": person.role, "unit": unit.name if unit else "", "active": person.is_active}
    return render(
        request,
        "admin/user.html",
        {"person": person, "values": values, "errors": {}, "units": users.list_units(session)},
    )


@router.post("/users/{user_id}", name="admin_user_update")
def edit_account(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    now: NowDep,
    user_id: ObjectId,
    form: FormDep,
) -> Response:
    person = users.get_user(session, user_id)
    values = {
        "role": form.get("role", ""),
        "unit": form.get("unit", ""),
        "active": form.get("active") == "on",
    }
    try:
        users.update_account(
            session,
            person,
            role=str(values["role"]),
            unit=str(values["unit"]),
            active=bool(values["active"]),
            now=now,
            actor=admin,
        )
    except InvalidInput as exc:
        return render(
            request,
            "admin/user.html",
            {
                "person": person,
                "values": values,
                "errors": exc.errors,
                "units": users.list_units(session),
            },
            status=422,
        )
    return redirect(
        request, request.url_for("admin_users").path, flash=f"Compte de {person.name} mis à jour."
    )


def _scoring_page(
    request: Request,
    session: SessionDep,
    values: dict[str, object],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    job = scoring.rescore_progress(session)
    progress = None
    if job is not None:
        progress = {
            "running": job.finished_at is None,
            # Counts, not text: the page makes the noun agree (« 0 idée », « 2 idées »).
            "done": min(job.done, job.total),
            "total": job.total,
            "finished_at": job.finished_at,
        }
    return render(
        request,
        "admin/scoring.html",
        {
            "values": values,
            "errors": errors,
            "labels": scoring.PARAM_LABELS,
            "progress": progress,
        },
        status=status,
    )


@router.get("/scoring", name="admin_scoring")
def scoring_form(
    request: Request, session: SessionDep, settings: SettingsDep, admin: AdminUser
) -> Response:
    params = scoring.scoring_params(session, settings)
    return _scoring_page(request, session, asdict(params), {})


@router.post("/scoring", name="admin_scoring_post")
def save_scoring(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    admin: AdminUser,
    now: NowDep,
    form: FormDep,
) -> Response:
    raw = {k: form.get(k, "") for k in scoring.PARAM_KEYS}
    values: dict[str, int] = {}
    errors: dict[str, str] = {}
    for key, text in raw.items():
        low, high = scoring.PARAM_BOUNDS[key]
        try:
            number = int(text.strip())
        except ValueError:
            errors[key] = "Nombre entier attendu."
            continue
        if not low <= number <= high:
            errors[key] = f"Entre {low} et {high}."
        values[key] = number
    if errors:
        return _scoring_page(request, session, dict(raw), errors, status=422)
    before = scoring.scoring_params(session, settings)
    job = scoring.save_params(session, admin, values, before, now)
    # The scores are recomputed in the background (app/rescore.py), by batches: the page
    # follows its progress.
    flash = (
        "Paramètres enregistrés\u00a0: le recalcul de "
        f"{formatting.plural(job.total, 'idée', 'idées')} a commencé."
        if job is not None
        else "Paramètres enregistrés\u00a0: rien n’a changé, aucun recalcul."
    )
    return redirect(request, request.url_for("admin_scoring").path, flash=flash)


@router.get("/merge", name="admin_merge")
def merge_form(request: Request, admin: AdminUser) -> Response:
    return render(request, "admin/merge.html", {"values": {}, "errors": {}})


@router.post("/merge", name="admin_merge_post")
def merge(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    params: ParamsDep,
    now: NowDep,
    form: FormDep,
) -> Response:
    values = {k: form.get(k, "").strip() for k in ("keep", "merged")}
    values["outcome"] = form.get("outcome", "")
    errors: dict[str, str] = {}
    found = {}
    for key in ("keep", "merged"):
        number = parse_id(values[key])
        if number is None:
            errors[key] = ideas.MERGE_NUMBER
            continue
        try:
            found[key] = ideas.idea_to_merge(session, number, admin, key)
        except InvalidInput as exc:
            errors.update(exc.errors)
    try:
        outcome = OutcomeInput.model_validate({"outcome": values["outcome"]}).outcome
    except ValidationError as exc:
        errors.update(french_errors(exc))
    if not errors:
        try:
            ideas.merge(session, params, admin, found["keep"], found["merged"], outcome, now)
        except InvalidInput as exc:
            errors.update(exc.errors)
        except DomainError as exc:
            errors[exc.field or "merged"] = exc.message
    if errors:
        return render(request, "admin/merge.html", {"values": values, "errors": errors}, status=422)
    return redirect(
        request,
        request.url_for("idea", idea_id=found["keep"].id).path,
        flash=f"«\u00a0{found['merged'].title}\u00a0» est fusionnée dans cette idée.",
    )


@router.get("/audit", name="admin_audit")
def audit_log(request: Request, session: SessionDep, admin: AdminUser, page: int = 1) -> Response:
    """The audit log, newest first: read-only, no route of the app changes it."""
    page = max(1, min(page, 10**6))
    rows, pages = audit.entries(session, page)
    return render(
        request,
        "admin/audit.html",
        {"rows": rows, "page": page, "pages": pages, "labels": AUDIT_LABELS},
    )
