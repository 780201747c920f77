"""Helpers shared by the test layers (no tests here): the service on a loopback port, a
resident's phone, waiting on a predicate, staff accounts and a logged-in admin client,
cases made directly in the database, follow-ups. On-call receivers: tests/receivers.py."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from datetime import datetime
from typing import Callable, Optional

import httpx
import pyotp
from sqlalchemy.engine import Engine
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from bot import clock, followups
from bot.clock import from_jst
from bot.demo import DemoService, build_emulated_service
from bot.emulator import LinePlatform, ResidentPhone, make_user_id
from bot.emulator.liveserver import LiveServer, free_port
from bot.models import (PRIORITY_RANK, Case, ConversationState, FollowUp, InboundEvent, Message,
                        Outbox, Resident, StaffUser)
from bot.security import hash_password

ROOT = Path(__file__).resolve().parents[1]
EMULATOR_SECRET = "emulator-test-secret"      # the emulator tests' own platform
EMULATOR_TOKEN = "emulator-test-token"
EMULATOR_USER = "U" + "a" * 32
SHARED = ROOT.parent / "shared"

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_staff(engine, login: str, role: str = "staff", password: str = PASSWORD,
               name: Optional[str] = None, totp: Optional[bool] = None) -> int:
    """An account as if it had been set up already: its own password and, for admins (or
    with totp=True), an enrolled second factor whose secret AdminClient.login reads back."""
    with Session(engine) as session:
        staff = StaffUser(login=login, display_name=name or login, role=role,
                          password_hash=hash_password(password))
        if totp if totp is not None else role == "admin":
            staff.totp_secret, staff.totp_enabled_at = pyotp.random_base32(), clock.now()
        session.add(staff)
        session.commit()
        return staff.id


def logged_in(service, login: str = "aoki", role: str = "staff") -> "AdminClient":
    """A new staff account of `role`, logged in (through the second factor for admins)."""
    make_staff(service.engine, login, role=role)
    client = AdminClient(service.base_url)
    client.login(login)
    return client


def totp_code(engine, login: str) -> str:
    """The authenticator app: a code for the account's secret — the current time step's, as a
    phone shows it (it stays valid if the step turns before the service checks it), or the
    next one still accepted when the current one was used already."""
    from admin.totp import DRIFT_STEPS, code_at, step_at
    with Session(engine) as session:
        staff = session.exec(select(StaffUser).where(StaffUser.login == login)).one()
        assert staff.totp_secret, f"{login} has no second factor"
        current = step_at(clock.now())
        step = max(current, (staff.totp_last_step or -1) + 1)
        assert step <= current + DRIFT_STEPS, "every code of this minute is used; wait"
        return code_at(staff.totp_secret, step)


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

    def login(self, login: str, password: str = PASSWORD,
              second_factor: bool = True) -> httpx.Response:
        """Log in, through the second factor too when the account has one (the code made
        from the enrolled secret, as the staff member's phone would); second_factor=False
        stops after the password step."""
        self.get("/admin/login")
        response = self.post("/admin/login", {"login": login, "password": password})
        if (second_factor and response.status_code == 303
                and response.headers["location"] == "/admin/login/totp"):
            self.get("/admin/login/totp")
            engine = SERVICE_ENGINES[str(self.http.base_url).rstrip("/")]
            response = self.post("/admin/login/totp", {"code": totp_code(engine, login)})
        if response.status_code == 303:
            self.get("/admin/queue")          # picks up the new session's CSRF token
        return response

    def change_password(self, current: str, new: str) -> httpx.Response:
        self.get("/admin/account/password")
        return self.post("/admin/account/password", {
            "current_password": current, "new_password": new, "new_password_again": new})

    def enrol_totp(self) -> tuple[str, httpx.Response]:
        """Set up the second factor as a person with an authenticator app would: read the
        secret the setup page shows, answer with the app's code. Returns (secret, page)."""
        page = self.get("/admin/account/totp").text
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
        from admin.totp import DRIFT_STEPS, code_at, step_at
        # the earliest step still accepted, leaving the later ones for the next logins
        code = code_at(secret, step_at(clock.now()) - DRIFT_STEPS)
        return secret, self.post("/admin/account/totp", {"code": code})

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




# The service ----------------------------------------------------------------------------
@dataclass
class Service:
    base_url: str
    demo: DemoService

    @property
    def platform(self) -> LinePlatform:
        return self.demo.platform

    @property
    def runtime(self):
        return self.demo.app.state.runtime

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    def resident(self, user_id: str | None = None) -> ResidentPhone:
        return ResidentPhone(user_id or make_user_id(), self.platform, f"{self.base_url}/callback",
                        self.demo.settings.line_channel_secret)


SERVICE_ENGINES: dict[str, Engine] = {}      # base URL -> database (AdminClient's second factor)


def start_service(database_url: str, **overrides) -> tuple[Service, LiveServer]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    demo = build_emulated_service(base_url, database_url, worker_poll_s=0.2, **overrides)
    server = LiveServer(demo.app, port=port)
    server.start()
    SERVICE_ENGINES[base_url] = demo.app.state.runtime.engine
    return Service(base_url, demo), server


def empty_all_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


# Waiting on a predicate ---------------------------------------------------------------
def wait_until(condition: Callable[[], object], timeout: float = 10.0, poll: float = 0.05) -> None:
    """Return as soon as `condition()` is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(poll)


def settled(engine, user_id: str) -> bool:
    """The resident's events are processed and nothing for them waits to go out now."""
    with Session(engine) as session:
        pending = session.exec(select(InboundEvent.id).where(
            InboundEvent.line_user_id == user_id, InboundEvent.status == "pending")).first()
        if pending is not None:
            return False
        resident_id = session.exec(select(Resident.id).where(
            Resident.line_user_id == user_id)).first()
        if resident_id is None:
            return True
        return session.exec(select(Outbox.id).where(
            Outbox.resident_id == resident_id, Outbox.status.in_(("queued", "sending")),
            Outbox.next_attempt_at <= clock.now())).first() is None


def reply_to(service, user, send: Callable[[], httpx.Response]) -> list[dict]:
    """The resident does `send()`; returns the messages that came back once the event is
    processed and everything it queued has gone out (a predicate, not a count)."""
    before = len(service.platform.messages_for(user.user_id))
    assert send().status_code == 200
    wait_until(lambda: settled(service.engine, user.user_id))
    return service.platform.messages_for(user.user_id)[before:]


def has_quick_reply(label: str) -> Callable[[list[dict]], bool]:
    """Predicate on the delivered messages: the latest one offers this quick reply."""
    return lambda messages: bool(messages) and label in quick_labels(messages[-1])


# A resident through the emulator -----------------------------------------------------------
def texts(messages: list[dict]) -> list[str]:
    return [m.get("text", m.get("altText", "")) for m in messages]


def quick_labels(message: dict) -> list[str]:
    return [item["action"]["label"] for item in message.get("quickReply", {}).get("items", [])]


def quick_data(message: dict, label: str) -> str:
    for item in message["quickReply"]["items"]:
        if item["action"]["label"] == label:
            return item["action"]["data"]
    raise AssertionError(f"no quick reply {label!r} in {quick_labels(message)}")


def resident_row(service, user) -> Resident:
    with Session(service.engine) as session:
        return session.exec(select(Resident).where(Resident.line_user_id == user.user_id)).one()


def consent_and_skip_intake(service, user) -> list[dict]:
    """Follow, consent, skip the three questions; returns everything received."""
    latest = reply_to(service, user, user.follow)[-1]
    for answer in ("同意する", "答えない", "答えない", "答えない"):
        latest = reply_to(service, user, lambda a=answer, m=latest: user.postback(quick_data(m, a)))[-1]
    assert step_of(service.engine, user.user_id) == "consult"
    return service.platform.messages_for(user.user_id)


def step_of(engine, user_id: str) -> Optional[str]:
    """The resident's conversation step (None before their first event is processed)."""
    with Session(engine) as session:
        return session.exec(select(ConversationState.step).join(
            Resident, Resident.id == ConversationState.resident_id).where(
            Resident.line_user_id == user_id)).first()


# Follow-ups ------------------------------------------------------------------------------
MONDAY_10 = datetime(2025, 6, 2, 10, 0)          # JST wall clock, a weekday morning


def jst(*args) -> datetime:
    return from_jst(datetime(*args))


def stop(service, server) -> None:
    server.stop()
    service.engine.dispose()


def followup_case(service, user=None, *, resident=None, **case_values):
    """A consented resident in the consultation step with one case."""
    user = user or service.resident()
    values = dict(line_user_id=user.user_id, terms_consent=True, terms_consent_at=clock.now())
    values.update(resident or {})
    with Session(service.engine, expire_on_commit=False) as session:
        row = Resident(**values)
        session.add(row)
        session.flush()
        session.add(ConversationState(resident_id=row.id, step="consult", data={}))
        case = Case(resident_id=row.id, fields=[], patterns=[], handoff_reasons=[], **case_values)
        session.add(case)
        session.commit()
        return user, row, case


def staff_followup(service, case, due_at, **kw) -> FollowUp:
    with Session(service.engine, expire_on_commit=False) as session:
        row = followups.schedule(session, service.demo.settings, case.id, due_at, **kw)
        session.commit()
        return row


def dispatcher(service) -> followups.FollowUpDispatcher:
    return service.runtime.extras["followups"]


def all_followups(service) -> list[FollowUp]:
    with Session(service.engine) as session:
        return list(session.exec(select(FollowUp).order_by(FollowUp.id)))


def fetch(service, model, row_id):
    with Session(service.engine) as session:
        return session.get(model, row_id)


def wait_status(service, followup_id, status, timeout=10.0) -> FollowUp:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dispatcher(service).reconcile()
        row = fetch(service, FollowUp, followup_id)
        if row.status == status:
            return row
        time.sleep(0.05)
    raise AssertionError(f"follow-up {followup_id} is {row.status}, not {status}")


def pushes(service, user) -> list:
    return [r for r in service.platform.records_for(user.user_id) if r.kind == "push"]
