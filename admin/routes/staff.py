"""Staff accounts (admins only)."""
from __future__ import annotations

import re
import secrets

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from sqlmodel import Session, select

from admin.security import check_password_strength, hash_password
from admin.params import RowId
from admin.session import drop_other_sessions
from admin.totp import remove_second_factor
from admin.web import audit, db, render, require_admin
from bot.models import StaffUser

router = APIRouter()
LOGIN_RE = re.compile(r"^[A-Za-z0-9._-]{3,64}$")


def _staff_page(request: Request, session: Session, *, error: str | None = None,
                notice: str | None = None, new_password: tuple[str, str] | None = None,
                status_code: int = 200):
    accounts = session.exec(select(StaffUser).order_by(StaffUser.login)).all()
    return render(request, "staff.html", {"accounts": accounts, "error": error, "notice": notice,
                                          "new_password": new_password}, status_code=status_code)


def _account(session: Session, staff_id: int) -> StaffUser:
    account = session.get(StaffUser, staff_id)
    if account is None:
        raise HTTPException(404, "その職員は見つかりません。")
    return account


@router.get("/admin/staff")
def staff_page(request: Request, admin: StaffUser = Depends(require_admin),
               session: Session = Depends(db)):
    return _staff_page(request, session)


@router.post("/admin/staff")
def create_staff(request: Request, login: str = Form(""), display_name: str = Form(""),
                 role: str = Form("staff"), password: str = Form(""),
                 admin: StaffUser = Depends(require_admin), session: Session = Depends(db)):
    login = login.strip()
    if not LOGIN_RE.match(login):
        return _staff_page(request, session, status_code=400,
                           error="ログインIDは半角英数字と . _ - で3〜64文字にしてください。")
    if role not in ("staff", "admin"):
        return _staff_page(request, session, status_code=400, error="役割が正しくありません。")
    if session.exec(select(StaffUser).where(StaffUser.login == login)).first():
        return _staff_page(request, session, status_code=400, error="そのログインIDは使われています。")
    generated = not password
    password = password or secrets.token_urlsafe(12)
    problem = check_password_strength(password, login)
    if problem:
        return _staff_page(request, session, status_code=400, error=problem)
    # The admin knows this password: it is temporary, changed at the first login.
    account = StaffUser(login=login, display_name=display_name.strip()[:64], role=role,
                        password_hash=hash_password(password), must_change_password=True)
    session.add(account)
    session.flush()
    audit(session, admin, "staff.create", detail=f"login={login} role={role} temporary password")
    session.commit()
    return _staff_page(request, session, notice=f"{login} を作成しました。",
                       new_password=(login, password) if generated else None)


@router.post("/admin/staff/{staff_id}/role")
def change_role(request: Request, staff_id: int, role: str = Form(...),
                admin: StaffUser = Depends(require_admin), session: Session = Depends(db)):
    account = _account(session, staff_id)
    if role not in ("staff", "admin"):
        return _staff_page(request, session, status_code=400, error="役割が正しくありません。")
    if account.id == admin.id and role != "admin":
        return _staff_page(request, session, status_code=400,
                           error="自分自身を管理者から外すことはできません。")
    account.role = role
    session.add(account)
    audit(session, admin, "staff.role", detail=f"login={account.login} role={role}")
    session.commit()
    return _staff_page(request, session, notice=f"{account.login} の役割を変更しました。")


@router.post("/admin/staff/{staff_id}/disable")
def set_disabled(request: Request, staff_id: int, disabled: str = Form("yes"),
                 admin: StaffUser = Depends(require_admin), session: Session = Depends(db)):
    account = _account(session, staff_id)
    if account.id == admin.id:
        return _staff_page(request, session, status_code=400,
                           error="自分自身を無効にすることはできません。")
    account.disabled = disabled == "yes"
    if account.disabled:
        drop_other_sessions(session, account.id)
    else:
        account.failed_logins, account.locked_until = 0, None
    session.add(account)
    audit(session, admin, "staff.disable" if account.disabled else "staff.enable",
          detail=f"login={account.login}")
    session.commit()
    state = "無効" if account.disabled else "有効"
    return _staff_page(request, session, notice=f"{account.login} を{state}にしました。")


@router.post("/admin/staff/{staff_id}/password")
def reset_password(request: Request, staff_id: int,
                   admin: StaffUser = Depends(require_admin), session: Session = Depends(db)):
    account = _account(session, staff_id)
    password = secrets.token_urlsafe(12)
    account.password_hash = hash_password(password)
    account.must_change_password = True
    account.failed_logins, account.locked_until = 0, None
    drop_other_sessions(session, account.id)
    session.add(account)
    audit(session, admin, "staff.password_reset", detail=f"login={account.login}")
    session.commit()
    return _staff_page(request, session, notice=f"{account.login} のパスワードを再発行しました。",
                       new_password=(account.login, password))


@router.post("/admin/staff/{staff_id}/totp-reset")
def reset_second_factor(request: Request, staff_id: RowId,
                        admin: StaffUser = Depends(require_admin),
                        session: Session = Depends(db)):
    """A lost phone: the account sets up its second factor again at its next login
    (admins must; counsellors may)."""
    account = _account(session, staff_id)
    if account.id == admin.id:
        return _staff_page(request, session, status_code=400,
                           error="自分自身の二段階認証はアカウント画面で設定し直してください。")
    remove_second_factor(session, account)
    drop_other_sessions(session, account.id)
    audit(session, admin, "staff.totp_reset", detail=f"login={account.login}")
    session.commit()
    return _staff_page(request, session,
                       notice=f"{account.login} の二段階認証を解除しました。次のログインで設定し直します。")

