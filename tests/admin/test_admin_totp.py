"""The second factor: TOTP enrolment (QR code and secret shown once), login in two steps,
the ±1-step window, no replay, recovery codes used once, the lockout across both steps;
required for admins, offered to counsellors."""
from __future__ import annotations

import hashlib
import re

import pyotp
import pytest
from sqlmodel import Session, select

from admin.totp import code_at, step_at
from bot import clock
from bot.models import AdminSession, AuditLog, RecoveryCode, StaffUser
from helpers import PASSWORD, AdminClient, make_staff

CODE_FAILED = "確認コードが違うか、このアカウントは現在ログインできません。"


@pytest.fixture
def frozen_now():
    frozen = clock.FrozenClock(clock.now())
    clock.set_clock(frozen)
    yield frozen
    clock.set_clock(None)


def staff_row(engine, login: str) -> StaffUser:
    with Session(engine) as session:
        return session.exec(select(StaffUser).where(StaffUser.login == login)).one()


def actions(engine) -> list[str]:
    with Session(engine) as session:
        return [row.action for row in session.exec(select(AuditLog).order_by(AuditLog.id))]


def password_step(client: AdminClient, login: str, password: str = PASSWORD):
    response = client.login(login, password, second_factor=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/login/totp"
    client.get("/admin/login/totp")
    return response


def code_step(client: AdminClient, **form):
    return client.post("/admin/login/totp", form)


def codes_of(html: str) -> list[str]:
    block = re.search(r'id="recovery-codes">(.*?)</div>', html, re.S).group(1)
    return re.findall(r"<code>([A-Z0-9-]+)</code>", block)


def test_an_admin_without_a_second_factor_enrols_before_anything_else(service):
    make_staff(service.engine, "boss", role="admin", totp=False)
    client = AdminClient(service.base_url)
    assert client.login("boss").headers["location"] == "/admin/account/totp"
    for path in ("/admin/queue", "/admin/staff", "/admin/audit"):
        assert client.get(path).headers["location"] == "/admin/account/totp", path
    assert client.get("/admin/api/queue").status_code == 403

    page = client.get("/admin/account/totp").text
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    uri = re.search(r'id="totp-uri">([^<]+)<', page).group(1).replace("&amp;", "&")
    assert "<svg" in page and 'class="segno"' in page                  # the QR code, inline
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri and "boss" in uri
    assert staff_row(service.engine, "boss").totp_enabled_at is None    # not until confirmed

    wrong = client.post("/admin/account/totp", {"code": "000000"})
    if wrong.status_code != 400:                                     # one chance in a million
        pytest.skip("000000 happened to be the code")
    # each drawing of the page makes a new secret: an old page cannot be confirmed
    assert staff_row(service.engine, "boss").totp_secret == re.search(
        r'id="totp-secret">([A-Z2-7 ]+)<', wrong.text).group(1).replace(" ", "")
    secret = staff_row(service.engine, "boss").totp_secret
    done = client.post("/admin/account/totp", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and "二段階認証を設定しました" in done.text
    codes = codes_of(done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code) for code in codes)
    with Session(service.engine) as session:                         # only hashes at rest
        stored = {row.code_hash for row in session.exec(select(RecoveryCode))}
    assert stored == {hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in codes}

    # shown once: the setup page and the account page never show them again
    assert client.get("/admin/account/totp").headers["location"] == "/admin/account"
    account = client.get("/admin/account").text
    assert secret not in account and not any(code in account for code in codes)
    assert "残りのリカバリーコード: 10個" in account
    assert client.get("/admin/staff").status_code == 200
    assert "totp.enrol" in actions(service.engine)


def test_login_needs_the_code_after_the_password(service):
    make_staff(service.engine, "boss", role="admin")
    client = AdminClient(service.base_url)
    password_step(client, "boss")
    assert client.get("/admin/queue").status_code == 303             # no session yet
    with Session(service.engine) as session:
        assert session.exec(select(AdminSession)).all() == []
    response = code_step(client, code="123456" if pyotp.TOTP(
        staff_row(service.engine, "boss").totp_secret).now() != "123456" else "654321")
    assert response.status_code == 401 and CODE_FAILED in response.text
    secret = staff_row(service.engine, "boss").totp_secret
    response = code_step(client, code=pyotp.TOTP(secret).now())
    assert response.status_code == 303 and response.headers["location"] == "/admin/queue"
    assert client.get("/admin/queue").status_code == 200
    log = actions(service.engine)
    assert log[-3:] == ["login.password_ok", "login.totp_failed", "login"]
    with Session(service.engine) as session:
        entry = session.exec(select(AuditLog).where(AuditLog.action == "login")).one()
    assert entry.detail == "password+totp" and entry.source_address == "127.0.0.1"


def test_the_code_counts_one_step_either_side_and_never_twice(service, frozen_now):
    make_staff(service.engine, "boss", role="admin")
    secret = staff_row(service.engine, "boss").totp_secret
    now = step_at(clock.now())

    def attempt(step: int) -> int:
        client = AdminClient(service.base_url)
        password_step(client, "boss")
        return code_step(client, code=code_at(secret, step)).status_code

    assert attempt(now - 2) == 401                                    # too old
    assert attempt(now + 2) == 401                                    # too far ahead
    assert attempt(now - 1) == 303                                    # within the window
    assert attempt(now - 1) == 401                                    # replayed
    assert attempt(now + 1) == 303                                    # a later step
    assert attempt(now) == 401                        # earlier than the last one used
    frozen_now.advance(seconds=60)
    assert attempt(now + 2) == 303                                    # the clock moved on


def test_recovery_codes_work_once_each_and_a_new_set_replaces_the_old(service):
    make_staff(service.engine, "aoki", totp=False)
    client = AdminClient(service.base_url)
    client.login("aoki")
    _secret, page = client.enrol_totp()
    codes = codes_of(page.text)

    other = AdminClient(service.base_url)
    password_step(other, "aoki")
    assert code_step(other, recovery_code=codes[0].lower()).status_code == 303   # as typed
    again = AdminClient(service.base_url)
    password_step(again, "aoki")
    assert code_step(again, recovery_code=codes[0]).status_code == 401         # used
    assert code_step(again, recovery_code=codes[1].replace("-", " ")).status_code == 303
    assert "残りのリカバリーコード: 8個" in again.get("/admin/account").text

    renewed = again.post("/admin/account/recovery-codes", {"current_password": PASSWORD})
    fresh = codes_of(renewed.text)
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    late = AdminClient(service.base_url)
    password_step(late, "aoki")
    assert code_step(late, recovery_code=codes[2]).status_code == 401           # old set
    assert code_step(late, recovery_code=fresh[0]).status_code == 303
    log = actions(service.engine)
    assert log.count("login.recovery_code") == 3 and "totp.recovery_codes" in log
    assert "login.recovery_failed" in log


def test_wrong_codes_lock_the_account_and_a_right_password_does_not_reset_the_count(service):
    make_staff(service.engine, "boss", role="admin")
    secret = staff_row(service.engine, "boss").totp_secret
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    client = AdminClient(service.base_url)
    for _ in range(2):                         # the password is right each time, the code never
        password_step(client, "boss")
        for _ in range(4):
            assert code_step(client, code=wrong).status_code == 401
    assert staff_row(service.engine, "boss").failed_logins == 8
    password_step(client, "boss")
    assert code_step(client, code=wrong).status_code == 401
    assert code_step(client, code=wrong).status_code == 401            # the tenth: locked
    assert staff_row(service.engine, "boss").locked_until is not None
    response = code_step(client, code=pyotp.TOTP(secret).now())
    assert response.status_code == 401 and CODE_FAILED in response.text   # the right code, too late
    response = AdminClient(service.base_url).login("boss")
    assert response.status_code == 401                                # and the password step
    log = actions(service.engine)
    assert log.count("login.totp_failed") == 9 and "login.lockout" in log
    assert "login.totp_refused" in log and "login.locked" in log


def test_the_second_step_expires_after_five_minutes(service, frozen_now):
    make_staff(service.engine, "boss", role="admin")
    client = AdminClient(service.base_url)
    password_step(client, "boss")
    frozen_now.advance(minutes=5, seconds=1)
    secret = staff_row(service.engine, "boss").totp_secret
    response = code_step(client, code=code_at(secret, step_at(clock.now())))
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    assert client.get("/admin/login/totp").headers["location"] == "/admin/login"


def test_counsellors_are_offered_the_second_factor_and_may_turn_it_off(service):
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    assert client.login("aoki").headers["location"] == "/admin/queue"    # optional
    assert 'id="totp-offer"' in client.get("/admin/queue").text
    client.enrol_totp()
    assert 'id="totp-offer"' not in client.get("/admin/queue").text
    assert AdminClient(service.base_url).login("aoki", second_factor=False).headers[
        "location"] == "/admin/login/totp"                              # now required for aoki
    client.get("/admin/account")
    refused = client.post("/admin/account/totp/disable", {"current_password": "wrong one!!"})
    assert refused.status_code == 400
    assert client.post("/admin/account/totp/disable",
                       {"current_password": PASSWORD}).status_code == 200
    assert AdminClient(service.base_url).login("aoki").headers["location"] == "/admin/queue"
    log = actions(service.engine)
    assert "totp.disable_failed" in log and "totp.disable" in log


def test_admins_cannot_turn_it_off_and_an_admin_resets_a_lost_one(service):
    make_staff(service.engine, "boss", role="admin")
    make_staff(service.engine, "kato", role="admin")
    boss = AdminClient(service.base_url)
    boss.login("boss")
    boss.get("/admin/account")
    assert boss.post("/admin/account/totp/disable",
                     {"current_password": PASSWORD}).status_code == 400
    assert staff_row(service.engine, "boss").totp_enabled_at is not None

    kato = AdminClient(service.base_url)
    kato.login("kato")
    kato_id = staff_row(service.engine, "kato").id
    boss.get("/admin/staff")
    page = boss.post(f"/admin/staff/{kato_id}/totp-reset")
    assert page.status_code == 200 and "二段階認証を解除しました" in page.text
    assert kato.get("/admin/queue").status_code == 303                  # sessions ended
    row = staff_row(service.engine, "kato")
    assert row.totp_secret is None and row.totp_enabled_at is None
    again = AdminClient(service.base_url)
    assert again.login("kato").headers["location"] == "/admin/account/totp"   # set up anew
    assert "staff.totp_reset" in actions(service.engine)
