"""Accounts, units, sign-in with rate limits, server-side sessions, API tokens, invitations."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, Table, bindparam, delete, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from app.config import Settings
from app.db import holds_write_lock, read_rows, session_scope
from app.errors import Conflict, InvalidInput, NotFound, RateLimited
from app.models import (
    ApiToken,
    EmailConfirmation,
    Idea,
    IdeaStatus,
    Invitation,
    LoginAttempt,
    OutboxMessage,
    Role,
    Unit,
    User,
    UserSession,
)
from app.models.base import utcnow
from app.schemas import clean_text
from app.security import hash_password, new_token, token_hash, verify_password
from app.services import audit

PASSWORD_MIN = 10
ROLES = tuple(r.value for r in Role)


def normalise_email(email: str) -> str:
    return email.strip().lower()


# One plain mailbox, nothing else: no list (`a@x.fr,b@y.fr`), no second `@`, no display name,
# quotes, comment or route; ASCII (RFC 5321 dot-atom) so that the domain compared is the
# domain the mail goes to.
_MAILBOX = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})",
    re.ASCII,
)


def parse_email(email: str) -> tuple[str, str] | None:
    """The normalised address and its domain, when `email` is exactly one plain mailbox."""
    address = normalise_email(email)
    found = _MAILBOX.fullmatch(address)
    if found is None or len(address) > 254 or len(address.partition("@")[0]) > 64:
        return None
    return address, found.group(1)


def _looks_like_email(email: str) -> bool:
    return parse_email(email) is not None


def get_or_create_unit(session: Session, name: str) -> Unit:
    """The unit with that name, created when new."""
    name = " ".join(clean_text(name).split())
    unit = session.exec(select(Unit).where(Unit.name == name)).first()
    if unit is None:
        unit = Unit(name=name)
        session.add(unit)
        session.flush()
    return unit


_UNITS = select(Unit.id, Unit.name).order_by(Unit.name)


def list_units(session: Session) -> list[Any]:
    """Every unit, by name (rows with its id and name, for a page's filters)."""
    return list(read_rows(session, _UNITS))


def unit_of(session: Session, user: User) -> Unit | None:
    """The account's unit, if it has one."""
    return session.get(Unit, user.unit_id) if user.unit_id else None


def get_user(session: Session, user_id: int) -> User:
    """The user with that id, or NotFound."""
    user = session.get(User, user_id) if 0 < user_id < 2**31 else None
    if user is None:
        raise NotFound("Compte introuvable.")
    return user


def get_by_email(session: Session, email: str) -> User | None:
    """The account with that e-mail, if any."""
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def validate_account_fields(
    email: str, name: str, unit: str, role: str, password: str | None
) -> dict[str, str]:
    """French errors for an account's fields, keyed by field."""
    errors: dict[str, str] = {}
    if not _looks_like_email(normalise_email(email)):
        errors["email"] = "Adresse e-mail invalide (exemple : prenom.nom@ville.fr)."
    if not clean_text(name) or len(name) > 120:
        errors["name"] = "Le nom est obligatoire (120 caractères au plus)."
    if not clean_text(unit) or len(unit) > 200:
        errors["unit"] = "Le service est obligatoire (200 caractères au plus)."
    if role not in ROLES:
        errors["role"] = "Choisissez un rôle : agent, manager ou admin."
    if password is not None and not PASSWORD_MIN <= len(password) <= 200:
        errors["password"] = f"Le mot de passe fait {PASSWORD_MIN} caractères au moins."
    return errors


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    unit: str,
    role: str = Role.agent,
    password: str | None = None,
) -> User:
    """A new account; refuses a taken e-mail."""
    errors = validate_account_fields(email, name, unit, role, password)
    if not errors and get_by_email(session, email) is not None:
        errors["email"] = "Un compte existe déjà avec cette adresse."
    if errors:
        raise InvalidInput(errors)
    user = User(
        email=normalise_email(email),
        name=" ".join(clean_text(name).split()),
        unit_id=get_or_create_unit(session, unit).id,
        role=role,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def update_account(
    session: Session,
    user: User,
    *,
    role: str,
    unit: str,
    active: bool,
    actor: User | None = None,
) -> None:
    """An admin (or the command line: no actor) changes role, unit or activity; sessions end
    and the audit log records it when rights change."""
    errors = validate_account_fields(user.email, user.name, unit, role, None)
    if errors:
        raise InvalidInput(errors)
    rights_changed = role != user.role or active != user.is_active
    if rights_changed:
        audit.record(
            session,
            actor,
            "role_changed",
            f"user:{user.id}",
            {"role": str(user.role), "active": user.is_active},
            {"role": role, "active": active},
            utcnow(),
        )
    user.role = role
    user.unit_id = get_or_create_unit(session, unit).id
    user.is_active = active
    session.add(user)
    if rights_changed:
        end_all_sessions(session, user)


def set_password(session: Session, user: User, password: str) -> None:
    """Change the password and end every session of that account."""
    if not PASSWORD_MIN <= len(password) <= 200:
        raise InvalidInput(
            {"password": f"Le mot de passe fait {PASSWORD_MIN} caractères au moins."}
        )
    user.password_hash = hash_password(password)
    session.add(user)
    end_all_sessions(session, user)


def list_users(session: Session) -> list[tuple[User, Unit | None]]:
    """Every account with its unit, by name."""
    rows = session.exec(
        select(User, Unit)
        .join(Unit, col(User.unit_id) == Unit.id, isouter=True)
        .order_by(User.name)
    )
    return list(rows.all())


# --- sign-in and rate limits ------------------------------------------------------------


@dataclass(frozen=True)
class LoginLimits:
    per_account: int
    per_address: int
    window: timedelta


def _limits(settings: Settings) -> LoginLimits:
    return LoginLimits(
        settings.login_max_failures_per_account,
        settings.login_max_failures_per_address,
        timedelta(minutes=settings.login_window_minutes),
    )


def _failures_since(session: Session, key: str, since: datetime) -> tuple[int, datetime | None]:
    count, oldest = session.exec(
        select(func.count(), func.min(LoginAttempt.created_at)).where(
            LoginAttempt.key == key, LoginAttempt.created_at >= since
        )
    ).one()
    if oldest is not None and oldest.tzinfo is None:  # aggregates skip the column type
        oldest = oldest.replace(tzinfo=UTC)
    return count, oldest


def throttle(
    session: Session, key: str, limit: int, window: timedelta, message: str, now: datetime
) -> None:
    """Count one more event under `key`; refuse (429, Retry-After) past `limit` per `window`.

    The events are rows in the same table as failed sign-ins, so every instance sees them."""
    since = now - window
    count, oldest = _failures_since(session, key, since)
    if count >= limit:
        retry = int(((oldest or now) + window - now).total_seconds()) + 1
        raise RateLimited(message, retry_after=max(retry, 1))
    session.add(LoginAttempt(key=key, created_at=now))
    if count == 0:  # now and then, forget this key's old events
        session.exec(
            delete(LoginAttempt).where(
                LoginAttempt.key == key, col(LoginAttempt.created_at) < since
            )
        )


def throttle_writes(session: Session, settings: Settings, user: User, now: datetime) -> None:
    throttle(
        session,
        f"write:{user.id}",
        settings.writes_per_minute,
        timedelta(minutes=1),
        "Vous êtes allé·e très vite : attendez un instant avant de recommencer.",
        now,
    )


def authenticate(
    session: Session, settings: Settings, email: str, password: str, address: str
) -> User | None:
    """The account if e-mail and password match; counts failures and refuses when too many."""
    limits = _limits(settings)
    now = utcnow()
    since = now - limits.window
    keys = [
        (f"account:{normalise_email(email)}", limits.per_account),
        (f"address:{address}", limits.per_address),
    ]
    for key, limit in keys:
        count, oldest = _failures_since(session, key, since)
        if count >= limit:
            retry = int(((oldest or now) + limits.window - now).total_seconds()) + 1
            raise RateLimited(
                "Trop de tentatives de connexion. Réessayez dans quelques minutes.",
                retry_after=max(retry, 1),
            )
    user = get_by_email(session, email)
    ok = verify_password(password, user.password_hash if user else None)
    if not ok or user is None or not user.is_active:
        for key, _ in keys:
            session.add(LoginAttempt(key=key, created_at=now))
        session.exec(
            delete(LoginAttempt).where(col(LoginAttempt.created_at) < since - limits.window)
        )
        return None
    session.exec(delete(LoginAttempt).where(LoginAttempt.key == keys[0][0]))
    user.last_login_at = now
    session.add(user)
    return user


def start_session(session: Session, settings: Settings, user: User, oidc_id_token: str = "") -> str:
    """A fresh session (renewed at every sign-in); returns the cookie's token."""
    token = new_token()
    session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user.id,  # type: ignore[arg-type]
            expires_at=utcnow() + timedelta(days=settings.session_days),
            oidc_id_token=oidc_id_token,
        )
    )
    return token


