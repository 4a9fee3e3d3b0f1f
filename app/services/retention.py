"""Drafts' retention: drafts left untouched for long are announced to their author, then deleted."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app import formatting
from app.config import Settings
from app.models import (
    CoCarrier,
    Follow,
    Idea,
    IdeaEvent,
    IdeaRevision,
    IdeaStatus,
    IdeaTheme,
    Notification,
    NotificationKind,
    OutboxMessage,
    Support,
    User,
    UserSession,
)
from app.models.base import stored_ids
from app.services import notifications


def delete_drafts(session: Session, ids: list[int]) -> None:
    """Delete drafts entirely, with their revisions and history: nobody else ever saw them."""
    if ids:
        models = (IdeaTheme, IdeaRevision, IdeaEvent, Follow, Support, Notification, CoCarrier)
        for model in models:
            session.exec(delete(model).where(col(model.idea_id).in_(ids)))
        session.exec(
            delete(Idea).where(col(Idea.id).in_(ids), col(Idea.status) == IdeaStatus.draft)
        )


# Sent e-mails are kept this long (to answer « did I get it? »), then deleted with their address.
SENT_MAIL_KEPT = timedelta(days=30)


def forget_spent(session: Session, now: datetime) -> tuple[int, int]:
    """Delete what no longer serves: expired sessions (one may hold ProConnect's identity
    token) and e-mails sent over a month ago. Returns (sessions, e-mails) deleted."""
    sessions = session.exec(delete(UserSession).where(col(UserSession.expires_at) < now))
    mails = session.exec(
        delete(OutboxMessage).where(col(OutboxMessage.sent_at) < now - SENT_MAIL_KEPT)
    )
    return int(sessions.rowcount or 0), int(mails.rowcount or 0)


def purge_stale_drafts(
    session: Session, settings: Settings, mailer: Any, now: datetime
) -> tuple[int, int]:
    """Retention: tell authors of drafts untouched for long that they will go, then delete
    those still untouched once the notice period is over. Returns (told, deleted)."""
    if settings.draft_retention_days <= 0:
        return 0, 0
    keep = timedelta(days=settings.draft_retention_days)
    notice = timedelta(days=min(settings.draft_notice_days, settings.draft_retention_days))
    stale = select(Idea).where(
        Idea.status == IdeaStatus.draft, col(Idea.updated_at) < now - keep + notice
    )
    told = 0
    for idea in session.exec(stale.where(col(Idea.purge_notice_at).is_(None))).all():
        author = session.get_one(User, idea.author_id)
        when = formatting.date(max(idea.updated_at + keep, now + notice))
        notifications.notify(
            session,
            mailer,
            author,
            NotificationKind.draft_expiring,
            None,
            idea,
            f"Votre brouillon «\u00a0{idea.title}\u00a0» n’a pas bougé depuis "
            "longtemps\u00a0: il sera supprimé "
            f"le {when} si vous ne le modifiez ou ne le publiez pas d’ici là.",
            "",
            now,
        )
        idea.purge_notice_at = now
        session.add(idea)
        told += 1
    due = session.exec(
        select(Idea.id).where(
            Idea.status == IdeaStatus.draft,
            col(Idea.updated_at) < now - keep,
            col(Idea.purge_notice_at) <= now - notice,
        )
    ).all()
    delete_drafts(session, stored_ids(due))
    return told, len(due)
