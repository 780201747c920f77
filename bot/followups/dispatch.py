"""Planning policy follow-ups and turning due ones into outbox pushes, exactly once.

One dispatch transaction claims due rows (PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED;
SQLite: the single writer lock, then a conditional UPDATE per row), checks each against
the resident and the case, and for each that should go creates its Outbox row — uuid
derived from the follow-up, so it is the push's X-Line-Retry-Key — and marks it
'claimed', all in that one commit. A crash before the commit leaves nothing behind; after
it, the outbox row is there for any process's sender (whose own claim reclaims rows of a
dead sender). The follow-up becomes 'sent' (or 'failed') when its outbox row does.

Several processes may run this against one PostgreSQL database at once.
"""
from __future__ import annotations

import logging
import time as _time
import uuid as _uuid
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import func, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot import clock
from bot.config import Settings
from bot.db import is_postgres, session_scope, with_db_retry
from bot.followups import messages
from bot.followups.store import (
    AUTOMATIC_KINDS, PENDING, cancel_pending, quiet_hours, why_not_for_case, why_not_reachable,
)
from bot.followups.timing import as_utc, epoch_key, policy_due
from bot.cases import STAFF_HELD
from bot.models import Case, FollowUp, Outbox, Resident
from bot.line.outbox import WORKER_ID, OutboxSender, enqueue, pushes_this_month

log = logging.getLogger(__name__)

RETRY_KEY_NAMESPACE = _uuid.UUID("6f1b6c2e-3d0a-5c5e-9a51-0f0110c0ffee")
BUDGET_LOCK_ID = 7_307_001          # pg_advisory_xact_lock key: the monthly push budget


def retry_key_for(followup: FollowUp) -> str:
    """The push's X-Line-Retry-Key: the same follow-up always gets the same key."""
    return str(_uuid.uuid5(RETRY_KEY_NAMESPACE, followup.uuid))


def pending_followup_pushes(session: Session) -> int:
    """Follow-up pushes handed to the outbox and not sent yet (they will count)."""
    return session.exec(select(func.count()).select_from(Outbox).where(
        Outbox.purpose == "followup", Outbox.status.in_(("queued", "sending")))).one()


def push_budget_left(session: Session, settings: Settings) -> Optional[int]:
    """Automatic follow-ups that may still go this month; None = no budget configured."""
    if settings.followup_push_budget <= 0:
        return None
    used = pushes_this_month(session) + pending_followup_pushes(session)
    return max(0, settings.followup_push_budget - used)


# Planning ----------------------------------------------------------------------------------

def plan_policy_followups(session: Session, settings: Settings, now: datetime) -> int:
    """Create the policy follow-ups cases call for (idempotent: one per case and event),
    and cancel automatic ones the cases no longer call for. Returns how many were created."""
    quiet = quiet_hours(settings)
    grace = timedelta(days=settings.followup_plan_grace_days + 1)
    plans: list[tuple[str, Case, datetime, int]] = []
    if settings.followup_after_windows_enabled:
        days = settings.followup_after_windows_days
        rows = session.exec(select(Case).where(
            Case.status == "bot", Case.windows_shown_at.is_not(None),
            Case.windows_shown_at >= now - timedelta(days=days) - grace))
        plans += [("after_windows", case, case.windows_shown_at, days) for case in rows]
    if settings.followup_after_close_enabled:
        days = settings.followup_after_close_days
        rows = session.exec(select(Case).where(
            Case.status == "closed", Case.closed_at.is_not(None),
            Case.closed_at >= now - timedelta(days=days) - grace,
            Case.close_reason.is_distinct_from("deleted")))
        plans += [("after_close", case, case.closed_at, days) for case in rows]

    keys = {f"{kind}:{case.id}:{epoch_key(basis)}": (kind, case, basis, days)
            for kind, case, basis, days in plans}
    existing = set()
    key_list = list(keys)
    for start in range(0, len(key_list), 500):
        existing.update(session.exec(select(FollowUp.policy_key).where(
            FollowUp.policy_key.in_(key_list[start:start + 500]))))
    residents: dict[int, Optional[Resident]] = {}
    created = 0
    for key, (kind, case, basis, days) in keys.items():
        if key in existing:
            continue
        if case.resident_id not in residents:
            residents[case.resident_id] = session.get(Resident, case.resident_id)
        if why_not_reachable(residents[case.resident_id]) is not None:
            continue        # planned again on a later pass if they turn notifications back on
        due = policy_due(basis, days, settings.followup_send_time, quiet)
        if due < now - grace:
            continue        # far too late to ask now
        try:
            with session.begin_nested():
                session.add(FollowUp(case_id=case.id, resident_id=case.resident_id, kind=kind,
                                     template=kind, due_at=due, policy_key=key))
            created += 1
        except IntegrityError:
            pass            # another process planned it a moment ago

    if settings.followup_cancel_on_staff_take:
        staff_cases = select(Case.id).where(
            (Case.status.in_(STAFF_HELD)) | (Case.assignee_id.is_not(None))
            & (Case.status != "closed"))
        session.exec(update(FollowUp).where(
            FollowUp.kind == "after_windows", FollowUp.status.in_(PENDING),
            FollowUp.case_id.in_(staff_cases)).values(
            status="cancelled", reason="staff took the case"))
    reopened = select(Case.id).where(Case.status != "closed")
    session.exec(update(FollowUp).where(
        FollowUp.kind == "after_close", FollowUp.status.in_(PENDING),
        FollowUp.case_id.in_(reopened)).values(status="cancelled", reason="case reopened"))
    return created


