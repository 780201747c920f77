"""Login and logout."""
from __future__ import annotations

from datetime import timedelta
from typing import Optional

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session, select

from admin.security import LOCK_MINUTES, MAX_FAILED_LOGINS, burn_time, hash_password, needs_rehash, verify_password
from admin.session import end_session, start_session
from admin.web import audit, db, optional_staff, redirect, render
from bot import clock
from bot.models import StaffUser

router = APIRouter()
# One message for every refusal (unknown login, wrong password, locked, disabled), so the
# page does not tell which logins exist or are locked; the audit log tells them apart.
# The page's standing hint tells everyone about the lockout rule.
FAILED = "ログインIDまたはパスワードが違うか、このアカウントは現在ログインできません。"


def _safe_next(target: Optional[str]) -> str:
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return "/admin/queue"


@router.get("/admin")
@router.get("/admin/")
def admin_home(request: Request, staff=Depends(optional_staff)):
    return redirect(request, "/admin/queue" if staff else "/admin/login")


@router.get("/admin/login")
def login_page(request: Request, next: Optional[str] = None, staff=Depends(optional_staff)):
    if staff is not None:
        return redirect(request, _safe_next(next))
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/admin/login")
def login(request: Request, login: str = Form(""), password: str = Form(""),
          next: str = Form("/admin/queue"), session: Session = Depends(db)):
    now = clock.now()
    staff = session.exec(select(StaffUser).where(StaffUser.login == login.strip())).first()
    if staff is None:
        burn_time(password)
        audit(session, None, "login.failed", detail="unknown login")
    elif staff.locked_until and clock.as_utc(staff.locked_until) > now:
        burn_time(password)
        audit(session, staff, "login.locked")
    elif staff.disabled:
        burn_time(password)
        audit(session, staff, "login.failed", detail="disabled account")
    elif verify_password(staff.password_hash, password):
        if needs_rehash(staff.password_hash):
            staff.password_hash = hash_password(password)
        staff.failed_logins, staff.locked_until = 0, None
        session.add(staff)
        audit(session, staff, "login")
        response = redirect(request, _safe_next(next))
        start_session(request, response, session, staff)
        session.commit()
        return response
    else:
        staff.failed_logins += 1
        if staff.failed_logins >= MAX_FAILED_LOGINS:
            staff.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            staff.failed_logins = 0
            audit(session, staff, "login.lockout")
        else:
            audit(session, staff, "login.failed")
        session.add(staff)
    session.commit()
    return render(request, "login.html", {"next": _safe_next(next), "error": FAILED,
                                          "login": login}, status_code=401)


@router.post("/admin/logout")
def logout(request: Request, session: Session = Depends(db), staff=Depends(optional_staff)):
    response = redirect(request, "/admin/login")
    if staff is not None:
        audit(session, staff, "logout")
    end_session(request, response, session)
    session.commit()
    return response

