"""Sign-in sessions, kept server-side: opened at sign-in, found from the cookie, ended at will."""

from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete
from sqlmodel import Session, col, select

from app.config import Settings
from app.models import User, UserSession
from app.models.base import pk
from app.security import new_token, token_hash


def start_session(
    session: Session, settings: Settings, user: User, now: datetime, oidc_id_token: str = ""
) -> str:
    """A fresh session (renewed at every sign-in), valid `session_days`; returns the cookie's
    token."""
    token = new_token()
    session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=pk(user),
            expires_at=now + timedelta(days=settings.session_days),
            oidc_id_token=oidc_id_token,
        )
    )
    return token


# The sign-in lookup every request makes: built once, one row, the user as a model.
_SESSION_USER = (
    select(User, UserSession.expires_at)
    .join(User, col(UserSession.user_id) == User.id)
    .where(UserSession.token_hash == bindparam("hash"))
)


def user_for_session(session: Session, token: str, now: datetime) -> User | None:
    """The active account behind a session cookie, if the session has not expired by `now`."""
    row = session.exec(_SESSION_USER, params={"hash": token_hash(token)}).first()
    if row is None:
        return None
    user, expires_at = row
    if expires_at < now or not user.is_active:
        return None
    return user


def end_session(session: Session, token: str) -> str:
    """Sign out: the session is gone server-side, whatever the browser keeps. Returns the
    ProConnect ID token it was opened with ("" for a local sign-in)."""
    ended = session.exec(
        select(UserSession).where(UserSession.token_hash == token_hash(token))
    ).first()
    if ended is None:
        return ""
    session.delete(ended)
    return ended.oidc_id_token


def end_all_sessions(session: Session, user: User) -> None:
    """Every session of the account ends (its rights or its password changed, or it closed)."""
    session.exec(delete(UserSession).where(col(UserSession.user_id) == user.id))
