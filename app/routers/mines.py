"""Mine and déminage actions from the idea page: plain forms, enhanced by htmx."""

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from app.deps import CurrentUser, NowDep, ObjectId, ParamsDep, SessionDep
from app.errors import DomainError
from app.idea_page import action_done, form_rejected
from app.models import MineCategory
from app.schemas import (
    BasisInput,
    CosignInput,
    DeminageCreate,
    DismissInput,
    MineCreate,
    ReasonInput,
    ScopeAnswerInput,
    ScopeDecisionInput,
    french_errors,
)
from app.services import ideas, mines
from app.services.permissions import (
    check_accept_risk,
    check_answer_scope_move,
    check_bring_deminage,
    check_cosign,
    check_decide_scope_move,
    check_dismiss_deminage,
    check_lay_mine,
    check_reopen,
    check_request_scope_move,
    check_state_basis,
    raise_if,
)
from app.templating import render
from app.web import FormDep, redirect

router = APIRouter(include_in_schema=False)

M = TypeVar("M", bound=BaseModel)


def _parse(
    schema: type[M], values: dict[str, str], on_error: Callable[[dict[str, str]], Response]
) -> M | Response:
    """The form's values as the schema reads them, or the page re-rendered with its errors."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        return on_error(french_errors(exc))


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
    fields = ("category", "severity", "title", "body", "scope", "basis", "basis_reference")
    values = {k: form.get(k, "") for k in fields}
    # A plain form sends every field; an empty choice takes the schema's default.
    values = {k: v for k, v in values.items() if v or k not in ("scope", "basis")}
    data = _parse(
        MineCreate,
        values,
        lambda errors: form_rejected(
            request, session, params, idea, user, now, "lay", values, errors
        ),
    )
    if isinstance(data, Response):
        return data
    mine = mines.lay_mine(session, params, user, idea, data, now)
    return action_done(request, session, params, idea, user, now, f"mine-{mine.id}", "Mine posée.")


@router.get("/ideas/{idea_id}/mines/siblings", name="mine_siblings")
def siblings(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    idea_id: ObjectId,
    category: str = Query("", max_length=40),
) -> Response:
    """The idea's open mines of one category (all of them for an unknown one), to co-sign
    one instead of laying a duplicate, and that category's mines on similar ideas: the lay
    form's list, narrowed by htmx."""
    idea = ideas.get_idea(session, idea_id, user)
    views = mines.mines_for_idea(session, idea, user)
    chosen = category if category in set(MineCategory) else ""
    context = {
        "idea": idea,
        "mine_views": views,
        "category": chosen,
        "neighbour_mines": mines.neighbour_mines(session, idea, chosen),
        "hx": f'hx-target="#idea-{idea.id}-live" hx-swap="outerHTML"',
        "form_errors": {},
        "form_values": {},
    }
    return render(request, "mines/_siblings.html", context)


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
    data = _parse(
        DeminageCreate,
        values,
        lambda errors: form_rejected(
            request, session, params, idea, user, now, key, values, errors
        ),
    )
    if isinstance(data, Response):
        return data
    mines.bring_deminage(session, params, user, mine, idea, data, now)
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
        "Déminage accepté\u00a0: la mine est désamorcée.",
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
    data = _parse(
        DismissInput,
        values,
        lambda errors: form_rejected(
            request, session, params, idea, user, now, f"dismiss-{deminage_id}", values, errors
        ),
    )
    if isinstance(data, Response):
        return data
    mines.dismiss_deminage(session, user, deminage, mine, idea, data.reason, now)
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
        "Merci\u00a0: «\u00a0ça aide\u00a0» noté." if marked else "«\u00a0Ça aide\u00a0» retiré.",
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
    data = _parse(
        ReasonInput,
        values,
        lambda errors: form_rejected(
            request, session, params, idea, user, now, form_key, values, errors
        ),
    )
    if isinstance(data, Response):
        return data
    action(session, params, user, mine, idea, data.reason, now)
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


# --- co-signing ------------------------------------------------------------------------------


