"""Every change of a case's status, in one place.

Each transition checks that the case may make it, bumps `Case.version` (the optimistic
lock staff forms carry), and writes the audit entry. Staff transitions are conditional
updates on the version the form was drawn with and return False when someone changed the
case in between; the bot's own transitions run inside the event's transaction and bump
the version of the loaded row.

    escalate        bot | pending -> waiting   (the bot hands the case to people)
    take            waiting -> open            (a staff member takes it; assignee = them)
    assign          waiting <-> open           (assignee set / cleared)
    staff_reply     waiting | pending -> open  (a staff member answered the resident)
    pend            * -> pending               (waiting for the resident)
    close           * -> closed                (with a reason)
    reopen          * -> open                  (staff reopen or resume a case)
    reopen_for_resident   closed -> bot        (the resident answered a follow-up)
    close_for_deletion    * -> closed          (the resident erased their data)
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Optional

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot import clock
from bot.cases.status import ACTIVE, CaseStatus
from bot.models import PRIORITY_RANK, AuditLog, Case, StaffUser

ANY = frozenset(CaseStatus)
ALLOWED_FROM: dict[str, frozenset[CaseStatus]] = {
    "escalate": ANY - {CaseStatus.CLOSED},
    "take": ANY,
    "assign": ANY,
    "staff_reply": ANY - {CaseStatus.CLOSED},
    "pend": ANY,
    "close": ANY,
    "reopen": ANY,
    "reopen_for_resident": frozenset({CaseStatus.CLOSED}),
}


class TransitionError(ValueError):
    """A transition the case's current status does not allow."""


def _check(case: Case, transition: str) -> CaseStatus:
    current = CaseStatus(case.status)
    if current not in ALLOWED_FROM[transition]:
        raise TransitionError(f"case {case.id}: {transition} not allowed from {current}")
    return current


def _audit(session: Session, action: str, case_id: Optional[int], *,
           staff_id: Optional[int] = None, detail: Optional[str] = None) -> None:
    """Never message text or LINE user IDs in `detail`."""
    session.add(AuditLog(staff_id=staff_id, action=action, case_id=case_id,
                         detail=(detail or None) and detail[:500]))


def _versioned_update(session: Session, case: Case, version: int, current: CaseStatus,
                      **values: Any) -> bool:
    """Change a case only if nobody changed it since `version` was read (staff forms) and
    its status is still `current`, the status checked and written to the audit log as the
    previous state: the entry is true even if the row loaded for the request was stale."""
    statement = (update(Case).where(col(Case.id) == case.id, col(Case.version) == version,
                                    col(Case.status) == current)
                 .values(version=Case.version + 1, **values))
    return bool(session.exec(statement).rowcount == 1)


# The resident's open case ----------------------------------------------------------------
def active_case(session: Session, resident_id: Optional[int]) -> Optional[Case]:
    """The resident's case that is not closed (the latest, should there be several)."""
    return session.exec(select(Case).where(Case.resident_id == resident_id)
                        .where(col(Case.status).in_(ACTIVE))
                        .order_by(col(Case.id).desc())).first()


def ensure_case(session: Session, resident_id: Optional[int]) -> Case:
    """The open case, or a new one in status bot."""
    case = active_case(session, resident_id)
    if case is None:
        assert resident_id is not None
        case = Case(resident_id=resident_id, status=CaseStatus.BOT, fields=[], patterns=[],
                    handoff_reasons=[])
        session.add(case)
        session.flush()
    return case


# The bot's transitions (inside the event's transaction) ------------------------------------
def escalate(session: Session, case: Case, *, priority: str, reasons: Iterable[str],
             now: Optional[datetime] = None) -> None:
    """Raise the priority, record why, and put a bot or pending case in the staff queue."""
    current = _check(case, "escalate")
    now = now or clock.now()
    rank = min(case.priority_rank, PRIORITY_RANK[priority])
    case.priority_rank = rank
    case.priority = next(name for name, value in PRIORITY_RANK.items() if value == rank)
    if current in (CaseStatus.BOT, CaseStatus.PENDING):
        case.status = CaseStatus.WAITING
        case.queued_at = case.queued_at or now
        _audit(session, "case.escalate", case.id,
               detail=f"{current}->{CaseStatus.WAITING} priority={case.priority}")
    merged = list(case.handoff_reasons or [])
    merged += [reason for reason in reasons if reason not in merged]
    case.handoff_reasons = merged
    case.version += 1
    session.add(case)


def reopen_for_resident(session: Session, case: Case, *, now: Optional[datetime] = None) -> bool:
    """A closed case comes back to life (status bot; the flow escalates it if needed) when
    the resident answers a follow-up. Not when the resident deleted it, nor when another
    case of theirs is open already."""
    _check(case, "reopen_for_resident")
    if case.close_reason == "deleted" or active_case(session, case.resident_id) is not None:
        return False
    case.status, case.closed_at, case.close_reason = CaseStatus.BOT, None, None
    case.last_message_at = now or clock.now()
    case.version += 1
    session.add(case)
    _audit(session, "case_reopened", case.id, detail="resident answered a follow-up")
    return True


