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
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path

from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

from app.background import PeriodicWorker
from app.config import Settings
from app.db import session_scope
from app.models import OutboxMessage
from app.models.base import utcnow
from app.services import emails, legal

log = logging.getLogger("demineurs.mail")
CLAIM_TIMEOUT = timedelta(minutes=10)


# The body in quoted-printable UTF-8: readable in any client, safe for any relay.
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP
# Long header lines are kept whole: a folded List-Unsubscribe URL would break one-click.
_UNFOLDED = compat32.clone(max_line_length=998)


def _address(value: str) -> str:
    """An address header, its display name encoded when it is not ASCII (RFC 2047)."""
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if address else value


def where_to_write(settings: Settings) -> str:
    """The last lines of every e-mail: no « do not reply » dead end. A reply reaches the contact
    only when it is an address (the Reply-To); a web address (a form) is where to write;
    otherwise, the legal notice gives the administration's details."""
    contact = legal.read_contact(settings.contact_email)
    if contact and contact.is_email:
        return (
            f"Une question, un problème\u202f? Écrivez à {contact.text}\u00a0: "
            "répondre à ce message suffit.\n"
        )
    if contact and contact.is_web:
        # No Reply-To then: the page, last on its line so that no client links the punctuation;
        # whole, so that a mail client makes it a link.
        return (
            "Une question, un problème\u202f? Écrivez à l’administration depuis cette page, "
            f"plutôt qu’en répondant à ce message\u00a0: {contact.href}\n"
        )
    return (
        "Une question, un problème\u202f? Les coordonnées de l’administration sont sur "
        f"{settings.base_url.rstrip('/')}/mentions-legales#contact\n"
    )


def build(settings: Settings, message: OutboxMessage) -> Message:
    """The MIME message of an outbox row, ending with where to write.

    Built with the classic `email.mime` classes: the `EmailMessage` API parses every header
    it is given, which cost 1.5 ms a message, five times this."""
    closing = where_to_write(settings)
    text = MIMEText(f"{message.body}\n{closing}", "plain", _UTF8)  # type: ignore[arg-type]  # a Charset works: typeshed says str
    email: Message = text
    if message.html_body:
        # The same words in HTML beside the plain text: the client shows the one it prefers.
        email = MIMEMultipart("alternative")
        email.attach(text)
        html = emails.document(message.subject, message.html_body, closing.strip())
        email.attach(MIMEText(html, "html", _UTF8))  # type: ignore[arg-type]  # as above
    email.policy = _UNFOLDED
    email["From"] = _address(settings.mail_from)
    address = legal.email_address(settings.contact_email)
    if address:
        email["Reply-To"] = _address(address)
    email["To"] = _address(message.to_email)
    # Folded into encoded words of at most 75 characters, as RFC 2047 asks.
    email["Subject"] = Header(message.subject, "utf-8").encode()
    email["Message-ID"] = make_msgid(domain="demineurs.localhost")
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return email


class Postman:
    """Hands messages to the configured backend: over SMTP, one connection for a whole batch
    (a TLS handshake per message would cost more than the message). Use it as a context."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Postman":
        return self

    def __exit__(self, *exc: object) -> None:
        self._hang_up()

    def send(self, email: Message) -> None:
        """Hand one message over; raises when it cannot (the next one starts afresh)."""
        settings = self.settings
        if settings.mail_backend == "console":
            print(email.as_string(), flush=True)
        elif settings.mail_backend == "file":
            folder = Path(settings.mail_dir)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{utcnow():%Y%m%d-%H%M%S-%f}.eml").write_bytes(bytes(email))
        else:
            try:
                self._connection().send_message(email)
            except Exception:
                self._hang_up()
                raise

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            settings = self.settings
            context = ssl.create_default_context()
            if settings.smtp_security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.smtp_host,
                    settings.smtp_port,
                    timeout=settings.smtp_timeout_seconds,
                    context=context,
                )
            else:
                smtp = smtplib.SMTP(
                    settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
                )
            try:
                if settings.smtp_security == "starttls":
                    smtp.starttls(context=context)
                if settings.smtp_user:
                    smtp.login(settings.smtp_user, settings.smtp_password)
            except Exception:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def _hang_up(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


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
        .returning(col(OutboxMessage.id)),
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
        with Postman(settings) as postman:
            for message in messages:
                message.attempts += 1
                try:
                    postman.send(build(settings, message))
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
        if len(ids) < batch:
            return sent, failed  # nothing else was waiting when this batch was claimed


class OutboxSender(PeriodicWorker):
    """The worker's own sender: one thread, woken after each commit that queued e-mail, sends
    what waits and sleeps again — never in a request's way, and no thread started per write.
    Started at the first wake; `stop` lets it finish the batch in hand."""

    name = "outbox"
    log = log
    failure = "outbox delivery failed"  # the next wake, or `send-outbox`, tries again

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__()
        self.engine = engine
        self.settings = settings
        self.sending = threading.Lock()  # held while a batch goes out

    def wake(self) -> None:
        self.start()
        super().wake()

    def turn(self) -> None:
        # A message queued meanwhile has set the event again: the next turn sends it.
        with self.sending:
            deliver_pending(self.engine, self.settings)