# Dispatching -------------------------------------------------------------------------------

class FollowUpDispatcher:
    """The scheduler's follow-up job (`tick`), usable directly by tests and tools."""

    def __init__(self, engine: Engine, settings: Settings, sender: OutboxSender):
        self.engine = engine
        self.settings = settings
        self.sender = sender
        self.quiet = quiet_hours(settings)
        self._last_plan: Optional[float] = None

    # The job ------------------------------------------------------------------------------
    def tick(self) -> int:
        """Plan (now and then), dispatch everything due, reconcile. Returns rows claimed."""
        try:
            if self._last_plan is None or (
                    _time.monotonic() - self._last_plan >= self.settings.followup_plan_every_s):
                self.plan()
                self._last_plan = _time.monotonic()
            claimed = self.dispatch_due()
            self.reconcile()
            return claimed
        except Exception:
            log.exception("follow-up job failed")
            return 0

    def plan(self) -> int:
        def work() -> int:
            with session_scope(self.engine) as session:
                return plan_policy_followups(session, self.settings, clock.now())
        return with_db_retry(work)

    def dispatch_due(self, max_batches: int = 10_000) -> int:
        """Claim and hand to the outbox until nothing is due; send what this process claimed."""
        total = 0
        for _ in range(max_batches):
            claimed, outbox_ids = with_db_retry(self._claim_batch)
            if outbox_ids:
                self.sender.send_due(outbox_ids, limit=len(outbox_ids))
            total += claimed
            if claimed < self.settings.followup_batch_size:
                break
        return total

    # One transaction -----------------------------------------------------------------------
    def _claim_batch(self) -> tuple[int, list[int]]:
        """(rows examined, outbox ids created) — one commit."""
        now = clock.now()
        if self.quiet.contains(now):
            return 0, []
        batch = self.settings.followup_batch_size
        with Session(self.engine, expire_on_commit=False) as session:
            postgres = is_postgres(self.engine)
            if not postgres:
                # Take SQLite's writer lock first: what we read below stays true until commit.
                session.exec(update(FollowUp).where(FollowUp.id == -1).values(status="scheduled"))
            elif self.settings.followup_push_budget > 0:
                # Budget accounting must see other processes' commits: one at a time.
                session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=BUDGET_LOCK_ID))
            budget = push_budget_left(session, self.settings)
            statuses = ["scheduled"] + (["held"] if budget is None or budget > 0 else [])
            stale = now - timedelta(seconds=self.settings.followup_claim_timeout_s)
            query = (select(FollowUp).where(
                (FollowUp.status.in_(statuses) & (FollowUp.due_at <= now))
                | ((FollowUp.status == "claimed") & (FollowUp.outbox_id.is_(None))
                   & (FollowUp.claimed_at < stale)))
                .order_by(FollowUp.due_at, FollowUp.id).limit(batch))
            if postgres:
                query = query.with_for_update(skip_locked=True, of=FollowUp)
            rows = list(session.exec(query))
            outbox_ids: list[int] = []
            for followup in rows:
                if not self._conditional_claim(session, followup, now):
                    continue
                outcome = self._decide(session, followup, budget)
                if outcome == "send":
                    outbox_ids.append(self._hand_to_outbox(session, followup, now))
                    if budget is not None and followup.kind in AUTOMATIC_KINDS \
                            and not followup.budget_exempt:
                        budget -= 1
            session.commit()
            return len(rows), outbox_ids

    def _conditional_claim(self, session: Session, followup: FollowUp, now: datetime) -> bool:
        """Exactly one process moves the row on (a no-op guard under SKIP LOCKED)."""
        result = session.exec(update(FollowUp).where(
            FollowUp.id == followup.id, FollowUp.status == followup.status)
            .values(claimed_by=WORKER_ID, claimed_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        followup.claimed_by, followup.claimed_at = WORKER_ID, now
        return True

    def _decide(self, session: Session, followup: FollowUp, budget: Optional[int]) -> str:
        resident = session.get(Resident, followup.resident_id)
        case = session.get(Case, followup.case_id)
        reason = why_not_reachable(resident)
        if reason is None and followup.kind in AUTOMATIC_KINDS:
            reason = why_not_for_case(followup, case, self.settings)
        if reason is not None:
            followup.status, followup.reason = "cancelled", reason
            followup.claimed_by = followup.claimed_at = None
            session.add(followup)
            return "cancelled"
        over_budget = (budget is not None and budget <= 0
                       and followup.kind in AUTOMATIC_KINDS and not followup.budget_exempt)
        if over_budget:
            followup.status, followup.reason = "held", "push budget reached this month"
            followup.claimed_by = followup.claimed_at = None
            session.add(followup)
            return "held"
        return "send"

    def _hand_to_outbox(self, session: Session, followup: FollowUp, now: datetime) -> int:
        resident = session.get(Resident, followup.resident_id)
        key = retry_key_for(followup)
        existing = session.exec(select(Outbox).where(Outbox.uuid == key)).first()
        if existing is not None:       # handed over before (a reclaimed row): never twice
            row = existing
        else:
            (row,) = enqueue(session, resident, messages.build(followup, self.settings),
                             purpose="followup", case_id=followup.case_id,
                             retry_hours=self.settings.outbox_retry_hours)
            row.uuid = key
            session.add(row)
            session.flush()
        followup.status, followup.outbox_id, followup.reason = "claimed", row.id, None
        session.add(followup)
        return row.id

    # After sending ---------------------------------------------------------------------------
    def reconcile(self) -> int:
        """Claimed follow-ups whose push was sent (or failed for good) say so."""
        def work() -> int:
            with session_scope(self.engine) as session:
                rows = session.exec(select(FollowUp.id, Outbox.status, Outbox.sent_at, Outbox.error)
                                    .join(Outbox, Outbox.id == FollowUp.outbox_id)
                                    .where(FollowUp.status == "claimed",
                                           Outbox.status.in_(("sent", "failed")))).all()
                for followup_id, status, sent_at, error in rows:
                    values = ({"status": "sent", "sent_at": sent_at} if status == "sent"
                              else {"status": "failed", "reason": (error or "")[:200]})
                    session.exec(update(FollowUp).where(FollowUp.id == followup_id,
                                                        FollowUp.status == "claimed")
                                 .values(**values))
                return len(rows)
        return with_db_retry(work)


def held_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(FollowUp)
                        .where(FollowUp.status == "held")).one()


__all__ = ["FollowUpDispatcher", "plan_policy_followups", "retry_key_for", "push_budget_left",
           "held_count", "cancel_pending", "as_utc"]
