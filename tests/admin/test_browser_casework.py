"""A real browser works a case with the casework tools: the keyboard picks the case from
the queue and takes it, staff record 本人同意 given by phone, flag 多機関協働 with the
agencies, attach a label and find the case again with the queue's label filter, then
answer with their own canned reply called up by typing "/" in the reply box — and the
resident's phone receives it. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.models import Case, Consent, Label
from helpers import PASSWORD, make_case, make_staff

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CANNED_TEXT = "射水市の相談員の青木です。ご連絡ありがとうございます。"

pytestmark = pytest.mark.browser


def test_casework_in_a_real_browser(sqlite_service, chromium):
    service = sqlite_service
    ARTIFACTS.mkdir(exist_ok=True)
    make_staff(service.engine, "aoki", name="青木")
    user = service.resident()
    case_id, code, _ = make_case(service.engine, "母の介護と仕事の両立で困っています",
                                 fields=("kaigo", "shuro"), user_id=user.user_id,
                                 queued_minutes_ago=120)
    other_id, _, _ = make_case(service.engine, "家賃の相談です", queued_minutes_ago=30)
    with Session(service.engine) as session:
        session.add(Label(name="要訪問"))
        session.commit()

    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{service.base_url}/admin/login")
    page.fill("input[name=login]", "aoki")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/admin/queue")

    # an own canned reply with a shortcut word
    page.goto(f"{service.base_url}/admin/canned/mine")
    page.fill("#canned-new input[name=title]", "最初のあいさつ")
    page.fill("#canned-new input[name=shortcut]", "aisatsu")
    page.fill("#canned-new textarea[name=text]", CANNED_TEXT)
    page.click("#canned-new button[type=submit]")
    page.wait_for_url("**/admin/canned/mine")

    # the keyboard: ? shows the list, j selects the first row, Enter opens it, t takes it
    page.goto(f"{service.base_url}/admin/queue")
    page.keyboard.press("?")
    assert page.locator("#shortcut-help").is_visible()
    page.keyboard.press("Escape")
    assert page.locator("#shortcut-help").is_hidden()
    page.keyboard.press("j")
    assert page.get_attribute("body", "data-selected-case") == str(case_id)
    page.keyboard.press("j")
    assert page.get_attribute("body", "data-selected-case") == str(other_id)
    page.keyboard.press("k")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/admin/cases/{case_id}")
    page.keyboard.press("t")
    page.wait_for_url(f"**/admin/cases/{case_id}?notice=taken*")
    assert "青木" in page.inner_text("#assignee")

    # 本人同意 given by phone
    page.select_option("#consent-form select[name=decision]", "grant")
    page.select_option("#consent-form select[name=method]", "phone")
    page.click("#consent-form button[type=submit]")
    page.wait_for_url(f"**/admin/cases/{case_id}?notice=consent*")
    assert "同意 ・ 電話" in page.inner_text("#consent")
    with Session(service.engine) as session:
        consent = session.exec(select(Consent)).one()
        assert (consent.kind, consent.granted, consent.method) == ("share", True, "phone")

    # 多機関協働 with two agencies
    page.fill("#tamokan-form textarea[name=agencies]",
              "射水市地域包括支援センター\n射水市社会福祉協議会")
    page.click("#tamokan-form button[type=submit]")
    page.wait_for_url(f"**/admin/cases/{case_id}?notice=tamokan*")
    assert page.locator("#tamokan-flag").is_visible()
    assert "射水市社会福祉協議会" in page.inner_text("#tamokan")

    # a label, then the queue filtered by it lists this case alone
    page.select_option("#label-form select[name=label_id]", label="要訪問")
    page.click("#label-form button[type=submit]")
    page.wait_for_url(f"**/admin/cases/{case_id}?notice=labels*")
    page.screenshot(path=str(ARTIFACTS / "admin-casework.png"), full_page=True)
    page.goto(f"{service.base_url}/admin/queue?tab=open")
    page.select_option("#queue-filters select[name=label]", label="要訪問")
    page.click("#queue-filters button[type=submit]")
    page.wait_for_url("**/admin/queue?tab=open&label=*")
    rows = page.locator("table.queue tbody tr[data-case-id]")
    assert rows.count() == 1 and rows.first.get_attribute("data-case-id") == str(case_id)
    assert "要訪問" in rows.first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "admin-queue-label-filter.png"), full_page=True)

    # the reply: r focuses the box, "/ais" offers the canned reply, Enter puts it in
    page.click("a.case-link")
    page.wait_for_url(f"**/admin/cases/{case_id}")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.name") == "text"
    page.keyboard.type("/ais")
    page.wait_for_selector("#canned-popup:not([hidden])")
    assert page.locator("#canned-popup li.active").inner_text().startswith("最初のあいさつ")
    page.screenshot(path=str(ARTIFACTS / "admin-canned-slash.png"))
    page.keyboard.press("Enter")
    assert page.input_value("#reply-form textarea[name=text]") == CANNED_TEXT
    assert page.locator("#canned-popup").is_hidden()
    before = len(service.platform.messages_for(user.user_id))
    page.click("#reply-form button[type=submit]")
    page.wait_for_url(f"**/admin/cases/{case_id}?notice=*")
    delivered = service.platform.wait_for(before + 1, user.user_id, timeout=10)
    assert delivered[-1]["text"] == CANNED_TEXT
    assert user.user_id not in page.content()
    with Session(service.engine) as session:
        case = session.get(Case, case_id)
        assert case.tamokan_agencies == ["射水市地域包括支援センター", "射水市社会福祉協議会"]
        assert case.first_response_at is not None
    page.close()
