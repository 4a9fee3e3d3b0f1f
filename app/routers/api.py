"""The JSON API under /api/v1, authenticated by personal bearer tokens."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from app.deps import ApiCall, ApiCallDep, ApiContext, ObjectId
from app.models import Follow, Idea, Mine, Support, Unit, User
from app.schemas import (
    AbandonInput,
    DeminageCreate,
    DeminageOut,
    DismissInput,
    ErrorOut,
    GateOut,
    IdeaCreate,
    IdeaOut,
    IdeaPage,
    IdeaSummaryOut,
    IdeaUpdate,
    MineCreate,
    MineOut,
    MissingOut,
    PartsOut,
    PromoteInput,
    ReadinessOut,
    ReasonInput,
    SendBackInput,
    UserOut,
    clean_text,
)
from app.services import (
    blockers,
    board,
    ideas,
    invitations,
    mines,
    notifications,
    search,
    users,
)
from app.services.idea_view import idea_view
from app.services.readiness import Readiness

router = APIRouter(prefix="/api/v1", tags=["ideas"])

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in {
        400: "Requête refusée",
        401: "Jeton manquant, invalide ou révoqué",
        403: "Les règles l'interdisent",
        404: "Objet inconnu",
        409: "Le cycle de vie l'interdit",
        413: "Corps de requête trop volumineux",
        422: "Données invalides : `field` nomme le champ, `errors` les liste tous",
        429: "Trop de requêtes : réessayez après `Retry-After` secondes",
    }.items()
}


def _user_out(user: User, unit: Unit | None) -> UserOut:
    return UserOut(id=user.id, name=user.name, unit=unit.name if unit else None)  # type: ignore[arg-type]


def _readiness_out(r: Readiness) -> ReadinessOut:
    return ReadinessOut(
        score=r.score,
        ripe=r.ripe,
        parts=PartsOut(
            clarity=r.parts.clarity, crossed_views=r.parts.crossed_views, defusal=r.parts.defusal
        ),
        gates=[GateOut(name=g.name, ok=g.ok, label=g.label) for g in r.gates],
        missing=[
            MissingOut(action=m.action, points=m.points, required=m.required, label=m.label)
            for m in r.missing
        ],
    )


def _deminage_out(view: mines.DeminageView) -> DeminageOut:
    """A déminage as the viewer may see it (the view comes redacted from `visibility`)."""
    d = view.deminage
    return DeminageOut(
        id=d.id,
        kind=d.kind,
        body=d.body,
        author=_user_out(view.author, view.unit),  # type: ignore[arg-type]
        accepted=d.accepted,
        dismissed=d.dismissed_at is not None,
        dismissed_reason=d.dismissed_reason,
        helpful_count=d.helpful_count,
        created_at=d.created_at,
        hidden=view.hidden,
        hidden_reason=d.hidden_reason,
    )


def _mine_out(view: mines.MineView) -> MineOut:
    """A mine as the viewer may see it (the view comes redacted from `visibility`)."""
    m = view.mine
    return MineOut(
        id=m.id,
        idea_id=m.idea_id,
        category=m.category,
        severity=m.severity,
        status=m.status,  # type: ignore[arg-type]
        title=m.title,
        body=m.body,
        author=_user_out(view.author, view.unit),  # type: ignore[arg-type]
        created_at=m.created_at,
        resolution_reason=m.resolution_reason,
        reopen_reason=m.reopen_reason,
        deminages=[_deminage_out(d) for d in view.deminages],
        hidden=view.hidden,
        hidden_reason=m.hidden_reason,
    )


def _idea_out(c: ApiContext, idea: Idea) -> IdeaOut:
    view = idea_view(c.session, c.params, idea, c.user, c.now, "api")
    return IdeaOut(
        id=idea.id,
        title=idea.title,
        status=idea.status,
        ripe=view.ripe,  # type: ignore[arg-type]
        score=idea.score,
        themes=list(view.themes),
        author=_user_out(view.author, view.author_unit),
        published_at=idea.published_at,
        last_activity_at=idea.last_activity_at,
        problem=idea.problem,
        solution=idea.solution,
        broken_rule=idea.broken_rule,
        rule_kind=idea.rule_kind,
        rule_reference=idea.rule_reference,
        first_ground=idea.first_ground,
        created_at=idea.created_at,
        updated_at=idea.updated_at,
        revision_count=idea.revision_count,
        lesson=idea.lesson,
        sponsor=idea.sponsor,
        next_step=idea.next_step,
        target_date=idea.target_date,
        readiness=_readiness_out(view.readiness),
        mines=[_mine_out(v) for v in view.mine_views],
    )


def _mine_view(c: ApiContext, mine: Mine, idea: Idea) -> mines.MineView:
    return next(v for v in mines.mines_for_idea(c.session, idea, c.user) if v.mine.id == mine.id)


def _mine_by_id(c: ApiContext, mine: Mine, idea: Idea) -> MineOut:
    return _mine_out(_mine_view(c, mine, idea))


def _unit_of(c: ApiContext) -> Unit | None:
    return users.unit_of(c.session, c.user)


async def _on_idea(
    call: ApiCall, idea_id: int, act: Callable[[ApiContext, Idea], object]
) -> IdeaOut:
    """Find the idea (404 unless the caller may see it), act on it, answer with it."""

    def work(c: ApiContext) -> IdeaOut:
        idea = ideas.get_idea(c.session, idea_id, c.user)
        act(c, idea)
        return _idea_out(c, idea)

    return await call(work)


async def _on_mine(
    call: ApiCall, mine_id: int, act: Callable[[ApiContext, Mine, Idea], object]
) -> MineOut:
    """Find the mine and its idea (404 unless the caller may see them), act, answer with it."""

    def work(c: ApiContext) -> MineOut:
        mine, idea = mines.get_mine(c.session, mine_id, c.user)
        act(c, mine, idea)
        return _mine_by_id(c, mine, idea)

    return await call(work)


@router.get("/me", response_model=UserOut, responses=ERRORS)
async def me(call: ApiCallDep) -> UserOut:
    """The account that owns the token."""

    def work(c: ApiContext) -> UserOut:
        return _user_out(c.user, _unit_of(c))

    return await call(work)


@router.post(
    "/ideas", response_model=IdeaOut, status_code=status.HTTP_201_CREATED, responses=ERRORS
)
async def create_idea(data: IdeaCreate, call: ApiCallDep) -> IdeaOut:
    """Create a draft, visible to its author only until published."""

    def work(c: ApiContext) -> IdeaOut:
        idea = ideas.create_draft(c.session, c.params, c.user, data, c.now)
        return _idea_out(c, idea)

    return await call(work)


@router.get("/ideas", response_model=IdeaPage, responses=ERRORS)
async def list_ideas(call: ApiCallDep, page: int = Query(1, ge=1, le=1_000_000)) -> IdeaPage:
    """Published ideas, newest first, paginated."""

    def work(c: ApiContext) -> IdeaPage:
        result = ideas.list_published(c.session, page, c.settings.page_size)
        people = ideas.users_by_id(c.session, {i.author_id for i in result.items})
        themes = ideas.themes_of(c.session, [i.id for i in result.items])  # type: ignore[misc]
        items = [
            IdeaSummaryOut(
                id=i.id,
                title=i.title,
                status=i.status,
                ripe=i.is_ripe(c.now),  # type: ignore[arg-type]
                score=i.score,
                themes=themes[i.id],  # type: ignore[index]
                author=_user_out(*people[i.author_id]),
                published_at=i.published_at,
                last_activity_at=i.last_activity_at,
            )
            for i in result.items
        ]
        return IdeaPage(items=items, page=result.page, pages=result.pages, total=result.total)

    return await call(work)


@router.get("/ideas/{idea_id}", response_model=IdeaOut, responses=ERRORS)
async def read_idea(idea_id: ObjectId, call: ApiCallDep) -> IdeaOut:
    """An idea with its readiness, its mines and their déminages."""
    return await call(lambda c: _idea_out(c, ideas.get_idea(c.session, idea_id, c.user)))


@router.patch("/ideas/{idea_id}", response_model=IdeaOut, responses=ERRORS)
async def edit_idea(idea_id: ObjectId, data: IdeaUpdate, call: ApiCallDep) -> IdeaOut:
    """Edit the fiche (author only); a revision is kept."""
    return await _on_idea(
        call,
        idea_id,
        lambda c, idea: ideas.update_idea(c.session, c.params, c.user, idea, data, c.now),
    )


@router.post("/ideas/{idea_id}/publish", response_model=IdeaOut, responses=ERRORS)
async def publish_idea(idea_id: ObjectId, call: ApiCallDep) -> IdeaOut:
    """Publish a draft: it goes « en déminage »."""
    return await _on_idea(
        call, idea_id, lambda c, idea: ideas.publish(c.session, c.params, c.user, idea, c.now)
    )


@router.post("/ideas/{idea_id}/abandon", response_model=IdeaOut, responses=ERRORS)
async def abandon_idea(idea_id: ObjectId, data: AbandonInput, call: ApiCallDep) -> IdeaOut:
    """Close the idea with a lesson learned (author or manager)."""
    return await _on_idea(
        call,
        idea_id,
        lambda c, idea: ideas.abandon(c.session, c.params, c.user, idea, data.lesson, c.now),
    )


@router.post("/ideas/{idea_id}/mines", response_model=MineOut, status_code=201, responses=ERRORS)
async def lay_mine(idea_id: ObjectId, data: MineCreate, call: ApiCallDep) -> MineOut:
    """Lay a mine on a colleague's published idea."""

    def work(c: ApiContext) -> MineOut:
        idea = ideas.get_idea(c.session, idea_id, c.user)
        mine = mines.lay_mine(c.session, c.params, c.user, idea, data, c.now)
        # A new mine: no déminage yet.
        return _mine_out(mines.MineView(mine, c.user, _unit_of(c), deminages=[]))

    return await call(work)


