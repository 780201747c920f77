"""What the case page's casework panel shows: the 本人同意 history (who recorded it, how,
when given), the 多機関協働 flag, the case's labels."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlmodel import Session, select

from admin.casework import CONSENT_METHOD_LABELS
from bot import clock, consent
from bot.models import Case, CaseLabel, Label


@dataclass
class ConsentEntry:
    granted: bool
    at: datetime
    method: str
    recorded_by: Optional[str]
    recorded_at: Optional[datetime]


def consent_history(session: Session, resident_id: int,
                    names: dict[int, str]) -> list[ConsentEntry]:
    return [ConsentEntry(granted=row.granted, at=row.at,
                         method=CONSENT_METHOD_LABELS.get(row.method, row.method),
                         recorded_by=names.get(row.staff_id) if row.staff_id else None,
                         recorded_at=row.recorded_at)
            for row in consent.history(session, resident_id, "share")]


def case_labels(session: Session, case_id: int) -> tuple[list[Label], list[Label]]:
    """(the case's labels, the active ones it could get)."""
    attached = session.exec(select(Label).join(CaseLabel, CaseLabel.label_id == Label.id)
                            .where(CaseLabel.case_id == case_id).order_by(Label.name)).all()
    have = {label.id for label in attached}
    available = [label for label in session.exec(select(Label).where(Label.active == True)  # noqa: E712
                                                 .order_by(Label.name)).all()
                 if label.id not in have]
    return list(attached), available


def casework_context(session: Session, case: Case, names: dict[int, str]) -> dict:
    """The case page's extra context (merged into the page's own)."""
    attached, available = case_labels(session, case.id)
    return {"consents": consent_history(session, case.resident_id, names),
            "consent_methods": CONSENT_METHOD_LABELS,
            "now_local": clock.to_jst(clock.now()).strftime("%Y-%m-%dT%H:%M"),
            "case_labels": attached, "labels_available": available}
