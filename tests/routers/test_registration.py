"""Self-registration proves the address: one plain mailbox of an allowed domain, an inactive
account until its owner follows the single-use link sent there, and an unconfirmed registration
never stands in anyone's way."""

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.addresses import parse_email
from app.config import Settings
from app.main import create_app
from app.models import EmailConfirmation, OutboxMessage, User
from tests.conftest import Clock, MakeClient, WebClient, error_of, field_error, soup
from tests.html import attr, one

DOMAIN = "ville-exemple.fr"
PASSWORD = "un-mot-de-passe-solide"


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Iterator[FastAPI]:
    application = create_app(
        settings.model_copy(update={"allowed_email_domains": DOMAIN, "accounts_per_hour": 50}),
        clock=clock,
    )
    yield application
    application.state.engine.dispose()


def register(client: WebClient, email: str, name: str = "Dominique Directeur") -> httpx.Response:
    form = {"email": email, "name": name, "unit": "Direction générale"}
    return client.post_form("/register", form)


CHOSEN = {"password": PASSWORD, "password_confirm": PASSWORD}


def confirmation_link(db: Session, email: str) -> str:
    db.expire_all()
    message = db.exec(select(OutboxMessage).where(OutboxMessage.to_email == email)).all()[-1]
    found = re.search(r"http://\S+(/register/confirm/\S+)", message.body)
    assert found is not None, message.body
    return found.group(1)


@pytest.mark.parametrize(
    "email",
    [
        f"mallory@evil.com,x@{DOMAIN}",
        f"a@evil.com@{DOMAIN}",
        f"Mallory <m@{DOMAIN}>",
        f"m@{DOMAIN}>,<mallory@evil.com",
        f'"m@evil.com"@{DOMAIN}',
        f"m@{DOMAIN}.evil.com",
        f"m@sous.{DOMAIN}",
        f"m@evil{DOMAIN}",
        f"m@{DOMAIN} mallory@evil.com",
        f"m@{DOMAIN}\nBcc: mallory@evil.com",
        f"m@{DOMAIN};mallory@evil.com",
    ],
)
def test_only_one_plain_mailbox_of_an_allowed_domain_registers(
    make_client: MakeClient, db: Session, email: str
) -> None:
    refused = register(make_client(), email)
    assert refused.status_code == 422
    assert field_error(soup(refused), "field-email")
    db.expire_all()
    assert db.exec(select(User)).all() == []
    assert db.exec(select(OutboxMessage)).all() == []


def test_address_is_normalised_and_its_domain_compared_exactly() -> None:
    assert parse_email("  Prenom.Nom@Ville-Exemple.FR ") == (
        f"prenom.nom@{DOMAIN}",
        DOMAIN,
    )
    assert parse_email(f"a@evil.com@{DOMAIN}") is None
    assert parse_email(f"a@{DOMAIN}.") is None
    assert parse_email("a" * 65 + f"@{DOMAIN}") is None


def test_a_registered_account_stays_inactive_until_the_link_sent_to_the_address_is_followed(
    make_client: MakeClient, db: Session
) -> None:
    address = f"directeur.general@{DOMAIN}"
    client = make_client()
    answered = register(client, "Directeur.General@" + DOMAIN.upper())
    assert answered.status_code == 303 and answered.headers["location"] == "/login"
    assert client.get("/profile").status_code == 303  # not signed in
    db.expire_all()
    user = db.exec(select(User).where(User.email == address)).one()
    assert not user.is_active
    # Nobody can sign in to it yet: it has no password until its owner chooses one.
    assert user.password_hash is None

    message = db.exec(select(OutboxMessage)).one()
    assert message.to_email == address
    assert "confirmez votre adresse" in message.subject
    assert "Pour l’activer" in message.body and "48\u00a0heures" in message.body

    link = confirmation_link(db, address)
    page = client.get(link)  # a GET changes nothing (mail scanners open links)
    assert page.status_code == 200
    db.expire_all()
    assert not db.get_one(User, user.id).is_active
    form = soup(page).select_one("form[method=post]")
    assert form is not None and attr(form, "action").endswith(link)
    # The owner chooses the password there; a mistake comes back beside the field.
    mismatch = client.post_form(link, {**CHOSEN, "password_confirm": "autre-chose-longue"})
    assert mismatch.status_code == 422
    assert "diffèrent" in error_of(soup(mismatch), "field-password_confirm")
    confirmed = client.post_form(link, CHOSEN)
    assert confirmed.status_code == 303
    assert "Dominique Directeur" in client.get("/profile").text
    signed_in = make_client().post_form("/login", {"email": address, "password": PASSWORD})
    assert signed_in.status_code == 303
    db.expire_all()
    assert db.get_one(User, user.id).is_active
    assert db.exec(select(EmailConfirmation)).all() == []
    # Single use.
    assert make_client().post_form(link, CHOSEN).status_code == 404
    assert make_client().get(link).status_code == 404


