"""The idea page rendered: the idea's view (`services.idea_view`) into its templates, the whole
page or, to htmx, its live fragment. Shared by the routers that answer on the idea page (ideas,
mines, moderation), so that none imports another."""

from collections.abc import Hashable
from dataclasses import fields
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlmodel import Session
from starlette.responses import Response

from app.models import Idea, User
from app.services.idea_view import IdeaView, idea_view
from app.services.readiness import ScoringParams
from app.templating import is_htmx, render
from app.web import redirect


def minefield_key(view: IdeaView) -> Hashable:
    """Everything the field of mines shows (templates/mines/_field.html): its rows, and who
    looks. The permission checks it asks (app/services/permissions.py) depend on the viewer
    only through their role and whether they carry the idea (its author, its co-porteurs) or
    wrote one of its mines or déminages: any other viewer of the same role sees the same field,
    so they share one rendering. Any change to what is shown makes a new key."""
    idea, viewer = view.idea, view.viewer
    authors = {idea.author_id, *idea.co_carrier_ids}
    deminages = []
    signers = []
    for mine_view in view.mine_views:
        authors.add(mine_view.mine.author_id)
        for dv in mine_view.deminages:
            authors.add(dv.deminage.author_id)
            deminages.append((dv.deminage, dv.helped_by_me))
        # A co-signer sees their own signature to withdraw: they are tied to the mine too.
        for signature in mine_view.signatures:
            authors.add(signature.user_id)
        signers.append((mine_view.mine.id, tuple(mine_view.signatures), mine_view.scope_request))
    who = (viewer.role, viewer.id if viewer.id in authors else None)
    return (
        idea.id,
        idea.status,
        view.ripe,  # the field shown cleared, with its thanks (made of the rows below)
        idea.author_id,
        tuple(idea.co_carrier_ids),
        who,
        tuple(mine_view.mine for mine_view in view.mine_views),
        tuple(deminages),
        tuple(signers),
        tuple((mine_id, tuple(changes)) for mine_id, changes in view.changed_since.items()),
        tuple(
            (mine_id, inv.id, inv.message, name)
            for mine_id, (inv, name) in view.pending_invitations.items()
        ),
    )


def page_context(
    view: IdeaView,
    form_errors: dict[str, dict[str, str]] | None = None,
    form_values: dict[str, dict[str, str]] | None = None,
    status_message: str = "",
) -> dict[str, Any]:
    """What the idea page's templates read: the view's fields, and the form shown again."""
    return {
        **{f.name: getattr(view, f.name) for f in fields(view)},
        # A form shown with its errors is rendered anew, around what was typed.
        "minefield_key": None if form_errors or form_values else minefield_key(view),
        "form_errors": form_errors or {},
        "form_values": form_values or {},
        "status_message": status_message,
    }


def render_idea(
    request: Request,
    session: Session,
    params: ScoringParams,
    idea: Idea,
    viewer: User,
    now: datetime,
    status: int = 200,
    **forms: Any,
) -> Response:
    """The whole page to a browser; the live fragment and the score panel (out of band) to htmx."""
    # A lay form shown again lists what it listed for the category chosen.
    category = forms.get("form_values", {}).get("lay", {}).get("category", "")
    view = idea_view(session, params, idea, viewer, now, "page", lay_category=category)
    context = page_context(view, **forms)
    template = "ideas/_live.html" if is_htmx(request) else "ideas/show.html"
    return render(request, template, {**context, "oob": is_htmx(request)}, status=status)


def form_rejected(
    request: Request,
    session: Session,
    params: ScoringParams,
    idea: Idea,
    viewer: User,
    now: datetime,
    key: str,
    values: dict[str, str],
    errors: dict[str, str],
) -> Response:
    """The idea page (or its live fragment) again, with one form's errors beside its fields
    and every character typed kept (422, which htmx swaps in place)."""
    return render_idea(
        request,
        session,
        params,
        idea,
        viewer,
        now,
        status=422,
        form_errors={key: errors},
        form_values={key: values},
    )


def action_done(
    request: Request,
    session: Session,
    params: ScoringParams,
    idea: Idea,
    viewer: User,
    now: datetime,
    anchor: str,
    flash: str,
) -> Response:
    """After an action on the idea page: its live fragment to htmx, with the message; a
    browser is sent back to the page, at the anchor, with the message as a flash."""
    if is_htmx(request):
        return render_idea(request, session, params, idea, viewer, now, status_message=flash)
    url = request.url_for("idea", idea_id=idea.id).path + f"#{anchor}"
    return redirect(request, url, flash=flash)
