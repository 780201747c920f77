"""Staff login rules: throttling, timing (hashing and password strength: bot.security)."""
from __future__ import annotations

from bot.security import check_password_strength, hash_password, needs_rehash, verify_password

__all__ = ["LOCK_MINUTES", "MAX_FAILED_LOGINS", "burn_time", "check_password_strength",
           "hash_password", "needs_rehash", "verify_password"]

# Login throttling: this many failures in a row lock the account for LOCK_DURATION.
MAX_FAILED_LOGINS = 10
LOCK_MINUTES = 15
_DUMMY_HASH = hash_password("not-a-real-password-used-for-timing")


def burn_time(password: str) -> None:
    """Verify against a dummy hash so unknown logins take as long as known ones."""
    verify_password(_DUMMY_HASH, password)
