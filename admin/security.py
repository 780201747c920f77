"""Staff login rules: throttling, timing (hashing and password strength: bot.security)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from admin.web import audit
from bot.models import StaffUser
from bot.security import check_password_strength, hash_password, needs_rehash, verify_password

__all__ = ["LOCK_MINUTES", "MAX_FAILED_LOGINS", "burn_time", "check_password_strength",
           "count_failure", "hash_password", "needs_rehash", "verify_password"]

# Login throttling: this many failures in a row lock the account for LOCK_MINUTES. Wrong
# passwords, wrong second-factor codes and a wrong current password on the password-change
# page all count.
MAX_FAILED_LOGINS = 10
LOCK_MINUTES = 15
_DUMMY_HASH = hash_password("not-a-real-password-used-for-timing")


def burn_time(password: str) -> None:
    """Verify against a dummy hash so unknown logins take as long as known ones."""
    verify_password(_DUMMY_HASH, password)


def count_failure(session: Session, staff: StaffUser, now: datetime, action: str) -> bool:
    """One more failure on the account, audited as `action`; the tenth in a row locks it
    (audited as login.lockout). Returns True when this failure locked the account."""
    staff.failed_logins += 1
    session.add(staff)
    if staff.failed_logins < MAX_FAILED_LOGINS:
        audit(session, staff, action)
        return False
    staff.locked_until = now + timedelta(minutes=LOCK_MINUTES)
    staff.failed_logins = 0
    audit(session, staff, "login.lockout", detail=f"after {action}")
    return True
