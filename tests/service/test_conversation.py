"""The consultation conversation, one conversation per path, through the signed webhook and
the emulator, on SQLite and PostgreSQL."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from sqlmodel import Session, select

from bot import clock
from bot.clock import FrozenClock
from bot.models import Case, Consent, ConversationState, Message, Outbox, Resident
from helpers import (consent_and_skip_intake, quick_data, quick_labels, reply_to, resident_row,
                     settled, start_service, wait_until)
from receivers import SmtpReceiver, WebhookReceiver

LIFE_LINES = ("0120-783-556", "0120-061-338", "0120-279-338")   # from the directory


def texts_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or m.get("altText") or "" for m in messages)


class Chat:
    """A consenting resident; `send` returns the messages of the one reply."""

    def __init__(self, service, user=None):
        self.service = service
        self.user = user or service.resident()
        self.count = len(consent_and_skip_intake(service, self.user))

    def send(self, text: str | None = None, *, postback: str | None = None,
             location: tuple[float, float] | None = None, expect: int = 1) -> list[dict]:
        if text is not None:
            assert self.user.say(text).status_code == 200
        elif postback is not None:
            assert self.user.postback(postback).status_code == 200
        else:
            assert self.user.send_location(*location).status_code == 200
        wait_until(lambda: settled(self.service.engine, self.user.user_id))
        messages = self.service.platform.messages_for(self.user.user_id)
        new, self.count = messages[self.count:], len(messages)
        assert len(new) >= expect, f"expected at least {expect} message(s), got {new}"
        return new

    def silent(self, text: str) -> None:
        """Sends and checks that nothing comes back once the event is processed."""
        before = self.count
        assert self.user.say(text).status_code == 200
        wait_until(lambda: settled(self.service.engine, self.user.user_id))
        assert len(self.service.platform.messages_for(self.user.user_id)) == before

    @property
    def resident(self) -> Resident:
        return resident_row(self.service, self.user)

    def case(self) -> Case:
        with Session(self.service.engine) as session:
            return session.exec(select(Case).where(Case.resident_id == self.resident.id)
                                .order_by(Case.id.desc())).first()

    def inbound(self) -> list[Message]:
        with Session(self.service.engine) as session:
            return list(session.exec(select(Message).where(
                Message.resident_id == self.resident.id, Message.direction == "in")
                .order_by(Message.id)))

    def replies_were_replies(self) -> None:
        """Everything after the setup went with reply tokens (no push), none failed."""
        with Session(self.service.engine) as session:
            rows = session.exec(select(Outbox).where(
                Outbox.resident_id == self.resident.id)).all()
        assert all(r.status == "sent" for r in rows), [(r.status, r.error) for r in rows]
        assert all(r.sent_via == "reply" for r in rows)




@pytest.fixture(autouse=True)
def office_hours(frozen):
    """Replies depend on the hour (lines open now, when staff read): each test starts on a
    weekday morning and moves the clock itself when the hour matters."""
    yield frozen


@pytest.fixture
def on_call(database_url):
    """The service with an on-call webhook and SMTP receiver on the loopback."""
    webhook, smtp = WebhookReceiver(), SmtpReceiver()
    service, server = start_service(database_url, alert_webhook_url=webhook.url,
                                    smtp_host="127.0.0.1", smtp_port=smtp.port,
                                    alert_email_to="oncall@city.example")
    try:
        yield service, webhook, smtp
    finally:
        server.stop()
        clock.set_clock(None)
        service.engine.dispose()
        webhook.close()
        smtp.close()


# A need in one field --------------------------------------------------------------------------
def test_need_asks_the_area_first_then_shows_windows_near_and_remembers_it(service):
    chat = Chat(service)
    reflection, question = chat.send("母の物忘れがひどくなってきて心配です", expect=2)
    assert "お母さま" in reflection["text"] and "介護" in reflection["text"]
    assert "認知症" not in reflection["text"]                       # never a diagnosis
    assert quick_labels(question)[:2] == ["位置情報を送る", "地区名を入力"]
    saved, intro, carousel, after = chat.send("七美です", expect=4)
    assert "七美" in saved["text"]
    assert carousel["type"] == "flex"
    assert "新湊東地域包括支援センター" in carousel["altText"].split("/")[0]
    # the district's own 地域包括支援センター is the only one: no 'more' to offer
    assert quick_labels(after) == ["相談員と話したい", "大丈夫です"]
    assert chat.resident.area_town == "七美" and chat.resident.area_lat is not None
    # the next need goes straight to the windows: the area is remembered
    messages = chat.send("障害者手帳の更新をしたいです", expect=3)
    assert any(m["type"] == "flex" for m in messages)
    case = chat.case()
    assert set(case.fields) >= {"kaigo"} and case.area == "七美"
    assert case.windows_shown_at is not None and case.status == "bot"
    stored = chat.inbound()
    assert stored[0].analysis["field_keys"] == ["kaigo"] and stored[0].risk == "none"
    assert stored[0].analysis["fields"][0]["evidence"]
    chat.replies_were_replies()


def bubbles(message: dict) -> list[dict]:
    return message["contents"]["contents"]


def test_more_windows_until_the_last_then_no_more_button(service):
    chat = Chat(service)
    chat.send("子育てのことで相談したいです", expect=2)
    messages = chat.send("七美", expect=4)
    carousel, after = messages[-2], messages[-1]
    assert len(bubbles(carousel)) == 5 and "ほかの窓口も見る" in quick_labels(after)
    seen = {b["body"]["contents"][0]["text"] for b in bubbles(carousel)}
    while "ほかの窓口も見る" in quick_labels(after):
        carousel, after = chat.send(postback=quick_data(after, "ほかの窓口も見る"), expect=2)[-2:]
        names = {b["body"]["contents"][0]["text"] for b in bubbles(carousel)}
        assert not names & seen                         # each page shows new windows
        seen |= names
    assert quick_labels(after) == ["相談員と話したい", "大丈夫です"]
    assert len(seen) > 5


def test_location_and_skip_answer_the_area_question(service):
    chat = Chat(service)
    chat.send("仕事が見つからなくて困っています", expect=2)
    messages = chat.send(location=(36.7536, 137.1377), expect=2)
    assert any(m["type"] == "flex" for m in messages)
    assert chat.resident.area_lat == pytest.approx(36.7536)
    other = Chat(service)
    question = other.send("子育てがつらくて、誰にも相談できない", expect=2)[-1]
    skipped = other.send(postback=quick_data(question, "スキップ"), expect=2)
    assert "市内" in texts_of(skipped) and any(m["type"] == "flex" for m in skipped)


def test_a_dialect_message_is_understood(service):
    chat = Chat(service)
    messages = chat.send("うちのばあちゃん、最近物忘れがひどくなってしもて困っとるがいちゃ",
                         expect=2)
    assert "介護" in messages[0]["text"]
    assert chat.inbound()[0].analysis["field_keys"] == ["kaigo"]


def test_picking_a_window_gives_its_phone(service):
    chat = Chat(service)
    chat.send("母の介護のことで相談したいです", expect=2)
    carousel = chat.send("七美", expect=4)[2]
    pick = carousel["contents"]["contents"][0]["footer"]["contents"][2]["action"]["data"]
    answer = chat.send(postback=pick)[0]
    assert "0766-86-8739" in answer["text"]


# Emergency ------------------------------------------------------------------------------------
def test_emergency_gets_the_crisis_reply_first_and_alerts_on_call(on_call):
    service, webhook, smtp = on_call
    clock.set_clock(FrozenClock(datetime(2025, 6, 4, 2, 0, tzinfo=timezone.utc)))  # Wed 11:00 JST
    chat = Chat(service)
    messages = chat.send("もう死にたい。今から薬を全部飲みます", expect=3)
    assert len(messages) <= 5
    first = messages[0]["text"]
    assert "110" in first and "119" in first
    assert all(n in texts_of(messages[:2]) for n in LIFE_LINES[:2])     # the lines card
    assert "知らせました" in texts_of(messages) and "対応時間外" not in texts_of(messages)
    body = webhook.wait_for(1)[0]
    assert body["case_code"] == chat.resident.case_code and body["priority"] == "emergency"
    assert set(body) == {"case_code", "priority", "event", "at"}
    mail = smtp.wait_for(1)[0]
    assert "死にたい" not in mail["data"].decode("utf-8", "replace")
    case = chat.case()
    assert (case.status, case.priority, case.risk) == ("waiting", "emergency", "emergency")
    # the bot keeps listening; later messages reach staff (stored, on-call told again)
    later = chat.send("ありがとう。まだ家にいます")
    assert "届いています" in texts_of(later)
    assert [m.text for m in chat.inbound()][-1] == "ありがとう。まだ家にいます"
    assert [b["event"] for b in webhook.wait_for(2)] == ["alert", "update"]
    chat.replies_were_replies()


def test_emergency_out_of_hours_says_when_staff_will_read_it(on_call):
    service, webhook, smtp = on_call
    # Saturday 02:00 JST: staff are next in on Monday 8:30. The platform's reply-token clock
    # is the real one; the frozen moment lies in the past, so the reply deadline holds.
    clock.set_clock(FrozenClock(datetime(2025, 6, 6, 17, 0, tzinfo=timezone.utc)))
    chat = Chat(service)
    messages = chat.send("夫に殴られている。いまも怒鳴っていて怖い", expect=3)
    assert "110" in messages[0]["text"] and "0120-279-889" in texts_of(messages[:2])   # DV相談＋
    said = texts_of(messages)
    assert "時間外" in said and "6月9日（月）8:30" in said
    assert smtp.wait_for(1) and webhook.wait_for(1)
    chat.replies_were_replies()


def test_emergency_without_on_call_channel_does_not_claim_staff_were_alerted(service):
    clock.set_clock(FrozenClock(datetime(2025, 6, 4, 2, 0, tzinfo=timezone.utc)))
    chat = Chat(service)
    said = texts_of(chat.send("今からビルから飛び降りる", expect=3))
    assert "110" in said and "知らせました" not in said and "最初に見る" in said
    assert chat.case().priority == "emergency"


def test_a_split_emergency_over_three_messages(on_call):
    service, webhook, _ = on_call
    chat = Chat(service)
    first = chat.send("ちょっと聞いてほしい")
    assert "110" not in texts_of(first)
    second = chat.send("家にある薬、集めてあるんです", expect=1)
    third = chat.send("今夜ぜんぶ飲むつもり", expect=1)
    crisis = [batch for batch in (second, third) if "119" in batch[0].get("text", "")]
    assert crisis, "the emergency got no crisis reply"
    assert any(n in texts_of(crisis[0][:2]) for n in LIFE_LINES)
    assert chat.case().risk == "emergency"
    assert [b["event"] for b in webhook.wait_for(1)][0] == "alert"
    time.sleep(0.3)
    assert [b["event"] for b in webhook.bodies].count("alert") == 1


def test_a_negated_mention_raises_no_alarm(on_call):
    service, webhook, _ = on_call
    chat = Chat(service)
    said = texts_of(chat.send("死にたいとかじゃないけど、仕事がしんどくて眠れない", expect=2))
    assert "110" not in said and "119" not in said
    case = chat.case()
    assert case.risk == "none" and case.priority == "normal"
    time.sleep(0.5)
    assert webhook.bodies == []
    assert chat.inbound()[0].analysis["mentions"]        # staff still see the mention


# Asking when unsure (issue 11) -------------------------------------------------------------------
ASKED = "しにたい"                     # read as high: the lines, then the direct question


@pytest.mark.parametrize("answer", ["yes", "unsure"])
def test_the_direct_question_answered_yes_or_dont_know_gets_the_crisis_reply(on_call, answer):
    service, webhook, _ = on_call
    chat = Chat(service)
    asked = chat.send(ASKED, expect=2)
    assert "死にたい気持ち" in asked[-1]["text"] and quick_data(asked[-1], "はい") == "a=safety&v=yes"
    assert chat.case().priority == "high"
    crisis = chat.send(postback=f"a=safety&v={answer}", expect=2)
    assert "110" in texts_of(crisis) and any(n in texts_of(crisis) for n in LIFE_LINES)
    case = chat.case()
    assert (case.priority, case.risk) == ("emergency", "emergency")
    assert "safety_" + answer in case.handoff_reasons
    assert webhook.wait_for(1)[0]["priority"] == "emergency"
    chat.replies_were_replies()


def test_the_direct_question_answered_no_keeps_listening_without_an_alarm(on_call):
    service, webhook, _ = on_call
    chat = Chat(service)
    chat.send(ASKED, expect=2)
    after = chat.send("いいえ")
    assert "ありがとうございます" in texts_of(after) and "110" not in texts_of(after)
    assert chat.case().priority == "high"                  # staff still read it
    time.sleep(0.3)
    assert webhook.bodies == []


def test_a_hard_negative_gets_neither_the_question_nor_the_crisis_reply(on_call):
    service, webhook, _ = on_call
    chat = Chat(service)
    said = texts_of(chat.send("昨日は残業で死ぬほど眠かった。今日は休みです"))
    assert "死にたい気持ち" not in said and "110" not in said
    assert chat.case().status == "bot"
    time.sleep(0.3)
    assert webhook.bodies == []


# High risk -------------------------------------------------------------------------------------
def test_high_risk_gets_lines_windows_and_a_high_place_in_the_queue(service):
    chat = Chat(service)
    messages = chat.send("お金がなくて今日食べるものがない", expect=3)
    said = texts_of(messages)
    assert "0120-279-338" in said                            # よりそいホットライン
    assert quick_labels(messages[-1]) == ["はい", "いいえ", "わからない"]   # asked directly
    case = chat.case()
    assert (case.status, case.priority, case.risk) == ("waiting", "high", "high")


# Handoff ---------------------------------------------------------------------------------------
def test_entangled_household_explains_tamokan_and_records_share_consent(service):
    chat = Chat(service)
    messages = chat.send("息子が10年ひきこもっていて、私も80代で介護が必要になってきました",
                         expect=4)
    said = texts_of(messages)
    assert "多機関協働" in said and "8050" in said
    assert quick_labels(messages[-1]) == ["共有してよい", "共有しない"]
    answer = chat.send(postback=quick_data(messages[-1], "共有してよい"))
    assert "記録しました" in answer[0]["text"]
    with Session(service.engine) as session:
        consents = session.exec(select(Consent).where(
            Consent.resident_id == chat.resident.id, Consent.kind == "share")).all()
    assert [(c.granted, c.at is not None) for c in consents] == [(True, True)]
    case = chat.case()
    assert case.status == "waiting" and "entangled" in case.handoff_reasons
    assert "8050" in case.patterns and {"kaigo", "hikikomori"} <= set(case.fields)


def test_asking_for_a_person_queues_and_says_when_staff_answer(service):
    clock.set_clock(FrozenClock(datetime(2025, 12, 30, 1, 0, tzinfo=timezone.utc)))  # 年末
    chat = Chat(service)
    said = texts_of(chat.send("担当の人と話したいです"))
    assert "1月5日（月）8:30" in said and "110" in said
    case = chat.case()
    assert (case.status, case.priority) == ("waiting", "normal")
    assert case.handoff_reasons == ["asks_person"]


def test_while_staff_hold_the_case_the_bot_confirms_once_and_still_answers_an_emergency(
        service, office_hours):
    chat = Chat(service)
    chat.send("人と話したい")
    assert "相談員に届いています" in chat.send("よろしくお願いします")[0]["text"]
    chat.silent("はい、待っています")                    # no talking over staff
    # staff answer: a new stretch begins, receipt confirmed once again
    office_hours.advance(minutes=5)
    with Session(service.engine) as session:
        session.add(Message(resident_id=chat.resident.id, case_id=chat.case().id,
                            direction="out", sender="staff", text="担当の者です",
                            created_at=clock.now()))
        session.commit()
    office_hours.advance(minutes=5)
    assert "相談員に届いています" in chat.send("ありがとうございます")[0]["text"]
    crisis = chat.send("もう限界。今から首をつります", expect=3)
    assert "119" in crisis[0]["text"]
    assert chat.case().priority == "emergency"
    assert len(chat.inbound()) == 5                    # every message reached the case


# Listening and practical questions ----------------------------------------------------------------
def test_listening_then_offering_staff_and_menu(service):
    chat = Chat(service)
    assert "自動応答" in chat.send("うーん")[0]["text"]
    chat.send("えっと")
    offer = chat.send("どうしたらいいのか")[0]
    assert quick_labels(offer)[:2] == ["相談員と話したい", "窓口を探す"]
    assert chat.case().status == "bot"


def test_practical_questions_are_answered_by_the_bot(service):
    chat = Chat(service)
    assert "平日 8:30〜17:15" in chat.send("相談できる時間は何時までですか")[0]["text"]
    assert "匿名" in chat.send("匿名で相談できますか")[0]["text"]
    assert "無料" in chat.send("相談にお金はかかりますか")[0]["text"]
    city = chat.send("マイナンバーカードの更新はどこでできますか")[0]["text"]
    assert "代表番号" in city and not any(ch.isdigit() for ch in city)   # no invented number
    assert "削除" in chat.send("メニュー")[0]["text"]
    assert quick_labels(chat.send("記録を消してほしい")[0]) == ["削除する", "やめる"]


# Before consent ------------------------------------------------------------------------------------
def test_before_consent_risk_is_read_windows_shown_and_nothing_stored(service):
    user = service.resident()
    terms = reply_to(service, user, user.follow)[-1]
    reply_to(service, user, lambda: user.postback(quick_data(terms, "同意しない")))
    messages = reply_to(service, user, lambda: user.say("もう死にたい。今夜薬を全部飲む"))
    assert "119" in messages[0]["text"] and "0120-783-556" in texts_of(messages)
    assert "記録も相談員への連絡もしていません" in messages[0]["text"]
    messages = reply_to(service, user, lambda: user.say("母の介護のことで相談したい"))
    assert any(m["type"] == "flex" for m in messages)
    resident = resident_row(service, user)
    with Session(service.engine) as session:
        assert session.exec(select(Message).where(Message.resident_id == resident.id,
                                                  Message.direction == "in")).all() == []
        assert session.exec(select(Case).where(Case.resident_id == resident.id)).all() == []
        assert session.get(ConversationState, resident.id).step == "declined"


# Rich menu buttons ------------------------------------------------------------------------------------
def test_rich_menu_buttons_lead_to_their_paths(service):
    chat = Chat(service)
    assert "110" in chat.send(postback="a=emergency")[0]["text"]
    assert "プライバシー" in chat.send(postback="a=help")[0]["text"]
    assert "書いて" in chat.send(postback="a=consult")[0]["text"]
    assert "どんなこと" in chat.send(postback="a=windows")[0]["text"]
    assert "おつなぎします" in chat.send(postback="a=staff")[0]["text"]
    assert chat.case().status == "waiting"
