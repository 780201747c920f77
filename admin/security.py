"""Password hashing for staff accounts (argon2id, via argon2-cffi)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# Login throttling: this many failures in a row lock the account for LOCK_DURATION.
MAX_FAILED_LOGINS = 10
LOCK_MINUTES = 15
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing")


def burn_time(password: str) -> None:
    """Verify against a dummy hash so unknown logins take as long as known ones."""
    verify_password(_DUMMY_HASH, password)


def check_password_strength(password: str) -> str | None:
    """A reason the password is not acceptable, or None."""
    if len(password) < 10:
        return "パスワードは10文字以上にしてください。"
    if len(password) > 200:
        return "パスワードが長すぎます。"
    return None
