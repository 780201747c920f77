"""Login (password, then the second factor when the account has one) and logout."""
from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session, select

from admin.security import burn_time, count_failure, hash_password, needs_rehash, verify_password
from admin.session import end_session, second_step_pending, start_second_step, start_session
from admin.totp import accept_code, recovery_codes_left, use_recovery_code
from admin.web import account_step_due, audit, db, optional_staff, redirect, render
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


def _refused(staff: Optional[StaffUser], now) -> Optional[str]:
    """Why this account cannot log in now (for the audit log), or None."""
    if staff is None:
        return "unknown login"
    if staff.locked_until and clock.as_utc(staff.locked_until) > now:
        return "locked"
    if staff.disabled:
        return "disabled account"
    return None


def _logged_in(request: Request, session: Session, staff: StaffUser, next_url: str,
               method: str):
    staff.failed_logins, staff.locked_until = 0, None
    session.add(staff)
    audit(session, staff, "login", detail=method)
    response = redirect(request, account_step_due(staff) or _safe_next(next_url))
    start_session(request, response, session, staff)
    session.commit()
    return response


@router.post("/admin/login")
def login(request: Request, login: str = Form(""), password: str = Form(""),
          next: str = Form("/admin/queue"), session: Session = Depends(db)):
    now = clock.now()
    staff = session.exec(select(StaffUser).where(StaffUser.login == login.strip())).first()
    refused = _refused(staff, now)
    if refused is not None or staff is None:
        burn_time(password)
        if refused == "locked":
            audit(session, staff, "login.locked")
        else:
            audit(session, staff, "login.failed", detail=refused)
    elif verify_password(staff.password_hash, password):
        if needs_rehash(staff.password_hash):
            staff.password_hash = hash_password(password)
            session.add(staff)
        if staff.totp_enabled_at is None:
            return _logged_in(request, session, staff, next, "password")
        # The failure count is not reset here: it keeps counting wrong codes until the
        # second step succeeds, so a known password does not buy endless code guesses.
        audit(session, staff, "login.password_ok", detail="second factor next")
        response = redirect(request, SECOND_STEP)
        start_second_step(request, response, staff, _safe_next(next))
        session.commit()
        return response
    else:
        count_failure(session, staff, now, "login.failed")
    session.commit()
    return render(request, "login.html", {"next": _safe_next(next), "error": FAILED,
                                          "login": login}, status_code=401)


SECOND_STEP = "/admin/login/totp"
CODE_FAILED = "確認コードが違うか、このアカウントは現在ログインできません。"


@router.get(SECOND_STEP)
def second_step_page(request: Request):
    if second_step_pending(request) is None:
        return redirect(request, "/admin/login")
    return render(request, "login_totp.html", {"error": None})


@router.post(SECOND_STEP)
def second_step(request: Request, code: str = Form("", max_length=64),
                recovery_code: str = Form("", max_length=64), session: Session = Depends(db)):
    pending = second_step_pending(request)
    if pending is None:                   # too late, or no password step: start again
        return redirect(request, "/admin/login")
    staff_id, next_url = pending
    now = clock.now()
    staff = session.get(StaffUser, staff_id)
    refused = _refused(staff, now)
    if staff is None or refused is not None or not staff.totp_secret:
        audit(session, staff, "login.totp_refused", detail=refused)
        session.commit()
        return render(request, "login_totp.html", {"error": CODE_FAILED}, status_code=401)
    if code.strip() and accept_code(session, staff, staff.totp_secret, code, now):
        return _logged_in(request, session, staff, next_url, "password+totp")
    if recovery_code.strip() and use_recovery_code(session, staff.id, recovery_code, now):
        left = recovery_codes_left(session, staff.id)
        audit(session, staff, "login.recovery_code", detail=f"{left} left")
        return _logged_in(request, session, staff, next_url, "password+recovery code")
    count_failure(session, staff, now,
                   "login.recovery_failed" if recovery_code.strip() else "login.totp_failed")
    session.commit()
    return render(request, "login_totp.html", {"error": CODE_FAILED}, status_code=401)


@router.post("/admin/logout")
def logout(request: Request, session: Session = Depends(db), staff=Depends(optional_staff)):
    response = redirect(request, "/admin/login")
    if staff is not None:
        audit(session, staff, "logout")
    end_session(request, response, session)
    session.commit()
    return response

