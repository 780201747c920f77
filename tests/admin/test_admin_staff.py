"""Staff management by admins: create, disable, reset password, change role."""
from __future__ import annotations

import re

from sqlmodel import Session, select

from bot.models import AdminSession, StaffUser
from helpers import PASSWORD, AdminClient, make_staff


def staff_id(engine, login: str) -> int:
    with Session(engine) as session:
        return session.exec(select(StaffUser).where(StaffUser.login == login)).one().id


def test_admin_creates_disables_resets_and_changes_role(service):
    make_staff(service.engine, "boss", role="admin")
    admin = AdminClient(service.base_url)
    admin.login("boss")
    page = admin.post("/admin/staff", {"login": "tanaka", "display_name": "田中", "role": "staff"})
    assert page.status_code == 200 and "tanaka を作成しました" in page.text
    first_password = re.search(r"初期パスワード: <code>([^<]+)</code>", page.text).group(1)
    tanaka = AdminClient(service.base_url)
    response = tanaka.login("tanaka", first_password)
    assert response.headers["location"] == "/admin/account/password"   # temporary password
    assert tanaka.change_password(first_password, "hidden river lantern 7").status_code == 303
    assert tanaka.get("/admin/staff").status_code == 403

    tanaka_id = staff_id(service.engine, "tanaka")
    admin.post(f"/admin/staff/{tanaka_id}/role", {"role": "admin"})
    # the role applies at once: an admin without a second factor sets it up first
    assert tanaka.get("/admin/staff").headers["location"] == "/admin/account/totp"
    tanaka.enrol_totp()
    assert tanaka.get("/admin/staff").status_code == 200

    page = admin.post(f"/admin/staff/{tanaka_id}/password")
    new_password = re.search(r"初期パスワード: <code>([^<]+)</code>", page.text).group(1)
    assert tanaka.get("/admin/queue").status_code == 303             # sessions ended
    assert AdminClient(service.base_url).login("tanaka", first_password).status_code == 401
    tanaka = AdminClient(service.base_url)
    assert tanaka.login("tanaka", new_password).headers["location"] == "/admin/account/password"

    admin.post(f"/admin/staff/{tanaka_id}/disable", {"disabled": "yes"})
    assert tanaka.get("/admin/account/password").status_code == 303
    assert AdminClient(service.base_url).login("tanaka", new_password).status_code == 401
    with Session(service.engine) as session:
        assert session.get(StaffUser, tanaka_id).disabled
        assert session.exec(select(AdminSession).where(AdminSession.staff_id == tanaka_id)).all() == []
    admin.post(f"/admin/staff/{tanaka_id}/disable", {"disabled": "no"})
    assert AdminClient(service.base_url).login("tanaka", new_password).status_code == 303


def test_admin_input_is_checked_and_cannot_lock_themselves_out(service):
    make_staff(service.engine, "boss", role="admin")
    admin = AdminClient(service.base_url)
    admin.login("boss")
    assert admin.post("/admin/staff", {"login": "a b", "role": "staff"}).status_code == 400
    assert admin.post("/admin/staff", {"login": "boss", "role": "staff"}).status_code == 400
    assert admin.post("/admin/staff", {"login": "x1234", "role": "root"}).status_code == 400
    assert admin.post("/admin/staff", {"login": "short", "role": "staff",
                                       "password": "abc"}).status_code == 400
    assert admin.post("/admin/staff", {"login": "chosen", "role": "staff",
                                       "password": PASSWORD}).status_code == 200
    boss_id = staff_id(service.engine, "boss")
    assert admin.post(f"/admin/staff/{boss_id}/role", {"role": "staff"}).status_code == 400
    assert admin.post(f"/admin/staff/{boss_id}/disable", {"disabled": "yes"}).status_code == 400
    assert admin.get("/admin/staff").status_code == 200
    page = admin.get("/admin/staff").text
    assert "password_hash" not in page and "$argon2" not in page


def test_admin_page_refuses_short_and_common_passwords_with_a_clear_message(service):
    make_staff(service.engine, "boss", role="admin")
    admin = AdminClient(service.base_url)
    admin.login("boss")
    for password, message in (("abcdefghij1", "12文字以上"), ("Password2026!", "よく使われる"),
                              ("qwertyuiop12", "よく使われる"), ("zzzzzzzzzzzzzz", "よく使われる")):
        response = admin.post("/admin/staff", {"login": "weak", "role": "staff", "password": password})
        assert response.status_code == 400 and message in response.text, password
    with Session(service.engine) as session:
        assert session.exec(select(StaffUser).where(StaffUser.login == "weak")).first() is None
    assert admin.post("/admin/staff", {"login": "weak", "role": "staff",
                                       "password": "tQ7-vanilla-orbit"}).status_code == 200
    weak = AdminClient(service.base_url)
    assert weak.login("weak", "tQ7-vanilla-orbit").headers["location"] == "/admin/account/password"
