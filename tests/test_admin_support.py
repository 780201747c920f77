"""Helpers for the admin tests (no tests here): staff accounts, a logged-in HTTP client,
cases made directly in the database or through the emulator."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Optional

import httpx
from sqlmodel import Session, select

from bot.security import hash_password
from bot import clock
from bot.emulator import make_user_id
from bot.models import PRIORITY_RANK, Case, Message, Resident, StaffUser

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_staff(engine, login: str, role: str = "staff", password: str = PASSWORD,
               name: Optional[str] = None) -> int:
    with Session(engine) as session:
        staff = StaffUser(login=login, display_name=name or login, role=role,
                          password_hash=hash_password(password))
        session.add(staff)
        session.commit()
        return staff.id


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class AdminClient:
    """A browser-like client: keeps cookies, reads the CSRF token from each page."""

    def __init__(self, base_url: str):
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=15.0)
        self.csrf: Optional[str] = None

    def get(self, path: str, **kw) -> httpx.Response:
        response = self.http.get(path, **kw)
        if response.headers.get("content-type", "").startswith("text/html"):
            match = CSRF_RE.search(response.text)
            if match:
                self.csrf = match.group(1)
        return response

    def post(self, path: str, data: Optional[dict] = None, csrf: bool = True) -> httpx.Response:
        data = dict(data or {})
        if csrf:
            if self.csrf is None:
                self.get("/admin/login")
            data.setdefault("csrf_token", self.csrf)
        response = self.http.post(path, data=data)
        if response.headers.get("content-type", "").startswith("text/html"):
            match = CSRF_RE.search(response.text)
            if match:
                self.csrf = match.group(1)
        return response

    def login(self, login: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/admin/login")
        response = self.post("/admin/login", {"login": login, "password": password})
        if response.status_code == 303:
            self.get("/admin/queue")          # picks up the new session's CSRF token
        return response

    def case_version(self, case_id: int) -> str:
        page = self.get(f"/admin/cases/{case_id}").text
        return re.search(r'name="version" value="(\d+)"', page).group(1)


def make_case(engine, text: str = "生活が苦しくて家賃が払えません", *, priority: str = "normal",
              risk: str = "none", fields: tuple[str, ...] = ("konkyu",), status: str = "waiting",
              queued_minutes_ago: float = 30, user_id: Optional[str] = None,
              analysis: Optional[dict] = None, area: Optional[str] = None) -> tuple[int, str, str]:
    """A resident with a queued case and one message. Returns (case id, case code, user id)."""
    user_id = user_id or make_user_id()
    now = clock.now()
    with Session(engine) as session:
        resident = Resident(line_user_id=user_id, terms_consent=True, terms_consent_at=now)
        session.add(resident)
        session.flush()
        case = Case(resident_id=resident.id, status=status, priority=priority,
                    priority_rank=PRIORITY_RANK[priority], risk=risk, fields=list(fields),
                    patterns=[], handoff_reasons=["risk"] if risk != "none" else [],
                    area=area, queued_at=now - timedelta(minutes=queued_minutes_ago),
                    last_message_at=now)
        session.add(case)
        session.flush()
        session.add(Message(resident_id=resident.id, case_id=case.id, direction="in",
                            sender="resident", text=text, analysis=analysis, risk=risk))
        session.commit()
        return case.id, resident.case_code, user_id


def case_row(engine, case_id: int) -> Case:
    with Session(engine) as session:
        return session.get(Case, case_id)


def resident_for(engine, user_id: str) -> Resident:
    with Session(engine) as session:
        return session.exec(select(Resident).where(Resident.line_user_id == user_id)).one()


