"""Shared request plumbing: database session, the logged-in staff member, rendering with
security headers, audit logging."""
from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import event
from sqlmodel import Session

from admin import labels
from admin.csrf import csrf_token
from admin.session import cookie_is_new, read_cookie, staff_for_request, write_cookie
from bot import clock, webguard
from bot.models import AuditLog, StaffUser

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
_env = TEMPLATES.env
_env.globals.update(labels=labels)
_env.filters["jst"] = lambda value, fmt="%Y-%m-%d %H:%M": clock.to_jst(value).strftime(fmt) if value else ""


def format_duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}分"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}時間{minutes:02d}分"


_env.filters["duration"] = format_duration

# The service-wide headers (bot.webguard) are on every response already; staff pages are
# never cached either.
SECURITY_HEADERS = {**webguard.SECURITY_HEADERS, "Cache-Control": "no-store"}


def runtime(request: Request):
    return request.app.state.runtime


def client_address(request: Request) -> Optional[str]:
    """The address a staff request came from, for the audit log. The configured trusted
    proxy header only (its last entry: the one our proxy added; anything before it came
    from the client and could be forged), otherwise the socket peer."""
    header = request.app.state.runtime.settings.trusted_proxy_header.strip()
    if header:
        value = request.headers.get(header, "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            pass   # missing or not an address: the peer (the proxy itself) is what we know
    return request.client.host if request.client else None


def db(request: Request) -> Iterator[Session]:
    """The request's database session; the audit entries it writes carry the request's
    source address (also those written by bot.cases.lifecycle)."""
    address = client_address(request)

    def stamp_audit(session: Session, _context: Any, _instances: Any) -> None:
        for row in session.new:
            if isinstance(row, AuditLog) and row.source_address is None:
                row.source_address = address

    with Session(request.app.state.runtime.engine, expire_on_commit=False) as session:
        event.listen(session, "before_flush", stamp_audit)
        yield session


class LoginRequired(HTTPException):
    pass


def optional_staff(request: Request, session: Session = Depends(db)) -> Optional[StaffUser]:
    staff = staff_for_request(request, session)
    request.state.staff = staff
    return staff


PASSWORD_CHANGE = "/admin/account/password"
TOTP_SETUP = "/admin/account/totp"


def account_step_due(staff: StaffUser) -> Optional[str]:
    """The account page a staff member must finish before any other: their own password
    after an admin set it, then (admins) the second factor."""
    if staff.must_change_password:
        return PASSWORD_CHANGE
    if staff.role == "admin" and staff.totp_enabled_at is None:
        return TOTP_SETUP
    return None


_env.globals["account_step_due"] = account_step_due


def require_login(request: Request,
                  staff: Optional[StaffUser] = Depends(optional_staff)) -> StaffUser:
    """The account pages: logged in, whatever is still due on the account."""
    if staff is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(303, "login required",
                            headers={"Location": f"/admin/login?next={quote(target, safe='')}"})
    return staff


def require_staff(staff: StaffUser = Depends(require_login)) -> StaffUser:
    """Pages: redirect to the login page when nobody is logged in, and to the account page
    while a password change or the second factor's setup is due."""
    due = account_step_due(staff)
    if due is not None:
        raise HTTPException(303, "account step due", headers={"Location": due})
    return staff


def require_staff_api(staff: Optional[StaffUser] = Depends(optional_staff)) -> StaffUser:
    if staff is None:
        raise HTTPException(401, "login required", headers={"WWW-Authenticate": "Cookie"})
    if account_step_due(staff) is not None:
        raise HTTPException(403, "finish the password change or second-factor setup first")
    return staff


def require_admin(staff: StaffUser = Depends(require_staff)) -> StaffUser:
    if staff.role != "admin":
        raise HTTPException(403, "管理者のみが使えるページです。")
    return staff


def secure(request: Request, response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if cookie_is_new(request):
        payload = read_cookie(request)
        write_cookie(request, response, payload)
        payload.pop("_new", None)
    return response


def render(request: Request, name: str, context: dict | None = None,
           status_code: int = 200) -> HTMLResponse:
    ctx = {"staff": getattr(request.state, "staff", None), "csrf_token": csrf_token(request),
           "settings": request.app.state.runtime.settings}
    ctx.update(context or {})
    response = TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)
    return secure(request, response)


HOME = "/admin/queue"


def local_location(url: str) -> str:
    """`url` when it is a path on this site in plain ASCII; otherwise the queue. A `next`
    with CR/LF, a control or a non-ASCII character can neither break the response nor
    leave the site."""
    if (url.startswith("/") and not url.startswith("//") and "\\" not in url
            and all(32 < ord(char) < 127 for char in url)):
        return url
    return HOME


def redirect(request: Request, url: str) -> Response:
    return secure(request, Response(status_code=303, headers={"Location": local_location(url)}))


def audit(session: Session, staff: Optional[StaffUser], action: str,
          case_id: Optional[int] = None, detail: Optional[str] = None) -> None:
    """Record who did what. `detail` never carries message text or LINE user IDs."""
    session.add(AuditLog(staff_id=staff.id if staff else None, action=action, case_id=case_id,
                         detail=(detail or None) and detail[:500]))
