"""Erasing consultation text: used when a resident deletes their data and when the
retention period of a closed case ends. Counts, times and tags stay for statistics;
the audit log never held text."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from bot.models import Case, FollowUp, Message, Note, Outbox


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
