"""Signed session cookies for the admin page.

The cookie holds {"sid": <AdminSession id or absent>, "csrf": <token>}, signed with
settings.secret_key (itsdangerous). It is HttpOnly, SameSite=Lax, path /admin, Secure
outside the demo. A login always starts a new session (new sid, new CSRF token); logout
deletes the server-side row, so a copied cookie is useless afterwards. A session ends after
SESSION_LIFETIME whatever the activity, and after `admin_idle_timeout_minutes` (setting,
30 by default) without a request from the staff member (the queue's automatic refresh
sends X-Background and does not count, nor does opening the live event stream);
`last_seen_at` is written at most once a LAST_SEEN_STEP.

Between a right password and the second factor the cookie holds no session, only
{"mfa": staff id, "mfa_at": when, "mfa_next": where to go}, for SECOND_STEP_TIME; the
account's failure counter keeps counting across both steps (admin/routes/auth.py).
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Optional

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session, select

from bot import clock
from bot.models import AdminSession, StaffUser

COOKIE_NAME = "yorisoi_admin"
SESSION_LIFETIME = timedelta(hours=12)
SECOND_STEP_TIME = timedelta(minutes=5)  # from a right password to the code
LAST_SEEN_STEP = timedelta(seconds=30)   # fewer writes; the idle timeout is minutes
BACKGROUND_HEADER = "X-Background"       # admin.js's automatic refreshes: not activity


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.runtime.settings.secret_key,
                                  salt="yorisoi-admin-session")


def read_cookie(request: Request) -> dict:
    """The verified cookie payload, or a fresh anonymous one (marked to be set)."""
    cached = getattr(request.state, "admin_cookie", None)
    if cached is not None:
        return cached
    raw = request.cookies.get(COOKIE_NAME)
    payload: Optional[dict] = None
    if raw:
        try:
            payload = _serializer(request).loads(
                raw, max_age=int(SESSION_LIFETIME.total_seconds()))
        except BadSignature:
            payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get("csrf"), str):
        payload = {"csrf": secrets.token_urlsafe(32), "_new": True}
    request.state.admin_cookie = payload
    return payload


def cookie_is_new(request: Request) -> bool:
    return bool(read_cookie(request).get("_new"))


def write_cookie(request: Request, response: Response, payload: dict) -> None:
    clean = {k: v for k, v in payload.items() if not k.startswith("_")}
    settings = request.app.state.runtime.settings
    response.set_cookie(COOKIE_NAME, _serializer(request).dumps(clean),
                        max_age=int(SESSION_LIFETIME.total_seconds()), path="/admin",
                        httponly=True, samesite="lax", secure=not settings.demo)


def start_session(request: Request, response: Response, session: Session,
                  staff: StaffUser) -> None:
    """A brand-new session and CSRF token for a successful login."""
    old = read_cookie(request).get("sid")
    if old:
        row = session.get(AdminSession, old)
        if row is not None:
            session.delete(row)
    now = clock.now()
    sid = secrets.token_urlsafe(32)
    session.add(AdminSession(id=sid, staff_id=staff.id, created_at=now, last_seen_at=now,
                             expires_at=now + SESSION_LIFETIME))
    payload = {"sid": sid, "csrf": secrets.token_urlsafe(32)}
    request.state.admin_cookie = payload
    write_cookie(request, response, payload)


def start_second_step(request: Request, response: Response, staff: StaffUser,
                      next_url: str) -> None:
    """The password was right; the second factor is still to come (no session yet)."""
    payload = {"csrf": secrets.token_urlsafe(32), "mfa": staff.id,
               "mfa_at": int(clock.now().timestamp()), "mfa_next": next_url}
    request.state.admin_cookie = payload
    write_cookie(request, response, payload)


def second_step_pending(request: Request) -> Optional[tuple[int, str]]:
    """(staff id, next url) while a password step is fresh, else None."""
    payload = read_cookie(request)
    staff_id, started = payload.get("mfa"), payload.get("mfa_at")
    if not isinstance(staff_id, int) or not isinstance(started, int):
        return None
    if clock.now().timestamp() - started > SECOND_STEP_TIME.total_seconds():
        return None
    return staff_id, str(payload.get("mfa_next") or "/admin/queue")


def drop_other_sessions(session: Session, staff_id: int, keep: Optional[str] = None) -> int:
    """End the account's sessions (but `keep`); returns how many ended."""
    rows = session.exec(select(AdminSession).where(AdminSession.staff_id == staff_id)).all()
    ended = 0
    for row in rows:
        if row.id != keep:
            session.delete(row)
            ended += 1
    return ended


def current_session_id(request: Request) -> Optional[str]:
    sid = read_cookie(request).get("sid")
    return sid if isinstance(sid, str) else None


def end_session(request: Request, response: Response, session: Session) -> None:
    sid = read_cookie(request).get("sid")
    if sid:
        row = session.get(AdminSession, sid)
        if row is not None:
            session.delete(row)
    payload = {"csrf": secrets.token_urlsafe(32)}
    request.state.admin_cookie = payload
    write_cookie(request, response, payload)


def _background(request: Request) -> bool:
    """A request the page made on its own: a timed refresh (X-Background) or the live
    event stream (EventSource cannot set headers; it asks for text/event-stream)."""
    return bool(request.headers.get(BACKGROUND_HEADER)
                or request.headers.get("accept", "").startswith("text/event-stream"))


def staff_for_request(request: Request, session: Session) -> Optional[StaffUser]:
    sid = read_cookie(request).get("sid")
    if not sid:
        return None
    row = session.get(AdminSession, sid)
    if row is None:
        return None
    now = clock.now()
    idle = timedelta(minutes=request.app.state.runtime.settings.admin_idle_timeout_minutes)
    last_seen = clock.as_utc(row.last_seen_at)
    if clock.as_utc(row.expires_at) <= now or last_seen + idle <= now:
        session.delete(row)
        session.commit()
        return None
    staff = session.get(StaffUser, row.staff_id)
    if staff is None or staff.disabled:
        return None
    if now - last_seen >= LAST_SEEN_STEP and not _background(request):
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return staff
