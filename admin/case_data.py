"""What the case page shows: the conversation with evidence highlighted, delivery states,
suggested windows."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Optional

from markupsafe import Markup, escape
from sqlmodel import Session, select

from admin import labels
from bot import corrections
from bot.directory import Directory
from bot.models import Case, Message, MessageCorrection, Outbox

log = logging.getLogger(__name__)
MAX_SUGGESTED_WINDOWS = 3


@dataclass
class Highlight:
    start: int
    end: int
    kind: str          # field / risk
    title: str


@dataclass
class Entry:
    id: int
    sender: str                    # resident / bot / staff
    sender_label: str
    created_at: datetime
    html: Markup
    staff_name: Optional[str] = None
    delivery: Optional[str] = None         # queued / sending / sent / failed
    delivery_error: Optional[str] = None
    sent_via: Optional[str] = None
    fields: list[tuple[str, list[str]]] = field(default_factory=list)   # (label, evidence)
    risk: str = "none"
    risk_evidence: list[str] = field(default_factory=list)
    field_keys: list[str] = field(default_factory=list)        # the tagger's, for the correction form
    correctable: bool = False                                  # bot.corrections.correctable
    corrected: Optional[MessageCorrection] = None               # staff's reading, when there is one


def _spans(raw: Any) -> list[dict]:
    if not isinstance(raw, list):
        return []
    return [s for s in raw if isinstance(s, dict) and isinstance(s.get("text"), str) and s["text"]]


def field_evidence(analysis: Optional[dict]) -> list[tuple[str, list[dict]]]:
    """[(field key, [spans])] from the tagger's to_dict() (tolerant of older shapes)."""
    if not isinstance(analysis, dict):
        return []
    raw = analysis.get("fields")
    out: list[tuple[str, list[dict]]] = []
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and item.get("key"):
                out.append((str(item["key"]), _spans(item.get("evidence"))))
            elif isinstance(item, str):
                out.append((item, []))
    elif isinstance(raw, dict):
        for key, value in raw.items():
            spans = value.get("evidence") if isinstance(value, dict) else value
            out.append((str(key), _spans(spans)))
    return out


def _locate(text: str, span: dict, taken: list[Highlight]) -> Optional[tuple[int, int]]:
    start, end = span.get("start"), span.get("end")
    if (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
            and text[start:end] == span["text"]):
        return start, end
    index = text.find(span["text"])
    return (index, index + len(span["text"])) if index >= 0 else None


def highlight(text: Optional[str], analysis: Optional[dict]) -> Markup:
    """The message as safe HTML: escaped text, evidence wrapped in <mark>."""
    if text is None:
        return Markup('<span class="erased">（削除済み）</span>')
    marks: list[Highlight] = []
    if isinstance(analysis, dict):
        candidates = [(s, "risk", "危険の根拠") for s in _spans(analysis.get("risk_evidence"))]
        for key, spans in field_evidence(analysis):
            candidates += [(s, "field", labels.field_label(key)) for s in spans]
        for span, kind, title in candidates:           # risk first: it wins overlaps
            where = _locate(text, span, marks)
            if where is None:
                continue
            start, end = where
            if any(start < m.end and m.start < end for m in marks):
                continue
            marks.append(Highlight(start, end, kind, title))
    marks.sort(key=lambda m: m.start)
    parts, cursor = [], 0
    for mark in marks:
        parts.append(escape(text[cursor:mark.start]))
        parts.append(Markup('<mark class="ev-{}" title="{}">{}</mark>').format(
            mark.kind, mark.title, text[mark.start:mark.end]))
        cursor = mark.end
    parts.append(escape(text[cursor:]))
    return Markup("").join(parts)


SENDER_LABELS = {"resident": "相談者", "bot": "自動応答", "staff": "職員"}


def conversation(session: Session, case: Case, names: dict[int, str]) -> list[Entry]:
    messages = session.exec(select(Message).where(Message.case_id == case.id)
                            .order_by(Message.created_at, Message.id)).all()
    outbox_ids = [m.outbox_id for m in messages if m.outbox_id]
    outbox = {row.id: row for row in session.exec(
        select(Outbox).where(Outbox.id.in_(outbox_ids)))} if outbox_ids else {}
    corrected = corrections.corrections_for(
        session, [m.id for m in messages if m.id is not None and m.sender == "resident"])
    entries = []
    for m in messages:
        entry = Entry(id=m.id, sender=m.sender, sender_label=SENDER_LABELS.get(m.sender, m.sender),
                      created_at=m.created_at, html=highlight(m.text, m.analysis),
                      staff_name=names.get(m.staff_id) if m.staff_id else None, risk=m.risk)
        if m.analysis:
            entry.fields = [(labels.field_label(key), _unique(s["text"] for s in spans))
                            for key, spans in field_evidence(m.analysis)]
            entry.risk_evidence = _unique(s["text"] for s in _spans(m.analysis.get("risk_evidence")))
            entry.risk = m.analysis.get("risk", m.risk) or m.risk
        entry.field_keys, _ = corrections.tagged(m)
        entry.correctable = corrections.correctable(m)
        entry.corrected = corrected.get(m.id) if m.id is not None else None
        row = outbox.get(m.outbox_id) if m.outbox_id else None
        if row is not None:
            entry.delivery, entry.delivery_error, entry.sent_via = row.status, row.error, row.sent_via
        entries.append(entry)
    return entries


def _unique(words) -> list[str]:
    return list(dict.fromkeys(words))


def suggested_windows(directory: Callable[[], Directory], municipality: str, case: Case) -> list:
    try:
        directory = directory()
        area = None
        if case.area:
            resolved = directory.resolve_area(municipality, town=case.area)
            area = resolved if resolved.status == "resolved" else None
        return directory.search(municipality, list(case.fields or []), area=area,
                                complex_case=bool(case.patterns), limit=MAX_SUGGESTED_WINDOWS)
    except Exception as error:      # the page must open even if the directory is broken
        log.warning("suggested windows unavailable: %s", type(error).__name__)
        return []


def agency_names(directory: Callable[[], Directory], municipality: str) -> list[str]:
    try:
        return sorted({w.name for w in directory().windows(municipality)})
    except Exception:
        return []

