"""A real browser (the system Chromium driven by Playwright). First it works an emergency
end to end: log in → an emergency sent through the emulator appears at the top with the
alert → open it → reply → the resident's phone receives the push → close with a reason →
the statistics page counts it. Then a new admin account changes its temporary password, sets up the
second factor and logs in with it. Screenshots go to test-artifacts/.

Runs on SQLite only (the service fixture's PostgreSQL run covers the same routes in the
HTTP-level admin tests); a browser adds the JavaScript and the rendering, not the database.
"""
from __future__ import annotations

import time
from pathlib import Path

import pyotp
import pytest
from sqlmodel import Session, select

from bot import clock
from bot.models import PRIORITY_RANK, Case, Resident
from helpers import PASSWORD, make_staff, totp_code

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Invented for this test: clearly suicidal, with a means and a time.
EMERGENCY_TEXT = "もう生きていくのがつらいです。今夜、物置のロープで首をつって死ぬつもりです。"
REPLY_TEXT = "射水市の相談員です。メッセージを読みました。今、安全な場所にいますか。"

pytestmark = pytest.mark.browser


def _consent_and_say(service, user, text: str) -> None:
    user.follow()
    messages = service.platform.wait_for(
        lambda ms: any("quickReply" in m for m in ms), user.user_id, timeout=10)
    data = next(item["action"]["data"] for m in messages for item in
                m.get("quickReply", {}).get("items", []) if item["action"]["label"] == "同意する")
    count = len(messages)
    user.postback(data)
    service.platform.wait_for(count + 1, user.user_id, timeout=10)
    count = len(service.platform.messages_for(user.user_id))
    user.say(text)
    service.platform.wait_for(count + 1, user.user_id, timeout=10)


def _emergency_case(service, user) -> tuple[int, str]:
    """The case the message opened. If the flow did not queue it as an emergency (the tagger
    not wired in), it is made one here so the staff side can still be exercised."""
    deadline = time.monotonic() + 10
    while True:
        with Session(service.engine) as session:
            resident = session.exec(select(Resident).where(
                Resident.line_user_id == user.user_id)).one()
            case = session.exec(select(Case).where(Case.resident_id == resident.id)
                                .order_by(Case.id.desc())).first()
            if case is not None and (case.priority == "emergency" or time.monotonic() > deadline):
                if case.priority != "emergency" or case.status != "waiting":
                    case.priority, case.priority_rank, case.risk = "emergency", PRIORITY_RANK["emergency"], "emergency"
                    case.status, case.queued_at = "waiting", case.queued_at or clock.now()
                    session.add(case)
                    session.commit()
                return case.id, resident.case_code
        time.sleep(0.2)


def test_staff_work_an_emergency_in_a_real_browser(sqlite_service, chromium):
    service = sqlite_service
    ARTIFACTS.mkdir(exist_ok=True)
    make_staff(service.engine, "aoki", role="staff", name="青木")
    # an older, ordinary case so "at the top" means something
    from helpers import make_case
    make_case(service.engine, "家賃のことで相談したいです", queued_minutes_ago=600)

    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{service.base_url}/admin/queue?refresh=1")
    assert "/admin/login" in page.url
    page.fill("input[name=login]", "aoki")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/admin/queue?refresh=1")
    assert page.locator("#emergency-alert").is_hidden()

    user = service.resident()
    _consent_and_say(service, user, EMERGENCY_TEXT)
    case_id, code = _emergency_case(service, user)

    # the queue refreshes itself: the emergency comes first and the alert goes up
    page.wait_for_selector(f"tr[data-case-id='{case_id}']", timeout=15000)
    first_row = page.locator("table.queue tbody tr").first
    assert first_row.get_attribute("data-case-id") == str(case_id)
    assert first_row.get_attribute("data-priority") == "emergency"
    page.wait_for_selector("#emergency-alert:not([hidden])", timeout=5000)
    assert page.locator("body.has-new-emergency").count() == 1
    assert page.evaluate("document.body.getAttribute('data-new-emergency')") == str(case_id)
    page.wait_for_function("document.body.hasAttribute('data-alert-sound')", timeout=5000)
    assert user.user_id not in page.content()
    page.screenshot(path=str(ARTIFACTS / "admin-queue.png"), full_page=True)

    # open it
    page.click(f"tr[data-case-id='{case_id}'] a.case-link")
    page.wait_for_url(f"**/admin/cases/{case_id}")
    assert code in page.content() and user.user_id not in page.content()
    assert "首をつって" in page.inner_text(".conversation")
    page.screenshot(path=str(ARTIFACTS / "admin-case.png"), full_page=True)

    # reply: the resident's phone receives it as a push
    before = len(service.platform.messages_for(user.user_id))
    page.fill("#reply-form textarea[name=text]", REPLY_TEXT)
    page.click("#reply-form button[type=submit]")
    page.wait_for_url(f"**/admin/cases/{case_id}?notice=*")
    delivered = service.platform.wait_for(before + 1, user.user_id, timeout=10)
    assert delivered[-1]["text"] == REPLY_TEXT
    assert delivered[-1]["sender"]["name"] == "相談員"       # shown as a person's message
    assert service.platform.records_for(user.user_id)[-1].kind == "push"
    assert "送信済み" in page.inner_text(".conversation")
    assert "青木" in page.inner_text("#assignee")

    # close with a reason
    page.select_option("#status-form select[name=status]", "closed")
    page.select_option("#status-form select[name=close_reason]", "connected")
    page.fill("#status-form input[name=referred_agency]", "射水市地域包括支援センター")
    page.click("#status-form button[type=submit]")
    page.wait_for_url(f"**/admin/cases/{case_id}?notice=status*")
    with Session(service.engine) as session:
        case = session.get(Case, case_id)
        assert (case.status, case.close_reason) == ("closed", "connected")
        assert case.first_response_at is not None

    # the statistics count it
    page.goto(f"{service.base_url}/admin/stats")
    assert page.inner_text("#kpi-emergency").strip() == "1"
    assert int(page.inner_text("#kpi-handoffs")) >= 2
    assert page.inner_text("#kpi-median").strip() != "—"
    svg = page.inner_html("section:has(h2:text('つないだ先の機関'))")
    assert "射水市地域包括支援センター" in svg
    page.screenshot(path=str(ARTIFACTS / "admin-stats.png"), full_page=True)
    page.close()


