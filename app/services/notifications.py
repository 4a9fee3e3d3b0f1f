"""Notifications: who is told what, in the app and by e-mail (at once or in the daily digest)."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, func, or_, update
from sqlmodel import Session, col, select

from app.config import Settings, get_settings
from app.db import read_rows
from app.errors import NotFound
from app.formatting import typeset
from app.models import (
    Channel,
    Deminage,
    Follow,
    Idea,
    Mine,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    Support,
    User,
)
from app.models.base import pk
from app.models.notification import DEFAULT_CHANNELS, KIND_LABELS
from app.services import emails, visibility
from app.services.permissions import can_view_idea, check_follow, check_support, raise_if

MENTION = re.compile(r"(?<![\w.])@([a-z0-9][a-z0-9._-]{1,60})", re.IGNORECASE)
OUTBOX_FLAG = "outbox_queued"


@dataclass(frozen=True)
class Mailer:
    """What the services need to write an e-mail: the public address and the secret."""

    base_url: str
    secret_key: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "Mailer":
        return cls(settings.base_url.rstrip("/"), settings.secret_key)

    def unsubscribe_token(self, user_id: int, kind: str | None) -> str:
        return URLSafeSerializer(self.secret_key, salt="unsubscribe").dumps(
            {"u": user_id, "k": kind}
        )

    def unsubscribe_url(self, user_id: int, kind: str | None) -> str:
        return f"{self.base_url}/unsubscribe/{self.unsubscribe_token(user_id, kind)}"


MAILER_KEY = "mailer"


def mailer_of(session: Session) -> Mailer:
    """The mailer the request (or command) put on its session; else one from the settings."""
    mailer = session.info.get(MAILER_KEY)
    return mailer if isinstance(mailer, Mailer) else Mailer.from_settings(get_settings())


def read_unsubscribe_token(secret_key: str, token: str) -> tuple[int, str | None] | None:
    try:
        data = URLSafeSerializer(secret_key, salt="unsubscribe").loads(token)
        return int(data["u"]), data.get("k")
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def channels_for(session: Session, user_id: int) -> dict[str, str]:
    """The person's channel for every kind (their choice, or the default)."""
    chosen = {
        p.kind: p.channel
        for p in session.exec(
            select(NotificationPreference).where(NotificationPreference.user_id == user_id)
        )
    }
    return {kind: chosen.get(kind, default) for kind, default in DEFAULT_CHANNELS.items()}


def set_channels(session: Session, user_id: int, channels: dict[str, str]) -> None:
    """Store the person's choice per kind (unknown kinds or channels are ignored)."""
    for kind, channel in channels.items():
        if kind not in set(NotificationKind) or channel not in set(Channel):
            continue
        row = session.get(NotificationPreference, (user_id, kind)) or NotificationPreference(
            user_id=user_id, kind=kind, channel=channel
        )
        row.channel = channel
        session.add(row)


class About(NamedTuple):
    """What a notification is about, quoted in its e-mail: a mine, or a déminage and its mine."""

    mine: Mine
    deminage: Deminage | None = None


def _quote(session: Session, about: About | None) -> emails.Quote | None:
    """The words of the déminage (or else the mine) the notification is about, signed, if
    anyone may read them (never hidden content: `visibility.public`)."""
    if about is None:
        return None
    item: Mine | Deminage = about.deminage or about.mine
    if not visibility.public(item, about.mine if about.deminage else None):
        return None
    author = session.get(User, item.author_id)
    return emails.Quote(author.name if author else "", item.body) if item.body else None


def notify(
    session: Session,
    mailer: Mailer,
    recipient: User,
    kind: NotificationKind,
    actor: User | None,
    idea: Idea,
    message: str,
    anchor: str,
    now: datetime,
    subject: str | None = None,
    about: About | None = None,
    link_to: Idea | None = None,
) -> Notification | None:
    """Tell one person; nobody is told of their own action, nor of what they may not see.
    The e-mail's subject is the message, unless a shorter one is given; it quotes what it is
    `about` (the mine's or the déminage's own words). It leads to `anchor` on the idea's page,
    or on `link_to`'s (a merged idea's news is read on the idea it joined)."""
    if actor is not None and recipient.id == actor.id:
        return None
    if not recipient.is_active or not can_view_idea(recipient, idea):
        return None
    channel = channels_for(session, pk(recipient))[kind]
    notification = Notification(
        user_id=pk(recipient),
        kind=kind,
        actor_id=actor.id if actor else None,
        idea_id=idea.id,
        mine_id=about.mine.id if about else None,
        deminage_id=about.deminage.id if about and about.deminage else None,
        message=message,
        url=f"/ideas/{(link_to or idea).id}{anchor}",
        channel=channel,
        created_at=now,
        mailed_at=now if channel == Channel.email else None,
    )
    session.add(notification)
    if channel == Channel.email:
        session.flush()  # its id names the e-mail
        item = emails.Item(message, f"{mailer.base_url}{notification.url}", _quote(session, about))
        queue_email(
            session,
            mailer,
            recipient,
            key=f"notification:{notification.id}",
            subject=f"Les démineurs — {typeset(subject or message)}",
            body=emails.notification_text(recipient.name, item, idea.title),
            html=emails.notification_html(recipient.name, item, idea.title),
            kind=kind,
        )
    return notification


