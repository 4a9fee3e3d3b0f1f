"""The JSON API under /api/v1, authenticated by personal bearer tokens."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StringConstraints

from app.deps import ApiCall, ApiCallDep, ApiContext, ObjectId
from app.models import CallForIdeas, Follow, Idea, Mine, MineCategory, Support, Unit, User
from app.models.base import pk
from app.schemas import (
    VISIBLE,
    AbandonInput,
    BasisInput,
    CallDecisionInput,
    CallInput,
    CallUpdate,
    CoCarrierInviteIn,
    CoCarrierOut,
    CosignInput,
    DeminageCreate,
    DeminageOut,
    DismissInput,
    Documented,
    ErrorOut,
    GateOut,
    GeneralisationOut,
    IdeaCreate,
    IdeaOut,
    IdeaPage,
    IdeaSummaryOut,
    IdeaUpdate,
    MergeInput,
    MilestoneInput,
    MilestoneOut,
    MineCreate,
    MineOut,
    MissingOut,
    OutcomeOut,
    PartsOut,
    PromoteInput,
    ReadinessOut,
    ReasonInput,
    ScopeAnswerInput,
    ScopeDecisionInput,
    ScopeRequestOut,
    SendBackInput,
    SignatureOut,
    SleepingIdeaOut,
    SleepingPage,
    SponsorInput,
    UserOut,
    clean_text,
)
from app.services import (
    blockers,
    board,
    call_outcomes,
    calls,
    co_carriers,
    ideas,
    invitations,
    mines,
    notifications,
    outcomes,
    search,
    sleeping,
    users,
    visibility,
)
from app.services.idea_view import idea_view
from app.services.pages import Person, UnitName
from app.services.permissions import check_administer, raise_if
from app.services.readiness import Readiness

router = APIRouter(prefix="/api/v1", tags=["ideas"])

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in {
        400: "Requête refusée",
        401: "Jeton manquant, invalide ou révoqué",
        403: "Les règles l’interdisent",
        404: "Objet inconnu",
        409: "Le cycle de vie l’interdit",
        413: "Corps de requête trop volumineux",
        422: "Données invalides\u00a0: `field` nomme le champ, `errors` les liste tous",
        429: "Trop de requêtes\u00a0: réessayez après `Retry-After` secondes",
    }.items()
}


def _empty_is(default: Any) -> BeforeValidator:
    """An optional query parameter sent empty (`?unit=`, as a form's empty choice sends it)
    means no filter, its default: not a refusal."""
    return BeforeValidator(lambda value: default if value == "" else value)


# The optional filters and the page of the lists, empty meaning unset (as on the pages' board).
OptionalFilterId = Annotated[Annotated[int, Field(ge=1, le=2**31 - 1)] | None, _empty_is(None)]
PageNumber = Annotated[int, Field(ge=1, le=1_000_000), _empty_is(1)]


def _user_out(user: User | Person, unit: Unit | UnitName | None) -> UserOut:
    return UserOut(id=pk(user), name=user.name, unit=unit.name if unit else None)


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
        generalisation=GeneralisationOut(
            mines=r.generalisation.mines,
            open=r.generalisation.open,
            percent=r.generalisation.percent,
        ),
    )


def _deminage_out(view: mines.DeminageView) -> DeminageOut:
    """A déminage as the viewer may see it (the view comes redacted from `visibility`)."""
    d = view.deminage
    return DeminageOut(
        id=d.id,
        kind=d.kind,
        body=d.body,
        author=_user_out(view.author, view.unit),
        accepted=d.accepted,
        dismissed=d.dismissed_at is not None,
        dismissed_reason=d.dismissed_reason,
        helpful_count=d.helpful_count,
        created_at=d.created_at,
        hidden=view.hidden,
        hidden_reason=d.hidden_reason,
    )


def _signature_out(s: mines.SignatureView) -> SignatureOut:
    return SignatureOut(
        user=UserOut(id=s.person.id, name=s.person.name, unit=s.unit.name if s.unit else None),
        severity=s.severity,
        author=s.is_author,
        created_at=s.created_at,
    )


def _scope_request_out(view: mines.MineView) -> ScopeRequestOut | None:
    request = view.scope_request
    if request is None:
        return None
    return ScopeRequestOut(
        id=request.id,
        requested_by=UserOut(
            id=request.author_id, name=request.author_name, unit=request.author_unit_name
        ),
        reason=request.reason,
        status=request.status,
        created_at=request.created_at,
        answer_reason=request.answer_reason,
        decision_reason=request.decision_reason,
    )


def _mine_out(view: mines.MineView) -> MineOut:
    """A mine as the viewer may see it (the view comes redacted from `visibility`)."""
    m = view.mine
    return MineOut(
        id=m.id,
        idea_id=m.idea_id,
        category=m.category,
        severity=m.severity,
        status=m.status,
        title=m.title,
        body=m.body,
        author=_user_out(view.author, view.unit),
        created_at=m.created_at,
        resolution_reason=m.resolution_reason,
        reopen_reason=m.reopen_reason,
        deminages=[_deminage_out(d) for d in view.deminages],
        hidden=view.hidden,
        hidden_reason=m.hidden_reason,
        scope=m.scope,
        basis=m.basis,
        basis_reference=m.basis_reference,
        basis_asked=m.basis_asked_at is not None,
        signatures=[_signature_out(s) for s in view.signatures],
        split_opinions=view.split_opinions,
        scope_request=_scope_request_out(view),
    )


def _person_out(person: Person | None, unit: UnitName | None) -> UserOut | None:
    if person is None:
        return None
    return UserOut(id=person.id, name=person.name, unit=unit.name if unit else None)


def _idea_out(c: ApiContext, idea: Idea) -> IdeaOut:
    view = idea_view(c.session, c.params, idea, c.user, c.now, "api")
    sponsor = None
    if idea.sponsor_id is not None:
        sponsor = _user_out(*ideas.users_by_id(c.session, {idea.sponsor_id})[idea.sponsor_id])
    return IdeaOut(
        id=idea.id,
        title=idea.title,
        status=idea.status,
        ripe=view.ripe,
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
        call_id=idea.call_id,
        created_at=idea.created_at,
        updated_at=idea.updated_at,
        revision_count=idea.revision_count,
        lesson=view.lesson,
        sponsor=idea.sponsor,
        next_step=idea.next_step,
        target_date=idea.target_date,
        readiness=_readiness_out(view.readiness),
        mines=[_mine_out(v) for v in view.mine_views],
        outcomes=[
            OutcomeOut(
                id=o.id,
                decision=o.decision,
                label=o.label,
                text=o.text,
                author=_person_out(o.author, o.unit),
                created_at=o.created_at,
            )
            for o in view.outcomes
        ],
        milestones=[
            MilestoneOut(
                id=m.id,
                kind=m.kind,
                label=m.label,
                text=m.text,
                lesson=m.lesson,
                author=_person_out(m.author, m.unit),
                created_at=m.created_at,
            )
            for m in view.milestones
        ],
        sponsor_account=sponsor,
        relaunched_from_id=idea.relaunched_from_id,
        merged_into_id=None
        if visibility.hidden_kept(c.session, idea, c.user)
        else idea.merged_into_id,
        co_carriers=[_user_out(c.person, c.unit) for c in view.co_carriers],
        carrier_invitations=[_co_carrier_out(c) for c in view.carrier_invitations],
    )


def _co_carrier_out(line: co_carriers.CarrierLine) -> CoCarrierOut:
    row = line.row
    return CoCarrierOut(
        id=row.id,
        idea_id=row.idea_id,
        user=_user_out(line.person, line.unit),
        invited_by_id=row.invited_by_id,
        created_at=row.created_at,
        accepted_at=row.accepted_at,
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
async def list_ideas(call: ApiCallDep, page: Annotated[PageNumber, Query()] = 1) -> IdeaPage:
    """Published ideas still alive (open ones and projects), newest first, paginated; closed
    ideas are listed apart, by `/api/v1/sleeping`."""

    def work(c: ApiContext) -> IdeaPage:
        result = ideas.list_published(c.session, page, c.settings.page_size)
        people = ideas.users_by_id(c.session, {i.author_id for i in result.items})
        themes = ideas.themes_of(c.session, [pk(i) for i in result.items])
        items = [
            IdeaSummaryOut(
                id=i.id,
                title=i.title,
                status=i.status,
                ripe=i.is_ripe(c.now),
                score=i.score,
                themes=themes[pk(i)],
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


@router.delete("/ideas/{idea_id}", status_code=204, responses=ERRORS)
async def delete_draft(idea_id: ObjectId, call: ApiCallDep) -> Response:
    """Delete one's own draft, with its revisions and history (nobody else ever saw it)."""

    def work(c: ApiContext) -> None:
        ideas.delete_draft(c.session, c.user, ideas.get_idea(c.session, idea_id, c.user))

    await call(work)
    return Response(status_code=204)


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
        return _mine_by_id(c, mine, idea)

    return await call(work)


@router.post(
    "/mines/{mine_id}/deminages", response_model=DeminageOut, status_code=201, responses=ERRORS
)
async def bring_deminage(mine_id: ObjectId, data: DeminageCreate, call: ApiCallDep) -> DeminageOut:
    """Answer a mine with expertise, a fix, a contact, a precedent or a resource."""

    def work(c: ApiContext) -> DeminageOut:
        mine, idea = mines.get_mine(c.session, mine_id, c.user)
        deminage = mines.bring_deminage(c.session, c.params, c.user, mine, idea, data, c.now)
        unit = _unit_of(c)
        author = Person.of(c.user)
        unit_name = UnitName(pk(unit), unit.name) if unit else None
        return _deminage_out(mines.DeminageView(deminage, author, unit_name, False))

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


@router.get(
    "/mines/{mine_id}/cosignatures",
    response_model=list[SignatureOut],
    responses=ERRORS,
    tags=["co-signing"],
)
async def list_cosignatures(mine_id: ObjectId, call: ApiCallDep) -> list[SignatureOut]:
    """The mine's signers and their estimates: its author first, then each co-signer."""

    def work(c: ApiContext) -> list[SignatureOut]:
        mine, idea = mines.get_mine(c.session, mine_id, c.user)
        return [_signature_out(s) for s in _mine_view(c, mine, idea).signatures]

    return await call(work)


@router.post(
    "/mines/{mine_id}/cosign", response_model=MineOut, responses=ERRORS, tags=["co-signing"]
)
async def cosign_mine(mine_id: ObjectId, data: CosignInput, call: ApiCallDep) -> MineOut:
    """Co-sign a colleague's mine with one's own estimate (again: change it); the mine's
    severity becomes the median of its signers'."""
    return await _on_mine(
        call,
        mine_id,
        lambda c, mine, idea: mines.cosign(
            c.session, c.params, c.user, mine, idea, data.severity, c.now
        ),
    )


@router.post(
    "/mines/{mine_id}/cosign/withdraw",
    response_model=MineOut,
    responses=ERRORS,
    tags=["co-signing"],
)
async def withdraw_cosignature(mine_id: ObjectId, call: ApiCallDep) -> MineOut:
    """Withdraw one's co-signature."""
    return await _on_mine(
        call,
        mine_id,
        lambda c, mine, idea: mines.withdraw_signature(
            c.session, c.params, c.user, mine, idea, c.now
        ),
    )


@router.post(
    "/mines/{mine_id}/scope-request", response_model=MineOut, responses=ERRORS, tags=["portée"]
)
async def request_scope_move(mine_id: ObjectId, data: ReasonInput, call: ApiCallDep) -> MineOut:
    """The idea's author asks, with a reason, to move a mine to the generalisation."""
    return await _on_mine(
        call,
        mine_id,
        lambda c, mine, idea: mines.request_scope_move(
            c.session, c.user, mine, idea, data.reason, c.now
        ),
    )


@router.post(
    "/mines/{mine_id}/scope-request/answer",
    response_model=MineOut,
    responses=ERRORS,
    tags=["portée"],
)
async def answer_scope_move(mine_id: ObjectId, data: ScopeAnswerInput, call: ApiCallDep) -> MineOut:
    """The mine's author agrees to move it (`agree`), or not: then a manager decides."""
    return await _on_mine(
        call,
        mine_id,
        lambda c, mine, idea: mines.answer_scope_move(
            c.session, c.params, c.user, mine, idea, data.agree, data.reason, c.now
        ),
    )


@router.post(
    "/mines/{mine_id}/scope-request/decide",
    response_model=MineOut,
    responses=ERRORS,
    tags=["portée"],
)
async def decide_scope_move(
    mine_id: ObjectId, data: ScopeDecisionInput, call: ApiCallDep
) -> MineOut:
    """A manager settles a disagreement: `move` it to the generalisation or keep it."""
    return await _on_mine(
        call,
        mine_id,
        lambda c, mine, idea: mines.decide_scope_move(
            c.session, c.params, c.user, mine, idea, data.move, data.reason, c.now
        ),
    )


@router.post("/mines/{mine_id}/ask-basis", response_model=MineOut, responses=ERRORS)
async def ask_basis(mine_id: ObjectId, call: ApiCallDep) -> MineOut:
    """The idea's author asks the mine's author « sur quoi vous appuyez-vous ? »."""
    return await _on_mine(
        call,
        mine_id,
        lambda c, mine, idea: mines.ask_basis(c.session, c.user, mine, idea, c.now),
    )


@router.post("/mines/{mine_id}/basis", response_model=MineOut, responses=ERRORS)
async def state_basis(mine_id: ObjectId, data: BasisInput, call: ApiCallDep) -> MineOut:
    """The mine's author says what it rests on: `basis`, and for a text its reference."""
    return await _on_mine(
        call,
        mine_id,
        lambda c, mine, idea: mines.state_basis(
            c.session, c.user, mine, idea, data.basis, data.basis_reference, c.now
        ),
    )


class BoardRowOut(IdeaSummaryOut):
    reviewer_count: int
    reviewer_units: list[str]
    open_mines: dict[str, int] = Field(
        description="Open first-ground mines by severity (those the ripeness counts)."
    )
    open_generalisation_mines: int = Field(
        description="Open mines for the generalisation only, outside the ripeness."
    )


class BoardOut(BaseModel):
    items: list[BoardRowOut]
    page: int
    pages: int
    total: int = Field(description="Ideas matching, counted up to 1,000")
    total_exact: bool = Field(description="False when more ideas match than `total`")


@router.get("/board", response_model=BoardOut, responses=ERRORS)
async def read_board(
    call: ApiCallDep,
    ripe: Annotated[bool, _empty_is(False)] = False,
    theme: str = Query("", max_length=40),
    unit: Annotated[OptionalFilterId, Query()] = None,
    for_call: Annotated[
        OptionalFilterId, Query(alias="call", description="Only the ideas answering this call.")
    ] = None,
    category: Annotated[
        MineCategory | None,
        _empty_is(None),
        Query(description="Only the ideas with an open mine of this category."),
    ] = None,
    status: Annotated[
        Literal["open", "ripe", "project", "abandoned", "all"], _empty_is("open")
    ] = "open",
    sort: Annotated[Literal["score", "activity", "reviewers"], _empty_is("score")] = "score",
    page: Annotated[PageNumber, Query()] = 1,
) -> BoardOut:
    """The board: ripe ideas first, then the closest to ripe; filters combine."""
    query = board.BoardQuery.parse(
        {
            "theme": theme,
            "unit": str(unit or ""),
            "call": str(for_call or ""),
            "category": category.value if category else "",
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
                ripe=r.ripe,
                score=r.idea.score,
                themes=r.themes,
                author=_user_out(r.author, r.unit),  # type: ignore[arg-type]  # board() names each row's author
                published_at=r.idea.published_at,
                last_activity_at=r.idea.last_activity_at,
                reviewer_count=r.idea.reviewer_count,
                reviewer_units=r.reviewer_units,
                open_mines=r.open_mines,
                open_generalisation_mines=r.open_later,
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
    """A manager sends the idea back to its author with a comment: its written outcome,
    told to everyone who took part."""
    return await _on_idea(
        call, idea_id, lambda c, idea: ideas.send_back(c.session, c.user, idea, data.comment, c.now)
    )


@router.post("/ideas/{idea_id}/milestones", response_model=IdeaOut, responses=ERRORS)
async def post_milestone(idea_id: ObjectId, data: MilestoneInput, call: ApiCallDep) -> IdeaOut:
    """The project's porteur or sponsor posts a step of its follow-up, told to everyone who
    took part; « stopped » needs a `lesson` and closes the project."""
    return await _on_idea(
        call,
        idea_id,
        lambda c, idea: outcomes.post_milestone(c.session, c.params, c.user, idea, data, c.now),
    )


@router.post("/ideas/{idea_id}/sponsor", response_model=IdeaOut, responses=ERRORS)
async def set_sponsor(idea_id: ObjectId, data: SponsorInput, call: ApiCallDep) -> IdeaOut:
    """A manager names the project's sponsor by their e-mail address."""
    return await _on_idea(
        call,
        idea_id,
        lambda c, idea: outcomes.set_sponsor(c.session, c.user, idea, data.sponsor_email, c.now),
    )


@router.post("/ideas/{idea_id}/relaunch", response_model=IdeaOut, status_code=201, responses=ERRORS)
async def relaunch_idea(idea_id: ObjectId, call: ApiCallDep) -> IdeaOut:
    """Relaunch a closed idea: a new draft of the caller's, linked to it, private to them."""

    def work(c: ApiContext) -> IdeaOut:
        old = ideas.get_idea(c.session, idea_id, c.user)
        return _idea_out(c, sleeping.relaunch(c.session, c.params, c.user, old, c.now))

    return await call(work)


@router.post("/ideas/{idea_id}/merge", response_model=IdeaOut, responses=ERRORS)
async def merge_idea(idea_id: ObjectId, data: MergeInput, call: ApiCallDep) -> IdeaOut:
    """An admin merges this idea, a duplicate still en déminage (neither closed nor a project),
    into the idea `keep` (published, alive, not hidden; it may be a project): its mines,
    supporters and followers move there, and `outcome` is told to everyone who took part in it.
    Answers with the idea kept; a refusal about it names `keep`, one about the duplicate
    `idea_id`."""

    def work(c: ApiContext) -> IdeaOut:
        raise_if(check_administer(c.user))
        merged = ideas.get_idea(c.session, idea_id, c.user)
        keep = ideas.idea_to_merge(c.session, data.keep, c.user, "keep")
        # The duplicate is the path's idea: a refusal about it names `idea_id`.
        ideas.merge(c.session, c.params, c.user, keep, merged, data.outcome, c.now, "idea_id")
        return _idea_out(c, keep)

    return await call(work)


@router.get("/sleeping", response_model=SleepingPage, responses=ERRORS)
async def list_sleeping(
    call: ApiCallDep,
    q: str = Query("", max_length=200),
    page: Annotated[PageNumber, Query()] = 1,
) -> SleepingPage:
    """« Idées en sommeil »: closed ideas with their lesson, last closed first, or those the
    search finds for `q`."""

    def work(c: ApiContext) -> SleepingPage:
        result = sleeping.list_sleeping(c.session, c.user, q, page, c.settings.page_size)
        items = [
            SleepingIdeaOut(
                id=r.idea.id,
                title=r.idea.title,
                status=r.idea.status,
                ripe=False,
                score=r.idea.score,
                themes=list(r.themes),
                author=_user_out(r.author, r.unit),
                published_at=r.idea.published_at,
                last_activity_at=r.idea.last_activity_at,
                lesson=r.lesson,
                closed_at=r.idea.closed_at,
            )
            for r in result.items
        ]
        return SleepingPage(
            items=items,
            page=result.page,
            pages=result.pages,
            total=result.total,
            total_exact=result.total_exact,
        )

    return await call(work)


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
    by_scope: list[BlockerRowOut] = Field(
        [], description="Open mines by portée: first_ground, then generalisation."
    )
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
            by_scope=rows(found.by_scope),
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


class CallOut(BaseModel):
    id: int
    question: str
    context: str
    criteria: str
    phase: Literal["ideas", "deminage", "decision", "decided"]
    sponsor: UserOut
    audience: list[str] = Field(description="The units it speaks to; empty: everyone.")
    ideas_until: date = Field(description="Ideas answer it until this day (Paris), included.")
    deminage_until: date
    decision_by: date
    closed_at: datetime | None
    decided_at: datetime | None
    idea_count: int = Field(description="Published ideas that answer it.")


class CallOutcomeOut(BaseModel):
    decision: Literal["promoted", "sent_back", "closed", "merged"]
    label: str
    text: str
    created_at: datetime


class CallIdeaOut(BaseModel):
    id: int
    title: str
    status: str
    ripe: bool
    score: int
    reviewer_count: int
    author: UserOut
    open_mines: dict[str, int] = Field(
        description="Open first-ground mines by severity (those the ripeness counts)."
    )
    open_generalisation_mines: int = Field(
        description="Open mines for the generalisation only, outside the ripeness."
    )
    mines: dict[str, int] = Field(description="Mines by status (a hidden one: withdrawn).")
    outcome: CallOutcomeOut | None


class MergedCallIdeaOut(BaseModel):
    id: int
    title: str
    merged_into_id: int = Field(description="The idea it was merged into.")
    merged_into_title: str
    merged_into_answers_call: bool = Field(description="Whether the idea kept answers this call.")


class CallDetailOut(CallOut):
    ideas: list[CallIdeaOut] = Field(description="Its published ideas, best score first.")
    merged_ideas: list[MergedCallIdeaOut] = Field(
        description="The ideas that answered it and were merged into another, oldest merge first."
    )


def _call_out(s: calls.CallSummary) -> dict[str, Any]:
    c = s.call
    return {
        "id": c.id,
        "question": c.question,
        "context": c.context,
        "criteria": c.criteria,
        "phase": s.phase.value,
        "sponsor": UserOut(id=s.sponsor.id, name=s.sponsor.name, unit=None),
        "audience": [u.name for u in s.audience],
        "ideas_until": c.ideas_until,
        "deminage_until": c.deminage_until,
        "decision_by": c.decision_by,
        "closed_at": c.closed_at,
        "decided_at": c.decided_at,
        "idea_count": s.idea_count,
    }


@router.get("/calls", response_model=list[CallOut], responses=ERRORS, tags=["calls"])
async def list_calls(call: ApiCallDep) -> list[CallOut]:
    """Every call for ideas: those still taking ideas first, the soonest closing first; then
    the others, the latest deadline first."""

    def work(c: ApiContext) -> list[CallOut]:
        return [CallOut(**_call_out(s)) for s in calls.list_calls(c.session, c.now)]

    return await call(work)


def _call_detail(c: ApiContext, found: CallForIdeas) -> CallDetailOut:
    page = calls.call_page(c.session, found, c.user, c.now)
    return CallDetailOut(
        **_call_out(page.summary),
        ideas=[
            CallIdeaOut(
                id=i.idea.id,
                title=i.idea.title,
                status=i.idea.status,
                ripe=i.ripe,
                score=i.idea.score,
                reviewer_count=i.idea.reviewer_count,
                author=UserOut(
                    id=i.author.id, name=i.author.name, unit=i.unit.name if i.unit else None
                ),
                open_mines=i.open_mines,
                open_generalisation_mines=i.open_later,
                mines=i.mines,
                outcome=CallOutcomeOut(
                    decision=i.outcome.decision,
                    label=i.outcome.label,
                    text=i.outcome.text,
                    created_at=i.outcome.created_at,
                )
                if i.outcome
                else None,
            )
            for i in page.ideas
        ],
        merged_ideas=[
            MergedCallIdeaOut(
                id=m.id,
                title=m.title,
                merged_into_id=m.kept_id,
                merged_into_title=m.kept_title,
                merged_into_answers_call=m.kept_answers,
            )
            for m in page.merged
        ],
    )


@router.get("/calls/{call_id}", response_model=CallDetailOut, responses=ERRORS, tags=["calls"])
async def read_call(call_id: ObjectId, call: ApiCallDep) -> CallDetailOut:
    """A call for ideas with its published ideas, their fields of mines and outcomes."""
    return await call(lambda c: _call_detail(c, calls.get_call(c.session, call_id)))


def _call_summary(c: ApiContext, found: CallForIdeas) -> CallOut:
    (summary,) = calls.summaries(c.session, [found], c.now)
    return CallOut(**_call_out(summary))


@router.post("/calls", response_model=CallOut, status_code=201, responses=ERRORS, tags=["calls"])
async def create_call(data: CallInput, call: ApiCallDep) -> CallOut:
    """A manager opens a call for ideas; its audience (`units`, or everyone) is told by the
    next daily command."""

    def work(c: ApiContext) -> CallOut:
        return _call_summary(c, calls.open_call(c.session, c.user, data, c.now))

    return await call(work)


@router.patch("/calls/{call_id}", response_model=CallOut, responses=ERRORS, tags=["calls"])
async def edit_call(call_id: ObjectId, data: CallUpdate, call: ApiCallDep) -> CallOut:
    """A manager edits a call: only the fields sent change. Once it is closed, only its context
    and, until it is decided, its sponsor (another field sent changed: 422 naming it). The
    people a widened audience now reaches are told it opened by the next daily command."""

    def work(c: ApiContext) -> CallOut:
        found = calls.get_call(c.session, call_id)
        calls.edit_call(c.session, c.user, found, data, c.now)
        return _call_summary(c, found)

    return await call(work)


@router.post("/calls/{call_id}/close", response_model=CallOut, responses=ERRORS, tags=["calls"])
async def close_call(call_id: ObjectId, call: ApiCallDep) -> CallOut:
    """A manager closes a call: no idea answers it any more, and its sponsor may decide."""

    def work(c: ApiContext) -> CallOut:
        found = calls.get_call(c.session, call_id)
        calls.close_call(c.session, c.user, found, c.now)
        return _call_summary(c, found)

    return await call(work)


@router.post(
    "/calls/{call_id}/decision", response_model=CallDetailOut, responses=ERRORS, tags=["calls"]
)
async def decide_call(
    call_id: ObjectId, data: CallDecisionInput, call: ApiCallDep
) -> CallDetailOut:
    """The sponsor writes the outcome of some of the call's ideas, once its déminage is over;
    each is told to everyone who took part, and the call is decided once none waits."""

    def work(c: ApiContext) -> CallDetailOut:
        found = calls.get_call(c.session, call_id)
        call_outcomes.decide_each(c.session, c.params, c.user, found, data.outcomes, c.now)
        return _call_detail(c, found)

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
                url=n.url,
                created_at=n.created_at,
                read=n.read_at is not None,
            )
            for n in notifications.list_for(c.session, c.user)
        ]

    return await call(work)


@router.get("/search", response_model=list[SearchResultOut], responses=ERRORS, tags=["search"])
async def search_api(
    call: ApiCallDep,
    # Spaces alone are no query: refused as empty, like the page's search.
    q: Annotated[
        str,
        AfterValidator(clean_text),
        StringConstraints(min_length=1, max_length=200),
        Documented(pattern=VISIBLE),
        Query(),
    ],
    page: Annotated[int, Field(ge=1, le=1000), _empty_is(1), Query()] = 1,
) -> list[SearchResultOut]:
    """French full-text search over published ideas, mines and déminages, best first."""

    def work(c: ApiContext) -> list[SearchResultOut]:
        results = search.search_page(c.session, q, limit=20, offset=(page - 1) * 20).items
        return [
            SearchResultOut(
                kind=r.kind,
                idea_id=r.idea.id,
                idea_title=r.idea.title,
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
    responses={**ERRORS, 429: {"description": "Trop d’invitations aujourd’hui"}},
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
            invitee_id=invitee.id,
            created_at=invitation.created_at,
        )

    return await call(work)


# --- co-porteurs -----------------------------------------------------------------------------


@router.post(
    "/ideas/{idea_id}/co-carriers",
    response_model=CoCarrierOut,
    status_code=201,
    responses=ERRORS,
    tags=["co-porteurs"],
)
async def invite_co_carrier(
    idea_id: ObjectId, data: CoCarrierInviteIn, call: ApiCallDep
) -> CoCarrierOut:
    """The idea's author invites a colleague to carry the idea with them (a published idea)."""

    def work(c: ApiContext) -> CoCarrierOut:
        idea = ideas.get_idea(c.session, idea_id, c.user)
        invitee = users.get_user(c.session, data.invitee_id)
        row = co_carriers.invite(c.session, c.user, idea, invitee, data.message, c.now)
        return CoCarrierOut(
            id=row.id,
            idea_id=row.idea_id,
            user=_user_out(invitee, users.unit_of(c.session, invitee)),
            invited_by_id=row.invited_by_id,
            created_at=row.created_at,
            accepted_at=row.accepted_at,
        )

    return await call(work)


async def _on_co_carrier(
    call: ApiCall, co_carrier_id: int, act: Callable[[ApiContext, Any, Idea], object]
) -> IdeaOut:
    """Find the invitation and its idea (404 unless the caller may see it), act, answer with
    the idea."""

    def work(c: ApiContext) -> IdeaOut:
        row, idea = co_carriers.get_co_carrier(c.session, co_carrier_id, c.user)
        act(c, row, idea)
        return _idea_out(c, idea)

    return await call(work)


@router.post(
    "/co-carriers/{co_carrier_id}/accept",
    response_model=IdeaOut,
    responses=ERRORS,
    tags=["co-porteurs"],
)
async def accept_co_carrying(co_carrier_id: ObjectId, call: ApiCallDep) -> IdeaOut:
    """The invitee accepts to carry the idea: they edit it and answer its mines from now on."""
    return await _on_co_carrier(
        call,
        co_carrier_id,
        lambda c, row, idea: co_carriers.accept(c.session, c.params, c.user, row, idea, c.now),
    )


@router.post(
    "/co-carriers/{co_carrier_id}/decline",
    response_model=IdeaOut,
    responses=ERRORS,
    tags=["co-porteurs"],
)
async def decline_co_carrying(co_carrier_id: ObjectId, call: ApiCallDep) -> IdeaOut:
    """The invitee declines the invitation."""
    return await _on_co_carrier(
        call,
        co_carrier_id,
        lambda c, row, idea: co_carriers.decline(c.session, c.user, row, idea, c.now),
    )


@router.post(
    "/co-carriers/{co_carrier_id}/remove",
    response_model=IdeaOut,
    responses=ERRORS,
    tags=["co-porteurs"],
)
async def remove_co_carrier(co_carrier_id: ObjectId, call: ApiCallDep) -> IdeaOut:
    """The idea's author withdraws an invitation, or removes a co-porteur."""
    return await _on_co_carrier(
        call,
        co_carrier_id,
        lambda c, row, idea: co_carriers.remove(c.session, c.params, c.user, row, idea, c.now),
    )


@router.post(
    "/co-carriers/{co_carrier_id}/leave",
    response_model=IdeaOut,
    responses=ERRORS,
    tags=["co-porteurs"],
)
async def leave_co_carrying(co_carrier_id: ObjectId, call: ApiCallDep) -> IdeaOut:
    """A co-porteur stops carrying the idea."""
    return await _on_co_carrier(
        call,
        co_carrier_id,
        lambda c, row, idea: co_carriers.leave(c.session, c.params, c.user, row, idea, c.now),
    )