@router.post(
    "/mines/{mine_id}/deminages", response_model=DeminageOut, status_code=201, responses=ERRORS
)
async def bring_deminage(mine_id: ObjectId, data: DeminageCreate, call: ApiCallDep) -> DeminageOut:
    """Answer a mine with expertise, a fix, a contact, a precedent or a resource."""

    def work(c: ApiContext) -> DeminageOut:
        mine, idea = mines.get_mine(c.session, mine_id, c.user)
        deminage = mines.bring_deminage(c.session, c.params, c.user, mine, idea, data, c.now)
        return _deminage_out(mines.DeminageView(deminage, c.user, _unit_of(c), False))

    return await call(work)


@router.post("/deminages/{deminage_id}/accept", response_model=MineOut, responses=ERRORS)
async def accept_deminage(deminage_id: ObjectId, call: ApiCallDep) -> MineOut:
    """Accept a déminage: its mine is defused."""

    def work(c: ApiContext) -> MineOut:
        deminage, mine, idea = mines.get_deminage(c.session, deminage_id, c.user)
        mines.accept_deminage(c.session, c.params, c.user, deminage, mine, idea, c.now)
        return _mine_by_id(c, mine, idea)

    return await call(work)


@router.post("/deminages/{deminage_id}/dismiss", response_model=DeminageOut, responses=ERRORS)
async def dismiss_deminage(
    deminage_id: ObjectId, data: DismissInput, call: ApiCallDep
) -> DeminageOut:
    """Mark an answer to one's mine, or to a mine on one's idea, « ne répond pas », with a
    short reason its author reads."""

    def work(c: ApiContext) -> DeminageOut:
        deminage, mine, idea = mines.get_deminage(c.session, deminage_id, c.user)
        mines.dismiss_deminage(c.session, c.user, deminage, mine, idea, data.reason, c.now)
        view = _mine_view(c, mine, idea)
        return _deminage_out(next(d for d in view.deminages if d.deminage.id == deminage.id))

    return await call(work)


