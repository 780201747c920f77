"""Carries out a flow's actions in one database transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Optional

from sqlalchemy import delete, update
from sqlmodel import Session, select

from bot import clock
from bot.cases import lifecycle
from bot.erasure import erase_case_texts
from bot.flows import actions as act
from bot.models import (
    Case, Consent, ConversationState, DeletionRecord, InboundEvent, Message, Outbox, Resident,
)
from bot.outbox import enqueue

RISK_ORDER = {"none": 0, "high": 1, "emergency": 2}


@dataclass
class Reply:
    """How this event may be answered."""
    token: Optional[str]
    deadline: Optional[datetime]


@dataclass
class Outcome:
    outbox_ids: list[int] = field(default_factory=list)
    alerts: list[tuple[int, str]] = field(default_factory=list)   # (case id, reason)


def open_case(session: Session, resident: Resident) -> Optional[Case]:
    return lifecycle.active_case(session, resident.id)


def ensure_case(session: Session, resident: Resident) -> Case:
    return lifecycle.ensure_case(session, resident.id)


class EffectRunner:
    """Applies actions for one resident. `on_followup` lets the follow-up module plug in."""

    def __init__(self, session: Session, resident: Resident, state: ConversationState,
                 reply: Reply, retry_hours: float = 24.0,
                 schedule_followup: Callable[..., None] | None = None,
                 cancel_followups: Callable[..., None] | None = None,
                 answer_followup: Callable[..., None] | None = None):
        self.session = session
        self.resident = resident
        self.state = state
        self.reply = reply
        self.retry_hours = retry_hours
        self.outcome = Outcome()
        self._schedule_followup = schedule_followup
        self._cancel_followups = cancel_followups
        self._answer_followup = answer_followup

    def run(self, actions: list[act.Action]) -> Outcome:
        for action in actions:
            handler = getattr(self, "_" + type(action).__name__)
            handler(action)
        self.session.add(self.state)
        self.session.add(self.resident)
        return self.outcome

    # Conversation state and profile -------------------------------------------------
    def _GoTo(self, action: act.GoTo) -> None:
        self.state.step = action.step
        self.state.data = dict(action.data or {})
        self.state.updated_at = clock.now()

    def _SetProfile(self, action: act.SetProfile) -> None:
        for key, value in action.values.items():
            if not hasattr(Resident, key) or key in ("id", "line_user_id", "case_code"):
                raise ValueError(f"not a resident profile field: {key}")
            setattr(self.resident, key, value)

    def _SetReachable(self, action: act.SetReachable) -> None:
        self.resident.reachable = action.reachable

    def _RecordConsent(self, action: act.RecordConsent) -> None:
        now = clock.now()
        self.session.add(Consent(resident_id=self.resident.id, kind=action.kind,
                                 granted=action.granted, at=now))
        setattr(self.resident, f"{action.kind}_consent", action.granted)
        setattr(self.resident, f"{action.kind}_consent_at", now)
        if action.kind == "terms" and action.granted:
            self.resident.deleted_at = None     # a fresh start after an earlier deletion

    # Messages and cases ---------------------------------------------------------------
    def _Say(self, action: act.Say) -> None:
        case = open_case(self.session, self.resident)
        rows = enqueue(self.session, self.resident, action.messages,
                       reply_token=self.reply.token, reply_deadline=self.reply.deadline,
                       case_id=case.id if case else None, retry_hours=self.retry_hours)
        self.reply = Reply(None, None)        # a reply token is used once
        self.outcome.outbox_ids.extend(row.id for row in rows)

    def _RecordInbound(self, action: act.RecordInbound) -> None:
        if not self.resident.terms_consent:
            return                            # without consent, no consultation text is kept
        case = ensure_case(self.session, self.resident)
        now = clock.now()
        self.session.add(Message(resident_id=self.resident.id, case_id=case.id,
                                 direction="in", sender="resident", kind=action.kind,
                                 text=action.text, analysis=action.analysis,
                                 risk=action.risk, created_at=now))
        case.last_message_at = now
        self.resident.last_message_at = now
        self.session.add(case)

    def _UpdateCase(self, action: act.UpdateCase) -> None:
        if not self.resident.terms_consent:
            return
        case = ensure_case(self.session, self.resident)
        case.fields = _union(case.fields, action.fields)
        case.patterns = _union(case.patterns, action.patterns)
        if RISK_ORDER[action.risk] > RISK_ORDER[case.risk]:
            case.risk = action.risk
        if action.area:
            case.area = action.area
        if action.windows_shown:
            case.windows_shown_at = clock.now()
        self.session.add(case)

    def _Escalate(self, action: act.Escalate) -> None:
        case = ensure_case(self.session, self.resident)
        lifecycle.escalate(self.session, case, priority=action.priority, reasons=action.reasons)

    def _Alert(self, action: act.Alert) -> None:
        case = ensure_case(self.session, self.resident)
        self.outcome.alerts.append((case.id, action.reason))

    # Follow-ups (machinery lives in bot.followups) ----------------------------------------
    def _ScheduleFollowUp(self, action: act.ScheduleFollowUp) -> None:
        if self._schedule_followup is not None:
            self._schedule_followup(self.session, self.resident, action)

    def _CancelFollowUps(self, action: act.CancelFollowUps) -> None:
        if self._cancel_followups is not None:
            self._cancel_followups(self.session, self.resident, action.reason)

    def _FollowUpAnswer(self, action) -> None:      # bot.flows.checkin.FollowUpAnswer
        if self._answer_followup is not None:
            self._answer_followup(self.session, self.resident, action)

    # Deletion ------------------------------------------------------------------------------
    def _EraseResident(self, _action: act.EraseResident) -> None:
        erase_resident(self.session, self.resident)


def erase_resident(session: Session, resident: Resident) -> None:
    """Erase what the resident said and answered; keep only counts for statistics.

    Outgoing rows already queued are kept so the confirmation can still be sent; their
    text is the bot's own wording, not the resident's.
    """
    message_count = len(session.exec(select(Message.id).where(
        Message.resident_id == resident.id)).all())
    case_ids = list(session.exec(select(Case.id).where(Case.resident_id == resident.id)))
    now = clock.now()
    # Messages outside any case too (e.g. written before the first case was opened).
    session.exec(update(Message).where(Message.resident_id == resident.id)
                 .values(text=None, analysis=None, payload=None))
    erase_case_texts(session, case_ids, "resident deleted data", now)
    lifecycle.close_for_deletion(session, case_ids, now)
    if resident.line_user_id:
        session.exec(update(InboundEvent).where(InboundEvent.line_user_id == resident.line_user_id)
                     .values(payload=None))
    session.exec(update(Outbox).where(Outbox.resident_id == resident.id)
                 .where(Outbox.status.in_(("sent", "failed"))).values(messages=[]))
    # Anything still waiting to go out (a staff reply, a check-in) is not sent any more.
    session.exec(update(Outbox).where(Outbox.resident_id == resident.id,
                                      Outbox.status == "queued")
                 .values(status="failed", messages=[], error="cancelled: resident deleted data"))
    session.exec(delete(Consent).where(Consent.resident_id == resident.id))
    session.add(DeletionRecord(messages_erased=message_count, cases=len(case_ids)))
    for column in ("terms_consent", "terms_consent_at", "share_consent", "share_consent_at",
                   "intake_relation", "intake_age", "intake_area_text", "area_town",
                   "area_lat", "area_lng", "last_message_at"):
        setattr(resident, column, None)
    resident.deleted_at = clock.now()
    session.add(resident)


def _union(current: Optional[list], new: list) -> list:
    merged = list(current or [])
    for item in new:
        if item not in merged:
            merged.append(item)
    return merged