def notify_page(
    session: Session,
    mailer: Mailer,
    recipient: User,
    kind: NotificationKind,
    actor: User | None,
    message: str,
    url: str,
    now: datetime,
) -> Notification | None:
    """Tell one person of something that is no idea (a call for ideas), leading to `url`; never
    of their own action."""
    if (actor is not None and recipient.id == actor.id) or not recipient.is_active:
        return None
    channel = channels_for(session, pk(recipient))[kind]
    notification = Notification(
        user_id=pk(recipient),
        kind=kind,
        actor_id=actor.id if actor else None,
        message=message,
        url=url,
        channel=channel,
        created_at=now,
        mailed_at=now if channel == Channel.email else None,
    )
    session.add(notification)
    if channel == Channel.email:
        session.flush()  # its id names the e-mail
        item = emails.Item(message, f"{mailer.base_url}{url}")
        queue_email(
            session,
            mailer,
            recipient,
            key=f"notification:{notification.id}",
            subject=f"Les démineurs — {message}",
            body=emails.notification_text(recipient.name, item, None),
            html=emails.notification_html(recipient.name, item, None),
            kind=kind,
        )
    return notification


def queue_email(
    session: Session,
    mailer: Mailer,
    recipient: User,
    *,
    key: str,
    subject: str,
    body: str,
    html: str,
    kind: str | None,
    notice: bool = True,
) -> None:
    """Put an e-mail in the outbox, in the caller's transaction; sent after the commit: the
    same words in plain text (`body`) and in HTML (`html`, from `emails`). A notice ends with
    how to stop it (the one-click unsubscribe and the preferences); an e-mail that is no notice
    (`notice=False`: a registration's link) has neither."""
    unsubscribe = mailer.unsubscribe_url(pk(recipient), kind) if notice else ""
    if notice:
        stop = (
            "Ne plus recevoir par e-mail les notifications "
            f"«\u00a0{KIND_LABELS[kind].lower()}\u00a0»"
            if kind in KIND_LABELS
            else "Ne plus recevoir aucun e-mail des démineurs"
        )
        preferences = f"{mailer.base_url}/notifications/preferences"
        body += emails.footer_text(stop, unsubscribe, preferences)
        html += emails.footer_html(stop, unsubscribe, preferences)
    session.add(
        OutboxMessage(
            dedupe_key=key,
            to_email=recipient.email,
            subject=subject[:300],
            body=body,
            html_body=html,
            unsubscribe_url=unsubscribe,
        )
    )
    session.info[OUTBOX_FLAG] = True


def notify_followers(
    session: Session, mailer: Mailer, idea: Idea, actor: User | None, message: str, now: datetime
) -> None:
    """Tell everyone who follows the idea that its status changed."""
    followers = session.exec(
        select(User).join(Follow, col(Follow.user_id) == User.id).where(Follow.idea_id == idea.id)
    ).all()
    for follower in followers:
        notify(
            session,
            mailer,
            follower,
            NotificationKind.followed_idea_status,
            actor,
            idea,
            message,
            "",
            now,
        )


def notify_mentions(
    session: Session,
    mailer: Mailer,
    text_: str,
    actor: User,
    idea: Idea,
    anchor: str,
    now: datetime,
    about: About | None = None,
) -> None:
    """Tell each colleague mentioned as @prenom.nom (their e-mail's local part)."""
    handles = {m.lower() for m in MENTION.findall(text_ or "")}
    if not handles:
        return
    candidates = session.exec(
        select(User).where(or_(*[col(User.email).like(f"{h}@%") for h in handles]))
    ).all()
    for person in candidates:
        if person.email.split("@", 1)[0].lower() not in handles:
            continue  # LIKE's wildcards matched more than the exact handle
        notify(
            session,
            mailer,
            person,
            NotificationKind.mention,
            actor,
            idea,
            f"{actor.name} vous mentionne sur l’idée «\u00a0{idea.title}\u00a0»",
            anchor,
            now,
            about=about,
        )


_UNREAD = (
    select(func.count())
    .select_from(Notification)
    .where(Notification.user_id == bindparam("user"), col(Notification.read_at).is_(None))
)


def unread_count(session: Session, user: User) -> int:
    """The counter every page shows in its header."""
    return int(read_rows(session, _UNREAD, {"user": user.id})[0][0])


