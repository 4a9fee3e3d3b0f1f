"""Self-registration on the allowed e-mail domains, confirmed by a link sent to the address."""

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.addresses import parse_email
from app.config import Settings
from app.errors import InvalidInput, NotFound
from app.models import EmailConfirmation, LoginAttempt, Role, User
from app.models.base import pk
from app.security import new_token, token_hash
from app.services import emails, notifications, users

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
    user = users.get_by_email(session, email)
    pending = _pending_registration(session, user) if user is not None else None
    if user is not None and pending is not None:
        session.delete(pending)
        session.exec(delete(LoginAttempt).where(col(LoginAttempt.key) == f"account:{user.email}"))
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
    user = users.create_user(session, email=address, name=name, unit=unit, role=Role.agent)
    user.is_active = False
    session.add(user)
    token = new_token()
    session.add(
        EmailConfirmation(
            user_id=pk(user),
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + CONFIRMATION_TTL,
        )
    )
    mailer = notifications.mailer_of(session)
    link = f"{mailer.base_url}/register/confirm/{token}"
    hours = int(CONFIRMATION_TTL.total_seconds() // 3600)
    notifications.queue_email(
        session,
        mailer,
        user,
        key=f"confirm:{token_hash(token)[:40]}",
        subject="Les démineurs — confirmez votre adresse e-mail",
        body=emails.confirmation_text(user.name, link, hours),
        html=emails.confirmation_html(user.name, link, hours),
        kind=None,
        notice=False,  # not a notification: nothing to unsubscribe from
    )
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
    users.set_password(session, user, password)
    session.delete(confirmation)
    user.is_active = True
    session.add(user)
    return user
