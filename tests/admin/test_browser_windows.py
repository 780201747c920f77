"""A real browser (the system Chromium driven by Playwright): an admin corrects a window's
phone on the 窓口 page — a typo is refused with the reason, the number with its source is
saved — and the bot's directory has it at once. Screenshot in test-artifacts/."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import PASSWORD, make_staff, totp_code

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SOURCE = "https://www.city.imizu.toyama.jp/example/kaigo.html"

pytestmark = pytest.mark.browser


def test_an_admin_corrects_a_windows_phone_in_a_real_browser(sqlite_service, chromium):
    service = sqlite_service
    ARTIFACTS.mkdir(exist_ok=True)
    make_staff(service.engine, "boss", role="admin", name="管理者")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{service.base_url}/admin/login")
    page.fill("input[name=login]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/admin/login/totp")
    page.fill("#totp-form input[name=code]", totp_code(service.engine, "boss"))
    page.click("#totp-form button[type=submit]")
    page.wait_for_url("**/admin/queue")

    page.click("header nav a[href='/admin/windows']")
    page.wait_for_url("**/admin/windows")
    page.click("#window-imizu-kaigo-02 a")
    page.wait_for_url("**/admin/windows/imizu-kaigo-02")
    assert page.input_value("#edit-window input[name=phone]") == "0766-86-8739"

    page.fill("#edit-window input[name=phone]", "0766-868000")          # not as printed
    page.fill("#edit-window input[name=phone_source]", SOURCE)
    page.click("#edit-window button[type=submit]")
    page.wait_for_selector(".error")
    assert "not a phone number" in page.inner_text(".error")
    assert page.input_value("#edit-window input[name=phone]") == "0766-868000"   # kept to fix

    page.fill("#edit-window input[name=phone]", "0766-86-8000")
    page.click("#edit-window button[type=submit]")
    page.wait_for_selector(".notice")
    assert "保存しました" in page.inner_text(".notice")
    page.screenshot(path=str(ARTIFACTS / "admin-window-edit.png"), full_page=True)
    assert service.runtime.directory().window("imizu-kaigo-02").phone == "0766-86-8000"

    page.click("a[href='/admin/windows']")
    page.wait_for_url("**/admin/windows")
    row = page.inner_text("#window-imizu-kaigo-02")
    assert "0766-86-8000" in row and "管理者" in row
