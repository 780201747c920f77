"""Which stored event a worker takes next, and in what order when it is behind.

One statement claims the next event: the lowest `triage_rank`, then the oldest, among the
pending events that are their resident's earliest pending one (a resident's messages are
answered in order). On PostgreSQL it is `SELECT … FOR UPDATE SKIP LOCKED`, so workers in
several processes never wait for each other nor take the same event; on SQLite a
conditional UPDATE takes the single writer's lock for the event's transaction.

Behind (the oldest pending event has waited more than BEHIND_AFTER): the worker reads the
unread pending messages, oldest first, with the tagger (the message alone, without the
resident's earlier messages — the conversation judges again with them) and ranks them:
0 emergency, 1 high, 2 the rest. An urgent message lifts its resident's earlier pending
events to its rank, so they go first together and in order. Events not read stay at 3,
after the read ones: they arrived later, so arrival order holds among the non-urgent.
Not behind, nothing is read twice: everything is rank 3 and goes oldest first.
"""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, Callable, Optional

from sqlalchemy import bindparam, exists, update
from sqlalchemy.orm import aliased
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot import clock
from bot.db import is_postgres, session_scope
from bot.models import InboundEvent

RANK_OF_RISK = {"emergency": 0, "high": 1}
RANK_READ, RANK_UNREAD = 2, 3
BEHIND_AFTER = timedelta(seconds=1)
READ_AT_ONCE = 200           # messages read per statement pair (≈ 0.1 s of tagging)

RiskOf = Callable[[str], str]


def _next_event_query():
    candidate = aliased(InboundEvent)
    earlier = aliased(InboundEvent)
    waits_for_earlier = exists().where(
        earlier.line_user_id == candidate.line_user_id, earlier.status == "pending",
        earlier.id < candidate.id)
    query = (select(candidate).where(candidate.status == "pending", ~waits_for_earlier)
             .order_by(candidate.triage_rank, candidate.id).limit(1))
    return query, candidate


# Built once: constructing these statements costs more than running them.
_NEXT, _CANDIDATE = _next_event_query()
_CLAIM_POSTGRES = _NEXT.with_for_update(skip_locked=True, of=_CANDIDATE)
_CLAIM_SQLITE = (update(InboundEvent)
                 .where(col(InboundEvent.id) == _NEXT.with_only_columns(_CANDIDATE.id)
                        .scalar_subquery(), col(InboundEvent.status) == "pending")
                 .values(claimed_by=bindparam("by"), claimed_at=bindparam("at"))
                 .returning(InboundEvent))


def claim_next(session: Session, claimed_by: str) -> Optional[InboundEvent]:
    """The next event to process, held by this transaction until it commits."""
    if is_postgres(session.get_bind()):         # type: ignore[arg-type]
        return session.exec(_CLAIM_POSTGRES).first()
    taken = session.execute(_CLAIM_SQLITE, {"by": claimed_by, "at": clock.now()})
    return taken.scalars().first()


def behind(engine: Engine) -> bool:
    with Session(engine) as session:
        oldest = session.exec(select(InboundEvent.received_at).where(
            InboundEvent.status == "pending").order_by(col(InboundEvent.id)).limit(1)).first()
    return oldest is not None and clock.now() - clock.as_utc(oldest) > BEHIND_AFTER


def rank_backlog(engine: Engine, risk_of: RiskOf, budget_s: float = 1.0) -> int:
    """Read unread pending events, oldest first, until none is left or `budget_s` is spent
    (the next look goes on from there); returns how many were read."""
    started, read = time.monotonic(), 0
    while time.monotonic() - started < budget_s:
        done = rank_unread(engine, risk_of)
        read += done
        if done < READ_AT_ONCE:
            break
    return read


def rank_unread(engine: Engine, risk_of: RiskOf) -> int:
    """Read the oldest unread pending events and rank them; returns how many were read."""
    with Session(engine) as session:
        rows = session.exec(select(InboundEvent.id, InboundEvent.line_user_id,
                                   InboundEvent.payload)
                            .where(InboundEvent.status == "pending",
                                   InboundEvent.triage_rank == RANK_UNREAD)
                            .order_by(col(InboundEvent.id)).limit(READ_AT_ONCE)).all()
    if not rows:
        return 0
    urgent: list[tuple[int, int, str]] = []          # (rank, event id, user)
    for event_id, user_id, payload in rows:
        text = message_text(payload)
        rank = RANK_OF_RISK.get(risk_of(text), RANK_READ) if text else RANK_READ
        if rank < RANK_READ and user_id:
            urgent.append((rank, event_id, user_id))
    with session_scope(engine) as session:
        session.exec(update(InboundEvent).where(  # type: ignore[call-overload]
            col(InboundEvent.id).in_([row[0] for row in rows]),
            col(InboundEvent.triage_rank) == RANK_UNREAD).values(triage_rank=RANK_READ))
        for rank, event_id, user_id in sorted(urgent, reverse=True):
            session.exec(update(InboundEvent).where(  # type: ignore[call-overload]
                col(InboundEvent.line_user_id) == user_id,
                col(InboundEvent.status) == "pending", col(InboundEvent.id) <= event_id,
                col(InboundEvent.triage_rank) > rank).values(triage_rank=rank))
    return len(rows)


def message_text(payload: Optional[dict[str, Any]]) -> Optional[str]:
    message = (payload or {}).get("message") or {}
    if (payload or {}).get("type") != "message" or message.get("type") != "text":
        return None
    text = message.get("text")
    return text if isinstance(text, str) and text.strip() else None