@router.post("/deminages/{deminage_id}/helpful", response_model=DeminageOut, responses=ERRORS)
async def mark_helpful(deminage_id: ObjectId, call: ApiCallDep) -> DeminageOut:
    """Mark (or unmark) a déminage « ça aide »."""

    def work(c: ApiContext) -> DeminageOut:
        deminage, mine, idea = mines.get_deminage(c.session, deminage_id, c.user)
        mines.toggle_helpful(c.session, c.user, deminage, mine)
        view = _mine_view(c, mine, idea)
        return _deminage_out(next(d for d in view.deminages if d.deminage.id == deminage.id))

    return await call(work)


@router.post("/mines/{mine_id}/withdraw", response_model=MineOut, responses=ERRORS)
async def withdraw_mine(mine_id: ObjectId, call: ApiCallDep) -> MineOut:
    """Withdraw one's own mine."""
    return await _on_mine(
        call,
        mine_id,
        lambda c, mine, idea: mines.withdraw(c.session, c.params, c.user, mine, idea, c.now),
    )


@router.post("/mines/{mine_id}/reopen", response_model=MineOut, responses=ERRORS)
async def reopen_mine(mine_id: ObjectId, data: ReasonInput, call: ApiCallDep) -> MineOut:
    """Reopen one's own defused or assumed mine, with a reason."""
    return await _on_mine(
        call,
        mine_id,
        lambda c, mine, idea: mines.reopen(
            c.session, c.params, c.user, mine, idea, data.reason, c.now
        ),
    )


