"""Sign-in with ProConnect (OpenID Connect, authorization code flow), written to the letter:

- the state and the nonce are 43 random characters (256 bits), kept server-side and used once;
- the state is bound to the browser that started the sign-in (a short-lived HttpOnly cookie
  holds it too): a callback URL opened in another browser is refused (login CSRF);
- starting a sign-in is limited per address, and the sign-ins under way are capped;
- `acr` is asked through the `claims` parameter;
- the ID token's signature (JWKS), issuer, audience, expiry and nonce are all checked, with no
  leeway beyond a few seconds of clock skew (ProConnect's tokens live 60 s);
- the userinfo answer is accepted as a signed JWT (checked against the same keys) or as JSON;
- accounts are matched on the pair (idp_id, sub), never on the e-mail alone, and created at the
  first sign-in with the agent's organisation as unit;
- signing out goes through the provider's end-session endpoint with the ID token as hint.
"""

import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.config import Settings
from app.errors import DomainError, RateLimited
from app.models import ExternalIdentity, LoginAttempt, OidcLogin, User
from app.models.base import pk
from app.security import hash_password
from app.services import rate_limits, registration, users

LOGIN_TTL = timedelta(minutes=10)
# Anonymous: each start writes a row. Per address, this many per LOGIN_TTL; and at most
# PENDING_MAX sign-ins under way in all (expired ones are purged at every start).
STARTS_PER_ADDRESS = 20
PENDING_MAX = 5000
CLOCK_SKEW_SECONDS = 5
TIMEOUT = 10.0


class SignInRefused(DomainError):
    """The provider's answer cannot be trusted: the sign-in stops, with the reason in French."""

    status_code = 400


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str


@lru_cache(maxsize=4)
def _discover(issuer: str) -> Provider:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = httpx.get(url, timeout=TIMEOUT).raise_for_status().json()
    if document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise SignInRefused("ProConnect annonce un autre émetteur que celui configuré.")
    return Provider(
        issuer=document["issuer"],
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        userinfo_endpoint=document["userinfo_endpoint"],
        jwks_uri=document["jwks_uri"],
        end_session_endpoint=document.get("end_session_endpoint", ""),
    )


def provider(settings: Settings) -> Provider:
    try:
        return _discover(settings.proconnect_issuer)
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        _discover.cache_clear()
        raise SignInRefused("ProConnect ne répond pas\u00a0: réessayez dans un instant.") from exc


def _keys(found: Provider, refresh: bool = False) -> KeySet:
    if refresh:
        _jwks.cache_clear()
    return _jwks(found.jwks_uri)


@lru_cache(maxsize=4)
def _jwks(uri: str) -> KeySet:
    return KeySet.import_key_set(httpx.get(uri, timeout=TIMEOUT).raise_for_status().json())


def redirect_uri(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + "/auth/proconnect/callback"


def start(
    session: Session, settings: Settings, next_url: str, now: datetime, address: str
) -> tuple[str, str]:
    """Remember a new state and nonce; the URL of ProConnect's authorization page and the
    state, which the caller also gives the browser (see `check_browser`)."""
    found = provider(settings)
    rate_limits.throttle(
        session,
        f"oidc-start:{address}",
        STARTS_PER_ADDRESS,
        LOGIN_TTL,
        "Trop de connexions commencées depuis cette adresse\u00a0: "
        "réessayez dans quelques minutes.",
        now,
    )
    session.exec(delete(OidcLogin).where(col(OidcLogin.created_at) < now - LOGIN_TTL))
    session.exec(  # the other addresses' counts, once past their window
        delete(LoginAttempt).where(
            col(LoginAttempt.key).startswith("oidc-start:"),
            col(LoginAttempt.created_at) < now - LOGIN_TTL,
        )
    )
    if session.exec(select(func.count()).select_from(OidcLogin)).one() >= PENDING_MAX:
        raise RateLimited(
            "Trop de connexions sont en cours\u00a0: réessayez dans quelques minutes.",
            retry_after=60,
        )
    login = OidcLogin(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        next_url=next_url[:500],
        created_at=now,
    )
    session.add(login)
    claims = {"id_token": {"acr": {"essential": True, "value": settings.proconnect_acr}}}
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.proconnect_client_id,
            "redirect_uri": redirect_uri(settings),
            "scope": settings.proconnect_scopes,
            "state": login.state,
            "nonce": login.nonce,
            "claims": json.dumps(claims, separators=(",", ":")),
        }
    )
    return f"{found.authorization_endpoint}?{query}", login.state


def check_browser(state: str, cookie_state: str) -> None:
    """Refuse a callback whose state this browser did not ask for: someone else started that
    sign-in and wants this browser signed in as them."""
    if not state or not hmac.compare_digest(state.encode(), cookie_state.encode()):
        raise SignInRefused(
            "Cette connexion n’a pas été commencée depuis ce navigateur\u00a0: recommencez depuis "
            "la page de connexion."
        )


