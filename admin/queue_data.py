"""The staff queue as a query: tabs, order (priority, unread first, then longest waiting),
row details."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from sqlalchemy import func
from sqlmodel import Session, select

from admin import labels
from admin.unread import unread_counts, unread_first
from bot import clock
from bot.cases import STAFF_HELD, CaseStatus
from bot.hours import BusinessHours
from bot.models import Case, CaseLabel, Label, Message, Resident, StaffUser
from admin.queue_filters import QueueFilter

TABS = {
    "waiting": "対応待ち",
    "mine": "対応中（自分）",
    "open": "対応中（全員）",
    "pending": "返事待ち",
    "closed": "終了",
    "all": "すべて",      # with the filters (admin/queue_filters.py): any case staff held
}
CLOSED_LIMIT = 200
PAGE_SIZE = 50          # rows per page of a tab
MAX_PAGE_SIZE = 200     # what the JSON API accepts as per_page
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
    waiting_seconds: Optional[float]          # business hours only
    assignee_id: Optional[int]
    assignee: Optional[str]
    last_message: Optional[str]
    last_message_at: Optional[datetime]
    handoff_reasons: list[str] = field(default_factory=list)
    waiting_wall_seconds: Optional[float] = None   # the clock on the wall
    unread: int = 0                                # resident messages not yet seen
    labels: list[str] = field(default_factory=list)

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
                "waiting_seconds": _whole(self.waiting_seconds),
                "waiting_wall_seconds": _whole(self.waiting_wall_seconds),
                "unread": self.unread,
                "assignee": self.assignee, "labels": self.labels,
                "queued_at": self.queued_at.isoformat() if self.queued_at else None}


def _whole(seconds: Optional[float]) -> Optional[int]:
    return None if seconds is None else int(seconds)


def _tab_filter(query, tab: str, staff: StaffUser, filters: Optional[QueueFilter] = None):
    if filters is not None:
        query = filters.apply(query, staff)
    if tab == "mine":
        return query.where(Case.status == CaseStatus.OPEN, Case.assignee_id == staff.id)
    if tab in ("waiting", "open", "pending", "closed"):
        return query.where(Case.status == CaseStatus(tab))
    if tab == "all":
        return query.where(Case.status.in_((*STAFF_HELD, CaseStatus.CLOSED)))
    raise ValueError(tab)


def _tab_query(tab: str, staff: StaffUser, filters: Optional[QueueFilter] = None):
    query = _tab_filter(select(Case, Resident.case_code)
                        .join(Resident, Resident.id == Case.resident_id), tab, staff, filters)
    if tab == "closed":
        return query.order_by(Case.closed_at.desc(), Case.id.desc())
    # Priority, then cases with unread resident messages (admin/unread.py), then longest
    # waiting; cases without queued_at (never queued) last.
    return query.order_by(Case.priority_rank, unread_first(), Case.queued_at.asc().nulls_last(),
                          Case.id)


def tab_total(session: Session, staff: StaffUser, tab: str,
              counts: Optional[dict[str, int]] = None,
              filters: Optional[QueueFilter] = None) -> int:
    """How many rows the tab lists (the closed tab: at most CLOSED_LIMIT)."""
    if counts is not None and tab in counts and not (filters and filters.active):
        return counts[tab]
    total = session.exec(_tab_filter(select(func.count()).select_from(Case), tab, staff,
                                     filters)).one()
    return min(total, CLOSED_LIMIT) if tab == "closed" else total


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int          # rows in the whole tab
    page: int           # 1-based, clamped to the last page
    pages: int
    per_page: int

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def _waiting_span(case: Case, now: datetime) -> Optional[tuple[datetime, datetime]]:
    start = case.queued_at or case.opened_at
    if start is None:
        return None
    end = case.closed_at if case.status == "closed" and case.closed_at else now
    return clock.as_utc(start), clock.as_utc(end)


def waiting_seconds(case: Case, hours: BusinessHours, now: datetime) -> Optional[float]:
    """Business hours waited (what the office's service level counts)."""
    span = _waiting_span(case, now)
    return hours.seconds_between(*span) if span else None


def wall_waiting_seconds(case: Case, now: datetime) -> Optional[float]:
    """Hours on the wall clock: a Sunday-night emergency has waited, whatever the office
    hours say."""
    span = _waiting_span(case, now)
    return max(0.0, (span[1] - span[0]).total_seconds()) if span else None


def queue_page(session: Session, staff: StaffUser, tab: str, hours: BusinessHours,
               page: int = 1, per_page: int = PAGE_SIZE,
               counts: Optional[dict[str, int]] = None,
               last_messages: bool = True,
               filters: Optional[QueueFilter] = None) -> QueuePage:
    """One page of a tab: a COUNT (or the tab counts already made), one query for the page
    of cases, one for their last resident messages, one for staff names."""
    per_page = max(1, min(per_page, MAX_PAGE_SIZE))
    total = tab_total(session, staff, tab, counts, filters)
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    offset = (page - 1) * per_page
    limit = per_page if tab != "closed" else max(0, min(per_page, CLOSED_LIMIT - offset))
    rows = queue_rows(session, staff, tab, hours, limit=limit, offset=offset,
                      last_messages=last_messages, filters=filters)
    return QueuePage(rows=rows, total=total, page=page, pages=pages, per_page=per_page)


def queue_rows(session: Session, staff: StaffUser, tab: str, hours: BusinessHours,
               limit: Optional[int] = None, offset: int = 0,
               last_messages: bool = True,
               filters: Optional[QueueFilter] = None) -> list[QueueRow]:
    now = clock.now()
    query = _tab_query(tab, staff, filters)
    if tab == "closed":
        limit = CLOSED_LIMIT - offset if limit is None else min(limit, CLOSED_LIMIT - offset)
        if limit <= 0:
            return []
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    results = session.exec(query).all()
    case_ids = [case.id for case, _ in results]
    names = staff_names(session) if results else {}
    last = last_resident_messages(session, case_ids) if last_messages else {}
    unread = unread_counts(session, case_ids)
    case_labels = labels_of(session, case_ids)
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
            handoff_reasons=list(case.handoff_reasons or []),
            waiting_wall_seconds=wall_waiting_seconds(case, now),
            unread=unread.get(case.id, 0),
            labels=case_labels.get(case.id, [])))
    return rows


