"""Idea pages: the list, the form, the idea page with its field of mines, publish and close."""

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from app.deps import CurrentUser, NowDep, ObjectId, OptionalUser, ParamsDep, SessionDep, SettingsDep
from app.errors import DomainError, InvalidInput
from app.idea_page import form_rejected, render_idea
from app.models import Follow, Idea, Support
from app.models.base import parse_id, pk
from app.models.idea import ABANDONED, FICHE_FIELDS
from app.schemas import (
    AbandonInput,
    IdeaCreate,
    IdeaUpdate,
    MilestoneInput,
    PromoteInput,
    SendBackInput,
    SponsorInput,
    french_errors,
)
from app.services import calls, ideas, notifications, outcomes, sleeping
from app.services.permissions import (
    check_abandon,
    check_edit_idea,
    check_post_milestone,
    check_promote,
    check_send_back,
    check_set_sponsor,
    raise_if,
)
from app.templating import render
from app.web import FormDep, page_number, redirect

router = APIRouter(include_in_schema=False)


def fiche_values(form: dict[str, str]) -> dict[str, str]:
    values = {f: form.get(f, "") for f in FICHE_FIELDS}
    if "call_id" in form:  # the form offers a call only when there is one to offer
        values["call_id"] = form["call_id"]
    return values


