"""Outgoing messages: a row first, then the send. Reply token first, push after.

A push carries X-Line-Retry-Key = the row's UUID, so a retry after a 5xx, a timeout or a
crash can never deliver twice (LINE answers 409 to a key it has accepted).
"""
from __future__ import annotations

import logging
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Optional

from sqlalchemy import ColumnElement, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot import clock
from bot.db import session_scope, with_db_retry, write_gate
from bot.line import linemsg
from bot.line.client import LineClient, SendResult
from bot.models import Message, Outbox, PushCount, Resident

log = logging.getLogger(__name__)

# A 'sending' row older than this was orphaned by a dead process: longer than any send can
# take (connect + read timeouts), short enough to retry a reply while its token lives.
CLAIM_STALE_AFTER = timedelta(seconds=20)
MAX_BACKOFF_S = 600.0
REPLY_UNCERTAIN = "reply outcome unknown; "
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def enqueue(session: Session, resident: Resident, messages: list[dict[str, Any]], *,
            reply_token: Optional[str] = None, reply_deadline: Optional[datetime] = None,
            purpose: str = "bot", case_id: Optional[int] = None,
            retry_hours: float = 24.0, staff_id: Optional[int] = None,
            claim_as: Optional[str] = None) -> list[Outbox]:
    """Store messages to send (five per request; the reply token goes with the first).

    With `claim_as` (a sender's WORKER_ID) the rows are stored already taken by that
    sender, which sends them from what it has in hand after the commit
    (`OutboxSender.send_claimed`): no second round trip to claim them."""
    assert resident.id is not None, "the resident must be flushed first"
    now = clock.now()
    rows = []
    for index, batch in enumerate(linemsg.batches(messages)):
        if not batch:
            continue
        row = Outbox(resident_id=resident.id, case_id=case_id, purpose=purpose,
                     messages=batch, next_attempt_at=now,
                     give_up_at=now + timedelta(hours=retry_hours),
                     reply_token=reply_token if index == 0 else None,
                     reply_deadline=reply_deadline if index == 0 else None)
        if claim_as:
            row.status, row.claimed_by, row.claimed_at, row.claims = "sending", claim_as, now, 1
        session.add(row)
        session.flush()
        session.add(Message(resident_id=resident.id, case_id=case_id, direction="out",
                            sender="staff" if purpose == "staff" else "bot",
                            staff_id=staff_id, kind="line", text=_plain_text(batch),
                            payload={"messages": batch}, outbox_id=row.id))
        rows.append(row)
    return rows


def _plain_text(messages: list[dict[str, Any]]) -> str:
    """What staff read of an outgoing batch (text bodies and Flex alt texts)."""
    parts = [m.get("text") or m.get("altText") or f"[{m.get('type')}]" for m in messages]
    return "\n---\n".join(parts)


def _token_used(result: SendResult) -> bool:
    return result.status == 400 and "reply token" in result.reason.lower()


