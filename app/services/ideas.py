"""Ideas: drafts, edits with revisions, publication, closing, and the lists that show them."""

from dataclasses import dataclass
from datetime import date, datetime
from math import ceil
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import bindparam, delete, func, update
from sqlmodel import Session, col, select

from app.db import locks_rows, read_rows, wide_select
from app.errors import Conflict, InvalidInput, NotFound
from app.models import (
    BoardGroup,
    CallForIdeas,
    Follow,
    Idea,
    IdeaEvent,
    IdeaRevision,
    IdeaStatus,
    IdeaTheme,
    Mine,
    NotificationKind,
    Support,
    Unit,
    User,
)
from app.models.base import pk
from app.models.idea import ABANDONED, FICHE_FIELDS, FICHE_LABELS, RULE_KIND_LABELS
from app.models.outcome import Decision
from app.schemas import IdeaCreate, IdeaUpdate, PromoteInput
from app.services import audit, calls, outcomes, retention, scoring, search
from app.services.pages import COUNT_CAP, Page, Person, UnitName
from app.services.permissions import (
    can_view_idea,
    check_abandon,
    check_answer_call,
    check_decide_call,
    check_delete_draft,
    check_edit_idea,
    check_merge,
    check_promote,
    check_publish,
    check_send_back,
    raise_if,
)
from app.services.readiness import ScoringParams

TEXT_FIELDS = (
    "title",
    "problem",
    "solution",
    "broken_rule",
    "rule_kind",
    "rule_reference",
    "first_ground",
)


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str


# Revisions keep the kind as the plain string it was saved as.
_RULE_KIND_NAMES = {kind.value: label for kind, label in RULE_KIND_LABELS.items()}


@dataclass(frozen=True)
class RevisionView:
    number: int
    author: Person
    created_at: datetime
    changes: list[FieldChange]


