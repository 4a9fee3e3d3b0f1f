"""Mine and déminage actions from the idea page: plain forms, enhanced by htmx."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from app.deps import CurrentUser, NowDep, ObjectId, ParamsDep, SessionDep
from app.errors import DomainError
from app.idea_page import action_done, form_rejected
from app.schemas import DeminageCreate, DismissInput, MineCreate, ReasonInput, french_errors
from app.services import ideas, mines
from app.services.permissions import (
    check_accept_risk,
    check_bring_deminage,
    check_dismiss_deminage,
    check_lay_mine,
    check_reopen,
    raise_if,
)
from app.web import FormDep, redirect

router = APIRouter(include_in_schema=False)


def _parse(
    schema: type[BaseModel], values: dict[str, str], on_error: Callable[[dict[str, str]], Response]
) -> tuple[BaseModel | None, Response | None]:
    try:
        return schema.model_validate(values), None
    except ValidationError as exc:
        return None, on_error(french_errors(exc))


@router.get("/mines/{mine_id}", name="mine")
def mine_address(
    request: Request, session: SessionDep, user: CurrentUser, mine_id: ObjectId
) -> Response:
    """A mine's own address: its place on its idea's page. A form's address under it
    (/mines/5/deminages), opened or reloaded, lands here, then there (`handlers.page_above`)."""
    mine, idea = mines.get_mine(session, mine_id, user)
    return redirect(request, request.url_for("idea", idea_id=idea.id).path + f"#mine-{mine.id}")


@router.get("/deminages/{deminage_id}", name="deminage")
def deminage_address(
    request: Request, session: SessionDep, user: CurrentUser, deminage_id: ObjectId
) -> Response:
    """A déminage's own address: its place under its mine, on its idea's page."""
    deminage, _, idea = mines.get_deminage(session, deminage_id, user)
    return redirect(
        request, request.url_for("idea", idea_id=idea.id).path + f"#deminage-{deminage.id}"
    )


@router.post("/ideas/{idea_id}/mines", name="mine_lay")
def lay_mine(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    idea_id: ObjectId,
    form: FormDep,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    raise_if(check_lay_mine(user, idea))
    values = {k: form.get(k, "") for k in ("category", "severity", "title", "body")}
    data, error = _parse(
        MineCreate,
        values,
        lambda errors: form_rejected(
            request, session, params, idea, user, now, "lay", values, errors
        ),
    )
    if error:
        return error
    mine = mines.lay_mine(session, params, user, idea, data, now)  # type: ignore[arg-type]
    return action_done(request, session, params, idea, user, now, f"mine-{mine.id}", "Mine posée.")


@router.post("/mines/{mine_id}/deminages", name="deminage_bring")
def bring_deminage(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    raise_if(check_bring_deminage(user, mine, idea))
    values = {k: form.get(k, "") for k in ("kind", "body")}
    key = f"deminage-{mine_id}"
    data, error = _parse(
        DeminageCreate,
        values,
        lambda errors: form_rejected(
            request, session, params, idea, user, now, key, values, errors
        ),
    )
    if error:
        return error
    mines.bring_deminage(session, params, user, mine, idea, data, now)  # type: ignore[arg-type]
    return action_done(
        request, session, params, idea, user, now, f"mine-{mine_id}", "Déminage proposé."
    )


@router.post("/deminages/{deminage_id}/accept", name="deminage_accept")
def accept_deminage(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    deminage_id: ObjectId,
    form: FormDep,
) -> Response:
    deminage, mine, idea = mines.get_deminage(session, deminage_id, user)
    mines.accept_deminage(session, params, user, deminage, mine, idea, now)
    return action_done(
        request,
        session,
        params,
        idea,
        user,
        now,
        f"mine-{mine.id}",
        "Déminage accepté : la mine est désamorcée.",
    )


@router.post("/deminages/{deminage_id}/dismiss", name="deminage_dismiss")
def dismiss_deminage(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    deminage_id: ObjectId,
    form: FormDep,
) -> Response:
    deminage, mine, idea = mines.get_deminage(session, deminage_id, user)
    raise_if(check_dismiss_deminage(user, deminage, mine, idea))
    values = {"reason": form.get("reason", "")}
    data, error = _parse(
        DismissInput,
        values,
        lambda errors: form_rejected(
            request, session, params, idea, user, now, f"dismiss-{deminage_id}", values, errors
        ),
    )
    if error:
        return error
    mines.dismiss_deminage(session, user, deminage, mine, idea, data.reason, now)  # type: ignore[union-attr]
    return action_done(
        request,
        session,
        params,
        idea,
        user,
        now,
        f"deminage-{deminage_id}",
        "Déminage écarté\u00a0: la personne qui l’a proposé saura pourquoi.",
    )


@router.post("/deminages/{deminage_id}/helpful", name="deminage_helpful")
def helpful(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    deminage_id: ObjectId,
    form: FormDep,
) -> Response:
    deminage, mine, idea = mines.get_deminage(session, deminage_id, user)
    marked = mines.toggle_helpful(session, user, deminage, mine)
    return action_done(
        request,
        session,
        params,
        idea,
        user,
        now,
        f"deminage-{deminage_id}",
        "Merci : « ça aide » noté." if marked else "« Ça aide » retiré.",
    )


@router.post("/mines/{mine_id}/withdraw", name="mine_withdraw")
def withdraw(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    mines.withdraw(session, params, user, mine, idea, now)
    return action_done(
        request, session, params, idea, user, now, f"mine-{mine_id}", "Mine retirée."
    )


def _reason_action(
    request: Request,
    session: Any,
    user: Any,
    params: Any,
    now: Any,
    mine_id: ObjectId,
    form: dict[str, str],
    key: str,
    action: Callable[..., None],
    flash: str,
    check: Callable[..., DomainError | None],
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    raise_if(check(user, mine, idea))
    values = {"reason": form.get("reason", "")}
    form_key = f"{key}-{mine_id}"
    data, error = _parse(
        ReasonInput,
        values,
        lambda errors: form_rejected(
            request, session, params, idea, user, now, form_key, values, errors
        ),
    )
    if error:
        return error
    action(session, params, user, mine, idea, data.reason, now)  # type: ignore[union-attr]
    return action_done(request, session, params, idea, user, now, f"mine-{mine_id}", flash)


@router.post("/mines/{mine_id}/reopen", name="mine_reopen")
def reopen(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    return _reason_action(
        request,
        session,
        user,
        params,
        now,
        mine_id,
        form,
        "reopen",
        mines.reopen,
        "Mine rouverte.",
        check_reopen,
    )


@router.post("/mines/{mine_id}/accept-risk", name="mine_accept_risk")
def accept_risk(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    return _reason_action(
        request,
        session,
        user,
        params,
        now,
        mine_id,
        form,
        "risk",
        mines.accept_risk,
        "Risque assumé, raison notée.",
        check_accept_risk,
    )
