"""The staff queue as a query: tabs, order (priority, then longest waiting), row details."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from sqlalchemy import func
from sqlmodel import Session, select

from admin import labels
from bot import clock
from bot.hours import BusinessHours
from bot.models import Case, Message, Resident, StaffUser

TABS = {
    "waiting": "対応待ち",
    "mine": "対応中（自分）",
    "open": "対応中（全員）",
    "pending": "返事待ち",
    "closed": "終了",
}
CLOSED_LIMIT = 200
LAST_MESSAGE_CHARS = 80


@dataclass
class QueueRow:
    case_id: int
    case_code: str
    status: str
    priority: str
    risk: str
    fields: list[str]
    patterns: list[str]
    area: Optional[str]
    queued_at: Optional[datetime]
    waiting_seconds: Optional[float]
    assignee_id: Optional[int]
    assignee: Optional[str]
    last_message: Optional[str]
    last_message_at: Optional[datetime]
    handoff_reasons: list[str] = field(default_factory=list)

    @property
    def field_labels(self) -> list[tuple[str, str]]:
        return [(key, labels.field_label(key)) for key in self.fields]

    @property
    def pattern_labels(self) -> list[str]:
        return [labels.pattern_label(key) for key in self.patterns]

    def as_json(self) -> dict:
        return {"case_id": self.case_id, "case_code": self.case_code, "status": self.status,
                "priority": self.priority, "risk": self.risk, "fields": self.fields,
                "patterns": self.patterns, "area": self.area,
                "waiting_seconds": None if self.waiting_seconds is None else int(self.waiting_seconds),
                "assignee": self.assignee,
                "queued_at": self.queued_at.isoformat() if self.queued_at else None}


def _tab_query(tab: str, staff: StaffUser):
    query = select(Case, Resident.case_code).join(Resident, Resident.id == Case.resident_id)
    if tab == "waiting":
        query = query.where(Case.status == "waiting")
    elif tab == "mine":
        query = query.where(Case.status == "open", Case.assignee_id == staff.id)
    elif tab == "open":
        query = query.where(Case.status == "open")
    elif tab == "pending":
        query = query.where(Case.status == "pending")
    elif tab == "closed":
        return (query.where(Case.status == "closed")
                .order_by(Case.closed_at.desc(), Case.id.desc()).limit(CLOSED_LIMIT))
    else:
        raise ValueError(tab)
    # Priority, then longest waiting; cases without queued_at (never queued) last.
    return query.order_by(Case.priority_rank, Case.queued_at.is_(None), Case.queued_at, Case.id)


def waiting_seconds(case: Case, hours: BusinessHours, now: datetime) -> Optional[float]:
    start = case.queued_at or case.opened_at
    if start is None:
        return None
    end = case.closed_at if case.status == "closed" and case.closed_at else now
    return hours.seconds_between(start, end)


def queue_rows(session: Session, staff: StaffUser, tab: str, hours: BusinessHours) -> list[QueueRow]:
    now = clock.now()
    results = session.exec(_tab_query(tab, staff)).all()
    case_ids = [case.id for case, _ in results]
    names = staff_names(session)
    last = last_resident_messages(session, case_ids)
    rows = []
    for case, code in results:
        message = last.get(case.id)
        text = message.text if message else None
        if text and len(text) > LAST_MESSAGE_CHARS:
            text = text[:LAST_MESSAGE_CHARS] + "…"
        rows.append(QueueRow(
            case_id=case.id, case_code=code, status=case.status, priority=case.priority,
            risk=case.risk, fields=list(case.fields or []), patterns=list(case.patterns or []),
            area=case.area, queued_at=case.queued_at,
            waiting_seconds=waiting_seconds(case, hours, now),
            assignee_id=case.assignee_id, assignee=names.get(case.assignee_id),
            last_message=text, last_message_at=message.created_at if message else None,
            handoff_reasons=list(case.handoff_reasons or [])))
    return rows


def last_resident_messages(session: Session, case_ids: list[int]) -> dict[int, Message]:
    if not case_ids:
        return {}
    latest = (select(func.max(Message.id)).where(Message.case_id.in_(case_ids))
              .where(Message.sender == "resident").group_by(Message.case_id))
    messages = session.exec(select(Message).where(Message.id.in_(latest))).all()
    return {m.case_id: m for m in messages}


def staff_names(session: Session) -> dict[int, str]:
    return {s.id: (s.display_name or s.login) for s in session.exec(select(StaffUser)).all()}


def tab_counts(session: Session, staff: StaffUser) -> dict[str, int]:
    counts = dict(session.exec(select(Case.status, func.count(Case.id))
                               .where(Case.status.in_(("waiting", "open", "pending")))
                               .group_by(Case.status)).all())
    mine = session.exec(select(func.count(Case.id)).where(
        Case.status == "open", Case.assignee_id == staff.id)).one()
    return {"waiting": counts.get("waiting", 0), "mine": mine, "open": counts.get("open", 0),
            "pending": counts.get("pending", 0)}


def waiting_emergencies(session: Session) -> list[int]:
    """Emergency cases nobody has picked up yet (these raise the alert)."""
    return list(session.exec(select(Case.id).where(Case.status == "waiting")
                             .where(Case.priority == "emergency").order_by(Case.id)).all())
