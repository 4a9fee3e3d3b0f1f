"""Accounts and units: create, find and list them; change a role, a unit, a password."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app import formatting
from app.addresses import parse_email
from app.db import read_rows
from app.errors import InvalidInput, NotFound
from app.models import Role, Unit, User
from app.schemas import clean_text
from app.security import hash_password
from app.services import audit, sessions
from app.services.permissions import check_change_rights, raise_if

PASSWORD_MIN = 10
ROLES = tuple(r.value for r in Role)


def normalise_email(email: str) -> str:
    """The address as accounts store it: trimmed, lower case."""
    return email.strip().lower()


def _looks_like_email(email: str) -> bool:
    return parse_email(email) is not None


def clean_name(name: str) -> str:
    """A person's or a unit's name as stored: cleaned, inner spaces collapsed."""
    return " ".join(clean_text(name).split())


def get_or_create_unit(session: Session, name: str) -> Unit:
    """The unit with that name, created when new."""
    name = clean_name(name)
    unit = session.exec(select(Unit).where(Unit.name == name)).first()
    if unit is None:
        unit = Unit(name=name)
        session.add(unit)
        session.flush()
    return unit


_UNITS = select(Unit.id, Unit.name)


def list_units(session: Session) -> list[Any]:
    """Every unit, by name in French dictionary order (« archives », « Éducation », « Voirie »:
    the database's order is by code point, É after Z), as rows with its id and name, for a
    page's filters and choices."""
    return sorted(read_rows(session, _UNITS), key=lambda row: formatting.french_order(row.name))


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
        errors["email"] = "Adresse e-mail invalide (exemple\u00a0: prenom.nom@ville.fr)."
    if not clean_text(name) or len(name) > 120:
        errors["name"] = "Le nom est obligatoire (120 caractères au plus)."
    if not clean_text(unit) or len(unit) > 200:
        errors["unit"] = "Le service est obligatoire (200 caractères au plus)."
    if role not in ROLES:
        errors["role"] = "Choisissez un rôle\u00a0: agent, manager ou admin."
    if password is not None and not PASSWORD_MIN <= len(password) <= 200:
        errors["password"] = f"Le mot de passe fait {PASSWORD_MIN} caractères au moins."
    return errors


def validate_new_account(
    session: Session, email: str, name: str, unit: str, role: str, password: str | None
) -> None:
    """Refuse, field by field, an account that cannot be created (a taken e-mail included)."""
    errors = validate_account_fields(email, name, unit, role, password)
    if not errors and get_by_email(session, email) is not None:
        errors["email"] = "Un compte existe déjà avec cette adresse."
    if errors:
        raise InvalidInput(errors)


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
    validate_new_account(session, email, name, unit, role, password)
    user = User(
        email=normalise_email(email),
        name=clean_name(name),
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
    now: datetime,
    actor: User | None = None,
) -> None:
    """An admin (or the command line: no actor) changes role, unit or activity; sessions end
    and the audit log records it when rights change."""
    if actor is not None:
        raise_if(check_change_rights(actor, user, role, active))
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
            now,
        )
    user.role = role
    user.unit_id = get_or_create_unit(session, unit).id
    user.is_active = active
    session.add(user)
    if rights_changed:
        sessions.end_all_sessions(session, user)


def set_password(session: Session, user: User, password: str) -> None:
    """Change the password and end every session of that account."""
    if not PASSWORD_MIN <= len(password) <= 200:
        raise InvalidInput(
            {"password": f"Le mot de passe fait {PASSWORD_MIN} caractères au moins."}
        )
    user.password_hash = hash_password(password)
    session.add(user)
    sessions.end_all_sessions(session, user)


def list_users(session: Session) -> list[tuple[User, Unit | None]]:
    """Every account with its unit, by name in French dictionary order."""
    rows = session.exec(select(User, Unit).join(Unit, col(User.unit_id) == Unit.id, isouter=True))
    return sorted(rows.all(), key=lambda row: formatting.french_order(row[0].name))


def set_asking(session: Session, user: User, subjects: list[str], *, opt_out: bool) -> None:
    """Store the categories one may be asked about (known ones only), or the opt-out."""
    from app.models.mine import MineCategory

    user.ask_subjects = ",".join(s for s in subjects if s in set(MineCategory))
    user.ask_opt_out = opt_out
    session.add(user)
