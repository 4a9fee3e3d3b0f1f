"""Password hashing, random tokens and their hashes, CSRF tokens."""

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so that timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when the password matches; constant work whether or not the account exists."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _csrf_secret(secret_key: str, nonce: str) -> bytes:
    return hmac.new(secret_key.encode(), nonce.encode(), hashlib.sha256).digest()


def csrf_token_for(secret_key: str, nonce: str) -> str:
    """A form token for a CSRF cookie nonce, bound to the app's secret.

    Masked with fresh random bytes each time, so that compressed pages never repeat it
    (BREACH); every masked form of the same secret is valid.
    """
    mask = secrets.token_bytes(32)
    masked = bytes(a ^ b for a, b in zip(mask, _csrf_secret(secret_key, nonce), strict=True))
    return (mask + masked).hex()


def csrf_token_valid(secret_key: str, nonce: str | None, token: str | None) -> bool:
    if not nonce or not token or len(token) != 128:
        return False
    try:
        raw = bytes.fromhex(token)
    except ValueError:
        return False
    unmasked = bytes(a ^ b for a, b in zip(raw[:32], raw[32:], strict=True))
    return hmac.compare_digest(unmasked, _csrf_secret(secret_key, nonce))
