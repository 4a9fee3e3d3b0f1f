"""Account invitations: an admin invites a person by e-mail; the link creates their account."""

from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.errors import Conflict, InvalidInput, NotFound
from app.models import AccountInvitation, Unit, User
from app.security import new_token, token_hash
from app.services import users

INVITATION_TTL = timedelta(days=14)


def invite(
    session: Session, admin: User, *, email: str, name: str, unit: str, role: str, now: datetime
) -> tuple[AccountInvitation, str]:
    """An invitation valid 14 days from `now`; returns it with the secret for its link."""
    users.validate_new_account(session, email, name, unit, role, None)
    token = new_token()
    invitation = AccountInvitation(
        email=users.normalise_email(email),
        name=users.clean_name(name),
        role=role,
        unit_id=users.get_or_create_unit(session, unit).id,
        token_hash=token_hash(token),
        invited_by_id=admin.id,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def pending_invitation(session: Session, token: str, now: datetime) -> AccountInvitation:
    """The invitation behind a link, if it is still valid at `now`."""
    invitation = session.exec(
        select(AccountInvitation).where(AccountInvitation.token_hash == token_hash(token))
    ).first()
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < now:
        raise NotFound("Cette invitation n’existe pas, a expiré ou a déjà servi.")
    return invitation


def accept_invitation(
    session: Session, token: str, password: str, password_confirm: str, now: datetime
) -> User:
    """Create the invited account with the chosen password, typed twice alike."""
    invitation = pending_invitation(session, token, now)
    if password != password_confirm:
        raise InvalidInput({"password_confirm": "Les deux mots de passe diffèrent."})
    unit = session.get(Unit, invitation.unit_id) if invitation.unit_id else None
    if users.get_by_email(session, invitation.email) is not None:
        raise Conflict("Un compte existe déjà avec cette adresse.")
    user = users.create_user(
        session,
        email=invitation.email,
        name=invitation.name,
        unit=unit.name if unit else "Sans service",
        role=invitation.role,
        password=password,
    )
    invitation.accepted_at = now
    session.add(invitation)
    return user
