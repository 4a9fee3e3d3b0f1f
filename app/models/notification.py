"""Notifications, per-kind preferences, the e-mail outbox, follows and supports."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class NotificationKind(StrEnum):
    mine_on_my_idea = "mine_on_my_idea"
    deminage_on_my_mine = "deminage_on_my_mine"
    deminage_on_my_idea = "deminage_on_my_idea"
    my_deminage_accepted = "my_deminage_accepted"
    my_mine_defused = "my_mine_defused"
    my_deminage_dismissed = "my_deminage_dismissed"
    idea_ripe = "idea_ripe"
    followed_idea_status = "followed_idea_status"
    mention = "mention"
    invitation = "invitation"
    draft_expiring = "draft_expiring"
    call_opened = "call_opened"
    call_closing = "call_closing"
    call_sponsor = "call_sponsor"
    call_idea_merged = "call_idea_merged"
    question_on_my_mine = "question_on_my_mine"
    mine_scope_settled = "mine_scope_settled"
    decision_outcome = "decision_outcome"
    merged_into_my_idea = "merged_into_my_idea"
    project_milestone = "project_milestone"
    co_carrier = "co_carrier"
    moderation = "moderation"
    mine_reopened = "mine_reopened"
    my_deminage_unaccepted = "my_deminage_unaccepted"


KIND_LABELS: dict[str, str] = {
    NotificationKind.mine_on_my_idea: "Une mine est posée sur mon idée",
    NotificationKind.deminage_on_my_mine: "Un déminage répond à ma mine",
    NotificationKind.deminage_on_my_idea: "Un déminage répond à une mine de mon idée",
    NotificationKind.my_deminage_accepted: "Un de mes déminages est accepté",
    NotificationKind.my_mine_defused: "Ma mine est désamorcée (je peux la rouvrir)",
    NotificationKind.my_deminage_dismissed: (
        "Un de mes déminages est jugé «\u00a0ne répond pas\u00a0»"
    ),
    NotificationKind.idea_ripe: "Une idée que j’ai écrite ou aidée devient mûre",
    NotificationKind.followed_idea_status: "Une idée que je suis change de statut",
    NotificationKind.mention: "On me mentionne avec @",
    NotificationKind.invitation: "On m’invite à regarder une mine",
    NotificationKind.draft_expiring: "Un de mes brouillons va être supprimé faute d’activité",
    NotificationKind.call_opened: "Un appel à idées s’ouvre pour moi",
    NotificationKind.call_closing: "Un appel à idées qui me concerne va se clore",
    NotificationKind.call_sponsor: (
        "On me nomme sponsor d’un appel à idées, ou l’on confie l’un des miens à quelqu’un d’autre"
    ),
    NotificationKind.call_idea_merged: (
        "Une idée d’un appel à idées dont je suis sponsor est fusionnée dans une autre"
    ),
    NotificationKind.question_on_my_mine: (
        "On m’interroge sur une de mes mines\u00a0: sa portée, ce sur quoi elle s’appuie"
    ),
    NotificationKind.mine_scope_settled: (
        "La portée d’une mine de mon idée, ou d’une des miennes, est tranchée"
    ),
    NotificationKind.decision_outcome: "Une idée à laquelle j’ai pris part reçoit une décision",
    NotificationKind.merged_into_my_idea: "Une idée est fusionnée dans une idée que je porte",
    NotificationKind.project_milestone: "Un projet auquel j’ai pris part franchit une étape",
    NotificationKind.co_carrier: (
        "On m’invite à co-porter une idée, ou l’on répond à mon invitation"
    ),
    NotificationKind.moderation: (
        "La modération masque ou rétablit une idée que je porte, une de mes mines ou un de mes "
        "déminages"
    ),
    NotificationKind.mine_reopened: "Une mine d’une idée que je porte est rouverte",
    NotificationKind.my_deminage_unaccepted: (
        "Un de mes déminages n’est plus retenu\u00a0: la mine est rouverte"
    ),
}


class Channel(StrEnum):
    app = "app"  # in the app only
    email = "email"  # in the app and by e-mail at once
    digest = "digest"  # in the app and in the daily digest


CHANNEL_LABELS = {
    Channel.app: "Dans l’application seulement",
    Channel.email: "Par e-mail tout de suite",
    Channel.digest: "Dans le résumé quotidien",
}
DEFAULT_CHANNELS = {
    NotificationKind.mine_on_my_idea: Channel.email,
    NotificationKind.deminage_on_my_mine: Channel.email,
    NotificationKind.deminage_on_my_idea: Channel.email,
    NotificationKind.my_deminage_accepted: Channel.digest,
    NotificationKind.my_mine_defused: Channel.email,
    NotificationKind.my_deminage_dismissed: Channel.email,
    NotificationKind.idea_ripe: Channel.email,
    NotificationKind.followed_idea_status: Channel.digest,
    NotificationKind.mention: Channel.email,
    NotificationKind.draft_expiring: Channel.email,
    NotificationKind.invitation: Channel.email,
    # Told by the daily command, which sends the digest right after.
    NotificationKind.call_opened: Channel.digest,
    NotificationKind.call_closing: Channel.digest,
    # The sponsor decides every idea of the call: told at once.
    NotificationKind.call_sponsor: Channel.email,
    NotificationKind.call_idea_merged: Channel.email,
    NotificationKind.question_on_my_mine: Channel.email,
    NotificationKind.mine_scope_settled: Channel.digest,
    NotificationKind.decision_outcome: Channel.email,
    NotificationKind.merged_into_my_idea: Channel.email,
    NotificationKind.project_milestone: Channel.digest,
    NotificationKind.co_carrier: Channel.email,
    NotificationKind.moderation: Channel.email,
    NotificationKind.mine_reopened: Channel.email,
    NotificationKind.my_deminage_unaccepted: Channel.email,
}


class Notification(SQLModel, table=True):
    """Something that happened that one person should know about."""

    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(sa_type=String(40))
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    idea_id: int | None = Field(default=None, foreign_key="idea.id", index=True)
    # What the e-mail quotes, read again (through visibility) when a digest is written.
    mine_id: int | None = Field(default=None, foreign_key="mine.id")
    deminage_id: int | None = Field(default=None, foreign_key="deminage.id")
    message: str = Field(sa_type=Text)
    url: str = Field(max_length=300)
    channel: str = Field(default=Channel.app, sa_type=String(10))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When it went out by e-mail (at once, or in a digest); None until then.
    mailed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NotificationPreference(SQLModel, table=True):
    __tablename__ = "notification_preference"

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    kind: str = Field(sa_type=String(40), primary_key=True)
    channel: str = Field(sa_type=String(10))


class OutboxMessage(SQLModel, table=True):
    """An e-mail waiting to go out: written in the user's transaction, sent after it, retried."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=120, unique=True)
    to_email: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body: str = Field(sa_type=Text)
    # The same message in HTML, sent beside the plain text (multipart/alternative); "" for none.
    html_body: str = Field(default="", sa_type=Text)
    unsubscribe_url: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)


class Follow(SQLModel, table=True):
    idea_id: int = Field(foreign_key="idea.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Support(SQLModel, table=True):
    """« Je soutiens »: one per person and idea."""

    idea_id: int = Field(foreign_key="idea.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