@router.post("/mines/{mine_id}/accept-risk", response_model=MineOut, responses=ERRORS)
async def accept_risk(mine_id: ObjectId, data: ReasonInput, call: ApiCallDep) -> MineOut:
    """Assume a mine's risk with a written reason (a manager for a bombe)."""
    return await _on_mine(
        call,
        mine_id,
        lambda c, mine, idea: mines.accept_risk(
            c.session, c.params, c.user, mine, idea, data.reason, c.now
        ),
    )


class BoardRowOut(IdeaSummaryOut):
    reviewer_count: int
    reviewer_units: list[str]
    open_mines: dict[str, int]


class BoardOut(BaseModel):
    items: list[BoardRowOut]
    page: int
    pages: int
    total: int = Field(description="Ideas matching, counted up to 1,000")
    total_exact: bool = Field(description="False when more ideas match than `total`")


@router.get("/board", response_model=BoardOut, responses=ERRORS)
async def read_board(
    call: ApiCallDep,
    ripe: bool = False,
    theme: str = Query("", max_length=40),
    unit: int | None = Query(None, ge=1, le=2**31 - 1),
    category: str = Query("", max_length=20),
    status: Literal["open", "ripe", "project", "abandoned", "all"] = "open",
    sort: Literal["score", "activity", "reviewers"] = "score",
    page: int = Query(1, ge=1, le=1_000_000),
) -> BoardOut:
    """The board: ripe ideas first, then the closest to ripe; filters combine."""
    query = board.BoardQuery.parse(
        {
            "theme": theme,
            "unit": str(unit or ""),
            "category": category,
            "status": "ripe" if ripe else status,
            "sort": sort,
            "page": str(page),
        }
    )

    def work(c: ApiContext) -> BoardOut:
        result = board.board(c.session, query, c.now, c.settings.page_size)
        items = [
            BoardRowOut(
                id=r.idea.id,
                title=r.idea.title,
                status=r.idea.status,
                ripe=r.ripe,  # type: ignore[arg-type]
                score=r.idea.score,
                themes=r.themes,
                author=_user_out(r.author, r.unit),  # type: ignore[arg-type]
                published_at=r.idea.published_at,
                last_activity_at=r.idea.last_activity_at,
                reviewer_count=r.idea.reviewer_count,
                reviewer_units=r.reviewer_units,
                open_mines=r.open_mines,
            )
            for r in result.items
        ]
        return BoardOut(
            items=items,
            page=result.page,
            pages=result.pages,
            total=result.total,
            total_exact=result.total_exact,
        )

    return await call(work)


@router.post("/ideas/{idea_id}/promote", response_model=IdeaOut, responses=ERRORS)
async def promote_idea(idea_id: ObjectId, data: PromoteInput, call: ApiCallDep) -> IdeaOut:
    """A manager makes the idea a project; `reason` is required when it is not ripe."""
    return await _on_idea(
        call, idea_id, lambda c, idea: ideas.promote(c.session, c.params, c.user, idea, data, c.now)
    )


