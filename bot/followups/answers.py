"""The follow-up hooks of bot.effects: what the conversation does to follow-ups.

Called inside the event's transaction (EffectRunner), so they commit with the rest.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Optional

from sqlmodel import Session, select

from bot import clock
from bot.config import Settings
from bot.cases import CaseStatus, lifecycle
from bot.cases.lifecycle import active_case
from bot.flows.actions import ScheduleFollowUp
from bot.flows.actions import FollowUpAnswer
from bot.flows.checkin import RESIDENT_WROTE
from bot.followups.store import AUTOMATIC_KINDS, cancel_pending, quiet_hours
from bot.followups.timing import as_utc
from bot.models import Case, FollowUp, Resident


class ConversationFollowUps:
    """bot.effects.FollowUpHooks: what the conversation's follow-up actions do."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def schedule(self, session: Session, resident: Resident, action: ScheduleFollowUp) -> None:
        case = active_case(session, resident.id)
        if case is None:
            return
        session.add(FollowUp(case_id=case.id, resident_id=resident.id, kind=action.kind,
                             template=action.kind if action.kind in AUTOMATIC_KINDS else "checkin",
                             due_at=quiet_hours(self.settings).next_allowed(as_utc(action.due_at))))

    def cancel(self, session: Session, resident: Resident, reason: str) -> None:
        if reason == RESIDENT_WROTE and not self.settings.followup_cancel_on_resident_message:
            return
        cancel_pending(session, "resident wrote again" if reason == RESIDENT_WROTE else reason,
                       resident_id=resident.id)

    def answer(self, session: Session, resident: Resident, action: FollowUpAnswer) -> None:
        record_answer(session, self.settings, resident, action)


def record_answer(session: Session, settings: Settings, resident: Resident,
                  action: FollowUpAnswer) -> Optional[FollowUp]:
    """Mark the follow-up answered and route the answer to its case."""
    now = clock.now()
    followup = _answered_followup(session, settings, resident, action)
    if followup is None:
        return None
    if action.answer == "text":
        if followup.answered_at is None:
            followup.answer, followup.answered_at = "text", now
    else:
        followup.answer, followup.answered_at = action.answer, now   # the latest button counts
    session.add(followup)
    case = session.get(Case, followup.case_id)
    if case is None:
        return followup
    if action.answer == "connected":
        case.outcome = "connected"
        session.add(case)
    if action.answer in ("talk", "text") and case.status == CaseStatus.CLOSED:
        lifecycle.reopen_for_resident(session, case, now=now)
    return followup


def _answered_followup(session: Session, settings: Settings, resident: Resident,
                       action: FollowUpAnswer) -> Optional[FollowUp]:
    if action.followup_id is not None:
        followup = session.get(FollowUp, action.followup_id)
        if followup is None or followup.resident_id != resident.id:
            return None              # not theirs: ignore the button, never leak another case
        return followup
    since = clock.now() - timedelta(days=settings.followup_answer_window_days)
    return session.exec(select(FollowUp).where(
        FollowUp.resident_id == resident.id, FollowUp.status.in_(("claimed", "sent")),
        FollowUp.answered_at.is_(None), FollowUp.claimed_at >= since)
        .order_by(FollowUp.id.desc())).first()

