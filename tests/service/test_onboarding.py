"""A new friend is greeted, shown the terms, consents and goes through the intake —
all through the real signed webhook and the emulator."""
from __future__ import annotations

import httpx
from sqlmodel import Session, select

from bot.models import Case, Consent, ConversationState, InboundEvent, Message
from helpers import (consent_and_skip_intake, quick_data, quick_labels, reply_to, resident_row,
                     wait_until)


def test_follow_greets_by_reply_with_terms(service):
    user = service.resident()
    greeting, terms = reply_to(service, user, user.follow)
    assert "自動応答" in greeting["text"] and "匿名" in greeting["text"]
    assert "110" in greeting["text"] and "119" in greeting["text"]
    assert quick_labels(terms) == ["同意する", "同意しない"]
    records = service.platform.records_for(user.user_id)
    assert [r.kind for r in records] == ["reply"]          # one reply token, no push


def test_the_greeting_is_short_and_the_terms_are_a_card_with_a_button_to_the_page(service):
    user = service.resident()
    greeting, terms = reply_to(service, user, user.follow)
    prose = [line for line in greeting["text"].split("\n") if not line.startswith("・")]
    assert sum(len(line) for line in prose) <= 200          # the crisis lines aside
    assert terms["type"] == "flex" and "ご利用のお約束" in terms["altText"]
    card = terms["contents"]
    points = [c["text"] for c in card["body"]["contents"] if c["text"].startswith("・")]
    assert len(points) >= 5 and all(c["wrap"] for c in card["body"]["contents"])
    buttons = [c["action"] for c in card["footer"]["contents"]]
    assert [b["label"] for b in buttons] == ["同意する", "同意しない", "全文を読む"]
    assert buttons[2]["uri"] == f"{service.base_url}/terms"
    page = httpx.get(buttons[2]["uri"])
    assert page.status_code == 200 and "ご利用のお約束" in page.text
    # the card's own button answers as the quick reply does
    relation = reply_to(service, user, lambda: user.postback(buttons[0]["data"]))[-1]
    assert resident_row(service, user).terms_consent is True
    assert "どなた" in relation["text"]


def test_consent_then_intake_answers_are_stored(service):
    user = service.resident()
    terms = reply_to(service, user, user.follow)[-1]
    relation = reply_to(service, user, lambda: user.postback(quick_data(terms, "同意する")))[-1]
    assert quick_labels(relation)[:3] == ["本人", "家族", "知人・支援者"]
    (age,) = reply_to(service, user, lambda: user.postback(quick_data(relation, "家族")))
    assert "80代以上" in quick_labels(age)
    (area,) = reply_to(service, user, lambda: user.postback(quick_data(age, "80代以上")))
    assert "地区" in area["text"]
    (done,) = reply_to(service, user, lambda: user.say("七美"))
    assert "自由に書いて" in done["text"]

    resident = resident_row(service, user)
    assert resident.terms_consent is True and resident.terms_consent_at is not None
    assert (resident.intake_relation, resident.intake_age) == ("family", "80s")
    assert resident.intake_area_text == "七美"
    with Session(service.engine) as session:
        consents = session.exec(select(Consent).where(Consent.resident_id == resident.id)).all()
        assert [(c.kind, c.granted) for c in consents] == [("terms", True)]
        assert session.get(ConversationState, resident.id).step == "consult"


def test_every_intake_step_can_be_skipped_and_a_message_is_stored(service):
    user = service.resident()
    consent_and_skip_intake(service, user)
    resident = resident_row(service, user)
    assert resident.intake_relation == "skip" and resident.intake_age == "skip"
    assert reply_to(service, user, lambda: user.say("母の物忘れがひどくなってきて心配です"))
    with Session(service.engine) as session:
        stored = session.exec(select(Message).where(Message.resident_id == resident.id,
                                                    Message.direction == "in")).all()
        assert [m.text for m in stored] == ["母の物忘れがひどくなってきて心配です"]
        assert session.exec(select(Case).where(Case.resident_id == resident.id)).one()


def test_typing_a_consultation_during_intake_ends_it_and_keeps_the_message(service):
    user = service.resident()
    terms = reply_to(service, user, user.follow)[-1]
    reply_to(service, user, lambda: user.postback(quick_data(terms, "同意する")))
    assert reply_to(service, user, lambda: user.say("息子が仕事をやめてから部屋から出てきません"))
    resident = resident_row(service, user)
    with Session(service.engine) as session:
        assert session.get(ConversationState, resident.id).step == "consult"
        stored = session.exec(select(Message.text).where(Message.resident_id == resident.id,
                                                         Message.direction == "in")).all()
        assert stored == ["息子が仕事をやめてから部屋から出てきません"]


def test_without_consent_nothing_is_stored_and_crisis_numbers_are_shown(service):
    user = service.resident()
    terms = reply_to(service, user, user.follow)[-1]
    declined, again = reply_to(service, user, lambda: user.postback(quick_data(terms, "同意しない")))
    assert "110" in declined["text"]
    assert quick_labels(again) == ["同意する", "同意しない"]    # offered again
    answer = reply_to(service, user, lambda: user.say("お金がなくて困っています"))
    assert "同意" in answer[0]["text"]
    resident = resident_row(service, user)
    assert resident.terms_consent is False
    with Session(service.engine) as session:
        assert session.exec(select(Message).where(Message.resident_id == resident.id,
                                                  Message.direction == "in")).all() == []
        events = session.exec(select(InboundEvent).where(
            InboundEvent.line_user_id == user.user_id)).all()
        assert all("お金" not in str(e.payload) for e in events)   # not kept in raw events


def test_unfollow_marks_unreachable_and_refollow_welcomes_back(service):
    user = service.resident()
    consent_and_skip_intake(service, user)
    user.unfollow()
    wait_until(lambda: resident_row(service, user).reachable is False)
    (welcome,) = reply_to(service, user, lambda: user.follow(unblocked=True))
    assert "おかえりなさい" in welcome["text"]
    assert resident_row(service, user).reachable is True


def test_delete_asks_then_erases_messages_and_answers(service):
    user = service.resident()
    consent_and_skip_intake(service, user)
    assert reply_to(service, user, lambda: user.say("夫からの暴言がつらいです"))
    (confirm,) = reply_to(service, user, lambda: user.say("削除"))
    assert quick_labels(confirm) == ["削除する", "やめる"]
    (done,) = reply_to(service, user, lambda: user.postback(quick_data(confirm, "削除する")))
    assert "削除しました" in done["text"]
    resident = resident_row(service, user)
    assert resident.deleted_at is not None and resident.terms_consent is None
    with Session(service.engine) as session:
        texts_left = session.exec(select(Message.text).where(
            Message.resident_id == resident.id, Message.direction == "in")).all()
        assert texts_left and all(t is None for t in texts_left)
        assert all(e.payload is None or "暴言" not in str(e.payload) for e in session.exec(
            select(InboundEvent).where(InboundEvent.line_user_id == user.user_id)))


def test_delete_can_be_cancelled(service):
    user = service.resident()
    consent_and_skip_intake(service, user)
    (confirm,) = reply_to(service, user, lambda: user.say("削除"))
    (cancelled,) = reply_to(service, user, lambda: user.postback(quick_data(confirm, "やめる")))
    assert "やめました" in cancelled["text"]
    assert resident_row(service, user).terms_consent is True


def test_menu_shows_what_the_bot_can_do(service):
    user = service.resident()
    consent_and_skip_intake(service, user)
    (menu,) = reply_to(service, user, lambda: user.say("メニュー"))
    assert "削除" in menu["text"] and "自動応答" in menu["text"]