# The sign-in lookups every request makes: built once, one row, the user as a model.
_SESSION_USER = (
    select(User, UserSession.expires_at)
    .join(User, col(UserSession.user_id) == User.id)
    .where(UserSession.token_hash == bindparam("hash"))
)
_TOKEN_USER = (
    select(User, ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at)
    .join(User, col(ApiToken.user_id) == User.id)
    .where(ApiToken.token_hash == bindparam("hash"))
)


def user_for_session(session: Session, token: str) -> User | None:
    """The active account behind a session cookie, if the session is still valid."""
    row = session.exec(_SESSION_USER, params={"hash": token_hash(token)}).first()  # type: ignore[call-overload]
    if row is None:
        return None
    user, expires_at = row
    if expires_at < utcnow() or not user.is_active:
        return None
    return user  # type: ignore[no-any-return]


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
    session.exec(delete(UserSession).where(UserSession.user_id == user.id))


# --- API tokens --------------------------------------------------------------------------


TOKEN_NAME_MAX = 80


def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal token; the clear token is returned once and never stored."""
    name = clean_text(name)
    if len(name) > TOKEN_NAME_MAX:
        raise InvalidInput({"name": f"{TOKEN_NAME_MAX} caractères au plus."})
    name = name or "Jeton personnel"
    token = new_token("dmn_")
    api_token = ApiToken(
        user_id=user.id,  # type: ignore[arg-type]
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


def revoke_api_token(session: Session, user: User, token_id: int) -> None:
    """Revoke one of the account's own tokens."""
    api_token = session.get(ApiToken, token_id)
    if api_token is None or api_token.user_id != user.id:
        raise NotFound("Jeton introuvable.")
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        session.add(api_token)


