"""Processes stored webhook events, in order per resident, and sends the answers.

Each event is processed inside one transaction that holds its claim (a row lock with SKIP
LOCKED on PostgreSQL; SQLite's single writer otherwise). A crash rolls the transaction
back and leaves the event pending, so a restarted worker processes it: nothing is lost,
and the outbox keys make sure nothing already sent is sent again.
"""
from __future__ import annotations

import gc
import logging
import threading
import time
from datetime import timedelta
from typing import Callable, Optional

from sqlalchemy.exc import OperationalError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot import clock, worker_queue
from bot.config import Settings
from bot.db import with_db_retry, write_gate
from bot.effects import EffectRunner, FollowUpHooks, Outcome, Reply, open_case
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.flows.state import Scratch, Step
from bot.flows.router import route
from bot.line.linemsg import text
from bot.models import ConversationState, InboundEvent, Message, Resident
from bot.line.outbox import WORKER_ID, OutboxSender, enqueue
from bot.wording import say, speaking

log = logging.getLogger(__name__)

ANSWERED_EVENT_TYPES = {"message", "postback", "follow", "unfollow"}
CONTEXT_MESSAGES = 4                   # earlier messages the tagger may read:
CONTEXT_WINDOW = timedelta(minutes=30)  # a thought split over messages, not last week's
RANK_CHECK_EVERY_S = 0.25              # how often the worker looks whether it is behind

ContextFactory = Callable[[], FlowContext]
AlertHook = Callable[[int, str], None]