def test_a_new_admin_changes_the_temporary_password_and_sets_up_the_second_factor(
        sqlite_service, chromium):
    """An admin creates an account in the browser; its owner logs in with the temporary
    password, must choose their own, must set up TOTP from the page's secret (as an
    authenticator app reading the QR code would), gets recovery codes, and from then on
    logs in with password and code."""
    service = sqlite_service
    ARTIFACTS.mkdir(exist_ok=True)
    make_staff(service.engine, "boss", role="admin", name="管理者")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})

    def log_in(login: str, password: str) -> None:
        page.goto(f"{service.base_url}/admin/login")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", password)
        page.click("#login-form button[type=submit]")

    def second_step(login: str) -> None:
        page.wait_for_url("**/admin/login/totp")
        page.fill("#totp-form input[name=code]", totp_code(service.engine, login))
        page.click("#totp-form button[type=submit]")
        page.wait_for_url("**/admin/queue")

    log_in("boss", PASSWORD)
    second_step("boss")
    page.goto(f"{service.base_url}/admin/staff")
    page.fill("#create-staff input[name=login]", "kato")
    page.fill("#create-staff input[name=display_name]", "加藤")
    page.select_option("#create-staff select[name=role]", "admin")
    page.click("#create-staff button[type=submit]")
    temporary = page.inner_text("#new-password code").strip()
    page.click("header form[action='/admin/logout'] button")
    page.wait_for_url("**/admin/login")

    # the temporary password only opens the password change
    log_in("kato", temporary)
    page.wait_for_url("**/admin/account/password")
    assert "仮のパスワード" in page.inner_text("main")
    page.goto(f"{service.base_url}/admin/queue")
    page.wait_for_url("**/admin/account/password")
    page.fill("#password-form input[name=current_password]", temporary)
    page.fill("#password-form input[name=new_password]", "kato picks 4 quiet herons")
    page.fill("#password-form input[name=new_password_again]", "kato picks 4 quiet herons")
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#password-form .error, .error", timeout=5000)
    assert "ログインIDを含む" in page.inner_text(".error")            # the rules apply here too
    page.fill("#password-form input[name=current_password]", temporary)
    page.fill("#password-form input[name=new_password]", "four quiet herons at dusk")
    page.fill("#password-form input[name=new_password_again]", "four quiet herons at dusk")
    page.click("#password-form button[type=submit]")

    # an admin sets up the second factor before anything else
    page.wait_for_url("**/admin/account/totp")
    assert page.locator("#totp-qr svg").is_visible()
    secret = page.inner_text("#totp-secret").replace(" ", "")
    uri = page.text_content("#totp-uri") or ""
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    page.screenshot(path=str(ARTIFACTS / "admin-totp-setup.png"), full_page=True)
    page.fill("#totp-setup-form input[name=code]", pyotp.TOTP(secret).now())
    page.click("#totp-setup-form button[type=submit]")
    page.wait_for_selector("#recovery-codes")
    assert page.locator("#recovery-codes li").count() == 10
    page.goto(f"{service.base_url}/admin/queue")
    page.wait_for_url("**/admin/queue")
    page.click("header form[action='/admin/logout'] button")
    page.wait_for_url("**/admin/login")

    # from now on: password, then the code
    log_in("kato", "four quiet herons at dusk")
    second_step("kato")
    assert "加藤" in page.inner_text("header")
    page.close()
