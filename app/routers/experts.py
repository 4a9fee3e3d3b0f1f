"""« Qui peut déminer ? »: suggestions under each open mine, invitations, the Démineurs page."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import CurrentUser, NowDep, ObjectId, SessionDep
from app.errors import Conflict, InvalidInput
from app.models.base import parse_id
from app.services import invitations, mines, users, visibility
from app.templating import is_htmx, render
from app.web import FormDep, redirect

router = APIRouter(include_in_schema=False)


def _experts_response(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    mine_id: ObjectId,
    status: int = 200,
    **extra: object,
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    hidden = mine.hidden_at is not None  # nobody is invited to hidden content
    context = {
        "mine": mine,
        "mine_title": visibility.mine_title_for(user, mine),
        "hidden": hidden,
        "idea": idea,
        "suggestions": invitations.suggestions(session, mine, idea),
        "errors": {},
        "values": {},
        "status_message": "",
    }
    context.update(extra)
    template = "experts/_suggestions.html" if is_htmx(request) else "experts/mine_experts.html"
    return render(request, template, context, status=status)


@router.get("/mines/{mine_id}/experts", name="mine_experts")
def mine_experts(
    request: Request, session: SessionDep, user: CurrentUser, mine_id: ObjectId
) -> Response:
    return _experts_response(request, session, user, mine_id)


@router.post("/mines/{mine_id}/invitations", name="mine_invite")
def invite(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    mine_id: ObjectId,
    form: FormDep,
) -> Response:
    mine, idea = mines.get_mine(session, mine_id, user)
    values = {
        "invitee_id": form.get("invitee_id", ""),
        "email": form.get("email", ""),
        "message": form.get("message", "")[:2000],
    }
    try:
        if (invitee_id := parse_id(values["invitee_id"])) is not None:
            invitee = users.get_user(session, invitee_id)
        elif values["email"].strip():
            invitee = invitations.find_colleague(session, values["email"])
        else:
            raise InvalidInput(
                {"invitee": "Choisissez une personne dans la liste, ou donnez son adresse."}
            )
        invitations.invite(session, user, mine, idea, invitee, values["message"].strip(), now)
    except (InvalidInput, Conflict) as exc:
        # What the person can fix, shown beside the form (422, which htmx swaps in place).
        errors = exc.errors if isinstance(exc, InvalidInput) else {"invitee": exc.message}
        return _experts_response(
            request, session, user, mine_id, status=422, errors=errors, values=values
        )
    message = f"Invitation envoyée à {invitee.name} pour regarder cette mine."
    if is_htmx(request):
        return _experts_response(request, session, user, mine_id, status_message=message)
    return redirect(
        request, request.url_for("idea", idea_id=idea.id).path + f"#mine-{mine.id}", flash=message
    )


@router.get("/invitations/{invitation_id}/decline", name="invitation_decline_address")
def decline_address(
    request: Request, session: SessionDep, user: CurrentUser, invitation_id: ObjectId
) -> Response:
    """The decline form's address, opened or reloaded: the mine it is about, on its idea."""
    mine = invitations.mine_of(session, user, invitation_id)
    return redirect(
        request, request.url_for("idea", idea_id=mine.idea_id).path + f"#mine-{mine.id}"
    )


@router.post("/invitations/{invitation_id}/decline", name="invitation_decline")
def decline(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    invitation_id: ObjectId,
    form: FormDep,
) -> Response:
    mine = invitations.decline(session, user, invitation_id, now)
    return redirect(
        request,
        request.url_for("idea", idea_id=mine.idea_id).path,
        flash="Invitation déclinée\u00a0: on ne vous sollicitera plus pour cette mine.",
    )


@router.get("/demineurs", name="demineurs")
def demineurs_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The expertise the organisation has, by category and theme: never a ranking of people."""
    found = invitations.demineurs(session)
    return render(
        request, "experts/demineurs.html", {"categories": found.categories, "themes": found.themes}
    )
