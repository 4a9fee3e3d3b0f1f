"""Public statistics: readable by anyone, signed in or not, with no personal data."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from app.services import stats
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/stats", name="stats")
def public_stats(
    request: Request, session: SessionDep, user: OptionalUser, settings: SettingsDep, now: NowDep
) -> Response:
    figures = stats.public_stats(session, now, request.app.state.stats_cache)
    return render(
        request,
        "stats/stats.html",
        {"stats": figures, "cache_seconds": settings.stats_cache_seconds},
    )