def user_for_api_token(session: Session, token: str) -> User | None:
    """The active account behind a bearer token that is not revoked."""
    row = session.exec(_TOKEN_USER, params={"hash": token_hash(token)}).first()  # type: ignore[call-overload]
    if row is None:
        return None
    user, token_id, revoked_at, last_used_at = row
    if revoked_at is not None or not user.is_active:
        return None
    now = utcnow()
    # Written at most once a minute, in its own short write transaction: the request's own
    # transaction stays a read when the request only reads (a read that turns into a write
    # fails on SQLite if another writer committed since it began).
    if last_used_at is None or now - last_used_at > timedelta(minutes=1):
        touch = update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=now)
        if holds_write_lock(session):
            session.exec(touch)
        else:
            with session_scope(session.get_bind().engine, write=True) as writer:  # type: ignore[union-attr]
                writer.exec(touch)
    return user


# --- invitations and self-registration ------------------------------------------------


def invite(
    session: Session, admin: User, *, email: str, name: str, unit: str, role: str
) -> tuple[Invitation, str]:
    """An invitation valid 14 days; returns it with the secret for its link."""
    errors = validate_account_fields(email, name, unit, role, None)
    if not errors and get_by_email(session, email) is not None:
        errors["email"] = "Un compte existe déjà avec cette adresse."
    if errors:
        raise InvalidInput(errors)
    token = new_token()
    invitation = Invitation(
        email=normalise_email(email),
        name=" ".join(clean_text(name).split()),
        role=role,
        unit_id=get_or_create_unit(session, unit).id,
        token_hash=token_hash(token),
        invited_by_id=admin.id,
        expires_at=utcnow() + timedelta(days=14),
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def pending_invitation(session: Session, token: str) -> Invitation:
    """The invitation behind a link, if it is still valid."""
    invitation = session.exec(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    ).first()
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < utcnow():
        raise NotFound("Cette invitation n'existe pas, a expiré ou a déjà servi.")
    return invitation


def accept_invitation(session: Session, token: str, password: str) -> User:
    """Create the invited account with the chosen password."""
    invitation = pending_invitation(session, token)
    unit = session.get(Unit, invitation.unit_id) if invitation.unit_id else None
    if get_by_email(session, invitation.email) is not None:
        raise Conflict("Un compte existe déjà avec cette adresse.")
    user = create_user(
        session,
        email=invitation.email,
        name=invitation.name,
        unit=unit.name if unit else "Sans service",
        role=invitation.role,
        password=password,
    )
    invitation.accepted_at = utcnow()
    session.add(invitation)
    return user


CONFIRMATION_TTL = timedelta(hours=48)


def _pending_registration(session: Session, user: User) -> EmailConfirmation | None:
    if user.is_active:
        return None
    return session.exec(
        select(EmailConfirmation).where(EmailConfirmation.user_id == user.id)
    ).first()


def drop_pending_registration(session: Session, email: str) -> None:
    """An account registered with this address but never confirmed goes: it proved nothing,
    and must not stand in the way of the address's owner."""
    user = get_by_email(session, email)
    pending = _pending_registration(session, user) if user is not None else None
    if user is not None and pending is not None:
        session.delete(pending)
        session.exec(delete(LoginAttempt).where(LoginAttempt.key == f"account:{user.email}"))
        session.flush()
        session.delete(user)
        session.flush()


def _purge_expired_registrations(session: Session, now: datetime, batch: int = 50) -> None:
    """Registrations never confirmed in time go, a few at each new one: they hold an address
    and a name that nobody proved theirs."""
    expired = session.exec(
        select(EmailConfirmation.id, EmailConfirmation.user_id)
        .where(col(EmailConfirmation.expires_at) < now)
        .limit(batch)
    ).all()
    if expired:
        session.exec(
            delete(EmailConfirmation).where(col(EmailConfirmation.id).in_([e[0] for e in expired]))
        )
        session.exec(
            delete(User).where(
                col(User.id).in_([e[1] for e in expired]), col(User.is_active).is_(False)
            )
        )


def register(
    session: Session,
    settings: Settings,
    *,
    email: str,
    name: str,
    unit: str,
    now: datetime,
) -> tuple[User, str]:
    """Self-registration, open only to the allowed e-mail domains: the account stays inactive,
    without a password, until the owner of the address follows the single-use link sent there
    and chooses one (whoever asked for the account never holds its password). Returns the
    account and the link's secret."""
    from app.services import notifications

    parsed = parse_email(email)
    if parsed is None:
        raise InvalidInput(
            {
                "email": "Adresse e-mail invalide (une seule adresse, "
                "exemple\u00a0: prenom.nom@ville.fr)."
            }
        )
    address, domain = parsed
    if domain not in settings.allowed_domains:
        raise InvalidInput(
            {
                "email": "Cette adresse n’est pas d’un domaine autorisé\u00a0: "
                "demandez une invitation."
            }
        )
    drop_pending_registration(session, address)
    _purge_expired_registrations(session, now)
    user = create_user(session, email=address, name=name, unit=unit, role=Role.agent)
    user.is_active = False
    session.add(user)
    token = new_token()
    session.add(
        EmailConfirmation(
            user_id=user.id,  # type: ignore[arg-type]
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + CONFIRMATION_TTL,
        )
    )
    mailer = notifications.mailer_of(session)
    session.add(
        OutboxMessage(
            dedupe_key=f"confirm:{token_hash(token)[:40]}",
            to_email=address,
            subject="Les démineurs — confirmez votre adresse e-mail",
            body=(
                f"Bonjour {user.name},\n\n"
                "Un compte a été demandé sur Les démineurs avec cette adresse. Pour l’activer, "
                f"ouvrez ce lien dans les 48\u00a0heures\u00a0:\n{mailer.base_url}"
                f"/register/confirm/{token}\n\n"
                "Si vous n’avez rien demandé, ignorez ce message\u00a0: le compte ne sera pas "
                "activé.\n"
            ),
        )
    )
    session.info[notifications.OUTBOX_FLAG] = True
    return user, token


def pending_confirmation(
    session: Session, token: str, now: datetime
) -> tuple[EmailConfirmation, User]:
    """The registration a confirmation link belongs to, while it is valid."""
    confirmation = session.exec(
        select(EmailConfirmation).where(EmailConfirmation.token_hash == token_hash(token))
    ).first()
    if confirmation is None or confirmation.expires_at < now:
        raise NotFound(
            "Ce lien de confirmation n’existe pas, a expiré ou a déjà servi\u00a0: "
            "inscrivez-vous de nouveau."
        )
    return confirmation, session.get_one(User, confirmation.user_id)


def confirm_registration(
    session: Session, token: str, password: str, password_confirm: str, now: datetime
) -> User:
    """The owner of the address followed the link and chose the password: the account is
    active; the link is spent."""
    confirmation, user = pending_confirmation(session, token, now)
    if password != password_confirm:
        raise InvalidInput({"password_confirm": "Les deux mots de passe diffèrent."})
    set_password(session, user, password)
    session.delete(confirmation)
    user.is_active = True
    session.add(user)
    return user


def set_asking(session: Session, user: User, subjects: list[str], *, opt_out: bool) -> None:
    """Store the categories one may be asked about (known ones only), or the opt-out."""
    from app.models.mine import MineCategory

    user.ask_subjects = ",".join(s for s in subjects if s in set(MineCategory))
    user.ask_opt_out = opt_out
    session.add(user)


FORMER_AGENT = "Ancien·ne agent·e"


def delete_drafts(session: Session, ids: list[int]) -> None:
    """Delete drafts entirely, with their revisions and history: nobody else ever saw them."""
    from app.models import Follow, IdeaEvent, IdeaRevision, IdeaTheme, Notification, Support

    if ids:
        for model in (IdeaTheme, IdeaRevision, IdeaEvent, Follow, Support, Notification):
            session.exec(delete(model).where(col(model.idea_id).in_(ids)))  # type: ignore[attr-defined]
        session.exec(delete(Idea).where(col(Idea.id).in_(ids), Idea.status == IdeaStatus.draft))


def purge_stale_drafts(
    session: Session, settings: Settings, mailer: Any, now: datetime
) -> tuple[int, int]:
    """Retention: tell authors of drafts untouched for long that they will go, then delete
    those still untouched once the notice period is over. Returns (told, deleted)."""
    from app.models import NotificationKind
    from app.services import notifications

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
        when = (max(idea.updated_at + keep, now + notice)).date().strftime("%d/%m/%Y")
        notifications.notify(
            session,
            mailer,
            author,
            NotificationKind.draft_expiring,
            None,
            idea,
            f"Votre brouillon « {idea.title} » n'a pas bougé depuis longtemps : il sera supprimé "
            f"le {when} si vous ne le modifiez ou ne le publiez pas d'ici là.",
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
    delete_drafts(session, list(due))  # type: ignore[arg-type]
    return told, len(due)


# Columns never handed out, even to their owner: secrets kept only as hashes, or that sign in.
SECRET_COLUMNS = {"password_hash", "token_hash", "oidc_id_token"}


def person_columns() -> list[tuple[Table, Column]]:  # type: ignore[type-arg]
    """Every (table, column) that holds a person's id: the map of what the tool knows of them."""
    return [
        (table, column)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if any(fk.column.table.name == "user" for fk in column.foreign_keys)
    ]


def personal_data(session: Session, user: User) -> dict[str, object]:
    """Everything the tool holds about one person, for them to download (RGPD, art. 15): their
    account, then every row of every table that names them, found from the schema itself."""

    def plain(value: object) -> object:
        return value.isoformat() if hasattr(value, "isoformat") else value

    unit = unit_of(session, user)
    data: dict[str, object] = {
        "account": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "unit": unit.name if unit else None,
            "role": user.role,
            "created_at": user.created_at.isoformat(),
            "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
            "ask_subjects": user.ask_subjects,
            "ask_opt_out": user.ask_opt_out,
        }
    }
    for table, column in person_columns():
        owner = column.name in ("author_id", "user_id")
        # What the person wrote or owns comes whole; a row that only names them (a mine they
        # defused, an entry they are the actor of) comes as references and dates: its text is
        # someone else's, and may be hidden from them.
        shown = [
            c
            for c in table.columns
            if c.name not in SECRET_COLUMNS
            and (owner or c.primary_key or c.foreign_keys or c.name.endswith("_at"))
        ]
        rows = session.connection().execute(
            sa_select(*shown).where(column == user.id).order_by(*table.primary_key.columns)
        )
        key = table.name if owner else f"{table.name}.{column.name}"
        if key in data:
            key = f"{table.name}.{column.name}"
        data[key] = [{k: plain(v) for k, v in row._mapping.items()} for row in rows]
    data["notification"] = _notifications_as_read(session, user, data["notification"])  # type: ignore[arg-type]
    return data


def _notifications_as_read(
    session: Session, user: User, items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The person's notifications as the app shows them now (hidden content masked)."""
    from app.services import visibility

    messages = visibility.redact_messages(
        session, user, [(n["idea_id"], n["message"]) for n in items]
    )
    return [{**n, "message": m} for n, m in zip(items, messages, strict=True)]


def close_account(session: Session, user: User, now: datetime) -> None:
    """Erase the person's personal data; their published contributions stay, signed
    « Ancien·ne agent·e ». Their drafts, sessions, tokens and notifications go."""
    from app.models import (
        Follow,
        Idea,
        IdeaStatus,
        Notification,
        NotificationPreference,
        OutboxMessage,
        Support,
    )

    drafts = list(
        session.exec(
            select(Idea.id).where(Idea.author_id == user.id, Idea.status == IdeaStatus.draft)
        )
    )
    delete_drafts(session, drafts)  # type: ignore[arg-type]
    for model in (Notification, NotificationPreference, Follow, Support, ApiToken):
        session.exec(delete(model).where(model.user_id == user.id))  # type: ignore[attr-defined]
    end_all_sessions(session, user)
    # What others were told about them names them no more; mail not yet sent to them is dropped.
    for notification in session.exec(select(Notification).where(Notification.actor_id == user.id)):
        notification.message = notification.message.replace(user.name, FORMER_AGENT)
        session.add(notification)
    session.exec(
        delete(OutboxMessage).where(
            OutboxMessage.to_email == user.email, col(OutboxMessage.sent_at).is_(None)
        )  # type: ignore[call-overload]
    )
    for message in session.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.sent_at).is_(None), col(OutboxMessage.body).contains(user.name)
        )
    ):
        message.subject = message.subject.replace(user.name, FORMER_AGENT)
        message.body = message.body.replace(user.name, FORMER_AGENT)
        session.add(message)
    user.name = FORMER_AGENT
    user.email = f"compte-ferme-{user.id}@invalid"
    user.password_hash = None
    user.ask_subjects = ""
    user.ask_opt_out = True
    user.is_active = False
    session.add(user)
