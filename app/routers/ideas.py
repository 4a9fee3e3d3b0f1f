"""Idea pages: the list, the form, the idea page with its field of mines, publish and close."""

from collections.abc import Hashable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlmodel import Session
from starlette.responses import Response

from app.deps import CurrentUser, NowDep, ObjectId, OptionalUser, ParamsDep, SessionDep, SettingsDep
from app.errors import InvalidInput
from app.models import Follow, Idea, Support, User
from app.models.idea import FICHE_FIELDS
from app.schemas import (
    AbandonInput,
    IdeaCreate,
    IdeaUpdate,
    PromoteInput,
    SendBackInput,
    french_errors,
)
from app.services import (
    blockers,
    ideas,
    invitations,
    mines,
    notifications,
    readiness,
    scoring,
    visibility,
)
from app.services.permissions import (
    check_abandon,
    check_edit_idea,
    check_promote,
    check_send_back,
    raise_if,
)
from app.services.readiness import ScoringParams
from app.templating import is_htmx, render
from app.web import FormDep, page_number, redirect

router = APIRouter(include_in_schema=False)


def fiche_values(form: dict[str, str]) -> dict[str, str]:
    return {f: form.get(f, "") for f in FICHE_FIELDS}


def idea_context(
    session: Session,
    params: ScoringParams,
    idea: Idea,
    viewer: User,
    now: datetime,
    form_errors: dict[str, dict[str, str]] | None = None,
    form_values: dict[str, dict[str, str]] | None = None,
    status_message: str = "",
) -> dict[str, Any]:
    """Everything the idea page and its fragments show, loaded in a bounded number of queries."""
    people = ideas.users_by_id(session, {idea.author_id})
    mine_views = mines.mines_for_idea(session, idea, viewer)
    themes = ideas.themes_of(session, [idea.id])[idea.id]  # type: ignore[index]
    facts = scoring.facts_of_page(idea, mine_views, len(themes))
    pending = _pending_invitations(session, viewer, mine_views)
    changed_since = _changed_since(session, idea, mine_views)
    return {
        "idea": idea,
        "following": notifications.follows(session, viewer, idea),
        "pending_invitations": pending,
        "neighbour_mines": mines.neighbour_mines(session, idea),
        "defused_elsewhere": blockers.defused_elsewhere(
            session,
            [v.mine.id for v in mine_views if v.mine.status == "open" and not v.mine.hidden_at],
        ),
        "supporters": notifications.supporters(session, idea),
        "author": people[idea.author_id][0],
        "author_unit": people[idea.author_id][1],
        "themes": themes,
        "readiness": readiness.compute(facts, params, now),
        "ripe": idea.is_ripe(now),
        "mine_views": mine_views,
        "changed_since": changed_since,
        # A form shown with its errors is rendered anew, around what was typed.
        "minefield_key": None
        if form_errors or form_values
        else minefield_key(mine_views, viewer, idea, changed_since, pending),
        "revisions": ideas.revisions(session, idea),
        "events": visibility.history(session, idea, viewer, mine_views),
        "form_errors": form_errors or {},
        "form_values": form_values or {},
        "status_message": status_message,
    }


def minefield_key(
    mine_views: list[mines.MineView],
    viewer: User,
    idea: Idea,
    changed_since: dict[int, list[str]],
    pending: dict[int, tuple[Any, str]],
) -> Hashable:
    """Everything the field of mines shows (templates/mines/_field.html): its rows, and who
    looks. The permission checks it asks (app/services/permissions.py) depend on the viewer
    only through their role and whether they wrote the idea or one of its mines or
    déminages: any other viewer of the same role sees the same field, so they share one
    rendering. Any change to what is shown makes a new key."""
    authors = {idea.author_id}
    deminages = []
    for view in mine_views:
        authors.add(view.mine.author_id)
        for dv in view.deminages:
            authors.add(dv.deminage.author_id)
            deminages.append((dv.deminage, dv.helped_by_me))
    who = (viewer.role, viewer.id if viewer.id in authors else None)
    return (
        idea.id,
        idea.status,
        idea.author_id,
        who,
        tuple(view.mine for view in mine_views),
        tuple(deminages),
        tuple((mine_id, tuple(changes)) for mine_id, changes in changed_since.items()),
        tuple((mine_id, inv.id, inv.message, name) for mine_id, (inv, name) in pending.items()),
    )


def _changed_since(
    session: Session, idea: Idea, mine_views: list[mines.MineView]
) -> dict[int, list[str]]:
    """Per mine, what changed in the fiche since it was laid."""
    changes = ideas.changed_since_many(session, idea, {v.mine.idea_revision for v in mine_views})
    return {
        v.mine.id: changes[v.mine.idea_revision]
        for v in mine_views  # type: ignore[misc]
        if changes.get(v.mine.idea_revision)
    }


def _pending_invitations(
    session: Session, viewer: User, mine_views: list[mines.MineView]
) -> dict[int, tuple[Any, str]]:
    """The viewer's open invitations on this idea's mines, with who invited them."""
    pending = invitations.pending_for(session, viewer, [v.mine.id for v in mine_views])  # type: ignore[misc]
    inviters = ideas.users_by_id(session, {i.inviter_id for i in pending.values()})
    return {mine_id: (inv, inviters[inv.inviter_id][0].name) for mine_id, inv in pending.items()}


