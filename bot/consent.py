"""Consent records: the one writer of Consent rows and of the Resident row's cached latest
answer (terms_consent/_at, share_consent/_at). The bot records what the resident answers in
the chat; staff record 本人同意 given by phone or in person, and its withdrawal."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlmodel import Session, select

from bot import clock
from bot.models import Consent, Resident

METHODS = ("line", "phone", "in_person")      # how the resident gave or withdrew it
KINDS = ("terms", "share")


def record_consent(session: Session, resident: Resident, kind: str, granted: bool, *,
                   at: Optional[datetime] = None, method: str = "line",
                   staff_id: Optional[int] = None, case_id: Optional[int] = None) -> Consent:
    """Add a consent record; the resident's cached answer follows it unless a later one
    (by when it was given) is already recorded — staff may write down yesterday's call."""
    if kind not in KINDS or method not in METHODS:
        raise ValueError(f"consent kind {kind!r} / method {method!r}")
    when = at or clock.now()
    assert resident.id is not None
    row = Consent(resident_id=resident.id, kind=kind, granted=granted, at=when, method=method,
                  staff_id=staff_id, case_id=case_id,
                  recorded_at=clock.now() if staff_id is not None else None)
    session.add(row)
    cached_at = getattr(resident, f"{kind}_consent_at")
    if cached_at is None or clock.as_utc(cached_at) <= when:
        setattr(resident, f"{kind}_consent", granted)
        setattr(resident, f"{kind}_consent_at", when)
        session.add(resident)
    return row


def history(session: Session, resident_id: int, kind: str) -> list[Consent]:
    """The resident's answers of one kind, latest given first."""
    return list(session.exec(select(Consent).where(Consent.resident_id == resident_id,
                                                   Consent.kind == kind)
                             .order_by(Consent.at.desc(), Consent.id.desc())).all())
