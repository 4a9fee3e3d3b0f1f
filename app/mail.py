"""Sending e-mail from the outbox: SMTP in production, files or the console in development.

Messages are written to the outbox in the user's own transaction and sent afterwards: a write
never waits for, nor fails because of, the mail server. Each message is claimed before it is
sent and marked sent after, so two senders never send it twice; a failure leaves it for the
next run (`demineurs send-outbox`, or the next write).
"""

import logging
import smtplib
import ssl
import threading
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import session_scope
from app.models import OutboxMessage
from app.models.base import utcnow

log = logging.getLogger("demineurs.mail")
CLAIM_TIMEOUT = timedelta(minutes=10)
_sending = threading.Lock()


def build(settings: Settings, message: OutboxMessage) -> EmailMessage:
    # Long header lines are kept whole: a folded List-Unsubscribe URL would break one-click.
    email = EmailMessage(policy=policy.default.clone(max_line_length=998))
    email["From"] = settings.mail_from
    email["To"] = message.to_email
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="demineurs.localhost")
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body)
    return email


def transmit(settings: Settings, email: EmailMessage) -> None:
    """Hand one message to the configured backend; raises when it cannot."""
    if settings.mail_backend == "console":
        print(email.as_string(), flush=True)
        return
    if settings.mail_backend == "file":
        folder = Path(settings.mail_dir)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%d-%H%M%S-%f}.eml"
        (folder / name).write_bytes(bytes(email))
        return
    context = ssl.create_default_context()
    smtp_class = smtplib.SMTP_SSL if settings.smtp_security == "ssl" else smtplib.SMTP
    kwargs = {"context": context} if settings.smtp_security == "ssl" else {}
    with smtp_class(
        settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds, **kwargs
    ) as smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(email)


def _claim(session: Session, limit: int, now: datetime, tried: set[int]) -> list[int]:
    """Take up to `limit` waiting messages in one short write transaction: unsent, not tried
    yet by this run, and not taken by another sender (or taken so long ago that it must have
    died)."""
    claimable = (
        col(OutboxMessage.sent_at).is_(None),
        or_(
            col(OutboxMessage.claimed_at).is_(None),
            col(OutboxMessage.claimed_at) < now - CLAIM_TIMEOUT,
        ),
    )
    waiting = (
        select(OutboxMessage.id)
        .where(*claimable, col(OutboxMessage.id).not_in(tried))
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    claimed = session.execute(
        update(OutboxMessage)
        # Checked again on the row itself: PostgreSQL re-reads a row another sender just
        # claimed, which then no longer matches.
        .where(col(OutboxMessage.id).in_(waiting.scalar_subquery()), *claimable)
        .values(claimed_at=now)
        .returning(OutboxMessage.id),
        execution_options={"synchronize_session": False},
    ).scalars()
    return sorted(claimed)


def deliver_pending(engine: Engine, settings: Settings, batch: int = 50) -> tuple[int, int]:
    """Send what waits in the outbox; returns (sent, failed). Safe to run from several places.

    Messages are claimed by batches, sent outside any transaction (the mail server may be
    slow: the database's write lock is never held meanwhile), then marked sent — or released
    with the error — by batches: two short write transactions per batch. A crash between
    sending and marking sends those again later (at least once, never lost)."""
    sent = failed = 0
    tried: set[int] = set()
    while True:
        with session_scope(engine, write=True) as session:
            ids = _claim(session, batch, utcnow(), tried)
            messages = (
                session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids))).all()
                if ids
                else []
            )
        if not messages:
            return sent, failed
        tried.update(ids)
        for message in messages:
            message.attempts += 1
            try:
                transmit(settings, build(settings, message))
            except Exception as exc:  # noqa: BLE001  (any failure: keep it for the next run)
                message.claimed_at = None
                message.last_error = str(exc)[:500]
                failed += 1
                log.warning("mail to %s not sent yet: %s", message.to_email, exc)
            else:
                message.sent_at = utcnow()
                sent += 1
        with session_scope(engine, write=True) as session:
            for message in messages:
                session.add(message)


def deliver_in_background(engine: Engine, settings: Settings) -> None:
    """Send the outbox from a thread, after the response: never in the user's way."""

    def run() -> None:
        if not _sending.acquire(blocking=False):
            return  # another thread of this process is already sending
        try:
            # Again while something went out: messages queued meanwhile are sent too.
            while deliver_pending(engine, settings)[0]:
                pass
        except Exception:  # noqa: BLE001
            log.exception("outbox delivery failed")
        finally:
            _sending.release()

    threading.Thread(target=run, name="outbox", daemon=True).start()
