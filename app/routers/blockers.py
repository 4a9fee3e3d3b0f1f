"""« Ce qui bloque »: the map of what the organisation's mines say about it, for every agent."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import CurrentUser, SessionDep
from app.services import blockers
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/ce-qui-bloque", name="blockers")
def blocker_map(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return render(
        request,
        "blockers/map.html",
        {"map": blockers.blocker_map(session), "severities": blockers.SEVERITY_COLUMNS},
    )
