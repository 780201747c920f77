"""A new friend is greeted, shown the terms, consents and goes through the intake —
all through the real signed webhook and the emulator."""
from __future__ import annotations

from sqlmodel import Session, select

from bot.models import Case, Consent, ConversationState, InboundEvent, Message, Resident


def texts(messages: list[dict]) -> list[str]:
    return [m.get("text", m.get("altText", "")) for m in messages]


def quick_labels(message: dict) -> list[str]:
    return [item["action"]["label"] for item in message.get("quickReply", {}).get("items", [])]


def quick_data(message: dict, label: str) -> str:
    for item in message["quickReply"]["items"]:
        if item["action"]["label"] == label:
            return item["action"]["data"]
    raise AssertionError(f"no quick reply {label!r} in {quick_labels(message)}")


def resident_row(service, user) -> Resident:
    with Session(service.engine) as session:
        return session.exec(select(Resident).where(Resident.line_user_id == user.user_id)).one()


def consent_and_skip_intake(service, user) -> list[dict]:
    """Follow, consent, skip the three questions; returns everything received."""
    assert user.follow().status_code == 200
    messages = service.platform.wait_for(2, user.user_id)
    user.postback(quick_data(messages[1], "同意する"))
    messages = service.platform.wait_for(4, user.user_id)
    user.postback(quick_data(messages[3], "答えない"))
    messages = service.platform.wait_for(5, user.user_id)
    user.postback(quick_data(messages[4], "答えない"))
    messages = service.platform.wait_for(6, user.user_id)
    user.postback(quick_data(messages[5], "答えない"))
    return service.platform.wait_for(7, user.user_id)


def test_follow_greets_by_reply_with_terms(service):
    user = service.resident()
    assert user.follow().status_code == 200
    greeting, terms = service.platform.wait_for(2, user.user_id)
    assert "自動応答" in greeting["text"] and "匿名" in greeting["text"]
    assert "110" in greeting["text"] and "119" in greeting["text"]
    assert quick_labels(terms) == ["同意する", "同意しない"]
    records = service.platform.records_for(user.user_id)
    assert [r.kind for r in records] == ["reply"]          # one reply token, no push


def test_consent_then_intake_answers_are_stored(service):
    user = service.resident()
    user.follow()
    messages = service.platform.wait_for(2, user.user_id)
    user.postback(quick_data(messages[1], "同意する"))
    messages = service.platform.wait_for(4, user.user_id)
    assert quick_labels(messages[3])[:3] == ["本人", "家族", "知人・支援者"]
    user.postback(quick_data(messages[3], "家族"))
    messages = service.platform.wait_for(5, user.user_id)
    assert "80代以上" in quick_labels(messages[4])
    user.postback(quick_data(messages[4], "80代以上"))
    messages = service.platform.wait_for(6, user.user_id)
    assert "地区" in messages[5]["text"]
    user.say("七美")
    messages = service.platform.wait_for(7, user.user_id)
    assert "自由に書いて" in messages[6]["text"]

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
    user.say("母の物忘れがひどくなってきて心配です")
    service.platform.wait_for(8, user.user_id)
    with Session(service.engine) as session:
        stored = session.exec(select(Message).where(Message.resident_id == resident.id,
                                                    Message.direction == "in")).all()
        assert [m.text for m in stored] == ["母の物忘れがひどくなってきて心配です"]
        assert session.exec(select(Case).where(Case.resident_id == resident.id)).one()


def test_typing_a_consultation_during_intake_ends_it_and_keeps_the_message(service):
    user = service.resident()
    user.follow()
    messages = service.platform.wait_for(2, user.user_id)
    user.postback(quick_data(messages[1], "同意する"))
    service.platform.wait_for(4, user.user_id)
    user.say("息子が仕事をやめてから部屋から出てきません")
    service.platform.wait_for(5, user.user_id)
    resident = resident_row(service, user)
    with Session(service.engine) as session:
        assert session.get(ConversationState, resident.id).step == "consult"
        stored = session.exec(select(Message.text).where(Message.resident_id == resident.id,
                                                         Message.direction == "in")).all()
        assert stored == ["息子が仕事をやめてから部屋から出てきません"]


def test_without_consent_nothing_is_stored_and_crisis_numbers_are_shown(service):
    user = service.resident()
    user.follow()
    messages = service.platform.wait_for(2, user.user_id)
    user.postback(quick_data(messages[1], "同意しない"))
    messages = service.platform.wait_for(4, user.user_id)
    assert "110" in messages[2]["text"]
    assert quick_labels(messages[3]) == ["同意する", "同意しない"]    # offered again
    user.say("お金がなくて困っています")
    messages = service.platform.wait_for(6, user.user_id)
    assert "同意" in messages[4]["text"]
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
    _wait_until(lambda: resident_row(service, user).reachable is False)
    user.follow(unblocked=True)
    messages = service.platform.wait_for(8, user.user_id)
    assert "おかえりなさい" in messages[7]["text"]
    assert resident_row(service, user).reachable is True


def test_delete_asks_then_erases_messages_and_answers(service):
    user = service.resident()
    consent_and_skip_intake(service, user)
    user.say("夫からの暴言がつらいです")
    answered = len(service.platform.wait_for(8, user.user_id))   # one reply, maybe several messages
    user.say("削除")
    messages = service.platform.wait_for(answered + 1, user.user_id)
    assert quick_labels(messages[-1]) == ["削除する", "やめる"]
    user.postback(quick_data(messages[-1], "削除する"))
    messages = service.platform.wait_for(answered + 2, user.user_id)
    assert "削除しました" in messages[-1]["text"]
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
    user.say("削除")
    messages = service.platform.wait_for(8, user.user_id)
    user.postback(quick_data(messages[7], "やめる"))
    messages = service.platform.wait_for(9, user.user_id)
    assert "やめました" in messages[8]["text"]
    assert resident_row(service, user).terms_consent is True


def test_menu_shows_what_the_bot_can_do(service):
    user = service.resident()
    consent_and_skip_intake(service, user)
    user.say("メニュー")
    messages = service.platform.wait_for(8, user.user_id)
    assert "削除" in messages[7]["text"] and "自動応答" in messages[7]["text"]


def _wait_until(condition, timeout: float = 5.0) -> None:
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")
