"""Co-porteurs on the idea page: the author invites or removes them; the invitee accepts or
declines; a co-porteur leaves."""

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from app.deps import CurrentUser, NowDep, ObjectId, ParamsDep, SessionDep
from app.errors import Conflict, InvalidInput
from app.idea_page import form_rejected
from app.models.base import pk
from app.schemas import CoCarrierInvite, french_errors
from app.services import co_carriers, ideas
from app.services.permissions import check_invite_carrier, raise_if
from app.web import FormDep, redirect

router = APIRouter(include_in_schema=False)

ANCHOR = co_carriers.ANCHOR


def _back(request: Request, idea_id: int, flash: str) -> Response:
    return redirect(request, request.url_for("idea", idea_id=idea_id).path + ANCHOR, flash=flash)


@router.post("/ideas/{idea_id}/co-carriers", name="co_carrier_invite")
def invite(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    idea_id: ObjectId,
    form: FormDep,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    raise_if(check_invite_carrier(user, idea))
    values = {"invitee": form.get("invitee", ""), "message": form.get("message", "")}
    try:
        data = CoCarrierInvite.model_validate(values)
        co_carriers.invite_colleague(session, user, idea, data.invitee, data.message, now)
    except (ValidationError, InvalidInput, Conflict) as exc:
        # What the author can fix, beside the form (422, kept as typed).
        if isinstance(exc, ValidationError):
            errors = french_errors(exc)
        elif isinstance(exc, InvalidInput):
            errors = exc.errors
        else:
            errors = {exc.field or "invitee": exc.message}
        return form_rejected(
            request, session, params, idea, user, now, "co_carrier", values, errors
        )
    return _back(
        request,
        pk(idea),
        "Invitation envoyée\u00a0: l’idée sera co-portée dès que la personne aura accepté.",
    )


@router.post("/co-carriers/{co_carrier_id}/accept", name="co_carrier_accept")
def accept(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    co_carrier_id: ObjectId,
    form: FormDep,
) -> Response:
    row, idea = co_carriers.get_co_carrier(session, co_carrier_id, user)
    co_carriers.accept(session, params, user, row, idea, now)
    return _back(
        request,
        pk(idea),
        "Vous co-portez cette idée\u00a0: vous pouvez modifier sa fiche, répondre aux mines "
        "et accepter les déminages.",
    )


@router.post("/co-carriers/{co_carrier_id}/decline", name="co_carrier_decline")
def decline(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    co_carrier_id: ObjectId,
    form: FormDep,
) -> Response:
    row, idea = co_carriers.get_co_carrier(session, co_carrier_id, user)
    co_carriers.decline(session, user, row, idea, now)
    return _back(request, pk(idea), "Invitation déclinée.")


@router.post("/co-carriers/{co_carrier_id}/remove", name="co_carrier_remove")
def remove(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    co_carrier_id: ObjectId,
    form: FormDep,
) -> Response:
    row, idea = co_carriers.get_co_carrier(session, co_carrier_id, user)
    accepted = row.accepted_at is not None
    name = co_carriers.remove(session, params, user, row, idea, now)
    flash = f"{name} ne co-porte plus l’idée." if accepted else f"Invitation de {name} retirée."
    return _back(request, pk(idea), flash)


@router.post("/co-carriers/{co_carrier_id}/leave", name="co_carrier_leave")
def leave(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    params: ParamsDep,
    now: NowDep,
    co_carrier_id: ObjectId,
    form: FormDep,
) -> Response:
    row, idea = co_carriers.get_co_carrier(session, co_carrier_id, user)
    co_carriers.leave(session, params, user, row, idea, now)
    return _back(request, pk(idea), "Vous ne co-portez plus cette idée.")
