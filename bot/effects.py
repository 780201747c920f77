"""Carries out a flow's actions in one database transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional, Protocol, assert_never

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from bot import clock
from bot.cases import STAFF_HELD, lifecycle
from bot.consent import record_consent
from bot.erasure import erase_case_texts, unlink_events
from bot.flows import actions as act
from bot.models import (
    Case, Consent, ConversationState, DeletionRecord, InboundEvent, Message, Outbox, Resident,
)
from bot.line.outbox import Claimed, enqueue

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
    claimed: list[Claimed] = field(default_factory=list)   # rows taken for sending at once


def open_case(session: Session, resident: Resident) -> Optional[Case]:
    return lifecycle.active_case(session, resident.id)


def ensure_case(session: Session, resident: Resident) -> Case:
    return lifecycle.ensure_case(session, resident.id)


class FollowUpHooks(Protocol):
    """What the follow-up actions do (bot.followups.ConversationFollowUps)."""

    def schedule(self, session: Session, resident: Resident, action: act.ScheduleFollowUp) -> None: ...

    def cancel(self, session: Session, resident: Resident, reason: str) -> None: ...

    def answer(self, session: Session, resident: Resident, action: act.FollowUpAnswer) -> None: ...


class UnwiredAction(RuntimeError):
    """A follow-up action reached a runner built without follow-up hooks."""


_UNKNOWN = object()


class EffectRunner:
    """Applies actions for one resident, each kind of action by one branch of `apply`.

    `case` is the resident's open case as the caller loaded it (so it is not read again
    per action); `claim_as` names the sender that will send the queued messages right
    after the commit: the rows are stored already taken by it (no second claim)."""

    def __init__(self, session: Session, resident: Resident, state: ConversationState,
                 reply: Reply, retry_hours: float = 24.0,
                 followups: Optional[FollowUpHooks] = None, case: object = _UNKNOWN,
                 claim_as: Optional[str] = None):
        self.session = session
        self.resident = resident
        self.state = state
        self.reply = reply
        self.retry_hours = retry_hours
        self.outcome = Outcome()
        self.followups = followups
        self.recorded_on: Optional[Case] = None     # the case a resident message went to
        self._case = case
        self.claim_as = claim_as

    def run(self, actions: list[act.Action]) -> Outcome:
        for action in actions:
            self.apply(action)
        self.session.add(self.state)
        self.session.add(self.resident)
        self._tell_assignee()
        return self.outcome

    def _tell_assignee(self) -> None:
        """A resident wrote on a case a staff member holds: the on-call channel may hear of
        it (reason "message"; bot/notifier.py sends it only when ALERT_NEW_MESSAGES is set),
        unless the flow raised an alert for the case already."""
        case = self.recorded_on
        if (case is None or case.id is None or case.assignee_id is None
                or case.status not in STAFF_HELD
                or any(case_id == case.id for case_id, _ in self.outcome.alerts)):
            return
        self.outcome.alerts.append((case.id, "message"))

    def apply(self, action: act.Action) -> None:
        match action:
            case act.GoTo():
                self._go_to(action)
            case act.SetProfile():
                self._set_profile(action)
            case act.SetReachable(reachable=reachable):
                self.resident.reachable = reachable
            case act.RecordConsent():
                self._record_consent(action)
            case act.Say():
                self._say(action)
            case act.RecordInbound():
                self._record_inbound(action)
            case act.UpdateCase():
                self._update_case(action)
            case act.Escalate(priority=priority, reasons=reasons):
                lifecycle.escalate(self.session, self._ensure_case(),
                                   priority=priority, reasons=reasons)
            case act.Alert(reason=reason):
                case = self._ensure_case()
                assert case.id is not None
                self.outcome.alerts.append((case.id, reason))
            case act.ScheduleFollowUp():
                self._followups().schedule(self.session, self.resident, action)
            case act.CancelFollowUps(reason=reason):
                self._followups().cancel(self.session, self.resident, reason)
            case act.FollowUpAnswer():
                self._followups().answer(self.session, self.resident, action)
                self._case = _UNKNOWN             # an answer may reopen a closed case
            case act.EraseResident():
                erase_resident(self.session, self.resident)
                self._case = None                 # every case of theirs is closed now
            case _:
                assert_never(action)

    def _resident_id(self) -> int:
        assert self.resident.id is not None, "the worker flushes a new resident first"
        return self.resident.id

    def _open_case(self) -> Optional[Case]:
        if self._case is _UNKNOWN:
            self._case = open_case(self.session, self.resident)
        assert self._case is None or isinstance(self._case, Case)
        return self._case

    def _ensure_case(self) -> Case:
        case = self._open_case()
        if case is None:
            case = self._case = ensure_case(self.session, self.resident)
        return case

    def _followups(self) -> FollowUpHooks:
        if self.followups is None:
            raise UnwiredAction("follow-up action without follow-up hooks")
        return self.followups

    # Conversation state and profile -------------------------------------------------
    def _go_to(self, action: act.GoTo) -> None:
        self.state.step = action.step
        self.state.data = action.data.to_json() if action.data else {}
        self.state.updated_at = clock.now()

    def _set_profile(self, action: act.SetProfile) -> None:
        for key, value in action.values.items():
            if not hasattr(Resident, key) or key in ("id", "line_user_id", "case_code"):
                raise ValueError(f"not a resident profile field: {key}")
            setattr(self.resident, key, value)

    def _record_consent(self, action: act.RecordConsent) -> None:
        self._resident_id()
        record_consent(self.session, self.resident, action.kind, action.granted)
        if action.kind == "terms" and action.granted:
            self.resident.deleted_at = None     # a fresh start after an earlier deletion

    # Messages and cases ---------------------------------------------------------------
    def _say(self, action: act.Say) -> None:
        case = self._open_case()
        rows = enqueue(self.session, self.resident, action.messages,
                       reply_token=self.reply.token, reply_deadline=self.reply.deadline,
                       case_id=case.id if case else None, retry_hours=self.retry_hours,
                       claim_as=self.claim_as)
        self.reply = Reply(None, None)        # a reply token is used once
        self.outcome.outbox_ids.extend(row.id for row in rows if row.id is not None)
        if self.claim_as:
            self.outcome.claimed.extend(Claimed.of(row, self.resident.line_user_id)
                                        for row in rows)

    def _record_inbound(self, action: act.RecordInbound) -> None:
        if not self.resident.terms_consent:
            return                            # without consent, no consultation text is kept
        case = self._ensure_case()
        now = clock.now()
        self.session.add(Message(resident_id=self._resident_id(), case_id=case.id,
                                 direction="in", sender="resident", kind=action.kind,
                                 text=action.text, analysis=action.analysis,
                                 risk=action.risk, created_at=now))
        case.last_message_at = now
        self.resident.last_message_at = now
        self.session.add(case)
        self.recorded_on = case

    def _update_case(self, action: act.UpdateCase) -> None:
        if not self.resident.terms_consent:
            return
        case = self._ensure_case()
        case.fields = _union(case.fields, action.fields)
        case.patterns = _union(case.patterns, action.patterns)
        if RISK_ORDER[action.risk] > RISK_ORDER[case.risk]:
            case.risk = action.risk
        if action.area:
            case.area = action.area
        if action.windows_shown:
            case.windows_shown_at = clock.now()
        self.session.add(case)


def erase_resident(session: Session, resident: Resident) -> None:
    """Erase what the resident said and answered; keep only counts for statistics.

    Outgoing rows already queued are kept so the confirmation can still be sent; their
    text is the bot's own wording, not the resident's.
    """
    message_count = len(session.exec(select(Message.id).where(
        Message.resident_id == resident.id)).all())
    case_ids = [case_id for case_id in session.exec(
        select(Case.id).where(Case.resident_id == resident.id)) if case_id is not None]
    now = clock.now()
    # Messages outside any case too (e.g. written before the first case was opened).
    session.exec(update(Message).where(col(Message.resident_id) == resident.id)
                 .values(text=None, analysis=None, payload=None))
    erase_case_texts(session, case_ids, "resident deleted data", now)
    lifecycle.close_for_deletion(session, case_ids, now)
    if resident.line_user_id:
        session.exec(update(InboundEvent)
                     .where(col(InboundEvent.line_user_id) == resident.line_user_id)
                     .values(payload=None))
        # The ID itself goes from the resident row once the confirmation is sent
        # (bot.erasure.forget_deleted_residents); processed events drop it now.
        unlink_events(session, resident.line_user_id)
    session.exec(update(Outbox).where(col(Outbox.resident_id) == resident.id)
                 .where(col(Outbox.status).in_(("sent", "failed"))).values(messages=[]))
    # Anything still waiting to go out (a staff reply, a check-in) is not sent any more.
    session.exec(update(Outbox).where(col(Outbox.resident_id) == resident.id,
                                      col(Outbox.status) == "queued")
                 .values(status="failed", messages=[], error="cancelled: resident deleted data"))
    session.exec(delete(Consent).where(col(Consent.resident_id) == resident.id))
    session.add(DeletionRecord(messages_erased=message_count, cases=len(case_ids)))
    for column in ("terms_consent", "terms_consent_at", "share_consent", "share_consent_at",
                   "intake_relation", "intake_age", "intake_area_text", "area_town",
                   "area_lat", "area_lng", "last_message_at"):
        setattr(resident, column, None)
    resident.deleted_at = clock.now()
    session.add(resident)


def _union(current: Optional[list[str]], new: list[str]) -> list[str]:
    merged = list(current or [])
    for item in new:
        if item not in merged:
            merged.append(item)
    return merged