def count_push(session: Session, at: datetime) -> None:
    """One more push this month: an atomic upsert, so parallel senders never collide."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = PushCount.__table__  # type: ignore[attr-defined]
    insert = dialect.insert(table).values(month=clock.month_key(at), count=1)
    session.exec(insert.on_conflict_do_update(
        index_elements=["month"], set_={"count": table.c.count + 1}))


def _due(now: datetime) -> ColumnElement[bool]:
    """Queued and due, or claimed by a sender that has not finished for too long."""
    return or_((col(Outbox.status) == "queued") & (col(Outbox.next_attempt_at) <= now),
               (col(Outbox.status) == "sending")
               & (col(Outbox.claimed_at) < now - CLAIM_STALE_AFTER))


def pushes_this_month(session: Session) -> int:
    counter = session.get(PushCount, clock.month_key(clock.now()))
    return counter.count if counter else 0


@dataclass(frozen=True)
class Claimed:
    """An outbox row this process has taken, with what sending it needs."""
    id: int
    user_id: Optional[str]
    messages: list[Any]
    reply_token: Optional[str]
    reply_deadline: Optional[datetime]
    uuid: str
    attempts: int
    claims: int
    error: Optional[str]

    claimed_at: Optional[datetime] = None
    resident_id: int = 0

    @classmethod
    def of(cls, row: Outbox, user_id: Optional[str]) -> "Claimed":
        """A row stored already claimed (enqueue(claim_as=…)), as its sender holds it."""
        assert row.id is not None
        return cls(row.id, user_id, row.messages, row.reply_token, row.reply_deadline,
                   row.uuid, row.attempts, row.claims, row.error, row.claimed_at,
                   row.resident_id)

    @property
    def reply_uncertain(self) -> bool:
        """A reply whose outcome we never learnt: an earlier sender died mid-send, or the
        last reply attempt timed out or got a 5xx (LINE may have delivered it)."""
        return (self.claims > self.attempts + 1
                or (self.error or "").startswith(REPLY_UNCERTAIN))


class OutboxSender:
    def __init__(self, engine: Engine, client: LineClient, lanes: int = 4):
        self.engine = engine
        self.client = client
        self._lanes = [ThreadPoolExecutor(1, thread_name_prefix=f"outbox-lane-{n}")
                       for n in range(lanes)]

    def send_due(self, only_ids: Iterable[int] | None = None, limit: int = 50,
                 wait: bool = True) -> int:
        """Send rows that are due (or just these); returns how many were taken.

        Rows go out on `lanes` threads; a resident's rows always take the same lane, so
        each resident receives messages in the order they were queued.
        """
        due = self._due_rows(only_ids, limit)
        futures = [self._lane_for(resident_id).submit(self._claim_and_send, row_id)
                   for row_id, resident_id in due]
        if wait:
            return sum(future.result() for future in futures)
        return len(futures)

    def send_claimed(self, rows: Iterable[Claimed]) -> None:
        """Send rows this process stored already claimed, on their resident's lane, without
        waiting (the worker goes on with the next event)."""
        for row in rows:
            self._lane_for(row.resident_id).submit(self._send_held, row)

    def close(self) -> None:
        for lane in self._lanes:
            lane.shutdown(wait=True)

    def _lane_for(self, resident_id: int) -> ThreadPoolExecutor:
        return self._lanes[resident_id % len(self._lanes)]

    def _send_held(self, row: Claimed) -> None:
        try:
            if row.claimed_at and clock.now() - row.claimed_at > CLAIM_STALE_AFTER / 2:
                # waited long in the lane: renew the claim, or leave it to whoever took it
                if not self._renew(row):
                    return
            self._send(row)
        except Exception:           # the row stays claimed and is retried after the timeout
            log.exception("outbox %s: send failed unexpectedly", row.id)

    def _renew(self, row: Claimed) -> bool:
        statement = update(Outbox).where(
            col(Outbox.id) == row.id, col(Outbox.status) == "sending",
            col(Outbox.claimed_by) == WORKER_ID, col(Outbox.claims) == row.claims).values(
            claimed_at=clock.now())

        def renew() -> bool:
            with session_scope(self.engine) as session:
                return bool(session.exec(statement).rowcount == 1)
        return with_db_retry(renew)

    def _claim_and_send(self, row_id: int) -> bool:
        try:
            claimed = self._claim(row_id)
            if claimed is None:
                return False
            self._send(claimed)
            return True
        except Exception:           # the row stays claimed and is retried after the timeout
            log.exception("outbox %s: send failed unexpectedly", row_id)
            return False

    def _due_rows(self, only_ids: Iterable[int] | None, limit: int) -> list[tuple[int, int]]:
        now = clock.now()
        query = select(col(Outbox.id), col(Outbox.resident_id)).where(_due(now)).order_by(
            col(Outbox.id)).limit(limit)
        if only_ids is not None:
            query = query.where(col(Outbox.id).in_(list(only_ids)))
        with Session(self.engine) as session:
            return [(row_id, resident_id) for row_id, resident_id in session.exec(query)
                    if row_id is not None]

    def _claim(self, row_id: int) -> Optional["Claimed"]:
        """Conditional UPDATE … RETURNING: exactly one process wins a row (SQLite and
        PostgreSQL), and gets what it needs to send in the same round trip."""
        now = clock.now()
        statement = update(Outbox).where(col(Outbox.id) == row_id).where(_due(now)).values(
            status="sending", claimed_by=WORKER_ID, claimed_at=now,
            claims=col(Outbox.claims) + 1).returning(
            col(Outbox.resident_id), col(Outbox.messages), col(Outbox.reply_token),
            col(Outbox.reply_deadline), col(Outbox.uuid), col(Outbox.attempts),
            col(Outbox.claims), col(Outbox.error))

        def claim() -> Optional[Claimed]:
            write_gate(self.engine).wait_turn()
            with session_scope(self.engine) as session:
                row = session.exec(statement).first()
                if row is None:
                    return None
                user_id = session.exec(select(Resident.line_user_id).where(
                    Resident.id == row.resident_id)).first()
                return Claimed(row_id, user_id, row.messages, row.reply_token,
                               row.reply_deadline, row.uuid, row.attempts, row.claims,
                               row.error, resident_id=row.resident_id)
        return with_db_retry(claim)

    def _send(self, row: "Claimed") -> None:
        if not row.user_id:
            self._finish(row.id, SendResult(False, 0, "resident has no LINE user (deleted)"),
                         via=None)
            return
        if row.reply_token and row.reply_deadline and clock.now() < row.reply_deadline:
            result = self.client.reply(row.reply_token, row.messages)
            if result.ok or (row.reply_uncertain and _token_used(result)):
                # The token belongs to this row alone: if it is used, we used it.
                self._finish(row.id, result, via="reply")
                return
            if result.retryable:
                self._retry_later(row.id, result, keep_reply_token=True)
                return
            log.info("outbox %s: reply refused (%s), pushing instead", row.id, result.status)
        result = self.client.push(row.user_id, row.messages, row.uuid)
        if result.ok or result.already_sent:
            self._finish(row.id, result, via="push")
        elif result.retryable:
            self._retry_later(row.id, result)
        else:
            self._finish(row.id, result, via=None)

    def _finish(self, row_id: int, result: SendResult, via: Optional[str]) -> None:
        now = clock.now()
        values: dict[str, Any] = {"attempts": Outbox.attempts + 1,
                        "reply_token": None}     # used (or useless) now: never again
        if via is not None:
            values.update(status="sent", sent_via=via, sent_at=now, error=None)
        else:
            values.update(status="failed", error=f"{result.status}: {result.reason}"[:500])

        def write() -> None:
            write_gate(self.engine).wait_turn()
            with session_scope(self.engine) as session:
                session.exec(update(Outbox).where(col(Outbox.id) == row_id).values(**values))
                if via == "push":
                    count_push(session, now)
        with_db_retry(write)
        if via is None:
            log.warning("outbox %s failed: status %s", row_id, result.status)

    def _retry_later(self, row_id: int, result: SendResult,
                     keep_reply_token: bool = False) -> None:
        def write() -> None:
            write_gate(self.engine).wait_turn()
            with session_scope(self.engine) as session:
                row = session.get(Outbox, row_id)
                if row is None:
                    return
                row.attempts += 1
                now = clock.now()
                if not keep_reply_token:
                    row.reply_token = None
                if row.give_up_at and now >= row.give_up_at:
                    row.status = "failed"
                    row.error = f"gave up after retries; last {result.status}: {result.reason}"[:500]
                else:
                    wait = result.retry_after_s or min(2.0 ** row.attempts, MAX_BACKOFF_S)
                    if keep_reply_token:        # the token lives about a minute: retry soon
                        wait = min(wait, 1.0)
                    row.status = "queued"
                    row.next_attempt_at = now + timedelta(seconds=wait)
                    prefix = REPLY_UNCERTAIN if keep_reply_token else ""
                    row.error = f"{prefix}{result.status}: {result.reason}"[:500]
                session.add(row)
        with_db_retry(write)