def close_for_deletion(session: Session, case_ids: list[int], now: datetime) -> None:
    """The resident erased their data: every case of theirs is closed (reason deleted)."""
    if not case_ids:
        return
    session.exec(update(Case).where(col(Case.id).in_(case_ids)).values(
        status=CaseStatus.CLOSED, close_reason="deleted", closed_at=now, area=None,
        version=Case.version + 1))
    for case_id in case_ids:
        _audit(session, "case.close", case_id, detail="reason=deleted (resident)")


# Staff transitions (conditional on the version the form was drawn with) -------------------
def take(session: Session, case: Case, *, staff: StaffUser, version: int) -> bool:
    current = _check(case, "take")
    values: dict[str, Any] = {"assignee_id": staff.id}
    if current == CaseStatus.WAITING:
        values["status"] = CaseStatus.OPEN
    if not _versioned_update(session, case, version, current, **values):
        return False
    _audit(session, "case.take", case.id, staff_id=staff.id)
    return True


def assign(session: Session, case: Case, *, staff: StaffUser, assignee: Optional[StaffUser],
           version: int, now: Optional[datetime] = None) -> bool:
    """Give the case to `assignee`, or back to the queue when None."""
    current = _check(case, "assign")
    values: dict[str, Any] = {"assignee_id": assignee.id if assignee else None}
    if assignee and current == CaseStatus.WAITING:
        values["status"] = CaseStatus.OPEN
    if not assignee and current == CaseStatus.OPEN:
        values["status"] = CaseStatus.WAITING
        values["queued_at"] = case.queued_at or now or clock.now()
    if not _versioned_update(session, case, version, current, **values):
        return False
    _audit(session, "case.assign", case.id, staff_id=staff.id,
           detail=f"assignee={assignee.login if assignee else 'none'}")
    return True


def staff_reply(session: Session, case: Case, *, staff: StaffUser, version: int,
                outbox_ids: list[int], now: Optional[datetime] = None) -> bool:
    """A staff member answered: the case is theirs (if nobody had it) and open."""
    current = _check(case, "staff_reply")
    values: dict[str, Any] = {}
    if current in (CaseStatus.WAITING, CaseStatus.PENDING):
        values["status"] = CaseStatus.OPEN
    if case.assignee_id is None:
        values["assignee_id"] = staff.id
    if case.first_response_at is None:
        values["first_response_at"] = now or clock.now()
    if not _versioned_update(session, case, version, current, **values):
        return False
    _audit(session, "case.reply", case.id, staff_id=staff.id,
           detail=f"outbox={','.join(str(i) for i in outbox_ids)}")
    return True


def close(session: Session, case: Case, *, staff: StaffUser, version: int, reason: str,
          referred_agency: Optional[str] = None, now: Optional[datetime] = None) -> bool:
    current = _check(case, "close")
    values = {"status": CaseStatus.CLOSED, "close_reason": reason,
              "closed_at": now or clock.now(), "referred_agency": referred_agency}
    if not _versioned_update(session, case, version, current, **values):
        return False
    _status_audit(session, case, staff, current, CaseStatus.CLOSED, reason, referred_agency)
    return True


def pend(session: Session, case: Case, *, staff: StaffUser, version: int,
         referred_agency: Optional[str] = None, now: Optional[datetime] = None) -> bool:
    return _staff_resume(session, case, "pend", CaseStatus.PENDING, staff=staff,
                         version=version, referred_agency=referred_agency, now=now)


def reopen(session: Session, case: Case, *, staff: StaffUser, version: int,
           referred_agency: Optional[str] = None, now: Optional[datetime] = None) -> bool:
    return _staff_resume(session, case, "reopen", CaseStatus.OPEN, staff=staff,
                         version=version, referred_agency=referred_agency, now=now)


def _staff_resume(session: Session, case: Case, transition: str, target: CaseStatus, *,
                  staff: StaffUser, version: int, referred_agency: Optional[str],
                  now: Optional[datetime]) -> bool:
    current = _check(case, transition)
    now = now or clock.now()
    values: dict[str, Any] = {"status": target, "closed_at": None, "close_reason": None,
                              "referred_agency": referred_agency}
    if case.assignee_id is None:
        values["assignee_id"] = staff.id
    if case.queued_at is None:
        values["queued_at"] = now
    if not _versioned_update(session, case, version, current, **values):
        return False
    _status_audit(session, case, staff, current, target, None, referred_agency)
    return True


def _status_audit(session: Session, case: Case, staff: StaffUser, current: CaseStatus,
                  target: CaseStatus, reason: Optional[str],
                  referred_agency: Optional[str]) -> None:
    detail = f"{current}->{target}"
    if reason:
        detail += f" reason={reason}"
    if referred_agency:
        detail += " referred"
    _audit(session, "case.status", case.id, staff_id=staff.id, detail=detail)
