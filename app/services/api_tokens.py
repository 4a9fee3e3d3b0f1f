"""Personal API tokens: created on the profile page, shown once, revoked at will."""

from datetime import datetime, timedelta

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from app.errors import InvalidInput, NotFound
from app.models import ApiToken, User
from app.models.base import pk
from app.schemas import clean_text
from app.security import new_token, token_hash

TOKEN_NAME_MAX = 80
# A token's last use is written at most this often: most calls write nothing.
LAST_USE_PRECISION = timedelta(minutes=1)


def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal token; the clear token is returned once and never stored."""
    name = clean_text(name)
    if len(name) > TOKEN_NAME_MAX:
        raise InvalidInput({"name": f"{TOKEN_NAME_MAX} caractères au plus."})
    name = name or "Jeton personnel"
    token = new_token("dmn_")
    api_token = ApiToken(
        user_id=pk(user),
        name=name,
        token_hash=token_hash(token),
        prefix=token[:10],
    )
    session.add(api_token)
    session.flush()
    return api_token, token


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    """The account's tokens, newest first, revoked ones included."""
    return list(
        session.exec(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.id).desc())
        )
    )


def revoke_api_token(session: Session, user: User, token_id: int, now: datetime) -> None:
    """Revoke one of the account's own tokens."""
    api_token = session.get(ApiToken, token_id)
    if api_token is None or api_token.user_id != user.id:
        raise NotFound("Jeton introuvable.")
    if api_token.revoked_at is None:
        api_token.revoked_at = now
        session.add(api_token)


# The lookup every API call makes: built once, one row, the user as a model.
_TOKEN_USER = (
    select(User, ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at)
    .join(User, col(ApiToken.user_id) == User.id)
    .where(ApiToken.token_hash == bindparam("hash"))
)


def user_for_api_token(
    session: Session, token: str, now: datetime
) -> tuple[User, int | None] | None:
    """The active account behind a bearer token that is not revoked, with the token's id when
    its last use is due to be recorded (see `record_use`), else None."""
    row = session.exec(_TOKEN_USER, params={"hash": token_hash(token)}).first()
    if row is None:
        return None
    user, token_id, revoked_at, last_used_at = row
    if revoked_at is not None or not user.is_active:
        return None
    due = last_used_at is None or now - last_used_at > LAST_USE_PRECISION
    return user, token_id if due else None


def record_use(session: Session, token_id: int, now: datetime) -> None:
    """The token served at `now` (shown on the profile page)."""
    session.exec(update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=now))
