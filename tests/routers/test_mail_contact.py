"""No « ne pas répondre » dead end: every e-mail (received by a real SMTP server) says where to
write, and a reply reaches the administration's contact address."""

import re
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlmodel import Session

from app.config import Settings
from app.mail import where_to_write
from app.main import create_app
from tests.conftest import Clock, WebClient
from tests.factories import make_idea, make_user
from tests.html import mail_body
from tests.routers.test_notifications import Inbox, free_port


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def mailing_app(settings: Settings, clock: Clock, port: int, **changes: object) -> FastAPI:
    return create_app(
        settings.model_copy(
            update={
                "mail_backend": "smtp",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_timeout_seconds": 2,
                "base_url": "http://demineurs.test",
                "allowed_email_domains": "ville.fr",
                **changes,
            }
        ),
        clock=clock,
    )


def send_two_kinds(
    app: FastAPI, clock: Clock, handler: Inbox, host: str | None = None
) -> list[EmailMessage]:
    """A notification (a mine on someone's idea) and a registration's confirmation link."""
    with Session(app.state.engine, expire_on_commit=False) as db:
        author = make_user(db, name="Amina Diallo", email="amina@ville.fr")
        colleague = make_user(db, name="Julien Moreau", unit="Finances")
        idea = make_idea(db, author, clock.now, title="Rendez-vous en ligne")
        db.commit()
    # One client: the app's e-mail sender stops when its last client leaves.
    with WebClient(app, follow_redirects=False) as client:
        if host is not None:
            client.headers["host"] = host
        registration = {"email": "nouvelle@ville.fr", "name": "Nouvelle Venue", "unit": "RH"}
        answer = client.post_form("/register", registration)
        assert answer.status_code in (200, 303), answer.text
        client.login(colleague)
        mine = {"category": "budget", "severity": "major", "title": "Coût", "body": "Qui paie ?"}
        assert client.post_form(f"/ideas/{idea.id}/mines", mine).status_code == 303
        return handler.wait_for(2)


def test_every_e_mail_tells_where_to_write_and_a_reply_reaches_the_contact(
    settings: Settings, clock: Clock, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    app = mailing_app(settings, clock, port, contact_email="demineurs@ville.fr")
    messages = send_two_kinds(app, clock, handler)
    app.state.engine.dispose()
    assert sorted(m["To"] for m in messages) == ["amina@ville.fr", "nouvelle@ville.fr"]
    for message in messages:
        assert message["Reply-To"] == "demineurs@ville.fr"
        assert "ne-pas-repondre" not in message["From"]
        last = mail_body(message).rstrip().splitlines()[-1]
        assert last == (
            "Une question, un problème\u202f? Écrivez à demineurs@ville.fr\u00a0: "
            "répondre à ce message suffit."
        )


def test_when_the_contact_is_a_web_form_e_mails_send_there_and_never_say_a_reply_suffices(
    settings: Settings, clock: Clock, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    form = "https://www.ville.fr/contact-demineurs"
    app = mailing_app(settings, clock, port, contact_email=form)
    messages = send_two_kinds(app, clock, handler)
    app.state.engine.dispose()
    assert len(messages) == 2
    for message in messages:
        assert message["Reply-To"] is None  # a reply would reach the sender, not the contact
        text = mail_body(message)
        assert "répondre à ce message suffit" not in text
        last = text.rstrip().splitlines()[-1]
        assert last == (
            "Une question, un problème\u202f? Écrivez à l’administration depuis cette page, "
            f"plutôt qu’en répondant à ce message\u00a0: {form}"
        )
    # Both come in HTML too, with the same last words.
    htmls = [p.get_content() for m in messages if (p := m.get_body(("html",))) is not None]
    assert len(htmls) == 2
    for html in htmls:
        assert "répondre à ce message suffit" not in html and form in html


def test_without_a_contact_address_e_mails_lead_to_the_legal_notice(
    settings: Settings, clock: Clock, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    app = mailing_app(settings, clock, port)
    messages = send_two_kinds(app, clock, handler)
    app.state.engine.dispose()
    assert len(messages) == 2
    for message in messages:
        assert message["Reply-To"] is None
        last = mail_body(message).rstrip().splitlines()[-1]
        assert last.endswith("sont sur http://demineurs.test/mentions-legales#contact")


def test_under_a_forged_host_header_e_mails_link_to_the_configured_address(
    settings: Settings, clock: Clock, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    app = mailing_app(settings, clock, port, contact_email="demineurs@ville.fr")
    messages = send_two_kinds(app, clock, handler, host="piege.example")
    app.state.engine.dispose()
    for message in messages:
        text = mail_body(message)
        links = re.findall(r"https?://[^\s<>\"]+", text)
        assert links and all(link.startswith("http://demineurs.test/") for link in links), links
        assert "piege.example" not in message.as_string()


@pytest.mark.parametrize(
    ("contact", "last_words"),
    [
        (
            "mailto:demineurs@ville.fr",
            "Écrivez à demineurs@ville.fr\u00a0: répondre à ce message suffit.",
        ),
        (
            "https://www.ville.fr/contact",
            "plutôt qu’en répondant à ce message\u00a0: https://www.ville.fr/contact",
        ),
        (
            "Service du numérique, poste 1234",
            "sont sur http://demineurs.test/mentions-legales#contact",
        ),
    ],
)
def test_the_last_words_follow_what_the_contact_is(
    settings: Settings, contact: str, last_words: str
) -> None:
    changed = settings.model_copy(
        update={"contact_email": contact, "base_url": "http://demineurs.test"}
    )
    assert where_to_write(changed).rstrip().endswith(last_words)
