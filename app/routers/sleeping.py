"""« Idées en sommeil »: the closed ideas with their lesson, apart from the board."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import CurrentUser, SessionDep, SettingsDep
from app.services import sleeping
from app.templating import render
from app.web import page_number

router = APIRouter(include_in_schema=False)


@router.get("/sommeil", name="sleeping")
def sleeping_ideas(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    q: str = "",
    page: str = "1",
) -> Response:
    q = q[:200]
    result = sleeping.list_sleeping(session, user, q, page_number(page), settings.page_size)
    return render(request, "sleeping/list.html", {"page": result, "q": q})
