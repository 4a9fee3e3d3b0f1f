"""Rate limits: events counted per key in the database, refused past a limit per window."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.config import Settings
from app.errors import RateLimited
from app.models import LoginAttempt, User


def events_since(session: Session, key: str, since: datetime) -> tuple[int, datetime | None]:
    """How many events `key` counts since `since`, and the oldest of them."""
    count, oldest = session.exec(
        select(func.count(), func.min(LoginAttempt.created_at)).where(
            LoginAttempt.key == key, LoginAttempt.created_at >= since
        )
    ).one()
    if oldest is not None and oldest.tzinfo is None:  # aggregates skip the column type
        oldest = oldest.replace(tzinfo=UTC)
    return count, oldest


# The longest window any limit counts over (sign-ins 15 min by default, accounts and PDFs an
# hour): past it, an event counts for nothing and is deleted (see `forget_expired`).
LONGEST_WINDOW = timedelta(hours=1)


def forget_expired(session: Session, settings: Settings, now: datetime) -> int:
    """Delete the events no window counts any more (they hold network addresses and typed
    e-mails): the daily retention command runs this, so none outlives its window by a day."""
    window = max(LONGEST_WINDOW, timedelta(minutes=settings.login_window_minutes))
    result = session.exec(delete(LoginAttempt).where(col(LoginAttempt.created_at) < now - window))
    return int(result.rowcount or 0)


def retry_after(oldest: datetime | None, window: timedelta, now: datetime) -> int:
    """Seconds until the oldest event counted leaves the window (one at least)."""
    return max(int(((oldest or now) + window - now).total_seconds()) + 1, 1)


def throttle(
    session: Session, key: str, limit: int, window: timedelta, message: str, now: datetime
) -> None:
    """Count one more event under `key`; refuse (429, Retry-After) past `limit` per `window`.

    The events are rows in the same table as failed sign-ins, so every instance sees them."""
    since = now - window
    count, oldest = events_since(session, key, since)
    if count >= limit:
        raise RateLimited(message, retry_after=retry_after(oldest, window, now))
    session.add(LoginAttempt(key=key, created_at=now))
    if count == 0:  # now and then, forget this key's old events
        session.exec(
            delete(LoginAttempt).where(
                col(LoginAttempt.key) == key, col(LoginAttempt.created_at) < since
            )
        )


def throttle_writes(session: Session, settings: Settings, user: User, now: datetime) -> None:
    """One more write by this account; refused past `writes_per_minute`."""
    throttle(
        session,
        f"write:{user.id}",
        settings.writes_per_minute,
        timedelta(minutes=1),
        "Trop de demandes en peu de temps\u00a0: attendez un instant avant de recommencer.",
        now,
    )


def throttle_account_creation(
    session: Session, settings: Settings, address: str, now: datetime
) -> None:
    """One more account created from this network address; refused past `accounts_per_hour`."""
    throttle(
        session,
        f"account-creation:{address}",
        settings.accounts_per_hour,
        timedelta(hours=1),
        "Trop de comptes créés depuis cette adresse\u00a0: réessayez plus tard.",
        now,
    )
