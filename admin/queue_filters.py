"""Queue filters: by label, field, risk, area, status and assignee. Parsed from the query
string with bounds (a bad value is a 400 naming the parameter), applied on top of a tab."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields
from typing import Annotated, Optional
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Query
from sqlalchemy import String, cast
from sqlmodel import Session, select

from admin import labels
from admin.params import MAX_ROW_ID
from bot.models import Case, CaseLabel, Label, StaffUser

FILTER_STATUSES = ("waiting", "open", "pending", "closed")
MAX_AREA_CHARS = 64


@dataclass(frozen=True)
class QueueFilter:
    label: Optional[int] = None
    field: Optional[str] = None
    risk: Optional[str] = None
    area: Optional[str] = None
    status: Optional[str] = None
    assignee: Optional[str] = None        # "me", "none" or a staff id

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def query_string(self) -> str:
        """`&key=value…` for links that keep the filters (pager, tabs, the fragment)."""
        pairs = [(f.name, getattr(self, f.name)) for f in fields(self)
                 if getattr(self, f.name) is not None]
        return ("&" + urlencode(pairs)) if pairs else ""

    def apply(self, query, staff: StaffUser):
        if self.label is not None:
            query = query.where(Case.id.in_(select(CaseLabel.case_id)
                                            .where(CaseLabel.label_id == self.label)))
        if self.field is not None:
            # Case.fields is a JSON list of plain ASCII keys: '"kaigo"' matches one whole key
            query = query.where(cast(Case.fields, String).like(f'%"{self.field}"%'))
        if self.risk is not None:
            query = query.where(Case.risk == self.risk)
        if self.area is not None:
            query = query.where(Case.area == self.area)
        if self.status is not None:
            query = query.where(Case.status == self.status)
        if self.assignee == "me":
            query = query.where(Case.assignee_id == staff.id)
        elif self.assignee == "none":
            query = query.where(Case.assignee_id.is_(None))
        elif self.assignee is not None:
            query = query.where(Case.assignee_id == int(self.assignee))
        return query


def filter_choices(session: Session) -> dict:
    """What the filter form offers: labels, areas seen on cases, staff."""
    return {
        "labels": session.exec(select(Label).order_by(Label.active.desc(), Label.name)).all(),
        "areas": [a for a in session.exec(select(Case.area).where(Case.area.is_not(None))
                                          .distinct().order_by(Case.area).limit(200)).all()],
        "staff": session.exec(select(StaffUser).where(StaffUser.disabled == False)  # noqa: E712
                              .order_by(StaffUser.display_name, StaffUser.login)).all(),
        "statuses": FILTER_STATUSES,
    }


def _bad(name: str, reason: str) -> HTTPException:
    return HTTPException(400, f"{name}: {reason}")


def _choice(name: str, value: Optional[str], allowed) -> Optional[str]:
    if not value:
        return None
    if value not in allowed:
        raise _bad(name, "one of " + ", ".join(allowed))
    return value


def _row_id(name: str, value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_ROW_ID:
        raise _bad(name, f"a number from 1 to {MAX_ROW_ID}")
    return int(value)


def parse_filter(label: Optional[str] = None, field: Optional[str] = None,
                 risk: Optional[str] = None, area: Optional[str] = None,
                 status: Optional[str] = None, assignee: Optional[str] = None) -> QueueFilter:
    """Empty values mean "any" (what an untouched select in the filter form sends)."""
    clean_area = None
    if area:
        clean_area = unicodedata.normalize("NFKC", area).strip()
        if len(clean_area) > MAX_AREA_CHARS or any(
                unicodedata.category(char) in ("Cc", "Cf") for char in clean_area):
            raise _bad("area", f"a town name of at most {MAX_AREA_CHARS} characters")
        clean_area = clean_area or None
    who = None
    if assignee:
        who = assignee if assignee in ("me", "none") else str(_row_id("assignee", assignee))
    return QueueFilter(
        label=_row_id("label", label) if label else None,
        field=_choice("field", field, list(labels.FIELD_LABELS)),
        risk=_choice("risk", risk, list(labels.RISK_LABELS)),
        area=clean_area,
        status=_choice("status", status, FILTER_STATUSES),
        assignee=who)


_Text = Annotated[Optional[str], Query(max_length=200)]


def queue_filter(label: _Text = None, field: _Text = None, risk: _Text = None,
                 area: _Text = None, status: _Text = None,
                 assignee: _Text = None) -> QueueFilter:
    """The filters of a queue request (a FastAPI dependency)."""
    return parse_filter(label, field, risk, area, status, assignee)


QueueFilters = Annotated[QueueFilter, Depends(queue_filter)]