@router.post("/ideas/{idea_id}/send-back", response_model=IdeaOut, responses=ERRORS)
async def send_back_idea(idea_id: ObjectId, data: SendBackInput, call: ApiCallDep) -> IdeaOut:
    """A manager sends the idea back to its author with a comment."""
    return await _on_idea(
        call, idea_id, lambda c, idea: ideas.send_back(c.session, c.user, idea, data.comment, c.now)
    )


class BlockerRowOut(BaseModel):
    key: str = Field(description="A mine category, or a unit's id (empty: no unit).")
    label: str
    counts: dict[str, int] = Field(description="Open mines by severity: minor, major, blocking.")


class RuleKindCountOut(BaseModel):
    kind: str = Field(description="A kind of broken rule, empty while unsaid.")
    label: str
    ideas: int


class EchoOut(BaseModel):
    mine_id: int
    title: str
    status: str
    idea_id: int
    idea_title: str


class AnswerElsewhereOut(BaseModel):
    mine_id: int
    idea_id: int
    idea_title: str
    kind: str
    body: str


class RecurringOut(BaseModel):
    mine_id: int
    title: str
    category: str
    idea_id: int
    idea_title: str
    echoes: list[EchoOut]
    answers: list[AnswerElsewhereOut]


class BlockerMapOut(BaseModel):
    open_mines: int
    by_category: list[BlockerRowOut]
    by_unit: list[BlockerRowOut]
    by_rule_kind: list[RuleKindCountOut]
    recurring: list[RecurringOut]


@router.get("/blockers", response_model=BlockerMapOut, responses=ERRORS, tags=["blockers"])
async def read_blockers(call: ApiCallDep) -> BlockerMapOut:
    """« Ce qui bloque »: open mines by category, unit and severity, broken rules by kind, and
    the objections that come back across ideas with the answers that defused them elsewhere."""

    def work(c: ApiContext) -> BlockerMapOut:
        found = blockers.blocker_map(c.session)

        def rows(items: list[blockers.Row]) -> list[BlockerRowOut]:
            return [BlockerRowOut(key=r.key, label=r.label, counts=r.counts) for r in items]

        return BlockerMapOut(
            open_mines=found.open_mines,
            by_category=rows(found.by_category),
            by_unit=rows(found.by_unit),
            by_rule_kind=[RuleKindCountOut(**r._asdict()) for r in found.by_rule_kind],
            recurring=[
                RecurringOut(
                    mine_id=r.mine[0],
                    title=r.mine[1],
                    category=r.mine[2],
                    idea_id=r.mine[3],
                    idea_title=r.mine[4],
                    echoes=[
                        EchoOut(
                            mine_id=e[0], title=e[1], status=e[2], idea_id=e[3], idea_title=e[4]
                        )
                        for e in r.echoes
                    ],
                    answers=[
                        AnswerElsewhereOut(
                            mine_id=a.mine_id,
                            idea_id=a.idea_id,
                            idea_title=a.idea_title,
                            kind=a.kind,
                            body=a.body,
                        )
                        for a in r.answers
                    ],
                )
                for r in found.recurring
            ],
        )

    return await call(work)


class NotificationOut(BaseModel):
    id: int
    kind: str
    message: str
    url: str
    created_at: datetime
    read: bool


class SearchResultOut(BaseModel):
    kind: str
    idea_id: int
    idea_title: str
    url: str
    snippet: str


@router.get(
    "/notifications", response_model=list[NotificationOut], responses=ERRORS, tags=["notifications"]
)
async def list_notifications(call: ApiCallDep) -> list[NotificationOut]:
    """The account's latest notifications, newest first."""

    def work(c: ApiContext) -> list[NotificationOut]:
        return [
            NotificationOut(
                id=n.id,
                kind=n.kind,
                message=n.message,
                url=n.url,  # type: ignore[arg-type]
                created_at=n.created_at,
                read=n.read_at is not None,
            )
            for n in notifications.list_for(c.session, c.user)
        ]

    return await call(work)


