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
from app.db import WRITE_TRANSACTION
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


def _claim(session: Session, message_id: int, now: datetime) -> bool:
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            col(OutboxMessage.sent_at).is_(None),
            or_(
                col(OutboxMessage.claimed_at).is_(None),
                col(OutboxMessage.claimed_at) < now - CLAIM_TIMEOUT,
            ),
        )
        .values(claimed_at=now)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def deliver_pending(engine: Engine, settings: Settings, limit: int = 500) -> tuple[int, int]:
    """Send what waits in the outbox; returns (sent, failed). Safe to run from several places."""
    sent = failed = 0
    # Every transaction here writes: take SQLite's write lock at BEGIN, so that a busy app
    # makes this wait its turn rather than fail with « database is locked ».
    writer = engine.execution_options(**{WRITE_TRANSACTION: True})
    with Session(writer, expire_on_commit=False) as session:
        pending = list(
            session.exec(
                select(OutboxMessage.id)
                .where(col(OutboxMessage.sent_at).is_(None))
                .order_by(col(OutboxMessage.id))
                .limit(limit)
            )
        )
        for message_id in pending:
            now = utcnow()
            if not _claim(session, message_id, now):  # type: ignore[arg-type]
                continue
            message = session.get_one(OutboxMessage, message_id)
            try:
                transmit(settings, build(settings, message))
            except Exception as exc:  # noqa: BLE001  (any failure: keep it for the next run)
                message.claimed_at = None
                message.attempts += 1
                message.last_error = str(exc)[:500]
                failed += 1
                log.warning("mail to %s not sent yet: %s", message.to_email, exc)
            else:
                message.sent_at = utcnow()
                message.attempts += 1
                sent += 1
            session.add(message)
            session.commit()
    return sent, failed


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
