"""The phone page in a real browser (the system Chromium driven by Playwright), as a
resident uses it: the terms card, a staff member's reply shown under the sender LINE was
given (相談員 and the service's icon), a sticker and a photo sent from the page, and the
rich menu — set through the Messaging API as `python -m bot richmenu` does — drawn and
tapped. Screenshots go to test-artifacts/.

SQLite only: the browser adds the page's JavaScript and rendering, not the database.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, select

from bot.line import richmenu
from bot.models import Case, Resident
from bot.wording import say
from helpers import AdminClient, make_staff, wait_until

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


def _open_phone(service, chromium):
    page = chromium.new_page(viewport=PHONE)
    page.goto(f"{service.base_url}/emulator/phone")
    # a new person: the page follows the account; the greeting and the terms card come back
    page.wait_for_selector(".row.bot .flex-bubble", timeout=15000)
    return page


def _consent(service, page) -> str:
    """Tap 同意する on the terms card; returns the page's LINE user ID."""
    page.click(".row.bot .flex-bubble button:text-is('同意する')")
    page.wait_for_selector(f".row.bot .bubble:has-text('{say('onboarding.ask_relation')}')")
    user_id = page.evaluate("localStorage.getItem('lineEmu.userId')")
    assert re.fullmatch(r"U[0-9a-f]{32}", user_id)
    return user_id


def _waiting_case(service, user_id: str) -> int | None:
    """The resident's case once it waits for staff."""
    with Session(service.engine) as session:
        return session.exec(select(Case.id).join(Resident, Resident.id == Case.resident_id).where(
            Resident.line_user_id == user_id, Case.status == "waiting")).first()


def _wait_for_bot_text(page, text: str) -> None:
    page.wait_for_function("t => [...document.querySelectorAll('.row.bot .bubble')].some("
                           "b => b.innerText === t)", arg=text, timeout=10000)


def _last_bot_text(page) -> str:
    return page.locator(".row.bot .bubble").last.inner_text()


def test_a_staff_reply_shows_under_the_name_and_icon_line_was_given(sqlite_service, chromium):
    service = sqlite_service
    ARTIFACTS.mkdir(exist_ok=True)
    page = _open_phone(service, chromium)
    card = page.locator(".row.bot .flex-bubble").first.inner_text()
    assert "ご利用のお約束" in card and "全文を読む" in card
    user_id = _consent(service, page)
    page.fill("#input", "相談員と話したいです")
    page.click("#send")
    wait_until(lambda: _waiting_case(service, user_id) is not None)
    # the bot's own messages carry no sender: no name line above them
    assert page.locator(".row.bot .sender-name").count() == 0

    make_staff(service.engine, "aoki", name="青木")
    staff = AdminClient(service.base_url)
    staff.login("aoki")
    case_id = _waiting_case(service, user_id)
    reply = "相談員の青木です。メッセージを読みました。お話を聞かせてください。"
    response = staff.post(f"/admin/cases/{case_id}/reply",
                          {"version": staff.case_version(case_id), "text": reply})
    assert response.status_code == 303

    row = page.locator(".row.bot.has-sender").last
    row.wait_for(timeout=10000)
    assert row.locator(".sender-name").inner_text() == "相談員"
    assert row.locator(".bubble").inner_text() == reply
    icon = row.locator("img.avatar")
    assert icon.get_attribute("src") == f"{service.base_url}/static/staff-icon.png"
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=icon.element_handle())
    page.screenshot(path=str(ARTIFACTS / "phone-staff-reply.png"))
    page.close()


def test_a_sticker_a_photo_and_the_rich_menu_from_the_page(sqlite_service, chromium, tmp_path):
    service = sqlite_service
    ARTIFACTS.mkdir(exist_ok=True)
    settings = service.demo.settings
    richmenu.install(settings.line_api_host, settings.line_channel_access_token)
    page = _open_phone(service, chromium)
    _consent(service, page)

    # the rich menu is drawn (selected: open at first) with one tappable area per button
    page.wait_for_selector("#richmenu:not([hidden]) img", timeout=10000)
    labels = [b.get_attribute("aria-label") for b in page.locator("#richmenu .rm-area").all()]
    assert labels == [b.label for b in richmenu.BUTTONS]
    page.wait_for_function("document.querySelector('#richmenu img').naturalWidth > 0")
    page.screenshot(path=str(ARTIFACTS / "phone-richmenu.png"))

    # a sticker, from the ＋ sheet
    page.click("#plus")
    page.click("#sheet button:has-text('スタンプを送る')")
    page.click("#sheet button[aria-label='スタンプ：ありがとう']")
    page.wait_for_selector(".row.me .sticker")
    _wait_for_bot_text(page, say("media.sticker"))
    # still in the intake: the question comes again after the answer
    wait_until(lambda: _last_bot_text(page) == say("onboarding.ask_relation"))

    # a photo, picked as from the camera roll
    picture = tmp_path / "photo.png"
    Image.new("RGB", (1200, 900), "#88aacc").save(picture)
    page.set_input_files("#photo", str(picture))
    page.wait_for_selector(".row.me img.photo")
    _wait_for_bot_text(page, say("media.image"))

    # tapping the rich menu sends its postback as LINE does: displayText shown, data to the bot
    page.click("#richmenu .rm-area[aria-label='使い方・プライバシー']")
    page.wait_for_selector(".row.me .bubble:text-is('使い方・プライバシー')")
    page.wait_for_selector(".row.bot .bubble:has-text('【使い方】')")
    # the chat bar folds the menu away and brings it back
    page.click("#menubar-toggle")
    assert page.locator("#richmenu").is_hidden()
    page.click("#menubar-toggle")
    page.click("#richmenu .rm-area[aria-label='相談員と話す']")
    page.wait_for_selector(".row.me .bubble:text-is('相談員と話す')")
    page.screenshot(path=str(ARTIFACTS / "phone-sticker-photo-menu.png"))
    page.close()
