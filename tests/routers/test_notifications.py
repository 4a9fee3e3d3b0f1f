"""Notifications in the app and by e-mail (a real SMTP server): outbox, digest, unsubscribe."""

import re
import socket
import threading
import time
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlmodel import Session, select

from app import mail
from app.config import Settings
from app.main import create_app
from app.models import IdeaStatus, Notification, OutboxMessage, Role, User
from app.models.base import pk
from app.services import calls, notifications
from tests.conftest import ApiClient, Clock, MakeClient, WebClient, soup, text_of
from tests.factories import make_call, make_deminage, make_idea, make_mine, make_user
from tests.html import attr, mail_body, one


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

        self.connections: set[tuple[str, int]] = set()
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return "550 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.connections.add(session.peer)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port: int):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def smtp_settings(settings: Settings, smtp_port: int) -> Settings:
    return settings.model_copy(
        update={
            "mail_backend": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_timeout_seconds": 2,
            "base_url": "http://demineurs.test",
        }
    )


@pytest.fixture
def app(smtp_settings: Settings, clock: Clock) -> FastAPI:  # overrides the default app
    return create_app(smtp_settings, clock=clock)


def test_mine_on_my_idea_is_mailed_at_once_with_a_working_unsubscribe(
    make_client: MakeClient, db: Session, clock: Clock, inbox: Inbox, app: FastAPI
) -> None:
    author = make_user(db, name="Amina Diallo", email="amina@ville.fr")
    colleague = make_user(db, name="Julien Moreau", unit="Finances")
    idea = make_idea(db, author, clock.now, title="Rendez-vous en ligne")
    db.commit()
    response = make_client(colleague).post_form(
        f"/ideas/{idea.id}/mines",
        {"category": "budget", "severity": "major", "title": "Coût", "body": "Qui paie\u202f?"},
    )
    assert response.status_code == 303
    [message] = inbox.wait_for(1)
    assert message["To"] == "amina@ville.fr"
    assert (
        message["Subject"] == "Les démineurs — Julien Moreau a posé une mine «\u00a0Coût\u00a0» "
        "sur votre idée «\u00a0Rendez-vous en ligne\u00a0»"
    )
    body = mail_body(message)
    assert body.startswith("Bonjour Amina Diallo,")
    assert f"http://demineurs.test/ideas/{idea.id}#mine-" in body
    one_click = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert one_click in body
    # A mail client posts the one-click link: no session, no CSRF token, from elsewhere.
    with TestClient(app) as outside:
        done = outside.post(
            one_click.replace("http://demineurs.test", ""),
            data={"List-Unsubscribe": "One-Click"},
            headers={"Origin": "https://mail.example"},
        )
        assert done.status_code == 200 and "C’est fait" in done.text
        assert outside.post("/unsubscribe/forged-token").status_code == 404
    db.rollback()  # see the app's latest writes: end the read snapshot…
    db.expire_all()  # …and forget what was loaded
    assert notifications.channels_for(db, pk(author))["mine_on_my_idea"] == "app"
    # Still told in the app, no longer by e-mail.
    make_client(make_user_committed(db, unit="DSI")).post_form(
        f"/ideas/{idea.id}/mines", {"category": "legal", "severity": "minor", "body": "Autre"}
    )
    time.sleep(0.5)
    assert len(inbox.messages) == 1
    db.rollback()  # see the app's latest writes
    assert len(db.exec(select(Notification).where(Notification.user_id == author.id)).all()) == 2


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain text and the HTML of a multipart/alternative e-mail."""
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content().replace("\r\n", "\n"), html.get_content()


def test_e_mails_quote_what_happened_in_plain_text_and_in_html(
    make_client: MakeClient, db: Session, clock: Clock, inbox: Inbox
) -> None:
    """The mine's own words, who wrote them and on which idea, in both parts; a small HTML part
    with nothing to fetch from elsewhere. The idea's author also hears of each déminage on its
    mines (they may accept it), by e-mail unless they chose otherwise."""
    author = make_user(db, name="Amina Diallo", email="amina@ville.fr")
    layer = make_user(db, name="Julien Moreau", unit="Finances", email="julien@ville.fr")
    helper = make_user(db, name="Fatou Sow", unit="Juridique")
    idea = make_idea(db, author, clock.now, title="Rendez-vous <en ligne>")
    db.commit()
    body = "Qui paie la licence ?\n\nLe budget 2027 est voté & bouclé."
    make_client(layer).post_form(
        f"/ideas/{idea.id}/mines",
        {"category": "budget", "severity": "major", "title": "Coût", "body": body},
    )
    [laid] = inbox.wait_for(1)
    text, html = parts(laid)
    # The quote is typeset as the pages show it: a narrow no-break space before « ? ».
    assert "Julien Moreau a écrit\u00a0:\n> Qui paie la licence\u202f?\n>\n> Le budget 2027" in text
    assert "Idée\u00a0: Rendez-vous <en ligne>" in text
    page = soup_of(html)
    quote = page.find("blockquote")
    assert "Le budget 2027 est voté & bouclé." in quote.get_text()
    assert "Julien Moreau" in quote.get_text()
    assert page.find("strong", string="Rendez-vous <en ligne>") is not None  # escaped, shown
    assert page.find("a", string="Voir sur Les démineurs")["href"].startswith(
        f"http://demineurs.test/ideas/{idea.id}#mine-"
    )
    assert page.find_all(["img", "link", "script", "style", "iframe"]) == []
    assert "url(" not in html and "@import" not in html
    assert "Écrivez à" in html or "mentions-legales" in html  # the same last words
    assert len(laid.as_bytes()) < 8_000

    mine_id = int(page.find("a", string="Voir sur Les démineurs")["href"].split("#mine-")[1])
    answer = "Le fonds de modernisation couvre la licence trois ans."
    make_client(helper).post_form(
        f"/mines/{mine_id}/deminages", {"kind": "solution", "body": answer}
    )
    told = {m["To"]: m for m in inbox.wait_for(3)[1:]}
    assert set(told) == {"amina@ville.fr", "julien@ville.fr"}
    text, html = parts(told["amina@ville.fr"])
    assert told["amina@ville.fr"]["Subject"] == (
        "Les démineurs — Fatou Sow propose un déminage pour la mine «\u00a0Coût\u00a0» "
        "sur votre idée "
        "«\u00a0Rendez-vous <en ligne>\u00a0»\u00a0: vous pouvez l’accepter"
    )
    assert f"Fatou Sow a écrit\u00a0:\n> {answer}" in text
    assert answer in soup_of(html).find("blockquote").get_text()
    # In the app as well; and, by her choice, no longer by e-mail.
    with Session(db.get_bind()) as fresh:
        notifications.set_channels(fresh, pk(author), {"deminage_on_my_idea": "app"})
        fresh.commit()
    make_client(make_user_committed(db, unit="RH")).post_form(
        f"/mines/{mine_id}/deminages", {"kind": "contact", "body": "Voyez la DAF."}
    )
    time.sleep(0.5)
    assert [m["To"] for m in inbox.messages[3:]] == ["julien@ville.fr"]
    notes = soup(make_client(author).get("/notifications")).select(".notifications li")
    about_answers = [
        n
        for n in notes
        if "propose un déminage pour la mine «\u00a0Coût\u00a0»" in one(n, "p").text
    ]
    assert len(about_answers) == 2


def soup_of(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def make_user_committed(db: Session, **kwargs: Any) -> User:
    user = make_user(db, **kwargs)
    db.commit()
    return user


def test_smtp_down_the_write_succeeds_and_the_outbox_sends_once_later(
    make_client: MakeClient, db: Session, clock: Clock, smtp_settings: Settings, app: FastAPI
) -> None:
    author = make_user(db)
    colleague = make_user(db, unit="Finances")
    idea = make_idea(db, author, clock.now)
    mine = make_mine(db, idea, colleague, clock.now)
    db.execute(delete(OutboxMessage))  # only the write below matters here
    db.commit()
    # No server listens: the write must still succeed.
    response = make_client(author).post_form(
        f"/mines/{mine.id}/deminages", {"kind": "solution", "body": "Voici"}
    )
    assert response.status_code == 303
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        db.rollback()  # see the app's latest writes: end the read snapshot…
        db.expire_all()  # …and forget what was loaded
        pending = db.exec(select(OutboxMessage)).all()
        if pending and pending[0].attempts:
            break
        time.sleep(0.05)
    assert len(pending) == 1 and pending[0].sent_at is None and pending[0].last_error
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_settings.smtp_port)
    controller.start()
    try:
        assert mail.deliver_pending(app.state.engine, smtp_settings) == (1, 0)
        assert mail.deliver_pending(app.state.engine, smtp_settings) == (0, 0)
        handler.wait_for(1)
        assert len(handler.messages) == 1
        assert handler.messages[0]["To"] == colleague.email
    finally:
        controller.stop()


def test_two_senders_at_once_send_each_message_exactly_once(
    db: Session, smtp_settings: Settings, inbox: Inbox, app: FastAPI
) -> None:
    """Two instances drain the outbox together (claimed by batches): nothing twice, nothing lost."""
    recipient = make_user(db)
    mailer = notifications.Mailer.from_settings(smtp_settings)
    for n in range(130):
        notifications.queue_email(
            db,
            mailer,
            recipient,
            key=f"test:{n}",
            subject=f"Message {n}",
            body="…",
            html="<p>…</p>",
            kind=None,
        )
    db.commit()
    results: list[tuple[int, int]] = []
    senders = [
        threading.Thread(
            target=lambda: results.append(mail.deliver_pending(app.state.engine, smtp_settings))
        )
        for _ in range(2)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=60)
    assert sum(sent for sent, _ in results) == 130 and all(failed == 0 for _, failed in results)
    subjects = sorted(m["Subject"] for m in inbox.wait_for(130))
    assert subjects == sorted(f"Message {n}" for n in range(130))
    db.rollback()
    assert not db.exec(select(OutboxMessage).where(OutboxMessage.sent_at == None)).all()  # noqa: E711


def test_a_batch_goes_over_one_connection_and_a_refusal_loses_nothing_else(
    db: Session, smtp_settings: Settings, inbox: Inbox, app: FastAPI
) -> None:
    """Twenty messages take one SMTP connection, not twenty; the one the server refuses is kept
    for later with its error, and the messages after it still go out."""
    mailer = notifications.Mailer.from_settings(smtp_settings)
    recipients = [make_user(db) for _ in range(20)]
    inbox.refused.add(recipients[10].email)
    for n, recipient in enumerate(recipients):
        notifications.queue_email(
            db,
            mailer,
            recipient,
            key=f"batch:{n}",
            subject=f"Lot {n}",
            body="…",
            html="<p>…</p>",
            kind=None,
        )
    db.commit()
    assert mail.deliver_pending(app.state.engine, smtp_settings) == (19, 1)
    assert len(inbox.wait_for(19)) == 19
    assert len(inbox.connections) == 2  # one before the refusal, one after it
    db.rollback()
    waiting = db.exec(select(OutboxMessage).where(OutboxMessage.sent_at == None)).all()  # noqa: E711
    assert [m.to_email for m in waiting] == [recipients[10].email]
    assert "No such mailbox" in (waiting[0].last_error or "")


def test_digest_gathers_and_never_sends_twice(
    db: Session, clock: Clock, smtp_settings: Settings, inbox: Inbox, app: FastAPI
) -> None:
    author = make_user(db, name="Autrice")
    helper = make_user(db, name="Aide", unit="DSI")
    layer = make_user(db, name="Poseur", unit="RH")
    idea = make_idea(db, author, clock.now)
    mine = make_mine(db, idea, layer, clock.now, title="Coût")
    for n in range(2):
        deminage = make_deminage(db, mine, helper, clock.now, body=f"Réponse {n}")
    from app.services import mines as mines_service
    from app.services.readiness import ScoringParams

    mines_service.accept_deminage(db, ScoringParams(), layer, deminage, mine, idea, clock.now)
    db.commit()
    mailer = notifications.Mailer.from_settings(smtp_settings)
    for _ in range(2):  # cron may run it twice
        with Session(app.state.engine) as session:
            notifications.build_digests(session, mailer, clock.now)
            session.commit()
        mail.deliver_pending(app.state.engine, smtp_settings)
    digests = [m for m in inbox.wait_for(1) if "résumé" in m["Subject"]]
    assert [m["To"] for m in digests] == [helper.email]
    text = mail_body(digests[0]).replace("\r\n", "\n")
    assert "Votre déminage de la mine «\u00a0Coût\u00a0» est accepté" in text
    assert "Aide a écrit\u00a0:\n  > Réponse 1" in text  # what was accepted, quoted
    quote = soup_of(mail_body(digests[0], "html")).find("blockquote")
    assert "Réponse 1" in quote.get_text() and "— Aide" in quote.get_text()
    assert "nouvelle" in digests[0]["Subject"] and "(s)" not in digests[0]["Subject"]


def test_counter_list_and_marking_read(make_client: MakeClient, db: Session, clock: Clock) -> None:
    author = make_user(db)
    colleague = make_user(db, unit="Finances")
    idea = make_idea(db, author, clock.now)
    db.commit()
    client = make_client(author)
    assert soup(client.get("/notifications/count")).get_text(strip=True) == ""
    make_client(colleague).post_form(
        f"/ideas/{idea.id}/mines", {"category": "budget", "severity": "blocking", "body": "Stop"}
    )
    assert one(soup(client.get("/notifications/count")), ".counter-badge").get_text() == "1"
    page = soup(client.get("/ideas"))
    assert one(page, "#notification-count .counter-badge").get_text() == "1"
    assert attr(one(page, "#notification-count"), "aria-live") == "polite"
    listing = soup(client.get("/notifications"))
    card = one(listing, ".notifications li")
    assert "a posé une bombe" in card.get_text()
    assert card.find("form") is None  # « Voir » is a link: it opens in a new tab too
    [see] = [a for a in card.find_all("a") if a.get_text().startswith("Voir")]
    # Its purpose comes from the message it points at, which is not repeated in its name: a
    # screen reader reads the message once.
    assert "a posé une bombe" not in see.get_text()
    assert see.get_text().strip() == "Voir la notification"
    described = one(listing, f"#{attr(see, 'aria-describedby')}")
    assert "a posé une bombe" in described.get_text() and described in card.find_all("p")
    assert card.get_text().count("a posé une bombe") == 1
    # Following it (a plain GET, no token) leads to the mine and marks the notification read.
    opened = client.get(see["href"])
    assert opened.status_code == 303 and opened.headers["location"].startswith(
        f"/ideas/{idea.id}#mine-"
    )
    assert soup(client.get("/notifications/count")).get_text(strip=True) == ""
    listing = soup(client.get("/notifications"))
    assert listing.select(".card--unread") == [] and "Nouveau" not in listing.get_text()
    assert client.get(see["href"]).status_code == 303  # followed again: the same place
    # Someone else's notification does not exist for them, and stays as its owner left it.
    assert make_client(colleague).get(see["href"]).status_code == 404
    anonymous = make_client().get(see["href"])
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]


def test_the_list_puts_the_newest_first_by_date_not_by_number(
    make_client: MakeClient, api_client: ApiClient, db: Session, clock: Clock
) -> None:
    """A notification's number says when its row was written, its date when it happened: the
    two may disagree (a command with its own clock, rows carried over from elsewhere). The
    list follows the dates, on the page and over the API."""
    reader = make_user(db)
    idea = make_idea(db, reader, clock.now)
    for message, hours_ago in (("Écrite d’abord, datée après", 1), ("Écrite ensuite, plus tôt", 5)):
        db.add(
            Notification(
                user_id=pk(reader),
                kind="mention",
                idea_id=idea.id,
                message=message,
                url=f"/ideas/{idea.id}",
                created_at=clock.now - timedelta(hours=hours_ago),
                read_at=clock.now,  # no « Nouveau » badge in the line
            )
        )
    db.commit()
    newest_first = ["Écrite d’abord, datée après", "Écrite ensuite, plus tôt"]
    listed = soup(make_client(reader).get("/notifications")).select(
        ".notifications li > p:first-child"
    )
    assert [p.get_text(strip=True) for p in listed] == newest_first
    api = api_client(reader).get("/api/v1/notifications").json()
    assert [n["message"] for n in api] == newest_first


def test_someone_elses_notification_stays_unread_when_they_follow_its_link(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db)
    colleague = make_user(db, unit="Finances")
    idea = make_idea(db, author, clock.now)
    db.commit()
    make_client(colleague).post_form(
        f"/ideas/{idea.id}/mines", {"category": "budget", "severity": "minor", "body": "Coût"}
    )
    client = make_client(author)
    see = one(soup(client.get("/notifications")), ".notifications li a")
    assert make_client(colleague).get(see["href"]).status_code == 404
    assert one(soup(client.get("/notifications/count")), ".counter-badge").get_text() == "1"


def test_preferences_choose_a_channel_per_kind(
    make_client: MakeClient, db: Session, clock: Clock, inbox: Inbox
) -> None:
    author = make_user(db)
    colleague = make_user(db, unit="Finances")
    idea = make_idea(db, author, clock.now)
    db.commit()
    client = make_client(author)
    page = soup(client.get("/notifications/preferences"))
    assert one(page, "input[name=mine_on_my_idea][value=email]").has_attr("checked")
    assert (
        client.post_form(
            "/notifications/preferences", {"mine_on_my_idea": "digest", "bogus": "x"}
        ).status_code
        == 303
    )
    make_client(colleague).post_form(
        f"/ideas/{idea.id}/mines", {"category": "budget", "severity": "minor", "body": "x"}
    )
    time.sleep(0.5)
    assert inbox.messages == []
    db.rollback()  # see the app's latest writes: end the read snapshot…
    db.expire_all()  # …and forget what was loaded
    assert db.exec(select(Notification)).one().channel == "digest"


def test_mentions_and_followers_are_told(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db)
    colleague = make_user(db, unit="Finances")
    expert = make_user(db, email="lea.petit@ville.fr", unit="Juridique")
    follower = make_user(db, unit="DSI")
    manager = make_user(db, role=Role.manager, unit="DGS")
    idea = make_idea(db, author, clock.now, title="Idée suivie")
    db.commit()
    make_client(follower).post_form(f"/ideas/{idea.id}/follow")
    make_client(colleague).post_form(
        f"/ideas/{idea.id}/mines",
        {
            "category": "legal",
            "severity": "major",
            "body": "@lea.petit peux-tu regarder ? @inconnu",
        },
    )
    make_client(manager).post_form(
        f"/ideas/{idea.id}/send-back", {"comment": "Précisez le terrain."}
    )

    def messages(user: User) -> list[str]:
        db.rollback()  # see the app's latest writes: end the read snapshot…
        db.expire_all()  # …and forget what was loaded
        return [
            n.message for n in db.exec(select(Notification).where(Notification.user_id == user.id))
        ]

    assert any("vous mentionne" in m for m in messages(expert))
    # A follower is told of the decision with its written outcome.
    assert any(
        "Décision sur l’idée «\u00a0Idée suivie\u00a0»" in m and "Précisez le terrain." in m
        for m in messages(follower)
    )
    assert any("Précisez le terrain." in m for m in messages(author))  # the author took part
    assert not any("renvoie" in m for m in messages(manager))  # nobody is told of their own act


def test_supporters_are_shown(make_client: MakeClient, db: Session, clock: Clock) -> None:
    author = make_user(db)
    fan = make_user(db, name="Fanny Soutien")
    idea = make_idea(db, author, clock.now)
    db.commit()
    client = make_client(fan)
    assert client.post_form(f"/ideas/{idea.id}/support").status_code == 303
    page = soup(client.get(f"/ideas/{idea.id}"))
    assert "Soutenue par Fanny Soutien" in page.get_text()
    button = one(page, "form[action$='/support'] button")
    assert button["aria-pressed"] == "true" and "(1)" in button.get_text()


def test_search_page_highlights_and_filters(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db)
    make_idea(
        db,
        author,
        clock.now,
        title="Registre RGPD",
        problem="Les données personnelles des usagers.",
        themes=["rgpd"],
    )
    make_idea(
        db,
        author,
        clock.now,
        title="Autre",
        problem="Des données personnelles aussi.",
        themes=["rh"],
    )
    db.commit()
    client = make_client(author)
    page = soup(client.get("/search", params={"q": "donnee personnelle"}))
    assert text_of(page, "#results-title").startswith("2 résultats")
    assert [m.get_text() for m in page.select("#search-results mark")][:2] == [
        "données",
        "personnelles",
    ]
    filtered = soup(client.get("/search", params={"q": "donnee personnelle", "theme": "rh"}))
    assert [h.get_text(strip=True) for h in filtered.select("#search-results h3")] == ["Autre"]
    assert client.get("/search", params={"q": '"* NEAR( ^'}).status_code == 200


def test_similar_ideas_fragment(make_client: MakeClient, db: Session, clock: Clock) -> None:
    author = make_user(db)
    idea = make_idea(
        db,
        author,
        clock.now,
        title="Paiement de la cantine",
        problem="Les familles paient en retard.",
    )
    db.commit()
    client = make_client(author)
    fragment = client.get(
        "/ideas/similar",
        params={"title": "cantines", "problem": "paiement"},
        headers={"HX-Request": "true"},
    )
    assert f"/ideas/{idea.id}" in fragment.text and "<html" not in fragment.text
    assert (
        client.get(
            "/ideas/similar", params={"title": "cantine", "exclude": str(idea.id)}
        ).text.strip()
        == ""
    )


def test_admin_merges_a_duplicate(make_client: MakeClient, db: Session, clock: Clock) -> None:
    admin = make_user(db, role=Role.admin)
    a, b, colleague, fan = make_user(db), make_user(db), make_user(db, unit="X"), make_user(db)
    keep = make_idea(db, a, clock.now, title="Garder")
    dup = make_idea(db, b, clock.now, title="Doublon")
    mine = make_mine(db, dup, colleague, clock.now)
    db.commit()
    make_client(fan).post_form(f"/ideas/{dup.id}/support")
    client = make_client(admin)
    bad = client.post_form("/admin/merge", {"keep": str(keep.id), "merged": str(keep.id)})
    assert bad.status_code == 422
    assert (
        make_client(a)
        .post_form("/admin/merge", {"keep": str(keep.id), "merged": str(dup.id)})
        .status_code
        == 403
    )
    assert (
        client.post_form(
            "/admin/merge", {"keep": str(keep.id), "merged": str(dup.id), "outcome": "Doublon."}
        ).status_code
        == 303
    )
    location = client.get(f"/ideas/{dup.id}").headers["location"]
    assert location == f"/ideas/{keep.id}#fusion-{dup.id}"
    page = soup(client.get(f"/ideas/{keep.id}"))
    assert page.find(id=f"mine-{mine.id}") is not None
    assert "Soutenue par" in page.get_text()
    titles = [
        h.get_text(strip=True)
        for h in soup(client.get("/board?status=all")).select("#board-results h3")
    ]
    assert "Doublon" not in titles


def test_a_call_s_notice_comes_in_plain_text_and_in_html(
    db: Session, clock: Clock, smtp_settings: Settings, inbox: Inbox, app: FastAPI
) -> None:
    """The notices of a call for ideas (no idea to name) are e-mails like the others: the same
    words in both parts, with the link and the way to stop them."""
    manager = make_user(db, role=Role.manager, unit="DGS")
    agent = make_user(db, name="Amina Diallo", email="amina@ville.fr", unit="Accueil")
    notifications.set_channels(db, pk(agent), {"call_opened": "email"})
    call = make_call(db, manager, clock.now, question="Comment accueillir <mieux>\u202f?")
    calls.send_notices(db, notifications.Mailer.from_settings(smtp_settings), clock.now)
    db.commit()
    mail.deliver_pending(app.state.engine, smtp_settings)
    [message] = [m for m in inbox.wait_for(1) if m["To"] == "amina@ville.fr"]
    text, html = parts(message)
    said = "Nouvel appel à idées\u00a0: «\u00a0Comment accueillir <mieux>\u202f?\u00a0»."
    assert text.startswith("Bonjour Amina Diallo,") and said in text
    assert f"Voir\u00a0: http://demineurs.test/calls/{call.id}" in text
    page = soup_of(html)
    assert said in page.get_text()  # escaped, and shown as typed
    assert page.find("a", string="Voir sur Les démineurs")["href"] == (
        f"http://demineurs.test/calls/{call.id}"
    )
    assert "Idée" not in page.get_text()  # no idea to name
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe in text and page.find("a", href=unsubscribe) is not None


def test_the_registration_e_mail_comes_in_plain_text_and_in_html(
    smtp_settings: Settings, clock: Clock, inbox: Inbox
) -> None:
    """The link that proves the address, in both parts; it is no notification, so it has no
    unsubscribe link."""
    registering = create_app(
        smtp_settings.model_copy(update={"allowed_email_domains": "ville.fr"}), clock=clock
    )
    try:
        with WebClient(registering, follow_redirects=False) as client:
            form = {"email": "dominique@ville.fr", "name": "Dominique", "unit": "DGS"}
            assert client.post_form("/register", form).status_code == 303
            [message] = inbox.wait_for(1)
    finally:
        registering.state.engine.dispose()
    assert message["To"] == "dominique@ville.fr"
    text, html = parts(message)
    link = re.search(r"http://demineurs\.test/register/confirm/\S+", text)
    assert link is not None and "ouvrez ce lien dans les 48\u00a0heures\u00a0:" in text
    page = soup_of(html)
    assert page.find("a", string="Activer mon compte")["href"] == link.group(0)
    assert "ouvrez ce lien dans les 48\u00a0heures\u00a0:" in page.get_text()
    assert "ignorez ce message" in page.get_text() and "ignorez ce message" in text
    assert message["List-Unsubscribe"] is None and "désabonner" not in text.lower()
    assert "Ne plus recevoir" not in text and "Ne plus recevoir" not in html


def test_a_closed_idea_takes_no_new_support_but_a_supporter_may_withdraw(
    make_client: MakeClient, db: Session, clock: Clock
) -> None:
    author = make_user(db)
    fan, late = make_user(db, name="Fanny Soutien"), make_user(db)
    idea = make_idea(db, author, clock.now)
    db.commit()
    assert make_client(fan).post_form(f"/ideas/{idea.id}/support").status_code == 303
    idea.status = IdeaStatus.abandoned
    db.add(idea)
    db.commit()
    late_client = make_client(late)
    assert not soup(late_client.get(f"/ideas/{idea.id}")).select("form[action$='/support']")
    refused = late_client.post_form(f"/ideas/{idea.id}/support")
    assert refused.status_code == 409 and "ne reçoit plus de soutien" in refused.text
    fan_client = make_client(fan)
    button = one(soup(fan_client.get(f"/ideas/{idea.id}")), "form[action$='/support'] button")
    assert button["aria-pressed"] == "true" and button.get_text() == "Retirer mon soutien"
    assert fan_client.post_form(f"/ideas/{idea.id}/support").status_code == 303
    assert "Soutenue par" not in soup(fan_client.get(f"/ideas/{idea.id}")).get_text()
