"""Sign-in with ProConnect against a real OpenID Connect provider running on loopback: first
sign-in, second sign-in, sign-out through the provider, and every forgery refused in French."""

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from app.config import Settings
from app.main import create_app
from app.models import EmailConfirmation, ExternalIdentity, LoginAttempt, OidcLogin, Unit, User
from app.routers.auth import OIDC_STATE_COOKIE
from app.services import proconnect, registration
from app.services.proconnect import STARTS_PER_ADDRESS
from tests.conftest import Clock, MakeClient, WebClient, soup
from tests.factories import make_user
from tests.html import one
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    server = Provider().start()
    yield server
    server.stop()


@pytest.fixture
def app(settings: Settings, clock: Clock, provider: Provider) -> Iterator[FastAPI]:
    provider.mode = "ok"
    provider.use()
    configured = settings.model_copy(
        update={
            "proconnect_issuer": provider.issuer,
            "proconnect_client_id": CLIENT_ID,
            "proconnect_client_secret": CLIENT_SECRET,
            "base_url": "http://testserver",
        }
    )
    application = create_app(configured, clock=clock)
    yield application
    application.state.engine.dispose()


def go_to_provider(client: WebClient) -> str:
    """From the login page's button to the provider: its answer, the callback URL."""
    page = soup(client.get("/login"))
    start = page.select_one("a.proconnect-button")
    assert start is not None and start.get_text(" ", strip=True) == "S’identifier avec ProConnect"
    leaving = client.get(start["href"])
    assert leaving.status_code == 303
    answer = httpx.get(leaving.headers["location"], follow_redirects=False)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["location"])
    return f"{back.path}?{back.query}"


def sign_in(client: WebClient) -> httpx.Response:
    return client.get(go_to_provider(client))


def test_first_sign_in_creates_the_account_then_finds_it_by_idp_and_sub(
    make_client: MakeClient, provider: Provider, db: Session
) -> None:
    client = make_client()
    signed = sign_in(client)
    assert signed.status_code == 303, signed.text
    home = client.get(signed.headers["location"])
    assert home.status_code == 200 and "Nadia Haddad" in home.text

    asked = provider.authorize_requests[-1]
    assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32
    assert (
        asked["scope"] == "openid given_name usual_name email uid siret idp_id organization_label"
    )
    assert json.loads(asked["claims"])["id_token"]["acr"]["essential"] is True

    db.rollback()
    db.expire_all()
    user = db.exec(select(User).where(User.email == "nadia.haddad@interieur.gouv.fr")).one()
    assert db.get_one(Unit, user.unit_id).name == "Ministère de l'Intérieur"
    assert db.exec(select(ExternalIdentity)).one().sub == "agent-1"

    # Second sign-in, e-mail changed at the provider: the same account, found by (idp_id, sub).
    provider.use(email="n.haddad@interieur.gouv.fr")
    again = make_client()
    assert sign_in(again).status_code == 303
    assert "Nadia Haddad" in again.get("/profile").text
    db.expire_all()
    assert len(db.exec(select(User)).all()) == 1

    # Sign-out ends the session here, then at ProConnect, which sends the browser back.
    out = again.post_form("/logout")
    end = urlsplit(out.headers["location"])
    assert end.path == "/api/v2/session/end"
    params = parse_qs(end.query)
    assert params["post_logout_redirect_uri"] == ["http://testserver/login"]
    assert params["id_token_hint"][0].count(".") == 2
    assert again.get("/profile").status_code == 303  # signed out here


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("tampered", "La signature de la réponse de ProConnect est invalide."),
        ("wrong_nonce", "ne correspond pas à cette connexion"),
        ("wrong_audience", "destinée à un autre service"),
        ("expired", "a expiré"),
    ],
)
def test_forged_or_stale_answers_are_refused(
    make_client: MakeClient, provider: Provider, db: Session, mode: str, message: str
) -> None:
    client = make_client()
    callback = go_to_provider(client)
    provider.mode = mode
    refused = client.get(callback)
    assert refused.status_code == 400
    assert message in one(soup(refused), '[role="alert"]').get_text()
    assert client.get("/profile").status_code == 303  # not signed in
    db.expire_all()
    assert db.exec(select(User)).all() == []


def test_a_replayed_state_is_refused(make_client: MakeClient, provider: Provider) -> None:
    client = make_client()
    callback = go_to_provider(client)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    assert client.get(callback).status_code == 303
    assert OIDC_STATE_COOKIE not in client.cookies  # spent: the browser forgets it too
    # Even the browser that started it, its cookie put back, cannot use the state twice.
    client.cookies.set(OIDC_STATE_COOKIE, state, path="/auth/proconnect")
    replay = client.get(callback)
    assert replay.status_code == 400
    assert "déjà servi" in one(soup(replay), '[role="alert"]').get_text()


