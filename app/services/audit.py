"""Record sensitive changes (who, what, when, before and after) and read them back."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from app.models import AuditEntry, User


def record(
    session: Session,
    actor: User | None,
    action: str,
    target: str,
    before: dict[str, Any],
    after: dict[str, Any],
    now: datetime,
) -> None:
    """Append one entry, in the same transaction as the change it describes."""
    session.add(
        AuditEntry(
            created_at=now,
            actor_id=actor.id if actor else None,
            action=action,
            target=target,
            before=before,
            after=after,
        )
    )


def entries(
    session: Session, page: int = 1, page_size: int = 50
) -> tuple[list[tuple[AuditEntry, str]], int]:
    """Newest first, with the actor's name; and the number of pages."""
    total = session.exec(select(func.count()).select_from(AuditEntry)).one()
    rows = session.exec(
        select(AuditEntry, User.name)
        .join(User, col(AuditEntry.actor_id) == User.id, isouter=True)
        .order_by(col(AuditEntry.id).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return [(entry, name or "ligne de commande") for entry, name in rows], max(
        1, -(-total // page_size)
    )
