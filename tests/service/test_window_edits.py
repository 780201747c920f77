"""An admin's edit of a window reaches the resident with the very next message: the edited
phone on the card and in the pick answer, a suspended window no longer offered."""
from __future__ import annotations

import pytest

from forms import form_fields
from helpers import AdminClient, consent_and_skip_intake, make_staff, reply_to

SOURCE = "https://www.city.imizu.toyama.jp/example/kaigo.html"
PAGE = "/admin/windows/imizu-kaigo-02"        # 新湊東地域包括支援センター: 七美's window


@pytest.fixture(autouse=True)
def office_hours(frozen):
    yield frozen


def carousel_of(messages: list[dict]) -> dict:
    return next(m for m in messages if m["type"] == "flex")


def first_bubble(carousel: dict) -> dict:
    return carousel["contents"]["contents"][0]


def admin_edits(service, admin: AdminClient, **changes) -> None:
    form = form_fields(admin.get(PAGE).text, "edit-window")
    form.update(changes)
    page = admin.post(PAGE, form)
    assert page.status_code == 200 and "保存しました" in page.text


def test_the_bot_uses_an_edited_phone_and_a_suspension_at_once(service):
    make_staff(service.engine, "boss", role="admin")
    admin = AdminClient(service.base_url)
    admin.login("boss")
    user = service.resident()
    consent_and_skip_intake(service, user)
    reply_to(service, user, lambda: user.say("母の介護のことで相談したいです"))
    before = carousel_of(reply_to(service, user, lambda: user.say("七美")))
    assert "新湊東地域包括支援センター 0766-86-8739" in before["altText"]

    admin_edits(service, admin, phone="0766-86-8000", phone_source=SOURCE,
                description="七美・片口などの高齢の方と家族の相談")
    shown = carousel_of(reply_to(service, user, lambda: user.say("母の介護のことで相談したいです")))
    bubble = first_bubble(shown)
    assert "新湊東地域包括支援センター 0766-86-8000" in shown["altText"]
    body = [item.get("text", "") for item in bubble["body"]["contents"]]
    assert "七美・片口などの高齢の方と家族の相談" in body
    call = bubble["footer"]["contents"][0]["action"]
    assert call["uri"] == "tel:0766868000"
    pick = bubble["footer"]["contents"][2]["action"]["data"]
    answer = reply_to(service, user, lambda: user.postback(pick))
    assert any("0766-86-8000" in m.get("text", "") for m in answer)
    assert not any("0766-86-8739" in m.get("text", "") for m in answer)

    admin_edits(service, admin, status="suspended")
    after = reply_to(service, user, lambda: user.say("母の介護のことで相談したいです"))
    cards = [m for m in after if m["type"] == "flex"]
    assert cards, after                      # the nearest other windows instead
    assert all("新湊東地域包括支援センター" not in m["altText"] for m in cards)
