"""Login, sessions, lockout, roles and CSRF on the staff pages."""
from __future__ import annotations

import re

import httpx
from sqlmodel import Session, select

from admin.routes.auth import FAILED
from admin.session import COOKIE_NAME
from bot import clock
from bot.models import AdminSession, AuditLog, StaffUser
from helpers import CSRF_RE, PASSWORD, AdminClient, make_case, make_staff


def test_login_sets_a_signed_httponly_samesite_cookie_and_a_new_session(service):
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    client.get("/admin/login")
    before = client.http.cookies.get(COOKIE_NAME)
    response = client.login("aoki")
    assert response.status_code == 303 and response.headers["location"] == "/admin/queue"
    cookie = response.headers["set-cookie"]
    assert COOKIE_NAME in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Path=/admin" in cookie
    assert client.http.cookies.get(COOKIE_NAME) != before          # a new session at login
    assert client.get("/admin/queue").status_code == 200
    with Session(service.engine) as session:
        assert session.exec(select(AuditLog).where(AuditLog.action == "login")).first()


def test_cookie_is_secure_outside_the_demo(tmp_path):
    """The production app (Settings, not the demo's) marks the cookie Secure."""
    from fastapi.testclient import TestClient

    from bot.app import create_app
    from bot.config import Settings
    settings = Settings(_env_file=None, line_channel_secret="s", line_channel_access_token="t",
                        secret_key="k" * 32, database_url=f"sqlite:///{tmp_path / 'prod.db'}")
    with TestClient(create_app(settings, start_background=False)) as client:
        response = client.get("/admin/login")
    assert response.status_code == 200
    assert "Secure" in response.headers["set-cookie"]      # so a plain-http client drops it


def test_logout_ends_the_session_even_for_a_copied_cookie(service):
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    client.login("aoki")
    stolen = client.http.cookies.get(COOKIE_NAME)
    assert client.post("/admin/logout").status_code == 303
    thief = httpx.Client(base_url=service.base_url, cookies={COOKIE_NAME: stolen})
    assert thief.get("/admin/queue").status_code == 303
    assert thief.get("/admin/api/queue").status_code == 401
    with Session(service.engine) as session:
        assert session.exec(select(AdminSession)).all() == []


def test_a_forged_cookie_is_not_a_session(service):
    client = httpx.Client(base_url=service.base_url, cookies={COOKIE_NAME: "eyJzaWQiOiJ4In0.forged"})
    assert client.get("/admin/api/queue").status_code == 401


def test_wrong_password_is_refused_and_ten_failures_lock_for_fifteen_minutes(service):
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    start = clock.now()
    frozen = clock.FrozenClock(start)
    clock.set_clock(frozen)
    for _ in range(9):
        response = client.login("aoki", "wrong password")
        assert response.status_code == 401 and FAILED in response.text
    response = client.login("aoki", "wrong password")
    assert response.status_code == 401 and FAILED in response.text
    response = client.login("aoki", PASSWORD)                 # right password, still locked
    assert response.status_code == 401 and FAILED in response.text
    frozen.advance(minutes=14)
    assert client.login("aoki", PASSWORD).status_code == 401
    frozen.advance(minutes=2)
    assert client.login("aoki", PASSWORD).status_code == 303
    with Session(service.engine) as session:
        staff = session.exec(select(StaffUser).where(StaffUser.login == "aoki")).one()
        assert staff.failed_logins == 0
        actions = [a.action for a in session.exec(select(AuditLog))]
        assert "login.lockout" in actions and actions.count("login.failed") == 9


def disable(engine, staff_id: int) -> None:
    with Session(engine) as session:
        staff = session.get(StaffUser, staff_id)
        staff.disabled = True
        session.add(staff)
        session.commit()


def test_one_message_for_unknown_wrong_locked_and_disabled_logins(service):
    """The page never tells which logins exist or are locked (the audit log does)."""
    make_staff(service.engine, "aoki")
    disable(service.engine, make_staff(service.engine, "ueda"))
    client = AdminClient(service.base_url)
    for _ in range(10):
        client.login("aoki", "wrong password")
    pages = {"unknown": client.login("nobody", "wrong password"),
             "wrong": AdminClient(service.base_url).login("ueda", "wrong password"),
             "locked": client.login("aoki", PASSWORD),
             "disabled": client.login("ueda", PASSWORD)}
    bodies = set()
    for name, response in pages.items():
        assert response.status_code == 401, name
        assert FAILED in response.text and "ロックされ" not in response.text.replace(
            "アカウントは15分間ロックされます", ""), name      # only the page's standing hint
        body = response.text.replace(CSRF_RE.search(response.text).group(1), "")
        bodies.add(re.sub(r'name="login"[^>]*value="[^"]*"', "", body))
    assert len(bodies) == 1                  # the same page, but for the login typed in
    with Session(service.engine) as session:
        actions = [a.action for a in session.exec(select(AuditLog))]
    assert {"login.lockout", "login.locked", "login.failed"} <= set(actions)


def test_unknown_and_disabled_accounts_cannot_log_in(service):
    disable(service.engine, make_staff(service.engine, "aoki"))
    client = AdminClient(service.base_url)
    assert client.login("aoki").status_code == 401
    assert client.login("nobody").status_code == 401


