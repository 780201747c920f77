"""Staff's corrections of the tagger, and what the tagger may learn from them.

A correction is staff's reading of one resident text message: the fields and the risk it
should have had. It is kept in MessageCorrection (one row per message, the latest reading),
together with what the tagger said before the first correction, so the agreement figures
(admin/tagger_agreement.py) need no text.

`training_rows` gives `python -m bot.nlp train --with-local-corrections` this deployment's
corrected messages as corpus rows. Their text is read from the database at that moment
only: a message whose text is gone — the resident deleted their data, the case's retention
period ended (or has passed and the hourly purge has not run yet) — is not a row any more.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Sequence

from sqlmodel import Session, col, select

from bot import clock
from bot.models import Case, Message, MessageCorrection, Resident, StaffUser
from bot.nlp.corpus import MAX_TEXT, Row
from bot.nlp.result import FIELD_KEYS, RISK_LEVELS

LOCAL_WRITER = "local"        # the writer of every local row: cross-validation holds them out together
CONTEXT_MAX = 4               # earlier messages read with it, as the service reads them


class BadCorrection(ValueError):
    """An unknown field or risk; the message says which."""


@dataclass(frozen=True)
class Change:
    """What the audit log records: the values before (the last correction, else the
    tagger's) and after."""
    before_fields: list[str]
    before_risk: str
    after_fields: list[str]
    after_risk: str

    def describe(self, message_id: int) -> str:
        def fields(keys: list[str]) -> str:
            return ",".join(keys) or "-"
        return (f"message {message_id}: fields {fields(self.before_fields)} -> "
                f"{fields(self.after_fields)}; risk {self.before_risk} -> {self.after_risk}")


def checked(fields: Sequence[str], risk: str) -> tuple[list[str], str]:
    """The fields in the tagger's order and the risk, or BadCorrection."""
    unknown = sorted(set(fields) - set(FIELD_KEYS))
    if unknown:
        raise BadCorrection(f"unknown field(s): {', '.join(unknown)}")
    if risk not in RISK_LEVELS:
        raise BadCorrection(f"unknown risk: {risk}")
    return [key for key in FIELD_KEYS if key in set(fields)], risk


def correctable(message: Message) -> bool:
    """A resident's text message whose text is still there (staff judge what they read)."""
    return (message.sender == "resident" and message.kind == "text"
            and message.text is not None)


def tagged(message: Message) -> tuple[list[str], str]:
    """What the tagger said about the message (its stored analysis)."""
    analysis = message.analysis if isinstance(message.analysis, dict) else {}
    keys = analysis.get("field_keys")
    if not isinstance(keys, list):
        keys = [item.get("key") for item in analysis.get("fields") or []
                if isinstance(item, dict)]
    risk = analysis.get("risk") if analysis.get("risk") in RISK_LEVELS else message.risk
    return [key for key in FIELD_KEYS if key in keys], risk or "none"


def correct(session: Session, message: Message, staff: StaffUser, fields: Sequence[str],
            risk: str) -> Change:
    """Record staff's fields and risk for the message (in the caller's transaction)."""
    new_fields, new_risk = checked(fields, risk)
    if message.id is None or not correctable(message):
        raise BadCorrection("only a resident's text message that is still kept can be corrected")
    row = session.get(MessageCorrection, message.id)
    if row is None:
        tagged_fields, tagged_risk = tagged(message)
        row = MessageCorrection(message_id=message.id, fields=new_fields, risk=new_risk,
                                tagged_fields=tagged_fields, tagged_risk=tagged_risk,
                                staff_id=staff.id)
        change = Change(tagged_fields, tagged_risk, new_fields, new_risk)
    else:
        change = Change(list(row.fields), row.risk, new_fields, new_risk)
        row.fields, row.risk = new_fields, new_risk
        row.staff_id, row.corrected_at = staff.id, clock.now()
    session.add(row)
    return change


def corrections_for(session: Session, message_ids: Sequence[int]) -> dict[int, MessageCorrection]:
    if not message_ids:
        return {}
    rows = session.exec(select(MessageCorrection).where(
        col(MessageCorrection.message_id).in_(list(message_ids))))
    return {row.message_id: row for row in rows}


def training_rows(session: Session, retention_days: int,
                  now: Optional[datetime] = None) -> list[Row]:
    """This deployment's corrected messages still within retention, as corpus rows (ids
    `local-<message id>`, writer `local`), each with the case's earlier resident messages
    as context."""
    cutoff = (now or clock.now()) - timedelta(days=retention_days)
    kept = (col(Message.text).is_not(None), col(Resident.deleted_at).is_(None),
            col(Case.text_purged_at).is_(None),
            (col(Case.closed_at).is_(None)) | (col(Case.closed_at) >= cutoff))
    found = session.exec(
        select(MessageCorrection, Message)
        .join(Message, col(Message.id) == col(MessageCorrection.message_id))
        .join(Resident, col(Resident.id) == col(Message.resident_id))
        .join(Case, col(Case.id) == col(Message.case_id))
        .where(*kept).order_by(col(Message.id))).all()
    rows = []
    for correction, message in found:
        if not (message.text or "").strip():
            continue
        analysis = message.analysis if isinstance(message.analysis, dict) else {}
        rows.append(Row(
            id=f"local-{message.id}", writer=LOCAL_WRITER, text=(message.text or "")[:MAX_TEXT],
            context=_context(session, message), fields=tuple(correction.fields),
            risk=correction.risk,
            # staff correct fields and risk; whether it needs a person otherwise is the tagger's
            handoff=correction.risk != "none" or bool(analysis.get("handoff"))))
    return rows


def _context(session: Session, message: Message) -> tuple[str, ...]:
    earlier = session.exec(
        select(Message.text).where(
            col(Message.case_id) == message.case_id, col(Message.sender) == "resident",
            col(Message.kind) == "text", col(Message.text).is_not(None),
            col(Message.id) < message.id)
        .order_by(col(Message.id).desc()).limit(CONTEXT_MAX)).all()
    return tuple(text for text in reversed(earlier) if text and text.strip())
