"""Unread messages: what a resident wrote that the person responsible has not seen yet.

Each case has one read mark, `Case.read_message_id`, owned here: the newest message of the
case shown when the person responsible had the case page open — the assignee, or, while
nobody is assigned, any staff member. A colleague glancing at someone else's case does not
clear it for the assignee. The mark only moves forward. A resident message with a larger id
is unread; a case nobody has opened yet has no mark, so all its resident messages are
unread (as in Chatwoot's inbox).

In the queue, within a priority, cases with unread messages come first (then the longest
waiting), so a resident who writes again on a case staff hold moves up.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import and_, case, exists, func, or_, update
from sqlmodel import Session, col, select

from bot.models import Case, Message, StaffUser


def _unread(message_case_id, read_mark):
    """Resident messages of a case beyond its read mark."""
    return and_(Message.case_id == message_case_id, Message.sender == "resident",
                Message.id > func.coalesce(read_mark, 0))


def unread_first():
    """An ORDER BY key: 0 for a case with unread messages, 1 otherwise (one index probe a
    case on ix_message_case_sender)."""
    return case((exists().where(_unread(Case.id, Case.read_message_id)), 0), else_=1)


def unread_counts(session: Session, case_ids: list[int]) -> dict[int, int]:
    """{case id: unread resident messages} for the cases that have any, in one query."""
    if not case_ids:
        return {}
    rows = session.exec(select(Message.case_id, func.count(Message.id))
                        .join(Case, Case.id == Message.case_id)
                        .where(col(Message.case_id).in_(case_ids))
                        .where(_unread(Case.id, Case.read_message_id))
                        .group_by(Message.case_id)).all()
    return {case_id: count for case_id, count in rows if case_id is not None}


def responsible(case: Case, staff: StaffUser) -> bool:
    """Whose reading clears the unread mark: the assignee, or anyone while unassigned."""
    return case.assignee_id is None or case.assignee_id == staff.id


def mark_read(session: Session, case: Case, staff: StaffUser, shown_up_to: Optional[int]) -> bool:
    """Move the case's read mark up to the newest message the page showed (`shown_up_to`),
    when `staff` is the person responsible. A conditional update: the mark never goes back,
    and it is not an edit of the case (no version bump, no conflict with forms)."""
    if shown_up_to is None or not responsible(case, staff):
        return False
    result = session.exec(update(Case).where(
        col(Case.id) == case.id,
        or_(col(Case.read_message_id).is_(None), col(Case.read_message_id) < shown_up_to))
        .values(read_message_id=shown_up_to))
    return bool(result.rowcount == 1)
