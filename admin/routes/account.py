"""A staff member's own account: password change (also the forced one after an admin set
the password) and the second factor (enrolment, recovery codes, turning it off where the
role allows). Every change and every refusal is audited."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session

from admin.security import check_password_strength, count_failure, hash_password, verify_password
from admin.session import current_session_id, drop_other_sessions, end_session, start_session
from admin.totp import (accept_code, new_recovery_codes, new_secret, provisioning_uri, qr_svg,
                        recovery_codes_left, remove_second_factor)
from admin.web import TOTP_SETUP, account_step_due, audit, db, redirect, render, require_login
from bot import clock
from bot.models import StaffUser

router = APIRouter()
# Annotated, not one shared Form(...) default: FastAPI would give the three fields one name.
Password = Annotated[str, Form(max_length=200)]


def _account_page(request: Request, session: Session, staff: StaffUser, *,
                  notice: str | None = None, error: str | None = None,
                  recovery_codes: list[str] | None = None, status_code: int = 200):
    left = recovery_codes_left(session, staff.id) if staff.totp_enabled_at else 0
    return render(request, "account.html", {
        "notice": notice, "error": error, "recovery_codes": recovery_codes,
        "codes_left": left, "next_step": account_step_due(staff)}, status_code=status_code)


def _failed(request: Request, session: Session, staff: StaffUser, action: str):
    """A wrong current password (or enrolment code) counts like a failed login; the lockout
    ends every session of the account, this one too (then: the response to return)."""
    if count_failure(session, staff, clock.now(), action):
        drop_other_sessions(session, staff.id)
        response = redirect(request, "/admin/login")
        end_session(request, response, session)
        session.commit()
        return response
    session.commit()
    return None


@router.get("/admin/account")
def account_page(request: Request, staff: StaffUser = Depends(require_login),
                 session: Session = Depends(db)):
    return _account_page(request, session, staff)


# ------------------------------------------------------------------------------- password
@router.get("/admin/account/password")
def password_page(request: Request, staff: StaffUser = Depends(require_login)):
    return render(request, "password.html", {"error": None})


@router.post("/admin/account/password")
def change_password(request: Request, current_password: Password = "",
                    new_password: Password = "", new_password_again: Password = "",
                    staff: StaffUser = Depends(require_login), session: Session = Depends(db)):
    def refuse(error: str):
        return render(request, "password.html", {"error": error}, status_code=400)

    if not verify_password(staff.password_hash, current_password):
        locked_out = _failed(request, session, staff, "password.change_failed")
        return locked_out or refuse("今のパスワードが違います。")
    if new_password != new_password_again:
        return refuse("新しいパスワードが2回とも同じになるように入れてください。")
    if new_password == current_password:
        return refuse("今と違うパスワードにしてください。")
    problem = check_password_strength(new_password, staff.login)
    if problem:
        return refuse(problem)
    forced = staff.must_change_password
    staff.password_hash = hash_password(new_password)
    staff.must_change_password, staff.password_changed_at = False, clock.now()
    staff.failed_logins = 0
    session.add(staff)
    ended = drop_other_sessions(session, staff.id, keep=current_session_id(request))
    audit(session, staff, "password.change",
          detail=("forced after reset; " if forced else "") + f"{ended} other session(s) ended")
    done = "/admin/queue" if forced else "/admin/account?changed=password"
    response = redirect(request, account_step_due(staff) or done)
    start_session(request, response, session, staff)     # a new session id after the change
    session.commit()
    return response


# -------------------------------------------------------------------------- second factor
@router.get(TOTP_SETUP)
def totp_setup_page(request: Request, staff: StaffUser = Depends(require_login),
                    session: Session = Depends(db)):
    """A new secret each time the page is drawn: the QR code and the secret are shown once,
    and only the latest one can be confirmed."""
    if staff.totp_enabled_at is not None:
        return redirect(request, "/admin/account")
    if staff.must_change_password:
        return redirect(request, account_step_due(staff) or "/admin/account")
    staff.totp_secret, staff.totp_last_step = new_secret(), None
    session.add(staff)
    session.commit()
    return _setup_page(request, staff, error=None)


def _setup_page(request: Request, staff: StaffUser, error: str | None, status_code: int = 200):
    assert staff.totp_secret is not None
    uri = provisioning_uri(staff.totp_secret, staff.login)
    secret = staff.totp_secret
    return render(request, "totp_setup.html", {
        "qr": qr_svg(uri), "uri": uri, "error": error,
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "required": staff.role == "admin"}, status_code=status_code)


@router.post(TOTP_SETUP)
def totp_confirm(request: Request, code: str = Form("", max_length=16),
                 staff: StaffUser = Depends(require_login), session: Session = Depends(db)):
    if staff.totp_enabled_at is not None:
        return redirect(request, "/admin/account")
    if not staff.totp_secret:
        return redirect(request, TOTP_SETUP)
    now = clock.now()
    if not accept_code(session, staff, staff.totp_secret, code, now):
        locked_out = _failed(request, session, staff, "totp.enrol_failed")
        return locked_out or _setup_page(
            request, staff, "確認コードが違います。認証アプリの今のコードを入れてください。",
            status_code=400)
    staff.totp_enabled_at, staff.failed_logins = now, 0
    session.add(staff)
    codes = new_recovery_codes(session, staff.id)
    ended = drop_other_sessions(session, staff.id, keep=current_session_id(request))
    audit(session, staff, "totp.enrol", detail=f"{ended} other session(s) ended")
    session.commit()
    return _account_page(request, session, staff, recovery_codes=codes,
                         notice="二段階認証を設定しました。")


@router.post("/admin/account/recovery-codes")
def regenerate_recovery_codes(request: Request, current_password: Password = "",
                              staff: StaffUser = Depends(require_login),
                              session: Session = Depends(db)):
    if staff.totp_enabled_at is None:
        return redirect(request, TOTP_SETUP)
    if not verify_password(staff.password_hash, current_password):
        locked_out = _failed(request, session, staff, "totp.codes_failed")
        return locked_out or _account_page(request, session, staff, status_code=400,
                                           error="パスワードが違います。")
    codes = new_recovery_codes(session, staff.id)
    audit(session, staff, "totp.recovery_codes", detail="new set; the old ones no longer work")
    session.commit()
    return _account_page(request, session, staff, recovery_codes=codes,
                         notice="新しいリカバリーコードを発行しました。前のコードは使えません。")


@router.post("/admin/account/totp/disable")
def disable_totp(request: Request, current_password: Password = "",
                 staff: StaffUser = Depends(require_login), session: Session = Depends(db)):
    if staff.role == "admin":
        return _account_page(request, session, staff, status_code=400,
                             error="管理者は二段階認証を外せません。")
    if staff.totp_enabled_at is None:
        return redirect(request, "/admin/account")
    if not verify_password(staff.password_hash, current_password):
        locked_out = _failed(request, session, staff, "totp.disable_failed")
        return locked_out or _account_page(request, session, staff, status_code=400,
                                           error="パスワードが違います。")
    remove_second_factor(session, staff)
    audit(session, staff, "totp.disable")
    session.commit()
    return _account_page(request, session, staff, notice="二段階認証を外しました。")