@router.get("/search", response_model=list[SearchResultOut], responses=ERRORS, tags=["search"])
async def search_api(
    call: ApiCallDep,
    q: str = Query(..., min_length=1, max_length=200),
    page: int = Query(1, ge=1, le=1000),
) -> list[SearchResultOut]:
    """French full-text search over published ideas, mines and déminages, best first."""

    def work(c: ApiContext) -> list[SearchResultOut]:
        results, _ = search.search_page(c.session, q, limit=20, offset=(page - 1) * 20)
        return [
            SearchResultOut(
                kind=r.kind,
                idea_id=r.idea.id,
                idea_title=r.idea.title,  # type: ignore[arg-type]
                url=f"/ideas/{r.idea.id}{r.anchor}",
                snippet=r.snippet.striptags(),
            )
            for r in results
        ]

    return await call(work)


class ToggleOut(BaseModel):
    on: bool


def _toggle_api(c: ApiContext, idea_id: int, model: type[Follow] | type[Support]) -> ToggleOut:
    idea = ideas.get_idea(c.session, idea_id, c.user)
    return ToggleOut(on=notifications.toggle(c.session, model, c.user, idea))


@router.post("/ideas/{idea_id}/follow", response_model=ToggleOut, responses=ERRORS)
async def follow_idea(idea_id: ObjectId, call: ApiCallDep) -> ToggleOut:
    """Follow the idea (or stop): its status changes are notified."""
    return await call(lambda c: _toggle_api(c, idea_id, Follow))


@router.post("/ideas/{idea_id}/support", response_model=ToggleOut, responses=ERRORS)
async def support_idea(idea_id: ObjectId, call: ApiCallDep) -> ToggleOut:
    """« Je soutiens » (or take it back)."""
    return await call(lambda c: _toggle_api(c, idea_id, Support))


class ExpertOut(BaseModel):
    user: UserOut
    reasons: list[str]
    # Already invited to this mine: "pending", "declined", or "" (not yet).
    invitation: str = ""


class InvitationIn(BaseModel):
    invitee_id: int = Field(ge=1, le=2**31 - 1)
    message: str = Field("", max_length=2000)


class InvitationOut(BaseModel):
    id: int
    mine_id: int
    invitee_id: int
    created_at: datetime


@router.get(
    "/mines/{mine_id}/experts", response_model=list[ExpertOut], responses=ERRORS, tags=["experts"]
)
async def mine_experts(mine_id: ObjectId, call: ApiCallDep) -> list[ExpertOut]:
    """« Qui peut déminer ? »: up to five colleagues for this mine, with the reasons in words."""

    def work(c: ApiContext) -> list[ExpertOut]:
        mine, idea = mines.get_mine(c.session, mine_id, c.user)
        return [
            ExpertOut(
                user=UserOut(id=s.user_id, name=s.name, unit=s.unit_name),
                reasons=list(s.reasons),
                invitation=s.invitation,
            )
            for s in invitations.suggestions(c.session, mine, idea)
        ]

    return await call(work)


@router.post(
    "/mines/{mine_id}/invitations",
    response_model=InvitationOut,
    status_code=201,
    responses={**ERRORS, 429: {"description": "Trop d'invitations aujourd'hui"}},
    tags=["experts"],
)
async def invite_to_mine(mine_id: ObjectId, data: InvitationIn, call: ApiCallDep) -> InvitationOut:
    """Invite a colleague to look at an open mine (never twice for the same mine)."""

    def work(c: ApiContext) -> InvitationOut:
        mine, idea = mines.get_mine(c.session, mine_id, c.user)
        invitee = users.get_user(c.session, data.invitee_id)
        invitation = invitations.invite(
            c.session, c.user, mine, idea, invitee, clean_text(data.message), c.now
        )
        return InvitationOut(
            id=invitation.id,
            mine_id=mine.id,
            invitee_id=invitee.id,  # type: ignore[arg-type]
            created_at=invitation.created_at,
        )

    return await call(work)