def _form(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    idea: Idea | None,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    # The call the idea answers, or the one just chosen: shown even closed, with its error.
    chosen = values.get("call_id", "")
    current = parse_id(chosen)
    if current is None and idea is not None:
        current = idea.call_id
    context = {
        "idea": idea,
        "values": values,
        "errors": errors,
        "call_choices": calls.choices_for(session, user, now, current),
    }
    return render(request, "ideas/form.html", context, status=status)


def _field_errors(exc: Exception) -> dict[str, str] | None:
    """A refusal shown beside the form's field, if it names one."""
    if isinstance(exc, ValidationError):
        return french_errors(exc)
    if isinstance(exc, InvalidInput):
        return exc.errors
    if isinstance(exc, DomainError) and exc.field:
        return {exc.field: exc.message}
    return None


def _status(exc: Exception) -> int:
    """The refusal's own status (the API answers the same), 422 for a malformed field."""
    return exc.status_code if isinstance(exc, DomainError) else 422


@router.get("/aide", name="help")
def help_page(request: Request, user: OptionalUser, params: ParamsDep) -> Response:
    return render(request, "help.html", {"params": params})


@router.get("/", name="home")
def home(request: Request) -> Response:
    return redirect(request, request.url_for("ideas").path)


@router.get("/ideas", name="ideas")
def list_ideas(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    now: NowDep,
    page: str = "1",
) -> Response:
    result = ideas.list_published(session, page_number(page), settings.page_size)
    people = ideas.users_by_id(session, {i.author_id for i in result.items})
    themes = ideas.themes_of(session, [pk(i) for i in result.items])
    first = result.page == 1
    context = {
        "page": result,
        "people": people,
        "themes": themes,
        "drafts": ideas.list_drafts(session, user) if first else [],
        "open_calls": calls.open_calls_for(session, user, now) if first else [],
    }
    return render(request, "ideas/list.html", context)


@router.get("/ideas/new", name="idea_new")
def new_idea(
    request: Request, session: SessionDep, user: CurrentUser, now: NowDep, call: str = ""
) -> Response:
    values = {**fiche_values({}), "call_id": call[:11]}
    return _form(request, session, user, now, None, values, {})


@router.post("/ideas", name="idea_create")
def create_idea(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    form: FormDep,
) -> Response:
    values = fiche_values(form)
    try:
        idea = ideas.create_draft(session, params, user, IdeaCreate.model_validate(values), now)
    except (ValidationError, DomainError) as exc:
        if (errors := _field_errors(exc)) is None:
            raise
        return _form(request, session, user, now, None, values, errors, status=_status(exc))
    return redirect(
        request,
        request.url_for("idea", idea_id=idea.id).path,
        flash="Brouillon enregistré. Il n’est visible que par vous jusqu’à sa publication.",
    )


@router.get("/ideas/{idea_id}", name="idea")
def show_idea(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    idea_id: ObjectId,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    if idea.merged_into_id is not None:
        # To the line that tells why it joined the idea kept: an old link (its notifications',
        # its outcome's `#issue`) lands where the merge is explained.
        kept = request.url_for("idea", idea_id=idea.merged_into_id).path
        return redirect(
            request,
            f"{kept}#{outcomes.merged_anchor(idea_id)}",
            flash="Cette idée a été fusionnée avec celle-ci.",
        )
    return render_idea(request, session, params, idea, user, now)


@router.get("/ideas/{idea_id}/edit", name="idea_edit")
def edit_idea_form(
    request: Request, session: SessionDep, user: CurrentUser, now: NowDep, idea_id: ObjectId
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    raise_if(check_edit_idea(user, idea))
    values = {f: getattr(idea, f) for f in FICHE_FIELDS if f != "themes"}
    values["themes"] = ", ".join(ideas.themes_of(session, [idea_id])[idea_id])
    values["call_id"] = str(idea.call_id or "")
    return _form(request, session, user, now, idea, values, {})


@router.post("/ideas/{idea_id}/edit", name="idea_update")
def update_idea(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    idea_id: ObjectId,
    form: FormDep,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    raise_if(check_edit_idea(user, idea))
    values = fiche_values(form)
    try:
        changed = ideas.update_idea(
            session, params, user, idea, IdeaUpdate.model_validate(values), now
        )
    except (ValidationError, DomainError) as exc:
        if (errors := _field_errors(exc)) is None:
            raise
        return _form(request, session, user, now, idea, values, errors, status=_status(exc))
    message = "Fiche mise à jour." if changed else "Aucun changement à enregistrer."
    return redirect(request, request.url_for("idea", idea_id=idea_id).path, flash=message)


@router.post("/ideas/{idea_id}/publish", name="idea_publish")
def publish_idea(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    idea_id: ObjectId,
    form: FormDep,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    try:
        ideas.publish(session, params, user, idea, now)
    except DomainError as exc:
        if exc.field != "relaunched_from_id":
            raise
        # Another relaunch went out first: the draft's page again, which says where it is.
        return render_idea(request, session, params, idea, user, now, status=exc.status_code)
    return redirect(
        request,
        request.url_for("idea", idea_id=idea_id).path,
        flash="Idée publiée\u00a0: vos collègues peuvent maintenant y poser des mines.",
    )


@router.post("/ideas/{idea_id}/delete", name="idea_delete")
def delete_draft(
    request: Request, session: SessionDep, user: CurrentUser, idea_id: ObjectId, form: FormDep
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    ideas.delete_draft(session, user, idea)
    return redirect(request, request.url_for("ideas").path, flash="Brouillon supprimé.")


@router.post("/ideas/{idea_id}/abandon", name="idea_abandon")
def abandon_idea(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    idea_id: ObjectId,
    form: FormDep,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    raise_if(check_abandon(user, idea))
    values = {"lesson": form.get("lesson", "")}
    try:
        data = AbandonInput.model_validate(values)
    except ValidationError as exc:
        return form_rejected(
            request, session, params, idea, user, now, "abandon", values, french_errors(exc)
        )
    ideas.abandon(session, params, user, idea, data.lesson, now)
    return redirect(
        request,
        request.url_for("idea", idea_id=idea_id).path,
        flash=f"Idée {ABANDONED}. Sa leçon reste lisible par tous.",
    )


@router.post("/ideas/{idea_id}/promote", name="idea_promote")
def promote_idea(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    idea_id: ObjectId,
    form: FormDep,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    raise_if(check_promote(user, idea))
    values = {
        k: form.get(k, "") for k in ("sponsor", "next_step", "target_date", "reason", "outcome")
    }
    try:
        ideas.promote(session, params, user, idea, PromoteInput.model_validate(values), now)
    except (ValidationError, InvalidInput) as exc:
        errors = french_errors(exc) if isinstance(exc, ValidationError) else exc.errors
        return form_rejected(request, session, params, idea, user, now, "promote", values, errors)
    return redirect(
        request, request.url_for("idea", idea_id=idea_id).path, flash="L’idée devient un projet."
    )


@router.post("/ideas/{idea_id}/send-back", name="idea_send_back")
def send_back_idea(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    idea_id: ObjectId,
    form: FormDep,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    raise_if(check_send_back(user, idea))
    values = {"comment": form.get("comment", "")}
    try:
        data = SendBackInput.model_validate(values)
    except ValidationError as exc:
        return form_rejected(
            request, session, params, idea, user, now, "send_back", values, french_errors(exc)
        )
    ideas.send_back(session, user, idea, data.comment, now)
    return redirect(
        request,
        request.url_for("idea", idea_id=idea_id).path,
        flash="Idée renvoyée pour être retravaillée, avec votre commentaire.",
    )


@router.post("/ideas/{idea_id}/milestones", name="idea_milestone")
def post_milestone(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    idea_id: ObjectId,
    form: FormDep,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    raise_if(check_post_milestone(user, idea))
    values = {k: form.get(k, "") for k in ("kind", "text", "lesson")}
    try:
        data = MilestoneInput.model_validate(values)
        posted = outcomes.post_milestone(session, params, user, idea, data, now)
    except (ValidationError, InvalidInput) as exc:
        errors = french_errors(exc) if isinstance(exc, ValidationError) else exc.errors
        return form_rejected(request, session, params, idea, user, now, "milestone", values, errors)
    return redirect(
        request,
        request.url_for("idea", idea_id=idea_id).path + "#suivi",
        flash=(
            "Étape publiée\u00a0: celles et ceux qui ont pris part à l’idée en sont prévenus."
            if posted is not None
            else "Cette étape est déjà publiée\u00a0: elle n’a pas été ajoutée une seconde fois."
        ),
    )


@router.post("/ideas/{idea_id}/sponsor", name="idea_sponsor")
def set_sponsor(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    idea_id: ObjectId,
    form: FormDep,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    raise_if(check_set_sponsor(user, idea))
    values = {"sponsor_email": form.get("sponsor_email", "")}
    try:
        data = SponsorInput.model_validate(values)
        sponsor = outcomes.set_sponsor(session, user, idea, data.sponsor_email, now)
    except (ValidationError, InvalidInput) as exc:
        errors = french_errors(exc) if isinstance(exc, ValidationError) else exc.errors
        return form_rejected(request, session, params, idea, user, now, "sponsor", values, errors)
    return redirect(
        request,
        request.url_for("idea", idea_id=idea_id).path + "#suivi",
        flash=f"{sponsor.name} est désormais sponsor du projet.",
    )


@router.post("/ideas/{idea_id}/relaunch", name="idea_relaunch")
def relaunch_idea(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    idea_id: ObjectId,
    form: FormDep,
) -> Response:
    old = ideas.get_idea(session, idea_id, user)
    draft = sleeping.relaunch(session, params, user, old, now)
    return redirect(
        request,
        request.url_for("idea", idea_id=draft.id).path + "#anciennes-mines",
        flash=(
            "Brouillon créé à partir de l’idée en sommeil, visible par vous seul\u00a0: "
            "vérifiez ses anciennes mines, puis modifiez la fiche avant de la publier."
        ),
    )


def _toggle(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    idea_id: ObjectId,
    model: type[Follow] | type[Support],
    on: str,
    off: str,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    now_on = notifications.toggle(session, model, user, idea)
    return redirect(
        request, request.url_for("idea", idea_id=idea_id).path, flash=on if now_on else off
    )


@router.post("/ideas/{idea_id}/follow", name="idea_follow")
def follow(
    request: Request, session: SessionDep, user: CurrentUser, idea_id: ObjectId, form: FormDep
) -> Response:
    return _toggle(
        request,
        session,
        user,
        idea_id,
        Follow,
        "Vous suivez cette idée\u00a0: chacun de ses changements de statut vous sera notifié.",
        "Vous ne suivez plus cette idée.",
    )


@router.post("/ideas/{idea_id}/support", name="idea_support")
def support(
    request: Request, session: SessionDep, user: CurrentUser, idea_id: ObjectId, form: FormDep
) -> Response:
    return _toggle(
        request,
        session,
        user,
        idea_id,
        Support,
        "Merci pour votre soutien\u202f!",
        "Soutien retiré.",
    )
