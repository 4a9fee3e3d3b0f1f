"""Moderation: an admin hides an abusive mine or déminage, with a reason, and may restore it.

Hidden content leaves the search index and the score (a hidden mine counts as withdrawn);
only admins read it; its author sees that it was hidden and why. The audit log keeps both.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.errors import Conflict
from app.models import Deminage, Idea, Mine, User
from app.services import audit, scoring, search
from app.services.ideas import add_event
from app.services.permissions import check_moderate, raise_if
from app.services.readiness import ScoringParams


def _target(item: Mine | Deminage) -> str:
    return f"{'mine' if isinstance(item, Mine) else 'deminage'}:{item.id}"


def hide(
    session: Session,
    params: ScoringParams,
    admin: User,
    item: Mine | Deminage,
    idea: Idea,
    reason: str,
    now: datetime,
) -> None:
    raise_if(check_moderate(admin))
    if item.hidden_at is not None:
        raise Conflict("Ce contenu est déjà masqué.")
    item.hidden_at, item.hidden_reason = now, reason
    session.add(item)
    audit.record(
        session, admin, "content_hidden", _target(item), {"hidden": False}, _after(reason), now
    )
    _reindex(session, item)
    add_event(session, idea, admin, "moderated", "Un contenu a été masqué par la modération.", now)
    scoring.refresh(session, params, idea, now, admin, cause="contenu masqué par la modération")


def restore(
    session: Session,
    params: ScoringParams,
    admin: User,
    item: Mine | Deminage,
    idea: Idea,
    now: datetime,
) -> None:
    raise_if(check_moderate(admin))
    if item.hidden_at is None:
        raise Conflict("Ce contenu n’est pas masqué.")
    before = {"hidden": True, "reason": item.hidden_reason}
    item.hidden_at, item.hidden_reason = None, ""
    session.add(item)
    audit.record(session, admin, "content_restored", _target(item), before, {"hidden": False}, now)
    _reindex(session, item)
    add_event(session, idea, admin, "moderated", "Un contenu masqué a été rétabli.", now)
    scoring.refresh(session, params, idea, now, admin, cause="contenu rétabli")


def _reindex(session: Session, item: Mine | Deminage) -> None:
    """The search index follows: a hidden mine takes its déminages out with it, and back."""
    if isinstance(item, Mine):
        search.index_mine_with_deminages(session, item)
    else:
        search.index_deminage(session, item, session.get_one(Mine, item.mine_id))


def _after(reason: str) -> dict[str, Any]:
    return {"hidden": True, "reason": reason}
