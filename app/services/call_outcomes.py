"""The sponsor's decision on a call: one written outcome for each of its ideas, from one page."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

from pydantic import ValidationError
from sqlmodel import Session

from app.errors import InvalidInput
from app.models import CallForIdeas, Idea, IdeaStatus, User
from app.models.outcome import Decision
from app.schemas import CallDecisionItem, RequiredText, Strict, french_errors
from app.services import calls, ideas
from app.services.calls import CallIdea
from app.services.permissions import check_decide_call, is_carrier, raise_if
from app.services.readiness import ScoringParams

# One page decides this many ideas at most (two fields each, within the form's limit); the
# ideas beyond wait on the page for the next round.
AT_ONCE = 200


class CallOutcomeInput(Strict):
    decision: Literal["promoted", "sent_back", "closed"]
    text: RequiredText


def pending(session: Session, call: CallForIdeas, viewer: User, now: datetime) -> list[CallIdea]:
    """The call's ideas still waiting for the sponsor's outcome: published, en déminage, with
    no decision written since the call's decision opened (a manager's decision counts: the
    idea has its outcome)."""
    opens = call.decision_opens()
    waiting = [
        item
        for item in calls.call_ideas(session, call, viewer, now)
        if item.idea.status == IdeaStatus.open
        and (item.outcome is None or item.outcome.created_at < opens)
    ]
    return waiting[:AT_ONCE]


def decide(
    session: Session,
    params: ScoringParams,
    sponsor: User,
    call: CallForIdeas,
    form: Mapping[str, str],
    now: datetime,
) -> int:
    """Write the outcomes the sponsor gave (`decision_<id>` and `text_<id>` per idea; an idea
    left blank waits), each told to everyone who took part; once no idea waits, the call is
    decided. Every field at fault is named, and nothing is written unless all hold."""
    raise_if(check_decide_call(sponsor, call, now))
    waiting = pending(session, call, sponsor, now)
    errors: dict[str, str] = {}
    chosen: list[tuple[int, CallOutcomeInput]] = []
    for item in waiting:
        idea_id = item.idea.id
        values = {k: form.get(f"{k}_{idea_id}", "") for k in ("decision", "text")}
        if not any(v.strip() for v in values.values()):
            continue
        if is_carrier(sponsor, session.get_one(Idea, idea_id)):
            errors[f"decision_{idea_id}"] = (
                "Vous portez cette idée : un autre manager en décide, depuis sa page."
            )
            continue
        try:
            chosen.append((idea_id, CallOutcomeInput.model_validate(values)))
        except ValidationError as exc:
            errors |= {f"{k}_{idea_id}": m for k, m in french_errors(exc).items()}
    if waiting and not chosen and not errors:
        errors[f"decision_{waiting[0].idea.id}"] = (
            "Choisissez ce que devient au moins une idée, et écrivez pourquoi."
        )
    if errors:
        raise InvalidInput(errors)
    for idea_id, outcome in chosen:
        idea = session.get_one(Idea, idea_id)
        write_outcome(session, params, sponsor, call, idea, outcome.decision, outcome.text, now)
    if len(chosen) == len(waiting) and len(waiting) < AT_ONCE:
        call.decided_at = now
    call.updated_at = now
    return len(chosen)


def decide_each(
    session: Session,
    params: ScoringParams,
    sponsor: User,
    call: CallForIdeas,
    chosen: Sequence[CallDecisionItem],
    now: datetime,
) -> int:
    """The API's decision: the same as `decide`, each outcome named by its idea; a field at
    fault is named by its place in the list (`outcomes.<i>.<field>`)."""
    raise_if(check_decide_call(sponsor, call, now))
    waiting = {item.idea.id for item in pending(session, call, sponsor, now)}
    place: dict[int, int] = {}
    errors: dict[str, str] = {}
    for i, item in enumerate(chosen):
        if item.idea_id not in waiting:
            errors[f"outcomes.{i}.idea_id"] = "Cette idée n’attend pas de décision de cet appel."
        elif item.idea_id in place:
            errors[f"outcomes.{i}.idea_id"] = "Cette idée a déjà sa décision plus haut."
        place.setdefault(item.idea_id, i)
    if errors:
        raise InvalidInput(errors)
    form: dict[str, str] = {}
    for item in chosen:
        form |= {f"decision_{item.idea_id}": item.decision, f"text_{item.idea_id}": item.text}
    try:
        return decide(session, params, sponsor, call, form, now)
    except InvalidInput as exc:
        renamed = {}
        for key, message in exc.errors.items():
            name, _, idea_id = key.rpartition("_")
            position = place.get(int(idea_id))
            renamed["outcomes" if position is None else f"outcomes.{position}.{name}"] = message
        raise InvalidInput(renamed) from None


def write_outcome(
    session: Session,
    params: ScoringParams,
    sponsor: User,
    call: CallForIdeas,
    idea: Idea,
    decision: str,
    text: str,
    now: datetime,
) -> None:
    """One idea's outcome, as the loop writes any decision: its status moved, the written
    outcome kept and told to everyone who took part (`ideas.decide_for_call`)."""
    ideas.decide_for_call(session, params, sponsor, call, idea, Decision(decision), text, now)