def labels_of(session: Session, case_ids: list[int]) -> dict[int, list[str]]:
    """Each case's label names, in one query."""
    if not case_ids:
        return {}
    found: dict[int, list[str]] = {}
    for case_id, name in session.exec(select(CaseLabel.case_id, Label.name)
                                      .join(Label, Label.id == CaseLabel.label_id)
                                      .where(CaseLabel.case_id.in_(case_ids))
                                      .order_by(Label.name)).all():
        found.setdefault(case_id, []).append(name)
    return found


@dataclass
class LastMessage:
    case_id: int
    text: Optional[str]
    created_at: datetime


def last_resident_messages(session: Session, case_ids: list[int]) -> dict[int, LastMessage]:
    """The latest resident message of each case, in one query (ix_message_case_sender
    answers each case's max(id) from the index)."""
    if not case_ids:
        return {}
    latest = (select(func.max(Message.id)).where(Message.case_id.in_(case_ids))
              .where(Message.sender == "resident").group_by(Message.case_id))
    found = session.exec(select(Message.case_id, Message.text, Message.created_at)
                         .where(Message.id.in_(latest))).all()
    return {case_id: LastMessage(case_id, text, at) for case_id, text, at in found}


def staff_names(session: Session) -> dict[int, str]:
    return {s.id: (s.display_name or s.login) for s in session.exec(select(StaffUser)).all()}


def tab_counts(session: Session, staff: StaffUser) -> dict[str, int]:
    counts = dict(session.exec(select(Case.status, func.count(Case.id))
                               .where(Case.status.in_(STAFF_HELD))
                               .group_by(Case.status)).all())
    mine = session.exec(select(func.count(Case.id)).where(
        Case.status == CaseStatus.OPEN, Case.assignee_id == staff.id)).one()
    return {"waiting": counts.get("waiting", 0), "mine": mine, "open": counts.get("open", 0),
            "pending": counts.get("pending", 0)}


def waiting_emergencies(session: Session) -> list[int]:
    """Emergency cases nobody has picked up yet (these raise the alert)."""
    return list(session.exec(select(Case.id).where(Case.status == CaseStatus.WAITING)
                             .where(Case.priority == "emergency").order_by(Case.id)).all())
