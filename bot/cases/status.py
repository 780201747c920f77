"""The case status vocabulary (ARCHITECTURE.md) and the scopes built from it. Pure: the
flows read it, so it imports nothing that does I/O."""
from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    BOT = "bot"              # only the bot has answered
    WAITING = "waiting"      # queued for staff
    OPEN = "open"            # a staff member has it
    PENDING = "pending"      # waiting for the resident
    CLOSED = "closed"


# A resident has at most one case in ACTIVE at a time (the "open case" of the conversation).
ACTIVE: tuple[CaseStatus, ...] = (CaseStatus.BOT, CaseStatus.WAITING, CaseStatus.OPEN,
                                  CaseStatus.PENDING)
# A person holds the case or must pick it up.
STAFF_HELD: tuple[CaseStatus, ...] = (CaseStatus.WAITING, CaseStatus.OPEN, CaseStatus.PENDING)
