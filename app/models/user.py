"""Accounts, units, sign-in sessions, API tokens, account invitations and sign-in attempts."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class Role(StrEnum):
    agent = "agent"
    manager = "manager"
    admin = "admin"


ROLE_LABELS = {
    Role.agent: "Agent ou agente",
    Role.manager: "Manager",
    Role.admin: "Administrateur ou administratrice",
}


class Unit(SQLModel, table=True):
    """An organisational unit (direction, service)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)


class User(SQLModel, table=True):
    """A signed-in person: every idea, mine and déminage is signed by one."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=120)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    role: str = Field(default=Role.agent, sa_type=String(20))
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # « Qui peut déminer ? »: the categories one is happy to be asked about, or a plain no.
    ask_subjects: str = Field(default="", max_length=300)
    ask_opt_out: bool = False

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.manager, Role.admin)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


class UserSession(SQLModel, table=True):
    """A server-side sign-in session; the cookie holds a random token, we keep its hash."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    # Sessions opened through ProConnect keep its ID token: signing out goes through the
    # provider's end-session endpoint, which asks for it.
    oidc_id_token: str = Field(default="", sa_type=Text)


class ExternalIdentity(SQLModel, table=True):
    """An account's identity at ProConnect: the pair (idp_id, sub), never the e-mail alone."""

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("idp_id", "sub", name="uq_identity_idp_sub"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    idp_id: str = Field(max_length=200)
    sub: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OidcLogin(SQLModel, table=True):
    """A sign-in under way at ProConnect: its state and nonce, kept here and used once."""

    __tablename__ = "oidc_login"

    state: str = Field(max_length=128, primary_key=True)
    nonce: str = Field(max_length=128)
    next_url: str = Field(default="/", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """A personal API token; only its hash is stored, the token is shown once."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=80)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AccountInvitation(SQLModel, table=True):
    """An admin's invitation to create an account with a given role and unit (an invitation to
    look at a mine is a `MineInvitation`)."""

    # The table kept its first name: the personal-data download names tables.
    __tablename__ = "invitation"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    name: str = Field(max_length=120)
    role: str = Field(default=Role.agent, sa_type=String(20))
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    invited_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EmailConfirmation(SQLModel, table=True):
    """A self-registered account waiting for its owner to follow the link sent to its address:
    until then the account is inactive, and it never stands in the way of that address's owner
    (a new registration or a ProConnect sign-in replaces it)."""

    __tablename__ = "email_confirmation"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", unique=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """A failed sign-in, kept briefly to rate-limit by account and by address."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
