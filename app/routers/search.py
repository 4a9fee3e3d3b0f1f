"""Search across ideas, mines and déminages, and the similar-idea hints of the idea form."""

from dataclasses import replace
from math import ceil

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import CurrentUser, SessionDep
from app.models.base import parse_id
from app.services import board, calls, search, users
from app.templating import render

router = APIRouter(include_in_schema=False)
PAGE = 20


@router.get("/search", name="search")
def search_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    params = dict(request.query_params)
    q = params.get("q", "")[:200]
    query = board.BoardQuery.parse({**params, "status": params.get("status", "all")})

    def look(page: int) -> search.Found:
        return search.search_page(
            session,
            q,
            theme=query.theme,
            unit=query.unit,
            status=query.status,
            call=query.call,
            limit=PAGE,
            offset=(page - 1) * PAGE,
        )

    found = search.Found([], 0, True, False)
    if q.strip():
        found = look(query.page)
        last = max(1, ceil(found.total / PAGE))
        if not found.items and query.page > last:  # past the end: the last page
            query = replace(query, page=last)
            found = look(last)

    def page_url(page: int) -> str:
        # The search's own default status is « all », not the board's: always say it.
        kept = {**query.as_params(page=page), "status": query.status}
        return str(request.url_for("search").include_query_params(q=q, **kept))

    filtered = bool(query.theme or query.unit or query.call or query.status != "all")
    # Nothing found but closed ideas match: say so, rather than « nobody has had this idea ».
    sleeping = (
        search.closed_ideas_matching(session, q)
        if q.strip() and found.searchable and not found.items and not filtered
        else 0
    )
    return render(
        request,
        "search/search.html",
        {
            "q": q,
            "query": query,
            "found": found,
            "results": found.items,
            "total": found.total,
            "pages": max(1, ceil(found.total / PAGE)),
            "page_url": page_url,
            "filtered": filtered,
            "unfiltered_url": request.url_for("search").include_query_params(q=q),
            "sleeping": sleeping,
            "sleeping_url": request.url_for("search").include_query_params(q=q, status="abandoned"),
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
        exclude=parse_id(exclude),
    )
    return render(request, "search/_similar.html", {"similar": similar_ideas})
