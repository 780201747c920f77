"""Retention: the text of cases closed longer ago than `retention_days` is erased.

Kept: the case row (fields, risk, patterns, area, times, outcome, close reason — what the
statistics count), message rows without their text (so counts and times stay), and the
audit log (which never holds message text).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import clock
from bot.db import session_scope, with_db_retry
from bot.erasure import erase_case_texts
from bot.models import Case

log = logging.getLogger(__name__)

BATCH = 200


def purge_batch(session: Session, retention_days: int, now: datetime, limit: int = BATCH) -> int:
    """Erase the text of up to `limit` expired closed cases. Returns how many."""
    cutoff = now - timedelta(days=retention_days)
    case_ids = list(session.exec(select(Case.id).where(
        Case.status == "closed", Case.closed_at.is_not(None), Case.closed_at < cutoff,
        Case.text_purged_at.is_(None)).order_by(Case.id).limit(limit)))
    if not case_ids:
        return 0
    erase_case_texts(session, case_ids, "retention period ended", now)
    return len(case_ids)


def purge_expired(engine: Engine, retention_days: int) -> int:
    """The scheduler's retention job: every expired case, in batches. Returns how many."""
    total = 0
    while True:
        def work() -> int:
            with session_scope(engine) as session:
                return purge_batch(session, retention_days, clock.now())
        done = with_db_retry(work)
        total += done
        if done < BATCH:
            break
    if total:
        log.info("retention: erased the text of %d closed case(s)", total)
    return total
