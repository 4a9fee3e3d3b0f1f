"""Personal data: what the tool holds about a person, for them to download; closing an account."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, delete
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, or_, select

from app.models import (
    ApiToken,
    CoCarrier,
    Follow,
    Idea,
    IdeaStatus,
    Notification,
    NotificationPreference,
    OutboxMessage,
    Support,
    User,
)
from app.models.base import stored_ids
from app.services import retention, sessions, users, visibility

FORMER_AGENT = "Compte supprimé"

# Columns never handed out, even to their owner: secrets kept only as hashes, or that sign in.
SECRET_COLUMNS = {"password_hash", "token_hash", "oidc_id_token"}
# Columns that identify a person without an account's id: an address typed or written to, the
# identity ProConnect gave, a rate limit's key (a network address, an address typed, an account).
IDENTITY_COLUMNS = frozenset(
    {
        "external_identity.idp_id",
        "external_identity.sub",
        "invitation.email",
        "invitation.name",
        "login_attempt.key",
        "outbox_message.to_email",
        "user_session.oidc_id_token",
    }
)


def person_columns() -> list[tuple[Table, Column]]:
    """Every (table, column) that holds a person's id: the map of what the tool knows of them."""
    return [
        (table, column)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if any(fk.column.table.name == "user" for fk in column.foreign_keys)
    ]


def personal_columns() -> set[str]:
    """Every column that holds personal data, as « table.column »: the account's own, every
    reference to a person (`person_columns`) and the identities kept without one
    (`IDENTITY_COLUMNS`). The record of processing declares each (app/personal_data.toml)."""
    account = {f"user.{c.name}" for c in SQLModel.metadata.tables["user"].columns}
    references = {f"{table.name}.{column.name}" for table, column in person_columns()}
    return account | references | IDENTITY_COLUMNS


def personal_data(session: Session, user: User) -> dict[str, object]:
    """Everything the tool holds about one person, for them to download (RGPD, art. 15): their
    account, then every row of every table that names them, found from the schema itself."""

    def plain(value: object) -> object:
        return value.isoformat() if hasattr(value, "isoformat") else value

    unit = users.unit_of(session, user)
    data: dict[str, Any] = {
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
    data["notification"] = _notifications_as_read(session, user, data["notification"])
    # Texts about an idea that may quote one of its mines hidden since: as the app shows them.
    for key, idea_key, columns in (
        ("idea", "id", ("lesson",)),
        ("outcome", "idea_id", ("text",)),
        ("milestone", "idea_id", ("text", "lesson")),
    ):
        data[key] = _texts_as_read(session, user, data[key], idea_key, columns)
    return data


def _texts_as_read(
    session: Session,
    user: User,
    items: list[dict[str, Any]],
    idea_key: str,
    columns: tuple[str, ...],
) -> list[dict[str, Any]]:
    """Rows whose texts are masked whole where the app masks them (`visibility`)."""
    texts = iter(
        visibility.redact_messages(
            session, user, [(item[idea_key], item[c]) for item in items for c in columns]
        )
    )
    return [{**item, **{c: next(texts) for c in columns}} for item in items]


def _notifications_as_read(
    session: Session, user: User, items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The person's notifications as the app shows them now (hidden content masked)."""
    whys = visibility.notification_whys(
        [(n["kind"], n["mine_id"], n["deminage_id"]) for n in items]
    )
    messages = visibility.redact_messages(
        session, user, [(n["idea_id"], n["message"]) for n in items], whys
    )
    return [{**n, "message": m} for n, m in zip(items, messages, strict=True)]


def close_account(session: Session, user: User, now: datetime) -> None:
    """Erase the person's personal data; their published contributions stay, signed
    « Compte supprimé ». Their drafts, sessions, tokens, notifications and pending
    invitations to co-carry an idea go."""
    drafts = stored_ids(
        session.exec(
            select(Idea.id).where(
                col(Idea.author_id) == user.id, col(Idea.status) == IdeaStatus.draft
            )
        ).all()
    )
    retention.delete_drafts(session, drafts)
    owned: tuple[type[Notification | NotificationPreference | Follow | Support | ApiToken], ...]
    owned = (Notification, NotificationPreference, Follow, Support, ApiToken)
    for model in owned:
        session.exec(delete(model).where(col(model.user_id) == user.id))
    # Invitations to co-carry an idea not answered yet, to them or from them, go (with the words
    # they carry); a co-porteur who accepted stays named on the idea, as « Compte supprimé ».
    session.exec(
        delete(CoCarrier).where(
            col(CoCarrier.accepted_at).is_(None),
            or_(CoCarrier.user_id == user.id, CoCarrier.invited_by_id == user.id),
        )
    )
    sessions.end_all_sessions(session, user)
    # What others were told about them names them no more; mail to them, sent or not, goes.
    for notification in session.exec(select(Notification).where(Notification.actor_id == user.id)):
        notification.message = notification.message.replace(user.name, FORMER_AGENT)
        session.add(notification)
    session.exec(delete(OutboxMessage).where(col(OutboxMessage.to_email) == user.email))
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
