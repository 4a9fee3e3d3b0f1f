"""Search across ideas, mines and déminages, and the similar-idea hints of the idea form."""

from math import ceil

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import CurrentUser, SessionDep
from app.services import board, calls, search, users
from app.templating import render

router = APIRouter(include_in_schema=False)
PAGE = 20


@router.get("/search", name="search")
def search_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    params = dict(request.query_params)
    q = params.get("q", "")[:200]
    query = board.BoardQuery.parse({**params, "status": params.get("status", "all")})
    results: list[search.Result] = []
    total = 0
    if q.strip():
        results, total = search.search_page(
            session,
            q,
            theme=query.theme,
            unit=query.unit,
            status=query.status,
            call=query.call,
            limit=PAGE,
            offset=(query.page - 1) * PAGE,
        )
    return render(
        request,
        "search/search.html",
        {
            "q": q,
            "query": query,
            "results": results,
            "total": total,
            "pages": max(1, ceil(total / PAGE)),
            "themes": board.themes_in_use(session),
            "units": users.list_units(session),
            "calls": calls.call_names(session),
            "statuses": board.STATUSES,
        },
    )


@router.get("/ideas/similar", name="similar_ideas")
def similar(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    title: str = "",
    problem: str = "",
    exclude: str = "",
) -> Response:
    """Published ideas close to the one being written (htmx, debounced, on the form)."""
    similar_ideas = search.ideas_similar_to(
        session,
        title[:300],
        problem[:2000],
        exclude=(
            int(exclude) if exclude.isascii() and exclude.isdigit() and len(exclude) < 12 else None
        ),
    )
    return render(request, "search/_similar.html", {"similar": similar_ideas})