@router.post("/mines/{mine_id}/cosign", name="mine_cosign")
def cosign(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    raise_if(check_cosign(user, mine, idea))
    values = {"severity": form.get("severity", "")}
    key = f"cosign-{mine_id}"
    data = _parse(
        CosignInput,
        values,
        lambda errors: form_rejected(
            request, session, params, idea, user, now, key, values, errors
        ),
    )
    if isinstance(data, Response):
        return data
    mines.cosign(session, params, user, mine, idea, data.severity, now)
    return action_done(
        request, session, params, idea, user, now, f"mine-{mine_id}", "Mine co-signée."
    )


@router.post("/mines/{mine_id}/cosign/withdraw", name="mine_uncosign")
def withdraw_signature(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    mines.withdraw_signature(session, params, user, mine, idea, now)
    return action_done(
        request, session, params, idea, user, now, f"mine-{mine_id}", "Signature retirée."
    )


# --- portée ----------------------------------------------------------------------------------


@router.post("/mines/{mine_id}/scope-request", name="mine_scope_request")
def request_scope_move(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    raise_if(check_request_scope_move(user, mine, idea, mines.open_scope_request(session, mine)))
    values = {"reason": form.get("reason", "")}
    key = f"scope-{mine_id}"
    data = _parse(
        ReasonInput,
        values,
        lambda errors: form_rejected(
            request, session, params, idea, user, now, key, values, errors
        ),
    )
    if isinstance(data, Response):
        return data
    mines.request_scope_move(session, user, mine, idea, data.reason, now)
    return action_done(
        request,
        session,
        params,
        idea,
        user,
        now,
        f"mine-{mine_id}",
        "Demande envoyée à la personne qui a posé la mine.",
    )


@router.post("/mines/{mine_id}/scope-request/answer", name="mine_scope_answer")
def answer_scope_move(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    raise_if(check_answer_scope_move(user, mine, mines.open_scope_request(session, mine)))
    values = {"agree": form.get("agree", ""), "reason": form.get("reason", "")}
    key = f"scope-answer-{mine_id}"
    data = _parse(
        ScopeAnswerInput,
        values,
        lambda errors: form_rejected(
            request, session, params, idea, user, now, key, values, errors
        ),
    )
    if isinstance(data, Response):
        return data
    agree = data.agree
    mines.answer_scope_move(session, params, user, mine, idea, agree, data.reason, now)
    flash = (
        "Mine passée à la généralisation."
        if agree
        else "Mine gardée dès le premier terrain\u00a0: un manager tranchera."
    )
    return action_done(request, session, params, idea, user, now, f"mine-{mine_id}", flash)


@router.post("/mines/{mine_id}/scope-request/decide", name="mine_scope_decide")
def decide_scope_move(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    request_open = mines.open_scope_request(session, mine)
    signature = mines.signature_of(session, mine, user)
    raise_if(check_decide_scope_move(user, mine, idea, request_open, signature))
    values = {"move": form.get("move", ""), "reason": form.get("reason", "")}
    key = f"scope-decide-{mine_id}"
    data = _parse(
        ScopeDecisionInput,
        values,
        lambda errors: form_rejected(
            request, session, params, idea, user, now, key, values, errors
        ),
    )
    if isinstance(data, Response):
        return data
    move = data.move
    mines.decide_scope_move(session, params, user, mine, idea, move, data.reason, now)
    flash = "Mine passée à la généralisation." if move else "Mine gardée dès le premier terrain."
    return action_done(request, session, params, idea, user, now, f"mine-{mine_id}", flash)


# --- basis -----------------------------------------------------------------------------------


@router.post("/mines/{mine_id}/ask-basis", name="mine_ask_basis")
def ask_basis(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    mines.ask_basis(session, user, mine, idea, now)
    return action_done(
        request,
        session,
        params,
        idea,
        user,
        now,
        f"mine-{mine_id}",
        "Question posée à la personne qui a posé la mine.",
    )


@router.post("/mines/{mine_id}/basis", name="mine_basis")
def state_basis(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    raise_if(check_state_basis(user, mine))
    values = {k: form.get(k, "") for k in ("basis", "basis_reference")}
    key = f"basis-{mine_id}"
    data = _parse(
        BasisInput,
        values,
        lambda errors: form_rejected(
            request, session, params, idea, user, now, key, values, errors
        ),
    )
    if isinstance(data, Response):
        return data
    basis, reference = data.basis, data.basis_reference
    mines.state_basis(session, user, mine, idea, basis, reference, now)
    return action_done(
        request, session, params, idea, user, now, f"mine-{mine_id}", "Appui de la mine précisé."
    )