class EventWorker:
    def __init__(self, engine: Engine, settings: Settings, sender: OutboxSender,
                 make_context: ContextFactory, on_alert: Optional[AlertHook] = None,
                 followup_hooks: Optional[FollowUpHooks] = None):
        self.engine = engine
        self.settings = settings
        self.sender = sender
        self.make_context = make_context
        self.on_alert = on_alert
        self.followup_hooks = followup_hooks
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._next_rank_check = 0.0

    # Thread control ---------------------------------------------------------------------
    def start(self) -> None:
        warm_up(self.make_context)
        self._thread = threading.Thread(target=self._loop, name="event-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("event worker loop error")
                busy = 0
            if not busy:
                self._wake.wait(self.settings.worker_poll_s)
                self._wake.clear()

    # Processing ---------------------------------------------------------------------------
    def run_once(self, limit: int = 100) -> int:
        """Process what is pending now (at most `limit`); returns how many were handled."""
        handled = 0
        gate = write_gate(self.engine)
        while handled < limit and not self._stop.is_set():
            if time.monotonic() >= self._next_rank_check:
                self._next_rank_check = time.monotonic() + RANK_CHECK_EVERY_S
                self._rank_if_behind()
            gate.wait_turn()              # a webhook insert waiting for SQLite goes first
            outcome = with_db_retry(self._process_next)
            if outcome is None:
                break
            handled += 1
            if outcome.claimed:           # sent on the resident's lane; the next event goes on
                self.sender.send_claimed(outcome.claimed)
            elif outcome.outbox_ids:
                self.sender.send_due(outcome.outbox_ids, wait=False)
            for case_id, reason in outcome.alerts:
                if self.on_alert:
                    self.on_alert(case_id, reason)
        return handled

    def _rank_if_behind(self) -> None:
        """When behind, read the backlog's messages so emergencies are claimed first
        (bot/worker_queue.py)."""
        try:
            if worker_queue.behind(self.engine):
                analyze = self.make_context().analyze
                if analyze is not None:
                    worker_queue.rank_backlog(self.engine, lambda text: analyze(text).risk)
        except OperationalError:
            log.warning("could not rank the backlog; events go in arrival order")

    def _process_next(self) -> Optional[Outcome]:
        """Claim the next event and process it in one transaction; None when there is none."""
        with Session(self.engine, expire_on_commit=False) as session:
            event = worker_queue.claim_next(session, WORKER_ID)
            if event is None:
                session.rollback()
                return None
            event_id = event.id
            assert event_id is not None
            try:
                outcome = self._handle(session, event)
                self._finish_event(session, event, "done" if outcome is not None else "ignored")
                return outcome or Outcome()
            except OperationalError:
                # The database went away (a dropped PostgreSQL connection, SQLite locked
                # too long), not a fault of the event: it stays pending and is retried.
                session.rollback()
                raise
            except Exception as error:
                session.rollback()
                log.error("event %s failed: %s", event_id, type(error).__name__)
                log.debug("event failure detail", exc_info=True)
                return Outcome(outbox_ids=self._fail(event_id, error))

    @staticmethod
    def _finish_event(session: Session, event: InboundEvent, status: str) -> None:
        event.status = status
        event.claimed_by = WORKER_ID            # which process did it (SQLite set it at the claim)
        event.processed_at = clock.now()
        event.payload = _scrubbed(event.payload)
        session.add(event)
        session.commit()

    def _handle(self, session: Session, event: InboundEvent) -> Optional[Outcome]:
        payload = event.payload or {}
        if (event.mode != "active" or event.event_type not in ANSWERED_EVENT_TYPES
                or not event.line_user_id):
            return None               # standby, unknown types, groups: stored, not answered
        resident, state, case, view = self._load_view(session, event.line_user_id)
        inbound = Inbound.from_event(payload, event.event_time)
        actions = route(view, inbound, self.make_context())
        runner = EffectRunner(session, resident, state, self._reply_for(event),
                              retry_hours=self.settings.outbox_retry_hours,
                              followups=self.followup_hooks, case=case, claim_as=WORKER_ID)
        return runner.run(actions)

    def _load_view(self, session: Session, line_user_id: str):
        """The resident, their conversation state and open case (read once for the whole
        event), and the view of them the flows get."""
        resident, state = _resident_and_state(session, line_user_id)
        case = open_case(session, resident)
        view = ResidentView(
            step=Step.parse(state.step), data=Scratch.from_json(state.data),
            terms_consent=resident.terms_consent, share_consent=resident.share_consent,
            case_status=case.status if case else None, case_risk=case.risk if case else "none",
            area_town=resident.area_town, area_lat=resident.area_lat, area_lng=resident.area_lng,
            intake_relation=resident.intake_relation,
            recent_texts=_recent_texts(session, resident),
            notifications_enabled=resident.notifications_enabled,
            case_fields=tuple(case.fields or ()) if case else (),
            staff_replied_at=_staff_replied_at(session, resident),
            language=resident.language)
        return resident, state, case, view

    def _reply_for(self, event: InboundEvent) -> Reply:
        token = (event.payload or {}).get("replyToken")
        deadline = event.event_time + timedelta(seconds=self.settings.reply_token_max_age_s)
        return Reply(token, deadline) if token else Reply(None, None)

    def _fail(self, event_id: int, error: Exception) -> list[int]:
        """Mark the event failed and still answer the resident: they always get a reply."""
        with Session(self.engine, expire_on_commit=False) as session:
            event = session.get(InboundEvent, event_id)
            event.status, event.error = "failed", type(error).__name__
            event.processed_at = clock.now()
            outbox_ids: list[int] = []
            if event.line_user_id and event.mode == "active" and event.event_type in (
                    "message", "postback"):
                resident = _resident_for(session, event.line_user_id)
                reply = self._reply_for(event)
                with speaking(resident.language):
                    sorry = text(say("commands.processing_error"))
                rows = enqueue(session, resident, [sorry],
                               reply_token=reply.token, reply_deadline=reply.deadline)
                outbox_ids = [row.id for row in rows]
            event.payload = _scrubbed(event.payload)
            session.add(event)
            session.commit()
            return outbox_ids


_heap_frozen = False


def warm_up(make_context: ContextFactory) -> None:
    """Load what the first consultation would load (tagger, directory, wording) before the
    service takes traffic, then freeze the heap once per process.

    Without this the first events stall every request for a second or more, and each
    full garbage collection walks the ~250,000 long-lived objects of the imports and the
    dictionaries: a 100–400 ms stop-the-world pause under load (measured in bench/).
    """
    global _heap_frozen
    try:
        ctx = make_context()
        view = ResidentView(step=Step.CONSULT, data=Scratch(), terms_consent=True, share_consent=None,
                            case_status="bot", case_risk="none", area_town=None,
                            area_lat=36.7306, area_lng=137.0755, intake_relation="self",
                            recent_texts=())
        for sample in ("母の介護のことで相談したいです", "こんにちは"):
            route(view, Inbound("text", ctx.now, text=sample), ctx)
    except Exception:                   # a warm-up must never stop the service starting
        log.warning("worker warm-up failed", exc_info=True)
    if not _heap_frozen:
        gc.collect()
        gc.freeze()
        _heap_frozen = True


def _resident_and_state(session: Session,
                        line_user_id: str) -> tuple[Resident, ConversationState]:
    """The resident and their state in one round trip (both made when new)."""
    found = session.exec(select(Resident, ConversationState).outerjoin(
        ConversationState, col(ConversationState.resident_id) == Resident.id).where(
        Resident.line_user_id == line_user_id)).first()
    resident, state = found if found else (_resident_for(session, line_user_id), None)
    if state is None:
        state = ConversationState(resident_id=resident.id, step=Step.NEW, data={})
    return resident, state


def _resident_for(session: Session, line_user_id: str) -> Resident:
    resident = session.exec(select(Resident).where(Resident.line_user_id == line_user_id)).first()
    if resident is None:
        resident = Resident(line_user_id=line_user_id)
        session.add(resident)
        session.flush()
    return resident


def _recent_texts(session: Session, resident: Resident) -> tuple[str, ...]:
    rows = session.exec(select(Message.text).where(
        Message.resident_id == resident.id, Message.direction == "in",
        Message.text.is_not(None), Message.created_at >= clock.now() - CONTEXT_WINDOW)
        .order_by(Message.id.desc()).limit(CONTEXT_MESSAGES)).all()
    return tuple(reversed([row for row in rows if row]))


def _staff_replied_at(session: Session, resident: Resident):
    return session.exec(select(Message.created_at).where(
        Message.resident_id == resident.id, Message.direction == "out",
        Message.sender == "staff").order_by(Message.id.desc()).limit(1)).first()


def _scrubbed(payload: Optional[dict]) -> Optional[dict]:
    """Keep what identifies the event, drop what the resident wrote (the Message row keeps
    it when they consented)."""
    if not payload:
        return payload
    kept = {key: payload[key] for key in ("type", "mode", "timestamp", "webhookEventId")
            if key in payload}
    if "message" in payload:
        kept["message"] = {"type": (payload.get("message") or {}).get("type")}
    return kept

