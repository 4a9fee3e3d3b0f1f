"""Moderation from the idea page: an admin hides a mine, a déminage or the whole idea with a
reason."""

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from app.deps import ModeratorUser, NowDep, ObjectId, ParamsDep, SessionDep
from app.idea_page import action_done, form_rejected
from app.models import Deminage, Idea, Mine, User
from app.schemas import ReasonInput, french_errors
from app.services import ideas, mines, moderation
from app.services.readiness import ScoringParams
from app.web import FormDep, redirect

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


@router.post("/ideas/{idea_id}/hide", name="idea_hide")
def hide_idea(
    request: Request,
    session: SessionDep,
    user: ModeratorUser,
    params: ParamsDep,
    now: NowDep,
    idea_id: ObjectId,
    form: FormDep,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    values = {"reason": form.get("reason", "")}
    try:
        reason = ReasonInput.model_validate(values).reason
    except ValidationError as exc:
        return form_rejected(
            request, session, params, idea, user, now, "hide-idea", values, french_errors(exc)
        )
    moderation.hide_idea(session, user, idea, reason, now)
    return redirect(
        request,
        request.url_for("idea", idea_id=idea_id).path,
        flash=(
            "Idée masquée\u00a0: seules les personnes qui la portent et les administrateurs la "
            "lisent."
        ),
    )


@router.post("/ideas/{idea_id}/restore", name="idea_restore")
def restore_idea(
    request: Request,
    session: SessionDep,
    user: ModeratorUser,
    now: NowDep,
    idea_id: ObjectId,
    form: FormDep,
) -> Response:
    idea = ideas.get_idea(session, idea_id, user)
    moderation.restore_idea(session, user, idea, now)
    return redirect(request, request.url_for("idea", idea_id=idea_id).path, flash="Idée rétablie.")