def test_unauthenticated_pages_redirect_to_login_and_api_answers_401(service):
    case_id, _, _ = make_case(service.engine)
    client = httpx.Client(base_url=service.base_url, follow_redirects=False)
    for path in ("/admin/queue", f"/admin/cases/{case_id}", "/admin/stats", "/admin/stats.csv",
                 "/admin/audit", "/admin/staff", "/admin/canned"):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/admin/login?next="), path
    assert client.get("/admin/api/queue").status_code == 401
    assert client.get("/admin/queue/fragment").status_code == 401


def test_login_redirects_back_to_the_page_asked_for_but_never_off_site(service):
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    client.get("/admin/login")
    response = client.post("/admin/login", {"login": "aoki", "password": PASSWORD,
                                            "next": "/admin/stats"})
    assert response.headers["location"] == "/admin/stats"
    client = AdminClient(service.base_url)
    client.get("/admin/login")
    response = client.post("/admin/login", {"login": "aoki", "password": PASSWORD,
                                            "next": "//evil.example/admin"})
    assert response.headers["location"] == "/admin/queue"


def test_staff_cannot_reach_admin_pages(service):
    make_staff(service.engine, "aoki", role="staff")
    client = AdminClient(service.base_url)
    client.login("aoki")
    for path in ("/admin/audit", "/admin/staff", "/admin/canned"):
        assert client.get(path).status_code == 403, path
    for path, data in (("/admin/staff", {"login": "mallory", "role": "admin"}),
                       ("/admin/canned", {"title": "x", "text": "y"})):
        assert client.post(path, data).status_code == 403, path
    assert "/admin/audit" not in client.get("/admin/queue").text     # not offered either


def test_every_state_changing_request_needs_the_csrf_token(service):
    make_staff(service.engine, "boss", role="admin")
    case_id, _, _ = make_case(service.engine)
    client = AdminClient(service.base_url)
    client.login("boss")
    version = client.case_version(case_id)
    posts = [
        ("/admin/cases/%d/take" % case_id, {"version": version}),
        ("/admin/cases/%d/assign" % case_id, {"version": version, "assignee_id": ""}),
        ("/admin/cases/%d/reply" % case_id, {"version": version, "text": "こんにちは"}),
        ("/admin/cases/%d/note" % case_id, {"text": "メモ"}),
        ("/admin/cases/%d/status" % case_id, {"version": version, "status": "closed",
                                              "close_reason": "info"}),
        ("/admin/cases/%d/followups" % case_id, {"due_at": "2099-01-01T10:00", "text": "その後"}),
        ("/admin/staff", {"login": "mallory", "role": "admin"}),
        ("/admin/staff/1/role", {"role": "staff"}),
        ("/admin/staff/1/disable", {"disabled": "yes"}),
        ("/admin/staff/1/password", {}),
        ("/admin/canned", {"title": "x", "text": "y"}),
        ("/admin/logout", {}),
    ]
    for path, data in posts:
        assert client.post(path, data, csrf=False).status_code == 403, path
        assert client.post(path, {**data, "csrf_token": "wrong"}).status_code == 403, path
    # a fresh client without any cookie cannot log in without a token either
    anonymous = AdminClient(service.base_url)
    assert anonymous.post("/admin/login", {"login": "boss", "password": PASSWORD},
                          csrf=False).status_code == 403
    # nothing happened
    with Session(service.engine) as session:
        assert session.exec(select(StaffUser).where(StaffUser.login == "mallory")).first() is None
    assert client.get("/admin/queue").status_code == 200                # still logged in


def logged_in_on_a_frozen_clock(service) -> tuple[AdminClient, clock.FrozenClock]:
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    frozen = clock.FrozenClock(clock.now())
    clock.set_clock(frozen)
    client.login("aoki")
    return client, frozen


def test_session_expires_after_its_lifetime(service):
    client, frozen = logged_in_on_a_frozen_clock(service)
    assert client.get("/admin/queue").status_code == 200
    frozen.advance(hours=12, minutes=1)
    assert client.get("/admin/queue").status_code == 303


def test_session_ends_after_thirty_idle_minutes_whatever_the_absolute_lifetime(service):
    client, frozen = logged_in_on_a_frozen_clock(service)
    assert service.runtime.settings.admin_idle_timeout_minutes == 30
    for _ in range(4):                                # active for two hours: stays logged in
        frozen.advance(minutes=29)
        assert client.get("/admin/queue").status_code == 200
    frozen.advance(minutes=29)                        # the queue's automatic refresh is no activity
    background = {"X-Background": "1"}
    assert client.get("/admin/queue/fragment", headers=background).status_code == 200
    frozen.advance(minutes=2)
    assert client.get("/admin/queue/fragment", headers=background).status_code == 401
    assert client.get("/admin/queue").status_code == 303
    with Session(service.engine) as session:
        assert session.exec(select(AdminSession)).all() == []     # the row is gone
    assert client.login("aoki").status_code == 303


def test_idle_timeout_is_a_setting(service):
    client, frozen = logged_in_on_a_frozen_clock(service)
    service.runtime.settings.admin_idle_timeout_minutes = 5
    try:
        frozen.advance(minutes=4)
        assert client.get("/admin/queue").status_code == 200
        frozen.advance(minutes=5, seconds=1)
        assert client.get("/admin/queue").status_code == 303
    finally:
        service.runtime.settings.admin_idle_timeout_minutes = 30
