"""Calls for ideas: open, edit and close them; who they speak to; their page, lists and notices."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil
from typing import Any, NamedTuple

from pydantic import ValidationError
from sqlalchemy import bindparam, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app import formatting
from app.db import read_rows, wide_select
from app.errors import InvalidInput, NotFound
from app.models import (
    CallForIdeas,
    CallPhase,
    CallUnit,
    Idea,
    IdeaStatus,
    Mine,
    Notification,
    NotificationKind,
    Outcome,
    Role,
    Unit,
    User,
)
from app.models.base import pk
from app.models.call import end_of_day, paris_today
from app.models.mine import MineScope
from app.models.outcome import DECISION_LABELS, Decision
from app.schemas import CallInput, CallUpdate, french_errors
from app.services import notifications, visibility
from app.services.pages import Page, Person, UnitName
from app.services.permissions import (
    check_close_call,
    check_edit_call,
    check_manage_calls,
    is_carrier,
    raise_if,
)

# The agents of a call's audience are reminded this many days before its ideas' deadline.
REMINDER_DAYS = 3
# What the sponsor may decide for each idea of a call (a merge is an admin's).
DECISIONS = {
    d.value: DECISION_LABELS[d] for d in (Decision.promoted, Decision.sent_back, Decision.closed)
}


def get_call(session: Session, call_id: int) -> CallForIdeas:
    """The call, or NotFound (every agent reads every call: transparency is the rule)."""
    call = session.get(CallForIdeas, call_id) if 0 < call_id < 2**31 else None
    if call is None:
        raise NotFound("Cet appel à idées n’existe pas.")
    return call


_AUDIENCE = select(CallUnit.call_id, CallUnit.unit_id).where(
    col(CallUnit.call_id).in_(bindparam("calls", expanding=True))
)


def audiences(session: Session, call_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """The units each call speaks to (an empty set: everyone)."""
    wanted = sorted(set(call_ids))
    found: dict[int, set[int]] = {i: set() for i in wanted}
    if wanted:
        for call_id, unit_id in read_rows(session, _AUDIENCE, {"calls": wanted}):
            found[call_id].add(unit_id)
    return {i: frozenset(units) for i, units in found.items()}


def audience_of(session: Session, call: CallForIdeas) -> frozenset[int]:
    return audiences(session, [pk(call)])[pk(call)]


CALL_HORIZON_DAYS = 5 * 366  # a call's dates fall within the five coming years

# Once closed, a call keeps its question, criteria, audience and dates: its ideas answered
# them and are judged on them. Its context may still be worded better, and its sponsor be
# replaced until it is decided (one who left would leave its ideas waiting for ever); once
# decided, its sponsor is the one who decided. The decisions taken are never touched.
EDITABLE_ONCE_CLOSED = frozenset({"context", "sponsor_email"})
EDITABLE_ONCE_DECIDED = frozenset({"context"})
LOCKED = {
    "question": "L’appel est clos\u00a0: sa question ne change plus, ses idées y ont répondu.",
    "criteria": "L’appel est clos\u00a0: ses critères ne changent plus, ses idées sont jugées "
    "sur eux.",
    "sponsor_email": "L’appel est décidé\u00a0: son sponsor reste la personne qui a décidé.",
    "audience": "L’appel est clos\u00a0: son public ne change plus.",
    "units": "L’appel est clos\u00a0: son public ne change plus.",
    "ideas_until": "L’appel est clos\u00a0: ses dates ne changent plus.",
    "deminage_until": "L’appel est clos\u00a0: ses dates ne changent plus.",
    "decision_by": "L’appel est clos\u00a0: ses dates ne changent plus.",
}


def locked_fields(call: CallForIdeas | None, now: datetime) -> frozenset[str]:
    """The fields of a call (`CallInput`'s) that no edit may change any more: once it takes no
    more ideas, closed by hand or past its ideas' deadline, its ideas have answered it."""
    if call is None or (call.closed_at is None and call.phase(now) == CallPhase.ideas):
        return frozenset()
    free = EDITABLE_ONCE_DECIDED if call.decided_at is not None else EDITABLE_ONCE_CLOSED
    return frozenset(CallInput.model_fields) - free


def inputs_of(session: Session, call: CallForIdeas) -> CallInput:
    """The call as its form would send it unchanged."""
    sponsor = session.get(User, call.sponsor_id)
    units = audience_of(session, call)
    return CallInput.model_construct(
        question=call.question,
        context=call.context,
        criteria=call.criteria,
        sponsor_email=sponsor.email if sponsor else "",
        audience="units" if units else "everyone",
        units=sorted(units),
        ideas_until=call.ideas_until,
        deminage_until=call.deminage_until,
        decision_by=call.decision_by,
    )


def _comparable(data: CallInput) -> dict[str, Any]:
    values = data.model_dump()
    values["sponsor_email"] = data.sponsor_email.strip().lower()
    values["units"] = sorted(set(data.units)) if data.audience == "units" else []
    return values


def _check_locked(session: Session, call: CallForIdeas, data: CallInput, now: datetime) -> None:
    """Refuse, beside each field, a change that a closed call no longer takes."""
    locked = locked_fields(call, now)
    if not locked:
        return
    before, sent = _comparable(inputs_of(session, call)), _comparable(data)
    errors = {
        name: LOCKED[name] for name in LOCKED if name in locked and sent[name] != before[name]
    }
    if errors:
        raise InvalidInput(errors)


def _carried_by(session: Session, call: CallForIdeas, sponsor: User) -> Idea | None:
    """An idea of the call waiting for its decision that this person carries, if any."""
    for idea in session.exec(
        select(Idea).where(Idea.call_id == call.id, Idea.status == IdeaStatus.open)
    ):
        if is_carrier(sponsor, idea):
            return idea
    return None


def _validate(
    session: Session, data: CallInput, now: datetime, before: CallForIdeas | None
) -> tuple[User, list[int]]:
    """The sponsor's account and the audience's units, once every rule between the fields
    holds; else every field at fault, in French."""
    errors, sponsor, units = rule_errors(session, data.model_dump(), now, before)
    if errors or sponsor is None:  # no sponsor: sponsor_email is in the errors
        raise InvalidInput(errors)
    return sponsor, units


def rule_errors(
    session: Session, values: Mapping[str, Any], now: datetime, before: CallForIdeas | None
) -> tuple[dict[str, str], User | None, list[int]]:
    """Every rule between the fields of a call, each checked when the fields it reads are in
    `values` (a form whose other fields were refused hears of these too, at once): the errors
    by field, the sponsor's account and the audience's units."""
    errors: dict[str, str] = {}
    sponsor = None
    if "sponsor_email" in values:
        sponsor, problem = _sponsor(session, values["sponsor_email"], now, before)
        if problem:
            errors["sponsor_email"] = problem
    units: list[int] = []
    if values.get("audience") == "units" and "units" in values:
        units = sorted(set(values["units"]))
        known = (
            set(session.exec(select(Unit.id).where(col(Unit.id).in_(units)))) if units else set()
        )
        if not units:
            errors["units"] = "Choisissez au moins un service, ou «\u00a0Tout le monde\u00a0»."
        elif known != set(units):
            errors["units"] = "Choisissez des services de la liste."
    today = paris_today(now)
    ideas_until = values.get("ideas_until")
    deminage_until = values.get("deminage_until")
    decision_by = values.get("decision_by")
    if (
        ideas_until is not None
        and (before is None or before.ideas_until != ideas_until)
        and ideas_until < today
    ):
        errors["ideas_until"] = "Cette date est passée\u00a0: choisissez aujourd’hui ou plus tard."
    # Every order the dates given can judge, each beside its later field: the decision before
    # the ideas' deadline is a mistake whether or not the déminage's end between them is valid.
    if deminage_until is not None and ideas_until is not None and deminage_until < ideas_until:
        errors["deminage_until"] = (
            "Le déminage finit le jour de la date limite des idées, ou après."
        )
    if decision_by is not None and deminage_until is not None and decision_by < deminage_until:
        errors["decision_by"] = "La décision vient le jour de la fin du déminage, ou après."
    elif decision_by is not None and ideas_until is not None and decision_by < ideas_until:
        errors["decision_by"] = "La décision vient le jour de la date limite des idées, ou après."
    horizon = today + timedelta(days=CALL_HORIZON_DAYS)
    for name in ("ideas_until", "deminage_until", "decision_by"):
        if values.get(name) is not None and values[name] > horizon:
            errors[name] = "Choisissez une date dans les cinq ans qui viennent."
    return errors, sponsor, units


def _sponsor(
    session: Session, email: str, now: datetime, before: CallForIdeas | None
) -> tuple[User | None, str]:
    """The sponsor's account, and what is wrong with it (empty when nothing)."""
    sponsor = session.exec(select(User).where(User.email == email.strip().lower())).first()
    closed = before is not None and bool(locked_fields(before, now))
    if closed and sponsor is not None and before is not None and sponsor.id == before.sponsor_id:
        # A closed call's sponsor kept as is, whatever became of them, does not stop an edit of
        # its context.
        return sponsor, ""
    if sponsor is None or not sponsor.is_active:
        return None, "Aucun compte actif à cette adresse."
    if not sponsor.is_manager:
        # The sponsor promotes ideas to projects: a manager's act (docs/authorization.md).
        return sponsor, (
            "Le sponsor d’un appel doit avoir le rôle de manager\u00a0: ce compte ne l’a pas."
        )
    if closed and before is not None and (carried := _carried_by(session, before, sponsor)):
        # Named after closing to decide the ideas waiting: not one they carry
        # (`call_outcomes.decide` refuses that). An idea out of the lists is not named.
        which = (
            f"l’idée «\u00a0{carried.title}\u00a0»" if visibility.listed(carried) else "une idée"
        )
        return sponsor, (
            f"Cette personne porte {which} de cet appel\u00a0: "
            "choisissez un manager qui puisse décider de chacune."
        )
    return sponsor, ""


class SponsorChoice(NamedTuple):
    email: str
    name: str
    unit_name: str | None


_POSSIBLE_SPONSORS = (
    wide_select(User.email, User.name, col(Unit.name).label("unit_name"))
    .join(Unit, col(User.unit_id) == Unit.id, isouter=True)
    .where(col(User.is_active), col(User.role).in_([Role.manager, Role.admin]))
    .order_by(col(User.name), col(User.id))
)


def possible_sponsors(session: Session) -> list[SponsorChoice]:
    """Who may sponsor a call (`_sponsor`'s rule: an active manager), for the form's list."""
    return [SponsorChoice(*row) for row in read_rows(session, _POSSIBLE_SPONSORS)]


def _set_audience(session: Session, call: CallForIdeas, units: list[int]) -> None:
    for row in session.exec(select(CallUnit).where(CallUnit.call_id == call.id)):
        session.delete(row)
    session.flush()
    for unit_id in units:
        session.add(CallUnit(call_id=pk(call), unit_id=unit_id))


def _apply(call: CallForIdeas, data: CallInput, sponsor: User) -> None:
    call.question = data.question
    call.context = data.context
    call.criteria = data.criteria
    call.sponsor_id = pk(sponsor)
    call.ideas_until = data.ideas_until
    call.deminage_until = data.deminage_until
    call.decision_by = data.decision_by


def open_call(session: Session, manager: User, data: CallInput, now: datetime) -> CallForIdeas:
    """A manager opens a call; its audience is told by the next daily command."""
    raise_if(check_manage_calls(manager))
    sponsor, units = _validate(session, data, now, None)
    call = CallForIdeas(
        question=data.question,
        sponsor_id=pk(sponsor),
        created_by_id=manager.id,
        ideas_until=data.ideas_until,
        deminage_until=data.deminage_until,
        decision_by=data.decision_by,
        created_at=now,
        updated_at=now,
    )
    _apply(call, data, sponsor)
    session.add(call)
    session.flush()
    _set_audience(session, call, units)
    _tell_sponsor(session, manager, call, sponsor, now)
    return call


def _tell_sponsor(
    session: Session, manager: User, call: CallForIdeas, sponsor: User, now: datetime
) -> None:
    """The manager named as the call's sponsor learns it, with a link to the call; not when
    they named themselves (`notify_page`)."""
    notifications.notify_page(
        session,
        notifications.mailer_of(session),
        sponsor,
        NotificationKind.call_sponsor,
        manager,
        f"{manager.name} vous nomme sponsor de l’appel à idées "
        f"«\u00a0{call.question}\u00a0»\u00a0: c’est vous qui déciderez de ses idées, au "
        f"plus tard le {formatting.date(call.decision_by)}.",
        f"/calls/{call.id}",
        now,
    )


def update_call(
    session: Session, manager: User, call: CallForIdeas, data: CallInput, now: datetime
) -> bool:
    """A manager edits a call (once it is closed, only what `locked_fields` leaves free).
    Moving its ideas' deadline later lets the reminder go out again before the new one.
    Returns whether its audience now reaches people it did not."""
    raise_if(check_edit_call(manager, call))
    _check_locked(session, call, data, now)
    sponsor, units = _validate(session, data, now, call)
    if data.ideas_until != call.ideas_until:
        call.reminded_at = None
    widened = widens(audience_of(session, call), frozenset(units))
    if widened:
        # The people it now speaks to are told it opened, by the next daily command (those
        # already told are not told again: `send_notices`).
        call.announced_at = None
    previous = session.get(User, call.sponsor_id) if sponsor.id != call.sponsor_id else None
    _apply(call, data, sponsor)
    call.updated_at = now
    _set_audience(session, call, units)
    if previous is not None:
        _tell_sponsor(session, manager, call, sponsor, now)
        _tell_previous_sponsor(session, manager, call, previous, sponsor, now)
    return widened


def _tell_previous_sponsor(
    session: Session,
    manager: User,
    call: CallForIdeas,
    previous: User,
    sponsor: User,
    now: datetime,
) -> None:
    """The sponsor replaced learns who decides the call's ideas now; not when they replaced
    themselves (`notify_page`)."""
    notifications.notify_page(
        session,
        notifications.mailer_of(session),
        previous,
        NotificationKind.call_sponsor,
        manager,
        (
            f"{manager.name} se nomme sponsor de l’appel à idées «\u00a0{call.question}\u00a0» à "
            "votre place\u00a0: c’est désormais cette personne qui décidera de ses idées."
            if sponsor.id == manager.id
            else f"{manager.name} nomme {sponsor.name} sponsor de l’appel à idées "
            f"«\u00a0{call.question}\u00a0» à votre place\u00a0: c’est désormais cette "
            "personne qui décidera de ses idées."
        ),
        f"/calls/{call.id}",
        now,
    )


def edit_call(
    session: Session, manager: User, call: CallForIdeas, changes: CallUpdate, now: datetime
) -> bool:
    """The API's partial edit: the fields sent change, the others stay (units sent alone
    make the audience those units); then as `update_call`."""
    raise_if(check_edit_call(manager, call))
    current = inputs_of(session, call).model_dump()
    sent = changes.model_dump(exclude_unset=True)
    if sent.get("units") and "audience" not in sent:
        sent["audience"] = "units"
    try:
        data = CallInput.model_validate({**current, **sent})
    except ValidationError as exc:  # a required field sent as null
        raise InvalidInput(french_errors(exc)) from None
    return update_call(session, manager, call, data, now)


def widens(before: frozenset[int], after: frozenset[int]) -> bool:
    """Whether an audience (units; none: everyone) now reaches someone it did not."""
    return bool(before) and (not after or not after <= before)


def close_call(session: Session, manager: User, call: CallForIdeas, now: datetime) -> None:
    """A manager closes a call: no idea answers it any more, and its sponsor may decide now."""
    raise_if(check_close_call(manager, call))
    call.closed_at = now
    call.updated_at = now


# --- what pages show of calls -------------------------------------------------------------


@dataclass(frozen=True)
class CallSummary:
    """A call as lists show it: where it stands, its sponsor, its audience, its ideas counted
    (published ones only: a draft is its author's alone)."""

    call: CallForIdeas
    phase: CallPhase
    sponsor: Person
    audience: tuple[UnitName, ...]
    idea_count: int
    audience_ids: frozenset[int] = frozenset()


_SPONSORS = select(User.id, User.name, User.unit_id, User.is_active).where(
    col(User.id).in_(bindparam("ids", expanding=True))
)
# Published ideas that answer each call (a merged idea moved into the idea kept).
_PUBLISHED = (visibility.listed_sql,)
_IDEA_COUNTS = (
    select(Idea.call_id, func.count())
    .where(col(Idea.call_id).in_(bindparam("calls", expanding=True)), *_PUBLISHED)
    .group_by(col(Idea.call_id))
)


def summaries(session: Session, calls: list[CallForIdeas], now: datetime) -> list[CallSummary]:
    """Each call with its sponsor, audience and number of published ideas, in four queries."""
    if not calls:
        return []
    ids = [pk(c) for c in calls]
    reach = audiences(session, ids)
    names = dict(read_rows(session, select(Unit.id, Unit.name)))
    people = {
        row.id: Person(*row)
        for row in read_rows(session, _SPONSORS, {"ids": sorted({c.sponsor_id for c in calls})})
    }
    counts = dict(read_rows(session, _IDEA_COUNTS, {"calls": ids}))
    return [
        CallSummary(
            call,
            call.phase(now),
            people[call.sponsor_id],
            tuple(
                sorted(
                    (UnitName(u, names[u]) for u in reach[pk(call)]),
                    key=lambda u: formatting.french_order(u.name),
                )
            ),
            counts.get(call.id, 0),
            reach[pk(call)],
        )
        for call in calls
    ]


_WHEN = wide_select(
    CallForIdeas.id,
    CallForIdeas.ideas_until,
    CallForIdeas.deminage_until,
    CallForIdeas.decision_by,
    CallForIdeas.closed_at,
    CallForIdeas.decided_at,
)


def _ordered_ids(session: Session, now: datetime) -> list[int]:
    """Every call's id in the lists' order: by phase; those still taking ideas first, the one
    that closes soonest at the top (the most urgent to answer), then the others by their ideas'
    deadline, latest first. The phase is `CallForIdeas.phase`'s, read from the dates alone: a
    call is a few words a year, not a row per agent, so all of them are sorted and only a page
    is loaded whole."""
    order = list(CallPhase)

    def rank(row: Any) -> tuple[int, int, int]:
        phase = CallForIdeas(question="", sponsor_id=0, **row._asdict()).phase(now)
        sign = 1 if phase == CallPhase.ideas else -1
        return order.index(phase), sign * row.ideas_until.toordinal(), sign * row.id

    return [row.id for row in sorted(read_rows(session, _WHEN), key=rank)]


def _summaries_of(session: Session, ids: list[int], now: datetime) -> list[CallSummary]:
    by_id = {
        c.id: c for c in session.exec(select(CallForIdeas).where(col(CallForIdeas.id).in_(ids)))
    }
    return summaries(session, [by_id[i] for i in ids], now)


def list_calls(session: Session, now: datetime) -> list[CallSummary]:
    """Every call, the ones still taking ideas first, soonest closing first, then the others,
    latest deadline first (the API)."""
    return _summaries_of(session, _ordered_ids(session, now), now)


def page_of_calls(session: Session, now: datetime, page: int, page_size: int) -> Page[CallSummary]:
    """One page of `list_calls`, for the calls' page."""
    ids = _ordered_ids(session, now)
    pages = max(1, ceil(len(ids) / page_size))
    page = min(max(page, 1), pages)
    chosen = ids[(page - 1) * page_size : page * page_size]
    return Page(_summaries_of(session, chosen, now), page, pages, len(ids))


_NAMES = select(CallForIdeas.id, CallForIdeas.question).order_by(
    col(CallForIdeas.ideas_until).desc(), col(CallForIdeas.id).desc()
)


def call_names(session: Session) -> list[Any]:
    """Every call's id and question, the latest first (the board's and the search's filter)."""
    return list(read_rows(session, _NAMES))


def in_audience(user: User, audience: frozenset[int]) -> bool:
    return not audience or user.unit_id in audience


def open_calls_for(session: Session, user: User, now: datetime) -> list[CallSummary]:
    """The calls still taking ideas whose audience includes the user, the nearest deadline
    first (the home page; the idea form's choice)."""
    candidates = list(
        session.exec(
            select(CallForIdeas)
            .where(
                col(CallForIdeas.decided_at).is_(None),
                col(CallForIdeas.closed_at).is_(None),
                col(CallForIdeas.ideas_until) >= paris_today(now) - timedelta(days=1),
            )
            .order_by(col(CallForIdeas.ideas_until), col(CallForIdeas.id))
        )
    )
    return [
        s
        for s in summaries(session, candidates, now)
        if s.phase == CallPhase.ideas and in_audience(user, s.audience_ids)
    ]


def choices_for(
    session: Session, user: User, now: datetime, current: int | None = None
) -> dict[str, str]:
    """The idea form's choice of call: the open calls of the author's audience, and the call
    the idea already answers (kept even once it closed)."""
    choices = {str(s.call.id): s.call.question for s in open_calls_for(session, user, now)}
    if current is not None and str(current) not in choices:
        call = session.get(CallForIdeas, current)
        if call is not None:
            choices[str(current)] = call.question
    return choices


@dataclass(frozen=True)
class CallOutcome:
    """What became of one idea of a call: its latest decision, in words."""

    decision: str
    label: str
    text: str
    created_at: datetime


@dataclass
class CallIdea:
    """One idea of a call, with its field of mines and its readiness, as its page shows it."""

    idea: Any  # the IDEA_COLUMNS of an idea
    ripe: bool
    author: Person
    unit: UnitName | None
    # Mines by counted status (a mine hidden by moderation counts as withdrawn), and the
    # open ones by severity.
    mines: dict[str, int] = field(default_factory=dict)
    # The open first-ground mines by severity (those the ripeness counts), and the open
    # generalisation mines, shown apart.
    open_mines: dict[str, int] = field(default_factory=dict)
    open_later: int = 0
    outcome: CallOutcome | None = None


class MergedCallIdea(NamedTuple):
    """An idea that answered the call and was merged into another (`kept_answers`: the idea
    kept answers this call too)."""

    id: int
    title: str
    kept_id: int
    kept_title: str
    kept_answers: bool


@dataclass(frozen=True)
class CallPage:
    summary: CallSummary
    ideas: list[CallIdea]
    # The viewer's own drafts that answer the call: theirs alone, never counted.
    drafts: list[CallIdea]
    by_status: dict[str, int]
    # The ideas that answered it and were merged into another, oldest merge first.
    merged: list[MergedCallIdea] = field(default_factory=list)


IDEA_COLUMNS: tuple[Any, ...] = (
    Idea.id,
    Idea.title,
    Idea.status,
    Idea.score,
    Idea.reviewer_count,
    Idea.ripe_from,
    Idea.author_id,
    Idea.published_at,
    col(User.name).label("author_name"),
    User.unit_id,
    User.is_active,
    col(Unit.name).label("unit_name"),
)
_CALL_IDEAS = (
    wide_select(*IDEA_COLUMNS)
    .join(User, col(Idea.author_id) == User.id)
    .join(Unit, col(User.unit_id) == Unit.id, isouter=True)
    .where(
        Idea.call_id == bindparam("call"),
        col(Idea.merged_into_id).is_(None),
        # Only what the viewer may see (`permissions.can_view_idea` in SQL): published ideas,
        # and the viewer's own drafts; an idea hidden by moderation leaves every list.
        visibility.unhidden_idea_sql,
        or_(col(Idea.status) != IdeaStatus.draft, col(Idea.author_id) == bindparam("viewer")),
    )
    .order_by(col(Idea.score).desc(), col(Idea.id))
)
_MINES = (
    wide_select(
        Mine.idea_id,
        visibility.counted_status_sql.label("counted"),
        Mine.severity,
        Mine.scope,
        func.count(),
    )
    .where(col(Mine.idea_id).in_(bindparam("ids", expanding=True)))
    .group_by(col(Mine.idea_id), visibility.counted_status_sql, col(Mine.severity), col(Mine.scope))
)
_OUTCOMES = (
    select(Outcome.idea_id, Outcome.decision, Outcome.text, Outcome.created_at)
    .where(col(Outcome.idea_id).in_(bindparam("ids", expanding=True)))
    .order_by(col(Outcome.id))
)


_KEPT = aliased(Idea)
_CALL_MERGED = (
    wide_select(
        Idea.id,
        Idea.title,
        col(_KEPT.id).label("kept_id"),
        col(_KEPT.title).label("kept_title"),
        (col(_KEPT.call_id) == col(Idea.call_id)).label("kept_answers"),
    )
    .join(_KEPT, col(Idea.merged_into_id) == col(_KEPT.id))
    .where(
        Idea.call_id == bindparam("call"),
        # Neither hidden by moderation: a hidden idea leaves every list (`visibility`).
        visibility.unhidden_idea_sql,
        col(_KEPT.hidden_at).is_(None),
    )
    .order_by(col(Idea.closed_at), col(Idea.id))
)


def merged_ideas(session: Session, call: CallForIdeas) -> list[MergedCallIdea]:
    """The ideas that answered the call and were merged into another, each with the idea kept."""
    return [
        MergedCallIdea(r.id, r.title, r.kept_id, r.kept_title, bool(r.kept_answers))
        for r in read_rows(session, _CALL_MERGED, {"call": call.id})
    ]


def outcomes_of(
    session: Session, idea_ids: list[int], viewer: User | None
) -> dict[int, CallOutcome]:
    """The latest written outcome of each idea that has one (the loop's `Outcome`), as the
    viewer may read it (a text quoting a hidden mine is masked: `visibility`)."""
    found: dict[int, CallOutcome] = {}
    if idea_ids:
        for idea_id, decision, text, at in read_rows(session, _OUTCOMES, {"ids": idea_ids}):
            label = DECISION_LABELS[Decision(decision)]
            found[idea_id] = CallOutcome(decision, label, text, at)
    texts = visibility.redact_messages(session, viewer, [(i, o.text) for i, o in found.items()])
    return {
        i: CallOutcome(o.decision, o.label, text, o.created_at)
        for (i, o), text in zip(found.items(), texts, strict=True)
    }


def call_ideas(session: Session, call: CallForIdeas, viewer: User, now: datetime) -> list[CallIdea]:
    """The call's ideas the viewer may see, best score first, with their fields of mines
    (hidden mines counted as withdrawn: `visibility`) and outcomes, in three queries."""
    rows = read_rows(session, _CALL_IDEAS, {"call": call.id, "viewer": viewer.id})
    ideas = {
        r.id: CallIdea(
            r,
            r.status == IdeaStatus.open and r.ripe_from is not None and r.ripe_from <= now,
            Person(r.author_id, r.author_name, r.unit_id, r.is_active),
            UnitName(r.unit_id, r.unit_name) if r.unit_id is not None else None,
        )
        for r in rows
    }
    ids = list(ideas)
    if ids:
        for idea_id, counted, severity, scope, n in read_rows(session, _MINES, {"ids": ids}):
            item = ideas[idea_id]
            item.mines[counted] = item.mines.get(counted, 0) + n
            if counted == "open" and scope == MineScope.generalisation:
                item.open_later += n
            elif counted == "open":
                item.open_mines[severity] = item.open_mines.get(severity, 0) + n
        for idea_id, outcome in outcomes_of(session, ids, viewer).items():
            ideas[idea_id].outcome = outcome
    return list(ideas.values())


def call_page(session: Session, call: CallForIdeas, viewer: User, now: datetime) -> CallPage:
    """Everything the call's page shows to the viewer."""
    (summary,) = summaries(session, [call], now)
    found = call_ideas(session, call, viewer, now)
    published = [i for i in found if i.idea.status != IdeaStatus.draft]
    by_status: dict[str, int] = defaultdict(int)
    for item in published:
        by_status["ripe" if item.ripe else item.idea.status] += 1
    return CallPage(
        summary,
        published,
        [i for i in found if i.idea.status == IdeaStatus.draft],
        dict(by_status),
        merged_ideas(session, call),
    )


# --- telling the audience -----------------------------------------------------------------


def _audience_people(session: Session, audience: frozenset[int]) -> list[User]:
    query = select(User).where(col(User.is_active)).order_by(col(User.id))
    if audience:
        query = query.where(col(User.unit_id).in_(sorted(audience)))
    return list(session.exec(query))


def _told(session: Session, call: CallForIdeas) -> set[int]:
    """Who was already told that the call opened."""
    query = select(Notification.user_id).where(
        Notification.kind == NotificationKind.call_opened,
        Notification.url == f"/calls/{call.id}",
    )
    return set(session.exec(query))


def send_notices(
    session: Session, mailer: notifications.Mailer, now: datetime, days: int = REMINDER_DAYS
) -> tuple[int, int]:
    """The daily command's notices: every agent of a call's audience is told once that it
    opened (also when the audience widened since: only those not told yet), and once, `days`
    before its ideas' deadline, that it soon closes (whoever is only now told it opened is not
    reminded too). Returns (calls announced, calls reminded)."""
    pending = list(
        session.exec(
            select(CallForIdeas).where(
                col(CallForIdeas.closed_at).is_(None),
                col(CallForIdeas.decided_at).is_(None),
                or_(
                    col(CallForIdeas.announced_at).is_(None),
                    col(CallForIdeas.reminded_at).is_(None),
                ),
            )
        )
    )
    reach = audiences(session, [pk(c) for c in pending])
    announced = reminded = 0
    opened = "Nouvel appel à idées\u00a0: «\u00a0{}\u00a0». Proposez vos idées."
    closing = (
        "L’appel à idées «\u00a0{}\u00a0» reçoit des idées jusqu’au {} inclus\u00a0: il est "
        "encore temps de proposer la vôtre."
    )
    for call in pending:
        if call.phase(now) != CallPhase.ideas:
            continue
        url = f"/calls/{call.id}"
        due = end_of_day(call.ideas_until) - timedelta(days=days) <= now
        people = _audience_people(session, reach[pk(call)])
        told = _told(session, call) if call.announced_at is None else None
        if told is not None:
            call.announced_at = now
            announced += 1
            for person in people:
                if person.id not in told:
                    notifications.notify_page(
                        session,
                        mailer,
                        person,
                        NotificationKind.call_opened,
                        None,
                        opened.format(call.question),
                        url,
                        now,
                    )
        if not due or call.reminded_at is not None:
            continue
        call.reminded_at = now
        # A call announced for the first time this late is announced only.
        if told is None or told:
            reminded += 1
            message = closing.format(call.question, formatting.date(call.ideas_until))
            for person in people:
                if told is None or person.id in told:
                    notifications.notify_page(
                        session,
                        mailer,
                        person,
                        NotificationKind.call_closing,
                        None,
                        message,
                        url,
                        now,
                    )
    return announced, reminded


# --- open data ----------------------------------------------------------------------------

_STATUS_COUNTS = (
    select(Idea.call_id, Idea.status, func.count())
    .where(col(Idea.call_id).is_not(None), *_PUBLISHED)
    .group_by(col(Idea.call_id), col(Idea.status))
)
# Each idea's latest outcome (an idea decided twice counts once, as it stands).
_LATEST_OUTCOME = (
    select(Idea.call_id, Outcome.idea_id, Outcome.decision)
    .join(Idea, col(Outcome.idea_id) == Idea.id)
    .where(col(Idea.call_id).is_not(None), *_PUBLISHED)
    .order_by(col(Outcome.id))
)


def open_data(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Every call without a word about a person: its question, dates and phase, its published
    ideas counted by status, and its outcomes counted by decision."""
    by_status: dict[int, dict[str, int]] = defaultdict(dict)
    for call_id, status, n in read_rows(session, _STATUS_COUNTS):
        by_status[call_id][status] = n
    latest: dict[int, tuple[int, str]] = {}
    for call_id, idea_id, decision in read_rows(session, _LATEST_OUTCOME):
        latest[idea_id] = (call_id, decision)
    outcomes: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DECISIONS, 0))
    for call_id, decision in latest.values():
        if decision in DECISIONS:
            outcomes[call_id][decision] += 1
    rows = []
    for call in session.exec(select(CallForIdeas).order_by(col(CallForIdeas.id))):
        statuses = by_status.get(pk(call), {})
        rows.append(
            {
                "id": call.id,
                "question": call.question,
                "phase": call.phase(now).value,
                "ideas_until": call.ideas_until.isoformat(),
                "deminage_until": call.deminage_until.isoformat(),
                "decision_by": call.decision_by.isoformat(),
                "closed_on": call.closed_at.date().isoformat() if call.closed_at else None,
                "decided_on": call.decided_at.date().isoformat() if call.decided_at else None,
                "ideas": sum(statuses.values()),
                "ideas_by_status": {
                    s: statuses.get(s, 0)
                    for s in (IdeaStatus.open, IdeaStatus.project, IdeaStatus.abandoned)
                },
                "outcomes": outcomes.get(pk(call), dict.fromkeys(DECISIONS, 0)),
            }
        )
    return rows
