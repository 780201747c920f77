"""A staff member's own password: changed with the current one, under the same rules as
everywhere, ending the account's other sessions; forced after an admin set it."""
from __future__ import annotations

import re

from sqlmodel import Session, select

from admin.session import COOKIE_NAME
from bot.models import AdminSession, AuditLog, StaffUser
from helpers import PASSWORD, AdminClient, make_case, make_staff

NEW = "hidden river lantern 7"


def audit_rows(engine, action: str) -> list[AuditLog]:
    with Session(engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action)))


def staff_row(engine, login: str) -> StaffUser:
    with Session(engine) as session:
        return session.exec(select(StaffUser).where(StaffUser.login == login)).one()


def error_of(html: str) -> str:
    match = re.search(r'class="error" role="alert">([^<]+)<', html)
    return match.group(1) if match else ""


def test_a_staff_member_changes_their_password_and_their_other_sessions_end(service):
    make_staff(service.engine, "aoki")
    here, elsewhere = AdminClient(service.base_url), AdminClient(service.base_url)
    here.login("aoki")
    elsewhere.login("aoki")
    before = here.http.cookies.get(COOKIE_NAME)

    response = here.change_password(PASSWORD, NEW)
    assert response.status_code == 303
    assert here.http.cookies.get(COOKIE_NAME) != before             # a new session here
    assert "パスワードを変更しました" in here.get(response.headers["location"]).text
    assert here.get("/admin/queue").status_code == 200
    assert elsewhere.get("/admin/queue").status_code == 303          # ended elsewhere
    assert elsewhere.get("/admin/api/queue").status_code == 401
    with Session(service.engine) as session:
        assert len(session.exec(select(AdminSession)).all()) == 1
    assert AdminClient(service.base_url).login("aoki", PASSWORD).status_code == 401
    assert AdminClient(service.base_url).login("aoki", NEW).status_code == 303
    [entry] = audit_rows(service.engine, "password.change")
    assert entry.detail == "1 other session(s) ended" and entry.source_address == "127.0.0.1"
    assert staff_row(service.engine, "aoki").password_changed_at is not None


def test_the_change_is_refused_with_a_reason_and_nothing_changes(service):
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    client.login("aoki")
    refusals = [
        (("wrong password!!", NEW, NEW), "今のパスワードが違います"),
        ((PASSWORD, NEW, NEW + "x"), "2回とも同じ"),
        ((PASSWORD, PASSWORD, PASSWORD), "今と違うパスワード"),
        ((PASSWORD, "short", "short"), "12文字以上"),
        ((PASSWORD, "Password2026!", "Password2026!"), "よく使われる"),
        ((PASSWORD, "aoki-lantern-river", "aoki-lantern-river"), "ログインIDを含む"),
    ]
    for (current, new, again), reason in refusals:
        client.get("/admin/account/password")
        response = client.post("/admin/account/password", {
            "current_password": current, "new_password": new, "new_password_again": again})
        assert response.status_code == 400 and reason in error_of(response.text), reason
    assert AdminClient(service.base_url).login("aoki", PASSWORD).status_code == 303
    assert len(audit_rows(service.engine, "password.change_failed")) == 1
    assert audit_rows(service.engine, "password.change") == []


def test_guessing_the_current_password_locks_the_account_and_ends_the_session(service):
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    client.login("aoki")
    for _ in range(9):
        assert client.change_password("wrong password!!", NEW).status_code == 400
    response = client.change_password("wrong password!!", NEW)
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    assert client.get("/admin/queue").status_code == 303
    assert AdminClient(service.base_url).login("aoki", PASSWORD).status_code == 401   # locked
    assert len(audit_rows(service.engine, "login.lockout")) == 1


def test_an_account_an_admin_created_must_change_its_password_before_anything_else(service):
    make_staff(service.engine, "boss", role="admin")
    case_id, _, _ = make_case(service.engine)
    admin = AdminClient(service.base_url)
    admin.login("boss")
    assert admin.post("/admin/staff", {"login": "ueda", "role": "staff",
                                       "password": "temporary lantern 42"}).status_code == 200
    assert staff_row(service.engine, "ueda").must_change_password

    ueda = AdminClient(service.base_url)
    response = ueda.login("ueda", "temporary lantern 42")
    assert response.headers["location"] == "/admin/account/password"
    for path in ("/admin/queue", f"/admin/cases/{case_id}", "/admin/stats", "/admin/followups"):
        response = ueda.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/admin/account/password", path
    assert ueda.get("/admin/api/queue").status_code == 403
    page = ueda.get("/admin/account/password")                       # (its CSRF token too)
    assert page.status_code == 200 and "仮のパスワード" in page.text
    version = admin.case_version(case_id)
    response = ueda.post(f"/admin/cases/{case_id}/take", {"version": version})
    assert response.headers["location"] == "/admin/account/password"
    assert admin.case_version(case_id) == version                      # nothing was taken

    assert ueda.change_password("temporary lantern 42", NEW).headers["location"] == "/admin/queue"
    assert ueda.get("/admin/queue").status_code == 200
    assert not staff_row(service.engine, "ueda").must_change_password
    [entry] = audit_rows(service.engine, "password.change")
    assert entry.detail.startswith("forced after reset")

    # an admin's reset makes the next password temporary again
    ueda_id = staff_row(service.engine, "ueda").id
    page = admin.post(f"/admin/staff/{ueda_id}/password").text
    reset = re.search(r"初期パスワード: <code>([^<]+)</code>", page).group(1)
    again = AdminClient(service.base_url)
    assert again.login("ueda", reset).headers["location"] == "/admin/account/password"
    assert again.get("/admin/queue").headers["location"] == "/admin/account/password"