class NotificationLine(NamedTuple):
    """A notification as its reader sees it (hidden content masked: `visibility`)."""

    id: int
    kind: str
    message: str
    url: str
    created_at: datetime
    read_at: datetime | None


def list_for(session: Session, user: User, limit: int = 50) -> list[NotificationLine]:
    """The person's notifications, newest first, as they may read them now."""
    items = list(
        session.exec(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
            .limit(limit)
        )
    )
    messages = _as_read(session, user, items)
    return [
        NotificationLine(pk(n), n.kind, message, n.url, n.created_at, n.read_at)
        for n, message in zip(items, messages, strict=True)
    ]


def _as_read(session: Session, user: User, items: list[Notification]) -> list[str]:
    """The notifications' messages as their reader may read them now (`visibility`)."""
    whys = visibility.notification_whys([(n.kind, n.mine_id, n.deminage_id) for n in items])
    return visibility.redact_messages(session, user, [(n.idea_id, n.message) for n in items], whys)


def open_notification(session: Session, user: User, notification_id: int, now: datetime) -> str:
    """Mark one notification read and return where it leads (only one's own)."""
    notification = (
        session.get(Notification, notification_id) if 0 < notification_id < 2**31 else None
    )
    if notification is None or notification.user_id != user.id:
        raise NotFound("Cette notification n’existe pas.")
    if notification.read_at is None:
        notification.read_at = now
        session.add(notification)
    return notification.url


def mark_all_read(session: Session, user: User, now: datetime) -> None:
    session.execute(
        update(Notification)
        .where(col(Notification.user_id) == user.id, col(Notification.read_at).is_(None))
        .values(read_at=now)
    )


def build_digests(session: Session, mailer: Mailer, now: datetime) -> int:
    """One e-mail per person gathering their digest notifications not mailed yet; idempotent."""
    pending = session.exec(
        select(Notification, User)
        .join(User, col(Notification.user_id) == User.id)
        .where(Notification.channel == Channel.digest, col(Notification.mailed_at).is_(None))
        .order_by(col(Notification.id))
    ).all()
    by_user: dict[int, list[Notification]] = defaultdict(list)
    people: dict[int, User] = {}
    for notification, user in pending:
        by_user[pk(user)].append(notification)
        people[pk(user)] = user
    for user_id, items in by_user.items():
        user = people[user_id]
        for item in items:
            item.mailed_at = now
            session.add(item)
        if not user.is_active:
            continue
        messages = _as_read(session, user, items)
        digest = [
            emails.Item(
                message,
                f"{mailer.base_url}{n.url}",
                # A masked line quotes nothing; a quote is read again now, as it stands.
                _quote(session, _about(session, n)) if message == n.message else None,
            )
            for n, message in zip(items, messages, strict=True)
        ]
        queue_email(
            session,
            mailer,
            user,
            key=f"digest:{user_id}:{items[-1].id}",
            subject=f"Les démineurs — votre résumé\u00a0: {_news(len(items))}",
            body=emails.digest_text(user.name, digest),
            html=emails.digest_html(user.name, digest),
            kind=None,
        )
    return len(by_user)


def _news(count: int) -> str:
    return "1 nouvelle" if count == 1 else f"{count} nouvelles"


def _about(session: Session, notification: Notification) -> About | None:
    mine = session.get(Mine, notification.mine_id) if notification.mine_id else None
    if mine is None:
        return None
    deminage = session.get(Deminage, notification.deminage_id) if notification.deminage_id else None
    return About(mine, deminage)


# --- following and supporting -------------------------------------------------------------


def toggle(session: Session, model: type[Follow] | type[Support], user: User, idea: Idea) -> bool:
    """Follow / support, or stop; returns whether it is now on."""
    existing = session.get(model, (idea.id, user.id))
    supporting = existing is not None
    raise_if(check_follow(user, idea) if model is Follow else check_support(user, idea, supporting))
    if existing is None:
        session.add(model(idea_id=pk(idea), user_id=pk(user)))
        return True
    session.delete(existing)
    return False


_FOLLOWS = select(Follow.user_id).where(
    Follow.idea_id == bindparam("idea"), Follow.user_id == bindparam("user")
)
_SUPPORTERS = (
    select(User.id, User.name)
    .join(Support, col(Support.user_id) == User.id)
    .where(Support.idea_id == bindparam("idea"))
    .order_by(col(Support.created_at))
)


def follows(session: Session, user: User, idea: Idea) -> bool:
    return bool(read_rows(session, _FOLLOWS, {"idea": idea.id, "user": user.id}))


def supporters(session: Session, idea: Idea) -> list[Any]:
    """Who supports the idea, first supporters first (rows with their id and name)."""
    return list(read_rows(session, _SUPPORTERS, {"idea": idea.id}))
