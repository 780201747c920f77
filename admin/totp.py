"""The staff second factor: TOTP (RFC 6238 via pyotp: 6 digits, 30-second steps) and
one-time recovery codes.

A code is accepted for the current step or one step either side (clock drift), and only
for a step later than the last one accepted for that account, so a code seen over a
shoulder or replayed from a log cannot be used again. Recovery codes are 80-bit random
strings shown once; only their SHA-256 is stored (a random code that long needs no slow
hash) and each one is used at most once. Both checks are conditional UPDATEs, so two
requests racing with the same code cannot both win.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Optional

import pyotp
import segno
from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, func, select

from bot.models import RecoveryCode, StaffUser

STEP_SECONDS = 30
DRIFT_STEPS = 1                  # the window: one step before and after the current one
ISSUER = "くらしの相談LINE"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"    # 32 letters: 5 bits each
_RECOVERY_LENGTH = 16                                     # 80 bits


def new_secret() -> str:
    return pyotp.random_base32()          # 160 bits, base32 as authenticator apps expect


def provisioning_uri(secret: str, login: str) -> str:
    """The otpauth:// URI the QR code carries (also shown as text for manual entry)."""
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no image file, nothing sent anywhere)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2)


def step_at(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


def matching_step(secret: str, code: str, now: datetime) -> Optional[int]:
    """The time step within the window whose code this is, or None."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    current = step_at(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def accept_code(session: Session, staff: StaffUser, secret: str, code: str,
                now: datetime) -> bool:
    """True when `code` is valid now for `secret` and its step was never used on this
    account; the step is recorded in the same conditional UPDATE (no replay, no race)."""
    step = matching_step(secret, code, now)
    if step is None:
        return False
    claimed = session.exec(update(StaffUser).where(
        col(StaffUser.id) == staff.id,
        or_(col(StaffUser.totp_last_step).is_(None), col(StaffUser.totp_last_step) < step))
        .values(totp_last_step=step))
    if claimed.rowcount != 1:
        return False
    staff.totp_last_step = step
    return True


def _normalised(code: str) -> str:
    return "".join(char for char in code.upper() if char.isalnum())


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(_normalised(code).encode()).hexdigest()


def new_recovery_codes(session: Session, staff_id: int) -> list[str]:
    """Replace the account's recovery codes with fresh ones; returns them to show once."""
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.staff_id) == staff_id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
        session.add(RecoveryCode(staff_id=staff_id, code_hash=_recovery_hash(raw)))
    return codes


def use_recovery_code(session: Session, staff_id: int, code: str, now: datetime) -> bool:
    if len(_normalised(code)) != _RECOVERY_LENGTH:
        return False
    used = session.exec(update(RecoveryCode).where(
        col(RecoveryCode.staff_id) == staff_id, col(RecoveryCode.used_at).is_(None),
        col(RecoveryCode.code_hash) == _recovery_hash(code)).values(used_at=now))
    return used.rowcount == 1


def recovery_codes_left(session: Session, staff_id: int) -> int:
    return session.exec(select(func.count()).select_from(RecoveryCode).where(
        col(RecoveryCode.staff_id) == staff_id, col(RecoveryCode.used_at).is_(None))).one()


def remove_second_factor(session: Session, staff: StaffUser) -> None:
    staff.totp_secret, staff.totp_enabled_at, staff.totp_last_step = None, None, None
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.staff_id) == staff.id))
    session.add(staff)