def render_idea(
    request: Request,
    session: Session,
    params: ScoringParams,
    idea: Idea,
    viewer: User,
    now: datetime,
    status: int = 200,
    **forms: Any,
) -> Response:
    """The whole page to a browser; the live fragment and the score panel (out of band) to htmx."""
    context = idea_context(session, params, idea, viewer, now, **forms)
    template = "ideas/_live.html" if is_htmx(request) else "ideas/show.html"
    return render(request, template, {**context, "oob": is_htmx(request)}, status=status)


def form_rejected(
    request: Request,
    session: Session,
    params: ScoringParams,
    idea: Idea,
    viewer: User,
    now: datetime,
    key: str,
    values: dict[str, str],
    errors: dict[str, str],
) -> Response:
    """The idea page (or its live fragment) again, with one form's errors beside its fields
    and every character typed kept (422, which htmx swaps in place)."""
    return render_idea(
        request,
        session,
        params,
        idea,
        viewer,
        now,
        status=422,
        form_errors={key: errors},
        form_values={key: values},
    )


@router.get("/aide", name="help")
def help_page(request: Request, user: OptionalUser, params: ParamsDep) -> Response:
    return render(request, "help.html", {"params": params})


@router.get("/", name="home")
def home(request: Request) -> Response:
    return redirect(request, request.url_for("ideas").path)


@router.get("/ideas", name="ideas")
def list_ideas(
    request: Request, session: SessionDep, user: CurrentUser, settings: SettingsDep, page: str = "1"
) -> Response:
    result = ideas.list_published(session, page_number(page), settings.page_size)
    people = ideas.users_by_id(session, {i.author_id for i in result.items})
    themes = ideas.themes_of(session, [i.id for i in result.items])  # type: ignore[misc]
    drafts = ideas.list_drafts(session, user) if result.page == 1 else []
    return render(
        request,
        "ideas/list.html",
        {"page": result, "people": people, "themes": themes, "drafts": drafts},
    )


@router.get("/ideas/new", name="idea_new")
def new_idea(request: Request, user: CurrentUser) -> Response:
    return render(
        request, "ideas/form.html", {"idea": None, "values": fiche_values({}), "errors": {}}
    )


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
        data = IdeaCreate.model_validate(values)
    except ValidationError as exc:
        return render(
            request,
            "ideas/form.html",
            {"idea": None, "values": values, "errors": french_errors(exc)},
            status=422,
        )
    idea = ideas.create_draft(session, params, user, data, now)
    return redirect(
        request,
        request.url_for("idea", idea_id=idea.id).path,
        flash="Brouillon enregistré. Il n'est visible que par vous jusqu'à sa publication.",
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
        return redirect(
            request,
            request.url_for("idea", idea_id=idea.merged_into_id).path,
            flash="Cette idée a été fusionnée avec celle-ci.",
        )
    return render_idea(request, session, params, idea, user, now)


@router.get("/ideas/{idea_id}/edit", name="idea_edit")
def edit_idea_form(
    request: Request, session: SessionDep, user: CurrentUser, idea_id: ObjectId
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    raise_if(check_edit_idea(user, idea))
    values = {f: getattr(idea, f) for f in FICHE_FIELDS if f != "themes"}
    values["themes"] = ", ".join(ideas.themes_of(session, [idea_id])[idea_id])
    return render(request, "ideas/form.html", {"idea": idea, "values": values, "errors": {}})


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
        data = IdeaUpdate.model_validate(values)
    except ValidationError as exc:
        return render(
            request,
            "ideas/form.html",
            {"idea": idea, "values": values, "errors": french_errors(exc)},
            status=422,
        )
    changed = ideas.update_idea(session, params, user, idea, data, now)
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
    ideas.publish(session, params, user, idea, now)
    return redirect(
        request,
        request.url_for("idea", idea_id=idea_id).path,
        flash="Idée publiée : vos collègues peuvent maintenant y poser des mines.",
    )


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
        flash="Idée close. Sa leçon reste lisible par tous.",
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
    values = {k: form.get(k, "") for k in ("sponsor", "next_step", "target_date", "reason")}
    try:
        ideas.promote(session, params, user, idea, PromoteInput.model_validate(values), now)
    except (ValidationError, InvalidInput) as exc:
        errors = french_errors(exc) if isinstance(exc, ValidationError) else exc.errors
        return form_rejected(request, session, params, idea, user, now, "promote", values, errors)
    return redirect(
        request, request.url_for("idea", idea_id=idea_id).path, flash="L'idée devient un projet."
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
        flash="Idée renvoyée à son auteur·rice avec votre commentaire.",
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
        "Vous suivez cette idée : vous serez prévenu·e de ses changements de statut.",
        "Vous ne suivez plus cette idée.",
    )


@router.post("/ideas/{idea_id}/support", name="idea_support")
def support(
    request: Request, session: SessionDep, user: CurrentUser, idea_id: ObjectId, form: FormDep
) -> Response:
    return _toggle(
        request, session, user, idea_id, Support, "Merci pour votre soutien !", "Soutien retiré."
    )