def _verified(token: str, found: Provider, settings: Settings, **expected: Any) -> dict[str, Any]:
    """The claims of a JWT from ProConnect, once its signature and claims are checked."""
    try:
        try:
            decoded = jwt.decode(token, _keys(found), algorithms=["RS256", "ES256"])
        except JoseError:  # perhaps the provider rotated its keys: fetch them once more
            decoded = jwt.decode(token, _keys(found, refresh=True), algorithms=["RS256", "ES256"])
    except (JoseError, ValueError) as exc:
        raise SignInRefused("La signature de la réponse de ProConnect est invalide.") from exc
    claims = dict(decoded.claims)
    if str(claims.get("iss", "")).rstrip("/") != found.issuer.rstrip("/"):
        raise SignInRefused("La réponse ne vient pas de l’émetteur ProConnect attendu.")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if settings.proconnect_client_id not in audiences:
        raise SignInRefused("La réponse de ProConnect est destinée à un autre service.")
    now = time.time()
    expires = claims.get("exp")
    if ("exp" in expected or "exp" in claims) and (
        not isinstance(expires, int | float) or expires < now - CLOCK_SKEW_SECONDS
    ):
        raise SignInRefused("La réponse de ProConnect a expiré\u00a0: recommencez la connexion.")
    if "iat" in claims and claims["iat"] > now + CLOCK_SKEW_SECONDS:
        raise SignInRefused("La réponse de ProConnect est datée du futur.")
    for name, value in expected.items():
        if name != "exp" and claims.get(name) != value:
            raise SignInRefused(
                "La réponse de ProConnect ne correspond pas à cette connexion (nonce)."
                if name == "nonce"
                else "La réponse de ProConnect est incohérente."
            )
    return claims


def consume(session: Session, state: str, now: datetime) -> OidcLogin:
    """The sign-in this state belongs to, deleted at once: the request commits its deletion
    with the sign-in or with the refusal, so that a state never serves twice (a crash rolls it
    back, but the provider's code it came with is single-use)."""
    login = session.get(OidcLogin, state) if 0 < len(state) <= 128 else None
    if login is None or login.created_at < now - LOGIN_TTL:
        raise SignInRefused(
            "Cette connexion a expiré ou a déjà servi\u00a0: recommencez depuis la page de "
            "connexion."
        )
    session.delete(login)
    return login


def finish(session: Session, settings: Settings, code: str, login: OidcLogin) -> tuple[User, str]:
    """Check everything ProConnect sent back; the account and the ID token."""
    found = provider(settings)
    try:
        answer = httpx.post(
            found.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri(settings),
                "client_id": settings.proconnect_client_id,
                "client_secret": settings.proconnect_client_secret,
            },
            timeout=TIMEOUT,
        )
        tokens = answer.raise_for_status().json()
        id_token, access_token = tokens["id_token"], tokens["access_token"]
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        raise SignInRefused("ProConnect a refusé le code de connexion\u00a0: recommencez.") from exc
    identity = _verified(id_token, found, settings, nonce=login.nonce, exp=True)
    profile = _userinfo(found, settings, access_token)
    if profile.get("sub") != identity.get("sub"):
        raise SignInRefused("Les informations de ProConnect ne concernent pas la même personne.")
    idp_id = profile.get("idp_id") or identity.get("idp_id", "")
    return _account(session, {**profile, "idp_id": idp_id}), id_token


def _userinfo(found: Provider, settings: Settings, access_token: str) -> dict[str, Any]:
    try:
        answer = httpx.get(
            found.userinfo_endpoint,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=TIMEOUT,
        ).raise_for_status()
    except httpx.HTTPError as exc:
        raise SignInRefused(
            "ProConnect n’a pas donné vos informations\u00a0: recommencez."
        ) from exc
    if answer.headers.get("content-type", "").startswith("application/jwt"):
        return _verified(answer.text.strip(), found, settings)
    try:
        return dict(answer.json())
    except ValueError as exc:
        raise SignInRefused("Les informations de ProConnect sont illisibles.") from exc


def _account(session: Session, profile: dict[str, Any]) -> User:
    """The account of this (idp_id, sub); created at the first sign-in."""
    idp_id, sub = str(profile.get("idp_id", "")), str(profile.get("sub", ""))
    if not idp_id or not sub:
        raise SignInRefused("ProConnect n’a pas transmis l’identifiant de votre compte.")
    known = session.exec(
        select(ExternalIdentity).where(
            ExternalIdentity.idp_id == idp_id, ExternalIdentity.sub == sub
        )
    ).first()
    if known is not None:
        user = session.get_one(User, known.user_id)
        if not user.is_active:
            raise SignInRefused(
                "Ce compte est désactivé. Contactez l’équipe qui administre l’outil."
            )
        return user
    email = str(profile.get("email", "")).strip().lower()
    registration.drop_pending_registration(session, email)  # someone registered it, never proved it
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise SignInRefused(
            "Un compte local existe déjà avec cette adresse\u00a0: connectez-vous avec votre mot "
            "de passe, ou demandez à l’équipe qui administre l’outil de le rattacher à ProConnect."
        )
    name = " ".join(
        str(profile.get(k, "")).strip() for k in ("given_name", "usual_name") if profile.get(k)
    )
    unit = str(profile.get("organization_label") or profile.get("siret") or "ProConnect")
    user = User(
        email=email,
        name=(name or email)[:120],
        unit_id=users.get_or_create_unit(session, unit[:120]).id,
        password_hash=hash_password(secrets.token_urlsafe(32)),  # never typed: ProConnect signs in
    )
    session.add(user)
    session.flush()
    session.add(ExternalIdentity(user_id=pk(user), idp_id=idp_id, sub=sub))
    return user


def logout_url(settings: Settings, id_token: str, after: str) -> str:
    """ProConnect's end-session URL for this session (the provider then sends the browser back)."""
    found = provider(settings)
    if not found.end_session_endpoint:
        return after
    query = urlencode(
        {
            "id_token_hint": id_token,
            "state": secrets.token_urlsafe(32),
            "post_logout_redirect_uri": after,
        }
    )
    return f"{found.end_session_endpoint}?{query}"