def get_idea(session: Session, idea_id: int, viewer: User | None) -> Idea:
    """The idea if it exists and the viewer may see it; a draft is 404 to anyone but its author."""
    idea = None
    if 0 < idea_id < 2**31:
        if locks_rows(session):
            # Every write on an idea takes its row first: two instances writing on the same
            # idea then run one after the other, and each recomputes the score from all that
            # was committed before it (READ COMMITTED reads afresh after the lock).
            idea = session.exec(
                select(Idea)
                .where(Idea.id == idea_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).first()
        else:
            idea = session.get(Idea, idea_id)
    if idea is None or not can_view_idea(viewer, idea):
        raise NotFound("Cette idée n’existe pas, ou n’est pas visible pour vous.")
    return idea


def themes_of(session: Session, idea_ids: list[int]) -> dict[int, list[str]]:
    """Themes of several ideas at once."""
    result: dict[int, list[str]] = {i: [] for i in idea_ids}
    if idea_ids:
        for idea_id, theme in read_rows(session, _THEMES, {"ids": idea_ids}):
            result[idea_id].append(theme)
    return result


_THEMES = (
    select(IdeaTheme.idea_id, IdeaTheme.theme)
    .where(col(IdeaTheme.idea_id).in_(bindparam("ids", expanding=True)))
    .order_by(IdeaTheme.theme)
)


_PEOPLE = (
    wide_select(User.id, User.name, User.unit_id, User.is_active, Unit.id, Unit.name)
    .join(Unit, col(User.unit_id) == Unit.id, isouter=True)
    .where(col(User.id).in_(bindparam("ids", expanding=True)))
)


def users_by_id(session: Session, user_ids: set[int]) -> dict[int, tuple[Person, UnitName | None]]:
    """Users and their units, read once for a whole page (plain rows, no ORM objects)."""
    if not user_ids:
        return {}
    return {
        user_id: (
            Person(user_id, name, unit_id, is_active),
            UnitName(unit_key, unit_name) if unit_key is not None else None,
        )
        for user_id, name, unit_id, is_active, unit_key, unit_name in read_rows(
            session, _PEOPLE, {"ids": list(user_ids)}
        )
    }


def _snapshot(idea: Idea, themes: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(idea, f) for f in TEXT_FIELDS}
    data["themes"] = themes
    return data


def _set_themes(session: Session, idea: Idea, themes: list[str]) -> None:
    session.exec(delete(IdeaTheme).where(col(IdeaTheme.idea_id) == idea.id))
    for theme in themes:
        session.add(IdeaTheme(idea_id=pk(idea), theme=theme))


def _add_revision(
    session: Session, idea: Idea, author: User, themes: list[str], now: datetime
) -> None:
    idea.revision_count += 1
    session.add(
        IdeaRevision(
            idea_id=pk(idea),
            number=idea.revision_count,
            author_id=pk(author),
            created_at=now,
            snapshot=_snapshot(idea, themes),
        )
    )


def add_event(
    session: Session, idea: Idea, actor: User | None, kind: str, message: str, now: datetime
) -> None:
    """One line in the idea's history."""
    session.add(
        IdeaEvent(
            idea_id=pk(idea),
            actor_id=actor.id if actor else None,
            kind=kind,
            message=message,
            score=idea.score,
            created_at=now,
        )
    )


def _answer_call(
    session: Session, author: User, idea: Idea, call_id: int | None, now: datetime
) -> CallForIdeas | None:
    """Make the idea answer the call (or none): only a call still taking ideas whose audience
    includes the idea's author. Returns the call newly answered, if any."""
    if call_id == idea.call_id:
        return None
    call = None
    if call_id is not None:
        call = session.get(CallForIdeas, call_id)
        if call is None:
            raise NotFound("Cet appel à idées n’existe pas.", field="call_id")
        raise_if(check_answer_call(author, call, calls.audience_of(session, call), now))
    idea.call_id = call_id
    return call


def _call_event(
    session: Session, idea: Idea, user: User, call: CallForIdeas | None, now: datetime
) -> None:
    if call is not None:
        message = f"Répond à l’appel à idées «\u00a0{call.question}\u00a0»."
    else:
        message = "Ne répond plus à un appel à idées."
    add_event(session, idea, user, "call", message, now)


def create_draft(
    session: Session, params: ScoringParams, author: User, data: IdeaCreate, now: datetime
) -> Idea:
    """A new draft, visible to its author only, with its first revision."""
    idea = Idea(
        author_id=pk(author),
        unit_id=author.unit_id,
        title=data.title,
        problem=data.problem,
        solution=data.solution,
        broken_rule=data.broken_rule,
        rule_kind=data.rule_kind,
        rule_reference=data.rule_reference,
        first_ground=data.first_ground,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )
    call = _answer_call(session, author, idea, data.call_id, now)
    session.add(idea)
    session.flush()
    _set_themes(session, idea, data.themes)
    _add_revision(session, idea, author, data.themes, now)
    scoring.refresh(session, params, idea, now, author)
    add_event(session, idea, author, "created", "Brouillon créé.", now)
    if call is not None:
        _call_event(session, idea, author, call, now)
    # The author follows their idea: they hear of its promotion, send-back or closing.
    session.add(Follow(idea_id=pk(idea), user_id=pk(author)))
    return idea


def update_idea(
    session: Session, params: ScoringParams, user: User, idea: Idea, data: IdeaUpdate, now: datetime
) -> list[str]:
    """Apply an edit by the author; a revision is kept when anything changed."""
    raise_if(check_edit_idea(user, idea))
    # The call first: a refusal (shown beside its field) comes before anything changed.
    moves_call = "call_id" in data.model_fields_set and data.call_id != idea.call_id
    answered = None
    if moves_call:
        author = user if user.id == idea.author_id else session.get_one(User, idea.author_id)
        answered = _answer_call(session, author, idea, data.call_id, now)
    current_themes = themes_of(session, [pk(idea)])[pk(idea)]
    changed: list[str] = []
    for field in TEXT_FIELDS:
        value = getattr(data, field)
        if value is not None and value != getattr(idea, field):
            setattr(idea, field, value)
            changed.append(field)
    themes = current_themes
    if data.themes is not None and data.themes != current_themes:
        themes = data.themes
        _set_themes(session, idea, themes)
        changed.append("themes")
    if moves_call:
        _call_event(session, idea, user, answered, now)
        idea.updated_at = now
        if not changed:
            return ["call_id"]
    if not changed:
        return []
    idea.updated_at = now
    idea.purge_notice_at = None  # touched: the retention clock starts again
    if idea.status != IdeaStatus.draft:
        idea.last_activity_at = now
    _add_revision(session, idea, user, themes, now)
    scoring.refresh(session, params, idea, now, user, cause="fiche modifiée")
    labels = ", ".join(FICHE_LABELS[f].lower() for f in changed)
    add_event(session, idea, user, "edited", f"Fiche modifiée\u00a0: {labels}.", now)
    search.index_idea(session, idea, themes)
    if idea.status != IdeaStatus.draft and {"title", "problem"} & set(changed):
        search.remember_neighbours(session, idea)
    return changed


def publish(session: Session, params: ScoringParams, user: User, idea: Idea, now: datetime) -> None:
    """The draft goes « en déminage »: colleagues can now see it and lay mines. A draft that
    answers a call is published only while the call takes ideas; a relaunch, while no other
    relaunch of the same idea is alive."""
    from app.services import sleeping  # it builds on this module (its drafts, its events)

    raise_if(check_publish(user, idea, sleeping.rival_relaunch(session, idea)))
    if idea.call_id is not None:
        call = session.get_one(CallForIdeas, idea.call_id)
        author = user if user.id == idea.author_id else session.get_one(User, idea.author_id)
        raise_if(check_answer_call(author, call, calls.audience_of(session, call), now))
    idea.status = IdeaStatus.open
    idea.published_at = now
    idea.last_activity_at = now
    scoring.refresh(session, params, idea, now, user)
    add_event(session, idea, user, "published", "Publiée\u00a0: le déminage commence.", now)
    search.index_idea(session, idea, themes_of(session, [pk(idea)])[pk(idea)])
    search.remember_neighbours(session, idea)


def delete_draft(session: Session, user: User, idea: Idea) -> None:
    """The author deletes their draft, with its revisions and history."""
    raise_if(check_delete_draft(user, idea))
    retention.delete_drafts(session, [pk(idea)])


def abandon(
    session: Session, params: ScoringParams, user: User, idea: Idea, lesson: str, now: datetime
) -> None:
    """Close the idea with the lesson learned; it stays readable."""
    raise_if(check_abandon(user, idea))
    _close(
        session, params, user, idea, lesson, f"{ABANDONED.capitalize()}. Leçon\u00a0: {lesson}", now
    )


def _close(
    session: Session,
    params: ScoringParams,
    user: User,
    idea: Idea,
    lesson: str,
    event: str,
    now: datetime,
) -> None:
    idea.status = IdeaStatus.abandoned
    idea.lesson = lesson
    idea.closed_at = now
    idea.last_activity_at = now
    scoring.refresh(session, params, idea, now, user)
    add_event(session, idea, user, "abandoned", event, now)
    # Its lesson is the closing's written outcome: told to everyone who took part.
    outcomes.record(session, idea, Decision.closed, lesson, user, now)
    search.index_idea(session, idea, themes_of(session, [pk(idea)])[pk(idea)])


def promote(
    session: Session,
    params: ScoringParams,
    manager: User,
    idea: Idea,
    data: PromoteInput,
    now: datetime,
) -> None:
    """A manager makes the idea a project, with its written outcome told to everyone who took
    part; an unripe one needs a written reason, kept in history. The manager becomes its
    sponsor as an account (who posts milestones with its author)."""
    raise_if(check_promote(manager, idea))
    ripe = idea.is_ripe(now)
    if not ripe and not data.reason:
        raise InvalidInput(
            {
                "reason": "Cette idée n’est pas mûre\u00a0: écrivez pourquoi la promouvoir "
                "quand même."
            }
        )
    audit.record(
        session,
        manager,
        "idea_promoted",
        f"idea:{idea.id}",
        {"status": str(idea.status), "ripe": ripe, "score": idea.score},
        {"status": "project", "sponsor": data.sponsor, "reason": data.reason or ""},
        now,
    )
    message = (
        f"Promue en projet. Sponsor\u00a0: {data.sponsor}. Prochaine étape\u00a0: {data.next_step}"
    )
    if not ripe:
        message += f" — promue sans être mûre, parce que\u00a0: {data.reason}"
    if not message.endswith((".", "!", "?", "…")):
        message += "."  # the history reads as sentences
    project = (data.sponsor, data.next_step, data.target_date)
    _make_project(session, params, manager, idea, project, data.outcome, message, now)


def _make_project(
    session: Session,
    params: ScoringParams,
    sponsor: User,
    idea: Idea,
    project: tuple[str, str, date | None],
    outcome: str,
    event: str,
    now: datetime,
) -> None:
    """The idea becomes a project; who decided is its sponsor as an account."""
    idea.status = IdeaStatus.project
    idea.sponsor, idea.next_step, idea.target_date = project
    idea.sponsor_id = sponsor.id
    idea.promoted_at = now
    idea.last_activity_at = now
    scoring.refresh(session, params, idea, now, sponsor)
    add_event(session, idea, sponsor, "promoted", f"{event} Issue\u00a0: {outcome}", now)
    outcomes.record(session, idea, Decision.promoted, outcome, sponsor, now)


def send_back(session: Session, manager: User, idea: Idea, comment: str, now: datetime) -> None:
    """A manager sends the idea back to its author; the comment is the written outcome, told to
    everyone who took part. The idea stays en déminage."""
    raise_if(check_send_back(manager, idea))
    _send_back(
        session, manager, idea, comment, f"Renvoyée pour être retravaillée\u00a0: {comment}", now
    )


def _send_back(
    session: Session, decider: User, idea: Idea, comment: str, event: str, now: datetime
) -> None:
    idea.last_activity_at = now
    add_event(session, idea, decider, "sent_back", event, now)
    outcomes.record(session, idea, Decision.sent_back, comment, decider, now)


def decide_for_call(
    session: Session,
    params: ScoringParams,
    sponsor: User,
    call: CallForIdeas,
    idea: Idea,
    decision: Decision,
    text: str,
    now: datetime,
) -> None:
    """The call's sponsor decides one of its ideas en déminage: promoted (the text is its next
    step), sent back or closed (the text is its lesson), as a manager's decision is, with its
    written outcome told to everyone who took part."""
    raise_if(check_decide_call(sponsor, call, now))
    if idea.call_id != call.id or idea.status != IdeaStatus.open:
        raise Conflict("Seule une idée en déminage de cet appel attend sa décision.")
    by = f"par le sponsor de l’appel «\u00a0{call.question}\u00a0»"
    if decision == Decision.promoted:
        project = (sponsor.name, text, None)
        _make_project(session, params, sponsor, idea, project, text, f"Promue en projet {by}.", now)
    elif decision == Decision.sent_back:
        _send_back(session, sponsor, idea, text, f"Renvoyée à son auteur {by}\u00a0: {text}", now)
    elif decision == Decision.closed:
        _close(
            session,
            params,
            sponsor,
            idea,
            text,
            f"{ABANDONED.capitalize()} {by}. Leçon\u00a0: {text}",
            now,
        )
    else:
        raise InvalidInput({"decision": "Choisissez une valeur de la liste."})


_Pair = TypeVar("_Pair", Follow, Support)


def _move_people(session: Session, model: type[_Pair], merged: Idea, keep: Idea) -> None:
    """The merged idea's followers (or supporters) follow the kept one, each once."""
    for row in session.exec(select(model).where(col(model.idea_id) == merged.id)):
        if session.get(model, (keep.id, row.user_id)) is None:
            session.add(model(idea_id=pk(keep), user_id=row.user_id, created_at=row.created_at))
        session.delete(row)


MERGE_NUMBER = "Numéro d’idée publiée attendu (celui de son adresse, /ideas/42)."


def idea_to_merge(session: Session, number: int, admin: User, field: str) -> Idea:
    """One of a merge's two ideas, named by its number (the form's field or the API's): an
    unknown one, or one the admin may not see, is that field's error."""
    try:
        return get_idea(session, number, admin)
    except NotFound:
        raise InvalidInput({field: MERGE_NUMBER}) from None


def merge(
    session: Session,
    params: ScoringParams,
    admin: User,
    keep: Idea,
    merged: Idea,
    outcome: str,
    now: datetime,
    merged_field: str = "merged",
) -> None:
    """An admin merges a duplicate into the idea kept: mines (with their déminages), supporters
    and followers move; the duplicate closes and its page redirects to the one kept. The
    written outcome is kept on the duplicate and told to everyone who took part in it. A call
    the duplicate answered passes to the idea kept or lists the duplicate as merged
    (`_take_call`), and its sponsor is told. A refusal about the duplicate names
    `merged_field`."""
    raise_if(check_merge(admin, keep, merged, merged_field))
    if not outcome.strip():
        raise InvalidInput(
            {"outcome": "Écrivez l’issue de la fusion pour celles et ceux qui ont participé."}
        )
    # Those who carry the idea kept are told apart, as its carriers: once, not also as the
    # duplicate's participants.
    carriers = {keep.author_id, *keep.co_carrier_ids}
    call = session.get(CallForIdeas, merged.call_id) if merged.call_id is not None else None
    # The call's sponsor is told once, as its sponsor (with the outcome), not also as a
    # participant of the duplicate.
    sponsor_id = call.sponsor_id if call is not None else None
    people = [
        p
        for p in outcomes.participants(session, merged)
        if p.id not in carriers and p.id != sponsor_id
    ]
    moved: dict[str, Any] = {"idea_id": keep.id}
    if not keep.is_ripe(now):
        # For an idea not yet ripe these mines are laid now: its quiet period counts from the
        # merge, not from when they were laid on the duplicate, so that it neither skips the
        # period nor looks ripe from before it was. A ripe idea keeps their dates: its latest
        # mine already dates its ripeness, and older ones cannot move that earlier.
        moved["armed_at"] = now
    session.execute(update(Mine).where(col(Mine.idea_id) == merged.id).values(**moved))
    _move_people(session, Follow, merged, keep)
    _move_people(session, Support, merged, keep)
    merged.merged_into_id = keep.id
    merged.status = IdeaStatus.abandoned
    merged.closed_at = now
    merged.lesson = f"Fusionnée avec l’idée «\u00a0{keep.title}\u00a0»."
    keep.last_activity_at = now
    took_call = call is not None and _take_call(session, admin, keep, merged, call, now)
    session.flush()
    search.move_idea_documents(session, pk(merged), pk(keep))
    for idea in (keep, merged):
        scoring.refresh(session, params, idea, now, admin)
    add_event(
        session,
        keep,
        admin,
        "merged",
        f"L’idée «\u00a0{merged.title}\u00a0» y a été fusionnée.",
        now,
    )
    add_event(
        session,
        merged,
        admin,
        "merged",
        f"Fusionnée avec «\u00a0{keep.title}\u00a0». Issue\u00a0: {outcome}",
        now,
    )
    outcomes.record(session, merged, Decision.merged, outcome, admin, now, people, merged_into=keep)
    outcomes.tell_participants(
        session,
        keep,
        admin,
        NotificationKind.merged_into_my_idea,
        f"L’idée «\u00a0{merged.title}\u00a0» a été fusionnée dans votre idée "
        f"«\u00a0{keep.title}\u00a0». Issue\u00a0: {outcome}"
        + _call_taken(session, call, took_call),
        f"Une idée a été fusionnée dans votre idée «\u00a0{keep.title}\u00a0»",
        now,
        "#" + outcomes.merged_anchor(pk(merged)),
        session.exec(select(User).where(col(User.id).in_(carriers)).order_by(col(User.id))).all(),
    )
    if call is not None:
        _tell_call_sponsor(session, admin, keep, merged, call, outcome, took_call, now)


def _take_call(
    session: Session, admin: User, keep: Idea, merged: Idea, call: CallForIdeas, now: datetime
) -> bool:
    """The idea kept answers the duplicate's call in its place when it answers none, is still
    en déminage and the call still takes its author's ideas (`check_answer_call`); otherwise
    the call's page lists the duplicate as merged, with a link to the idea kept."""
    if keep.call_id is not None or keep.status != IdeaStatus.open:
        return False
    author = session.get_one(User, keep.author_id)
    if check_answer_call(author, call, calls.audience_of(session, call), now) is not None:
        return False
    keep.call_id = pk(call)
    add_event(
        session,
        keep,
        admin,
        "call",
        f"Répond à l’appel à idées «\u00a0{call.question}\u00a0» à la place de l’idée "
        f"«\u00a0{merged.title}\u00a0», qui y a été fusionnée.",
        now,
    )
    return True


def _call_taken(session: Session, call: CallForIdeas | None, took_call: bool) -> str:
    """What the carriers of the idea kept learn when it now answers the duplicate's call."""
    if call is None or not took_call:
        return ""
    sponsor = session.get(User, call.sponsor_id)
    decides = f"\u00a0: son sponsor, {sponsor.name}, en décidera" if sponsor is not None else ""
    return (
        f" Votre idée répond désormais à l’appel à idées «\u00a0{call.question}\u00a0» à sa "
        f"place{decides}."
    )


def _tell_call_sponsor(
    session: Session,
    admin: User,
    keep: Idea,
    merged: Idea,
    call: CallForIdeas,
    outcome: str,
    took_call: bool,
    now: datetime,
) -> None:
    """The sponsor of the duplicate's call learns what became of its idea there, with the
    merge's outcome (in the app and by e-mail as they chose)."""
    sponsor = session.get(User, call.sponsor_id)
    if sponsor is None:
        return
    if took_call:
        where = "qui y répond désormais à sa place"
    elif keep.call_id == call.id:
        where = "qui répond aussi à cet appel"
    else:
        where = "qui ne répond pas à cet appel\u00a0: la page de l’appel la montre comme fusionnée"
    outcomes.tell_participants(
        session,
        merged,
        admin,
        NotificationKind.call_idea_merged,
        f"L’idée «\u00a0{merged.title}\u00a0», qui répondait à votre appel à idées "
        f"«\u00a0{call.question}\u00a0», a été fusionnée dans l’idée «\u00a0{keep.title}\u00a0», "
        f"{where}. Issue\u00a0: {outcome}",
        f"Une idée de votre appel à idées «\u00a0{call.question}\u00a0» a été fusionnée",
        now,
        "#" + outcomes.merged_anchor(pk(merged)),
        [sponsor],
        keep,
    )


def list_published(session: Session, page: int, page_size: int) -> Page[Idea]:
    """Published ideas still alive (open or projects), newest first: closed ones are listed
    apart, in « Idées en sommeil »."""
    where = col(Idea.board_group) < BoardGroup.abandoned  # published, not closed, not merged
    page = max(page, 1)
    cap = max(COUNT_CAP, page * page_size + 1)
    counted = session.exec(
        select(func.count()).select_from(select(Idea.id).where(where).limit(cap).subquery())
    ).one()
    pages = max(1, ceil(counted / page_size))
    page = min(page, pages)
    items = list(
        session.exec(
            # Walks ix_idea_published from the newest: the page costs the same at any size.
            select(Idea)
            .where(where)
            .order_by(col(Idea.published_at).desc(), col(Idea.id).desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    return Page.counted(items, page, pages, counted)


def list_drafts(session: Session, author: User) -> list[Idea]:
    """The author's own drafts, last edited first."""
    return list(
        session.exec(
            select(Idea)
            .where(Idea.author_id == author.id, Idea.status == IdeaStatus.draft)
            .order_by(col(Idea.updated_at).desc())
        )
    )


_REVISIONS = (
    select(
        IdeaRevision.number, IdeaRevision.author_id, IdeaRevision.created_at, IdeaRevision.snapshot
    )
    .where(IdeaRevision.idea_id == bindparam("idea"))
    .order_by(col(IdeaRevision.number))
)


def revisions(session: Session, idea: Idea) -> list[RevisionView]:
    """Every revision, newest first, each with the fields it changed."""
    rows = read_rows(session, _REVISIONS, {"idea": idea.id})
    authors = users_by_id(session, {r.author_id for r in rows})
    views: list[RevisionView] = []
    previous: dict[str, Any] = {}
    for rev in rows:
        changes = []
        for field in FICHE_FIELDS:
            before, after = previous.get(field), rev.snapshot.get(field)
            if field == "themes":
                before = ", ".join(before or [])
                after = ", ".join(after or [])
            elif field == "rule_kind":
                before = _RULE_KIND_NAMES.get(before or "", "")
                after = _RULE_KIND_NAMES.get(after or "", "")
            before, after = before or "", after or ""
            if before != after:
                changes.append(FieldChange(field, FICHE_LABELS[field], before, after))
        views.append(RevisionView(rev.number, authors[rev.author_id][0], rev.created_at, changes))
        previous = rev.snapshot
    views.reverse()
    return views


def changed_since_many(session: Session, idea: Idea, revisions: set[int]) -> dict[int, list[str]]:
    """For each earlier revision, the labels of the fiche's fields changed since: one query."""
    wanted = {r for r in revisions if r < idea.revision_count}
    if not wanted:
        return {}
    rows = session.exec(
        select(IdeaRevision).where(
            IdeaRevision.idea_id == idea.id,
            col(IdeaRevision.number).in_(wanted | {idea.revision_count}),
        )
    ).all()
    snaps = {r.number: r.snapshot for r in rows}
    new = snaps.get(idea.revision_count, {})
    return {
        r: [FICHE_LABELS[f] for f in FICHE_FIELDS if _differ(snaps.get(r, {}), new, f)]
        for r in wanted
    }


def _differ(old: dict[str, Any], new: dict[str, Any], field: str) -> bool:
    # Revisions written before a field existed do not hold it: absent is the same as empty.
    return (old.get(field) or "") != (new.get(field) or "")


class EventLine(NamedTuple):
    created_at: datetime
    kind: str
    message: str
    score: int | None


_EVENTS = (
    wide_select(
        IdeaEvent.created_at,
        IdeaEvent.kind,
        IdeaEvent.message,
        IdeaEvent.score,
        User.id,
        User.name,
        User.unit_id,
        User.is_active,
    )
    .join(User, col(IdeaEvent.actor_id) == User.id, isouter=True)
    .where(IdeaEvent.idea_id == bindparam("idea"))
    .order_by(col(IdeaEvent.created_at).desc(), col(IdeaEvent.id).desc())
)


def events(session: Session, idea: Idea) -> list[tuple[EventLine, Person | None]]:
    """The idea's history, newest first, with each actor."""
    return [
        (
            EventLine(created_at, kind, message, score),
            Person(actor_id, name, unit_id, is_active) if actor_id is not None else None,
        )
        for created_at, kind, message, score, actor_id, name, unit_id, is_active in read_rows(
            session, _EVENTS, {"idea": idea.id}
        )
    ]
