"""The board of ideas (every agent reads it; managers act from it) and the managers' dashboard."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import CurrentUser, NowDep, SessionDep, SettingsDep
from app.models.mine import CATEGORY_LABELS
from app.services import board, calls, dashboard, users
from app.services.permissions import check_view_dashboard, raise_if
from app.templating import is_htmx, render

router = APIRouter(include_in_schema=False)


@router.get("/board", name="board")
def show_board(
    request: Request, session: SessionDep, user: CurrentUser, settings: SettingsDep, now: NowDep
) -> Response:
    query = board.BoardQuery.parse(dict(request.query_params))
    result = board.board(session, query, now, settings.page_size)
    context = {
        "query": query,
        "result": result,
        "themes": board.themes_in_use(session),
        "units": users.list_units(session),
        "calls": calls.call_names(session),
        "categories": CATEGORY_LABELS,
        "sorts": board.SORTS,
        "statuses": board.STATUSES,
    }
    template = "board/_results.html" if is_htmx(request) else "board/board.html"
    return render(request, template, context)


@router.get("/dashboard", name="dashboard")
def show_dashboard(
    request: Request, session: SessionDep, user: CurrentUser, now: NowDep
) -> Response:
    raise_if(check_view_dashboard(user))
    return render(request, "board/dashboard.html", {"data": dashboard.build(session, now)})
