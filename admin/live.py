"""What the staff pages' live event stream tells (routes/live.py sends it).

The stream carries signals, never content: "the queue changed" (the page then fetches its
own fragment, as the timed refresh does), "this case has a new message or was changed"
(the case page draws itself again), and, for the assignee, "a resident wrote on your case"
with its case code and unread count — what their queue page shows them already. No message
text and no LINE user ID ever go into it.

It is built by looking at the database once a tick, so it works the same with several
service processes on one PostgreSQL: the newest message id and the newest audit entry id
(every status change, take, assignment and case view writes one) say whether anything
changed; only then are the cases looked at.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

from sqlalchemy import and_, exists, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from admin.unread import unread_counts
from admin.web import account_step_due
from bot import clock
from bot.cases import STAFF_HELD
from bot.models import AdminSession, AuditLog, Case, Message, Resident, StaffUser


@dataclass(frozen=True)
class LiveEvent:
    name: str
    data: dict
    last_message_id: int           # the stream's position (SSE `id:`, sent back on reconnect)

    def encode(self) -> str:
        return (f"event: {self.name}\nid: {self.last_message_id}\n"
                f"data: {json.dumps(self.data, separators=(',', ':'))}\n\n")


@dataclass
class Watch:
    """One open stream: whose session it is, which case page (if any) it serves, and what
    it has told so far."""
    session_id: str
    staff_id: int
    case_id: Optional[int] = None
    after: Optional[int] = None                       # newest message id already considered
    queue_mark: Optional[tuple[int, int]] = None      # (newest message id, newest audit id)
    case_mark: Optional[tuple[int, int]] = None       # (case's newest message id, version)


def session_still_valid(session: Session, watch: Watch, idle: timedelta) -> bool:
    """The stream lives only as long as the login it was opened with (logout, lifetime,
    idle timeout, a disabled account or a step due on the account end it)."""
    row = session.get(AdminSession, watch.session_id)
    now = clock.now()
    if row is None or clock.as_utc(row.expires_at) <= now:
        return False
    if clock.as_utc(row.last_seen_at) + idle <= now:
        return False
    staff = session.get(StaffUser, watch.staff_id)
    return staff is not None and not staff.disabled and account_step_due(staff) is None


def _newest(session: Session, column) -> int:
    return int(session.exec(select(func.max(column))).one() or 0)


def look(engine: Engine, watch: Watch, idle: timedelta) -> Optional[list[LiveEvent]]:
    """One tick: the events to send now, or None when the session has ended."""
    with Session(engine) as session:
        if not session_still_valid(session, watch, idle):
            return None
        newest_message = _newest(session, Message.id)
        mark = (newest_message, _newest(session, AuditLog.id))
        if mark == watch.queue_mark:
            return []
        events: list[LiveEvent] = []
        first = watch.queue_mark is None
        watch.queue_mark = mark
        events.append(LiveEvent("queue", {"first": first}, newest_message))
        if watch.case_id is not None:
            events += _case_changed(session, watch, newest_message)
        if watch.after is not None and newest_message > watch.after:
            events += _written_on_my_cases(session, watch, newest_message)
        watch.after = newest_message
        return events


def _case_changed(session: Session, watch: Watch, newest_message: int) -> list[LiveEvent]:
    case = session.get(Case, watch.case_id)
    if case is None:
        return []
    last = int(session.exec(select(func.max(Message.id))
                            .where(Message.case_id == case.id)).one() or 0)
    mark = (last, case.version)
    if mark == watch.case_mark:
        return []
    watch.case_mark = mark
    return [LiveEvent("case", {"case_id": case.id, "last_message_id": last,
                               "version": case.version}, newest_message)]


def _written_on_my_cases(session: Session, watch: Watch, newest_message: int) -> list[LiveEvent]:
    """Cases assigned to this staff member on which the resident wrote since `after`."""
    wrote = exists().where(and_(Message.case_id == Case.id, Message.sender == "resident",
                                Message.id > watch.after))
    found = session.exec(select(Case.id, Resident.case_code)
                         .join(Resident, Resident.id == Case.resident_id)
                         .where(Case.assignee_id == watch.staff_id)
                         .where(col(Case.status).in_(STAFF_HELD)).where(wrote)
                         .order_by(Case.id)).all()
    unread = unread_counts(session, [case_id for case_id, _ in found])
    return [LiveEvent("mine", {"case_id": case_id, "case_code": code,
                               "unread": unread.get(case_id, 0)}, newest_message)
            for case_id, code in found]
