"""Signing in with an e-mail and a password: failures counted, too many refused for a while."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col

from app.config import Settings
from app.errors import RateLimited
from app.models import LoginAttempt, User
from app.security import verify_password
from app.services import rate_limits, users


@dataclass(frozen=True)
class LoginLimits:
    """Failures allowed per account and per network address within the window."""

    per_account: int
    per_address: int
    window: timedelta


def _limits(settings: Settings) -> LoginLimits:
    return LoginLimits(
        settings.login_max_failures_per_account,
        settings.login_max_failures_per_address,
        timedelta(minutes=settings.login_window_minutes),
    )


def authenticate(
    session: Session, settings: Settings, email: str, password: str, address: str, now: datetime
) -> User | None:
    """The account if e-mail and password match; counts failures and refuses when too many
    within the window before `now`."""
    limits = _limits(settings)
    since = now - limits.window
    keys = [
        (f"account:{users.normalise_email(email)}", limits.per_account),
        (f"address:{address}", limits.per_address),
    ]
    for key, limit in keys:
        count, oldest = rate_limits.events_since(session, key, since)
        if count >= limit:
            raise RateLimited(
                "Trop de tentatives de connexion. Réessayez dans quelques minutes.",
                retry_after=rate_limits.retry_after(oldest, limits.window, now),
            )
    user = users.get_by_email(session, email)
    ok = verify_password(password, user.password_hash if user else None)
    if not ok or user is None or not user.is_active:
        for key, _ in keys:
            session.add(LoginAttempt(key=key, created_at=now))
        session.exec(
            delete(LoginAttempt).where(col(LoginAttempt.created_at) < since - limits.window)
        )
        return None
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.key) == keys[0][0]))
    user.last_login_at = now
    session.add(user)
    return user
