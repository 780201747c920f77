"""The tagger's agreement with staff's corrections, per month of the message (JST): from
the stored tags and the corrections only, never the text.

Risk is read as two questions — at risk (high or emergency) or not, and emergency or not —
each with precision (of what the tagger flagged, how much staff kept) and recall (of what
staff say it should have flagged, how much it did). Fields are micro-averaged over every
(message, field) pair. A message staff saved unchanged counts as agreement."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from sqlmodel import Session, col, select

from admin.stats_data import _month_start_utc, _next_month
from bot import clock
from bot.models import Message, MessageCorrection


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, tagged: bool, staff: bool) -> None:
        self.tp += tagged and staff
        self.fp += tagged and not staff
        self.fn += staff and not tagged

    @property
    def precision(self) -> Optional[float]:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> Optional[float]:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class Agreement:
    reviewed: int = 0          # messages staff gave fields and risk for
    changed: int = 0           # of which staff changed the tagger's fields or risk
    at_risk: Counts = field(default_factory=Counts)
    emergency: Counts = field(default_factory=Counts)
    fields: Counts = field(default_factory=Counts)


def by_month(session: Session, months: list[str]) -> dict[str, Agreement]:
    out = {month: Agreement() for month in months}
    if not months:
        return out
    start, end = _month_start_utc(months[0]), _month_start_utc(_next_month(months[-1]))
    rows = session.exec(
        select(MessageCorrection, Message.created_at)
        .join(Message, col(Message.id) == col(MessageCorrection.message_id))
        .where(col(Message.created_at) >= start, col(Message.created_at) < end)).all()
    for correction, created_at in rows:
        figures = out.get(clock.month_key(created_at))
        if figures is None:
            continue
        tagged, staff = set(correction.tagged_fields), set(correction.fields)
        figures.reviewed += 1
        figures.changed += tagged != staff or correction.tagged_risk != correction.risk
        figures.at_risk.add(correction.tagged_risk != "none", correction.risk != "none")
        figures.emergency.add(correction.tagged_risk == "emergency", correction.risk == "emergency")
        figures.fields.tp += len(tagged & staff)
        figures.fields.fp += len(tagged - staff)
        figures.fields.fn += len(staff - tagged)
    return out


def percent(value: Optional[float]) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"