def test_a_password_manager_stores_the_new_password_with_the_sign_in_address(
    make_client: MakeClient, db: Session
) -> None:
    address = f"camille.martin@{DOMAIN}"
    client = make_client()
    form = soup(client.get("/register")).select_one("main input[type=email]")
    assert form is not None and form["autocomplete"] == "username"  # the address signs in
    register(client, address)
    page = soup(client.get(confirmation_link(db, address)))
    [identifier] = page.select("main form input[autocomplete=username]")
    assert identifier["value"] == address and identifier.has_attr("hidden")
    assert attr(one(page, "#field-password"), "autocomplete") == "new-password"


def test_a_confirmation_link_expires(make_client: MakeClient, db: Session, clock: Clock) -> None:
    client = make_client()
    register(client, f"lent@{DOMAIN}")
    link = confirmation_link(db, f"lent@{DOMAIN}")
    clock.advance(hours=49)
    assert client.post_form(link, CHOSEN).status_code == 404
    assert client.get("/profile").status_code == 303
    # The next registration clears the expired one: nobody proved that address theirs.
    assert register(make_client(), f"autre@{DOMAIN}").status_code == 303
    db.expire_all()
    assert db.exec(select(User).where(User.email == f"lent@{DOMAIN}")).first() is None
    assert len(db.exec(select(EmailConfirmation)).all()) == 1


def test_an_unconfirmed_registration_does_not_block_the_owner_of_the_address(
    make_client: MakeClient, db: Session
) -> None:
    address = f"directeur.general@{DOMAIN}"
    assert register(make_client(), address, name="Mallory").status_code == 303
    squatted = confirmation_link(db, address)
    # The real owner registers in turn: it works, and Mallory's link is dead.
    owner = make_client()
    assert register(owner, address).status_code == 303
    own_link = confirmation_link(db, address)
    assert own_link != squatted
    assert make_client().post_form(squatted, CHOSEN).status_code == 404
    assert owner.post_form(own_link, CHOSEN).status_code == 303
    assert "Dominique Directeur" in owner.get("/profile").text
    db.expire_all()
    assert len(db.exec(select(User).where(User.email == address)).all()) == 1
    # Once confirmed, the address is taken for good.
    again = register(make_client(), address, name="Mallory")
    assert again.status_code == 422 and "existe déjà" in error_of(soup(again), "field-email")


def test_whoever_registers_an_address_never_holds_its_password(
    make_client: MakeClient, db: Session
) -> None:
    """Mallory registers the director's address; the director follows the link and chooses a
    password: Mallory, who never chose one, cannot sign in to that account."""
    address = f"directeur.general@{DOMAIN}"
    mallory = make_client()
    answered = mallory.post_form(
        "/register",
        {"email": address, "name": "Mallory", "unit": "DSI", "password": "mallory-password-1"},
    )
    assert answered.status_code == 303
    assert make_client().post_form(confirmation_link(db, address), CHOSEN).status_code == 303
    for guess in ("mallory-password-1", ""):
        refused = make_client().post_form("/login", {"email": address, "password": guess})
        assert refused.status_code == 422
