"""A case's lifecycle. The status vocabulary and its scopes are in `status` (pure, the
flows use it); every change of a case's status is a function in `lifecycle` — the one
place a status changes."""
from bot.cases.status import ACTIVE, STAFF_HELD, CaseStatus

__all__ = ["ACTIVE", "STAFF_HELD", "CaseStatus"]
