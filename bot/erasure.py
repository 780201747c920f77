"""Erasing consultation text: used when a resident deletes their data and when the
retention period of a closed case ends. Counts, times and tags stay for statistics;
the audit log never held text.

After a deletion the resident's LINE user ID is forgotten too: at once on the stored
webhook events already processed, and on the resident row (and the last events) as soon
as nothing is left to send them — the deletion's confirmation may still need a push when
its reply token fails. Nothing has to recognise that person afterwards (a webhook
redelivery is recognised by its event id), so no hash of the ID is kept: if they write
again they are a new resident, asked for consent like anyone new."""
from __future__ import annotations

from datetime import datetime

import logging

from sqlalchemy import exists, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.db import session_scope, with_db_retry
from bot.models import Case, FollowUp, InboundEvent, Message, Note, Outbox, Resident

log = logging.getLogger(__name__)
FORGET_BATCH = 200


def erase_case_texts(session: Session, case_ids: list[int], reason: str,
                     now: datetime) -> None:
    if not case_ids:
        return
    session.exec(update(Message).where(Message.case_id.in_(case_ids))
                 .values(text=None, analysis=None, payload=None))
    session.exec(update(Note).where(Note.case_id.in_(case_ids)).values(text=None))
    session.exec(update(FollowUp).where(FollowUp.case_id.in_(case_ids),
                                        FollowUp.status.in_(("scheduled", "held")))
                 .values(status="cancelled", reason=reason))
    session.exec(update(FollowUp).where(FollowUp.case_id.in_(case_ids)).values(text=None))
    # Rows still to be sent keep their (bot or staff) wording until they go out.
    session.exec(update(Outbox).where(Outbox.case_id.in_(case_ids),
                                      Outbox.status.in_(("sent", "failed"))).values(messages=[]))
    session.exec(update(Case).where(Case.id.in_(case_ids)).values(text_purged_at=now))


def unlink_events(session: Session, line_user_id: str) -> None:
    """The stored webhook events of this LINE user, once processed, no longer name them
    (pending ones still need the ID to be answered)."""
    session.exec(update(InboundEvent).where(col(InboundEvent.line_user_id) == line_user_id,
                                            col(InboundEvent.status) != "pending")
                 .values(line_user_id=None))


def forget_deleted_residents(engine: Engine) -> int:
    """The scheduler's job: residents who deleted their data lose their LINE user ID once
    nothing is queued for them and none of their events waits. Returns how many."""
    def work() -> int:
        with session_scope(engine) as session:
            waiting_outbox = exists().where(col(Outbox.resident_id) == col(Resident.id),
                                            col(Outbox.status).in_(("queued", "sending")))
            waiting_event = exists().where(
                col(InboundEvent.line_user_id) == col(Resident.line_user_id),
                col(InboundEvent.status) == "pending")
            rows = session.exec(select(Resident.id, Resident.line_user_id).where(
                col(Resident.deleted_at).is_not(None), col(Resident.line_user_id).is_not(None),
                ~waiting_outbox, ~waiting_event).limit(FORGET_BATCH)).all()
            forgotten = 0
            for resident_id, line_user_id in rows:
                # Conditional: a resident who consented again meanwhile keeps their ID.
                cleared = session.exec(update(Resident).where(
                    col(Resident.id) == resident_id, col(Resident.deleted_at).is_not(None),
                    col(Resident.line_user_id) == line_user_id).values(line_user_id=None))
                if cleared.rowcount == 1 and line_user_id:
                    unlink_events(session, line_user_id)
                    forgotten += 1
            return forgotten
    count = with_db_retry(work)
    if count:
        log.info("deletion: forgot the LINE user ID of %d resident(s)", count)
    return count