def test_a_callback_started_by_someone_else_does_not_sign_the_victim_in(
    make_client: MakeClient, provider: Provider, db: Session
) -> None:
    """Login CSRF: the attacker starts a sign-in as themself, keeps the callback URL and makes
    a signed-in victim open it. The victim's browser never asked for that state: refused."""
    victim_user = make_user(db, name="Victime Signée")
    db.commit()
    victim = make_client(victim_user)
    provider.use(sub="mallory", email="mallory@interieur.gouv.fr", given_name="Mallory")
    attacker = make_client()
    callback = go_to_provider(attacker)  # the attacker stops here and keeps the URL

    opened = victim.get(callback)
    assert opened.status_code == 400
    alert = one(soup(opened), '[role="alert"]').get_text()
    assert "pas été commencée depuis ce navigateur" in alert
    assert "Victime Signée" in victim.get("/profile").text  # still themself
    db.expire_all()
    assert db.exec(select(ExternalIdentity)).all() == []  # no account opened for Mallory

    # A browser with no state cookie at all is refused the same way.
    assert make_client().get(callback).status_code == 400
    # The attacker's own browser, which did start it, signs in.
    assert attacker.get(callback).status_code == 303


def test_state_cookie_is_httponly_lax_and_short_lived(
    make_client: MakeClient, provider: Provider
) -> None:
    client = make_client()
    leaving = client.get("/auth/proconnect/login")
    assert leaving.status_code == 303
    cookie = next(
        c for c in leaving.headers.get_list("set-cookie") if c.startswith(OIDC_STATE_COOKIE)
    )
    state = parse_qs(urlsplit(leaving.headers["location"]).query)["state"][0]
    assert f"{OIDC_STATE_COOKIE}={state};" in cookie
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "max-age=600" in lowered
    assert "path=/auth/proconnect" in lowered


def test_anonymous_starts_are_bounded_per_address_and_expired_ones_purged(
    make_client: MakeClient, provider: Provider, db: Session, clock: Clock
) -> None:
    client = make_client()
    for _ in range(STARTS_PER_ADDRESS):
        assert client.get("/auth/proconnect/login").status_code == 303
    refused = client.get("/auth/proconnect/login")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    db.expire_all()
    assert len(db.exec(select(OidcLogin)).all()) == STARTS_PER_ADDRESS
    db.add(LoginAttempt(key="oidc-start:203.0.113.9", created_at=clock.now))  # elsewhere
    db.commit()
    # Ten minutes later, the old ones are gone when the next one starts, and so are the
    # counts of every address.
    clock.advance(minutes=11)
    assert client.get("/auth/proconnect/login").status_code == 303
    db.expire_all()
    assert len(db.exec(select(OidcLogin)).all()) == 1
    counts = db.exec(select(LoginAttempt).where(col(LoginAttempt.key).startswith("oidc-"))).all()
    assert [c.key for c in counts] == ["oidc-start:testclient"]


def test_sign_ins_under_way_are_capped(
    make_client: MakeClient, provider: Provider, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(proconnect, "PENDING_MAX", 3)
    for i in range(3):  # from three addresses, say: the per-address limit is not reached
        monkeypatch.setattr(proconnect, "STARTS_PER_ADDRESS", 100 + i)
        assert make_client().get("/auth/proconnect/login").status_code == 303
    assert make_client().get("/auth/proconnect/login").status_code == 429
    db.expire_all()
    assert len(db.exec(select(OidcLogin)).all()) == 3


def test_userinfo_as_plain_json_is_accepted(make_client: MakeClient, provider: Provider) -> None:
    provider.mode = "userinfo_json"
    client = make_client()
    assert sign_in(client).status_code == 303
    assert "Nadia Haddad" in client.get("/profile").text


def test_an_account_is_never_matched_on_its_email_alone(
    make_client: MakeClient, provider: Provider, db: Session
) -> None:
    make_user(db, name="Nadia Locale", email="nadia.haddad@interieur.gouv.fr")
    db.commit()
    refused = sign_in(make_client())
    assert refused.status_code == 400
    assert "Un compte local existe déjà" in refused.text
    db.expire_all()
    assert db.exec(select(ExternalIdentity)).all() == []


def test_an_unconfirmed_registration_does_not_block_the_agents_proconnect_sign_in(
    make_client: MakeClient, provider: Provider, db: Session, clock: Clock, settings: Settings
) -> None:
    open_settings = settings.model_copy(update={"allowed_email_domains": "interieur.gouv.fr"})
    squatter, _ = registration.register(
        db,
        open_settings,
        email="nadia.haddad@interieur.gouv.fr",
        name="Mallory",
        unit="Ailleurs",
        now=clock(),
    )
    db.commit()
    client = make_client()
    assert sign_in(client).status_code == 303
    assert "Nadia Haddad" in client.get("/profile").text
    db.expire_all()
    account = db.exec(select(User).where(User.email == "nadia.haddad@interieur.gouv.fr")).one()
    assert account.name == "Nadia Haddad" and account.is_active
    assert db.exec(select(EmailConfirmation)).all() == []
