"""Moderation from the idea page: an admin hides a mine or a déminage with a reason."""

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from app.deps import ModeratorUser, NowDep, ObjectId, ParamsDep, SessionDep
from app.idea_page import action_done, form_rejected
from app.models import Deminage, Idea, Mine, User
from app.schemas import ReasonInput, french_errors
from app.services import mines, moderation
from app.services.readiness import ScoringParams
from app.web import FormDep

router = APIRouter(include_in_schema=False)


def _hide(
    request: Request,
    session: SessionDep,
    user: User,
    params: ScoringParams,
    now: NowDep,
    item: Mine | Deminage,
    idea: Idea,
    form: dict[str, str],
    key: str,
) -> Response:
    values = {"reason": form.get("reason", "")}
    try:
        reason = ReasonInput.model_validate(values).reason
    except ValidationError as exc:
        return form_rejected(
            request, session, params, idea, user, now, key, values, french_errors(exc)
        )
    moderation.hide(session, params, user, item, idea, reason, now)
    return action_done(
        request, session, params, idea, user, now, key.removeprefix("hide-"), "Masqué."
    )


@router.post("/mines/{mine_id}/hide", name="mine_hide")
def hide_mine(
    request: Request,
    session: SessionDep,
    user: ModeratorUser,
    params: ParamsDep,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    return _hide(request, session, user, params, now, mine, idea, form, f"hide-mine-{mine_id}")


@router.post("/deminages/{deminage_id}/hide", name="deminage_hide")
def hide_deminage(
    request: Request,
    session: SessionDep,
    user: ModeratorUser,
    params: ParamsDep,
    now: NowDep,
    deminage_id: ObjectId,
    form: FormDep,
) -> Response:
    deminage, _, idea = mines.get_deminage(session, deminage_id, user)
    key = f"hide-deminage-{deminage_id}"
    return _hide(request, session, user, params, now, deminage, idea, form, key)


@router.post("/mines/{mine_id}/restore", name="mine_restore")
def restore_mine(
    request: Request,
    session: SessionDep,
    user: ModeratorUser,
    params: ParamsDep,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    moderation.restore(session, params, user, mine, idea, now)
    return action_done(request, session, params, idea, user, now, f"mine-{mine_id}", "Rétabli.")


@router.post("/deminages/{deminage_id}/restore", name="deminage_restore")
def restore_deminage(
    request: Request,
    session: SessionDep,
    user: ModeratorUser,
    params: ParamsDep,
    now: NowDep,
    deminage_id: ObjectId,
    form: FormDep,
) -> Response:
    deminage, _, idea = mines.get_deminage(session, deminage_id, user)
    moderation.restore(session, params, user, deminage, idea, now)
    return action_done(
        request, session, params, idea, user, now, f"deminage-{deminage_id}", "Rétabli."
    )
