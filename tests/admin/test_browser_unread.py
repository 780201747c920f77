"""A real browser (the system Chromium driven by Playwright): a resident writes again on a
case a staff member holds → the queue shows it unread and moves it up, without a reload
(the timed refresh is set to 5 minutes, so only the live event stream can do it) → the
assignee is told in the page → they open it and the unread clears → while the case page is
open a further message appears on it without a reload, and is read. Screenshots go to
test-artifacts/. SQLite only, as tests/admin/test_browser_admin.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import PASSWORD, AdminClient, make_staff
from test_admin_unread import AGAIN, resident_with_case, take

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LATER = "それと、来週は平日の夕方なら大丈夫です"      # invented for this test

pytestmark = pytest.mark.browser


def rows(page) -> list[tuple[str, str]]:
    """(case id, unread) of the queue's rows, top to bottom."""
    return [tuple(row) for row in page.eval_on_selector_all(
        "table.queue tbody tr[data-case-id]",
        "trs => trs.map(tr => [tr.dataset.caseId, tr.dataset.unread])")]


def test_a_resident_writing_again_is_seen_without_a_reload(sqlite_service, chromium):
    service = sqlite_service
    ARTIFACTS.mkdir(exist_ok=True)
    make_staff(service.engine, "aoki", name="青木")
    first_user, first, _ = resident_with_case(service)
    second_user, second, second_code = resident_with_case(service)
    setup = AdminClient(service.base_url)
    setup.login("aoki")
    take(setup, first)
    take(setup, second)

    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{service.base_url}/admin/queue?tab=mine&refresh=300")
    assert "/admin/login" in page.url
    page.fill("input[name=login]", "aoki")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/admin/queue?tab=mine&refresh=300")
    page.wait_for_selector("body[data-live=open]")
    assert rows(page) == [(str(first), "0"), (str(second), "0")]
    page.evaluate("window.notReloaded = true")

    second_user.say(AGAIN)
    page.wait_for_selector(f"tr[data-case-id='{second}'][data-unread='1']", timeout=15000)
    assert rows(page) == [(str(second), "1"), (str(first), "0")]
    assert "未読 1" in page.inner_text(f"tr[data-case-id='{second}']")
    page.wait_for_selector("#live-notice:not([hidden])", timeout=10000)
    assert second_code in page.inner_text("#live-notice")
    assert page.evaluate("window.notReloaded") is True
    assert second_user.user_id not in page.content()
    page.screenshot(path=str(ARTIFACTS / "admin-queue-unread.png"), full_page=True)

    # the assignee opens it: the message is there, and the queue no longer calls it unread
    page.click(f"tr[data-case-id='{second}'] a.case-link")
    page.wait_for_url(f"**/admin/cases/{second}")
    assert AGAIN in page.inner_text(".conversation")
    page.wait_for_selector("body[data-live=open]")

    # the case page is open: a further message appears without a reload, and is read
    page.evaluate("window.notReloaded = true")
    second_user.say(LATER)
    page.wait_for_function(
        "text => document.querySelector('.conversation').innerText.includes(text)",
        arg=LATER, timeout=15000)
    assert page.evaluate("window.notReloaded") is True
    assert page.locator(".msg.live-new").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "admin-case-live.png"), full_page=True)

    page.goto(f"{service.base_url}/admin/queue?tab=mine&refresh=300")
    assert rows(page) == [(str(first), "0"), (str(second), "0")]
    page.close()
