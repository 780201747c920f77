"""Issue 12, through the emulator with the clock set: the crisis reply by the hour (open lines
first with tel: buttons, closed ones with their hours), the crisis before consent alone,
help while staff hold the case, the real time a person will read, windows by the hour,
and a location outside the municipality."""
from __future__ import annotations

from datetime import datetime

import pytest

from helpers import quick_data, quick_labels, reply_to
from test_conversation import Chat, texts_of

CRISIS = "もう死にたい。今から薬を全部飲みます"
WEDNESDAY_2330 = datetime(2025, 6, 4, 23, 30)
HOLIDAY_2330 = datetime(2025, 7, 21, 23, 30)           # 海の日 (Monday)
WEDNESDAY_10 = datetime(2025, 6, 4, 10, 0)
SATURDAY_2330 = datetime(2025, 6, 7, 23, 30)
TOYAMA_STATION = (36.7013, 137.2133)                   # 富山駅: about 9 km out of 射水市




def card_rows(message: dict) -> tuple[list[str], list[dict]]:
    """(the 110/119 buttons' URIs, the lines: heading, name, texts, tel URI or None)."""
    assert message["type"] == "flex"
    urgent: list[str] = []
    rows: list[dict] = []
    heading = None
    for node in message["contents"]["body"]["contents"]:
        if node["type"] == "text":
            heading = node["text"]
        elif node.get("layout") == "horizontal":
            urgent += [b["action"]["uri"] for b in node["contents"]]
        else:
            texts = [c["text"] for c in node["contents"] if c["type"] == "text"]
            tels = [c["action"]["uri"] for c in node["contents"] if c["type"] == "button"]
            rows.append({"heading": heading, "name": texts[0], "texts": texts,
                         "tel": tels[0] if tels else None})
    return urgent, rows


# The crisis reply by the hour ------------------------------------------------------------------
@pytest.mark.parametrize("moment", [WEDNESDAY_2330, HOLIDAY_2330, WEDNESDAY_10],
                         ids=["weekday-2330", "holiday-2330", "weekday-1000"])
def test_crisis_lists_open_lines_first_with_tel_actions_and_no_closed_line_as_always(
        service, at_jst, moment):
    at_jst(moment)
    chat = Chat(service)
    messages = chat.send(CRISIS, expect=3)
    first = messages[0]["text"].splitlines()
    assert "ありがとう" in first[0] and "110" not in first[0]      # the feeling first
    assert "110" in first[1] and "119" in first[1]                 # then danger now
    urgent, rows = card_rows(messages[1])
    assert urgent == ["tel:110", "tel:119"]
    headings = [r["heading"] for r in rows]
    assert headings[0] == "いま電話できる窓口"
    order = ["いま電話できる窓口", "受付時間をご確認ください", "いまは受付時間外の窓口"]
    assert headings == sorted(headings, key=order.index)           # open ones first
    for row in rows:
        if row["heading"] == "いま電話できる窓口":
            assert row["tel"].startswith("tel:") and "いま受付中" in " ".join(row["texts"])
        if row["heading"] == "いまは受付時間外の窓口":
            assert row["tel"] is None and "受付時間外" in " ".join(row["texts"])
    assert "いつでも" not in texts_of(messages)
    inochi = next(r for r in rows if r["name"].startswith("いのちの電話"))
    if moment.hour == 23:          # いのちの電話 takes calls 16:00-21:00: closed, with its hours
        assert inochi["heading"] == "いまは受付時間外の窓口"
        assert "16:00〜21:00" in " ".join(inochi["texts"]) and "次は" in " ".join(inochi["texts"])
    yorisoi = next(r for r in rows if r["name"] == "よりそいホットライン")
    assert yorisoi["heading"] == "いま電話できる窓口" and yorisoi["tel"] == "tel:0120279338"
    chat.replies_were_replies()


def test_a_crisis_before_consent_gets_the_crisis_reply_alone_and_the_terms_come_later_once(
        service, at_jst):
    at_jst(WEDNESDAY_2330)
    user = service.resident()
    # the very first thing written (no follow event) is a crisis
    crisis = reply_to(service, user, lambda: user.say(CRISIS))
    assert "110" in crisis[0]["text"] and crisis[1]["type"] == "flex"
    said = texts_of(crisis)
    assert "同意する" not in str(crisis) and "/terms" not in str(crisis)   # no terms, no consent
    assert "はじめまして" not in said
    assert "記録も相談員への連絡もしていません" in said
    # the next message gets the greeting and the terms, once
    later = reply_to(service, user, lambda: user.say("こんばんは"))
    assert "同意する" in str(later) and "/terms" in str(later)
    # a crisis while the terms wait: again the crisis reply alone
    again = reply_to(service, user, lambda: user.say(CRISIS))
    assert "同意する" not in str(again) and again[1]["type"] == "flex"


# Keep helping while staff hold the case ----------------------------------------------------------
def test_a_new_need_while_staff_hold_the_case_gets_windows_and_the_real_time(service, at_jst):
    at_jst(WEDNESDAY_10)
    chat = Chat(service)
    chat.send("人と話したい")
    assert chat.case().status == "waiting"
    asked = chat.send("母の介護のことで、相談できる窓口も知りたいです", expect=2)
    said = texts_of(asked)
    assert "相談員にも届いています" in said and "17:15" in said and "少し" not in said
    assert quick_labels(asked[-1])[0] == "位置情報を送る"          # where, to find the windows
    messages = chat.send("七美", expect=3)
    carousel = next(m for m in messages if m["type"] == "flex")
    assert "新湊東地域包括支援センター" in carousel["altText"]
    assert chat.case().status == "waiting"                # still with staff


def test_out_of_hours_replies_name_the_next_staffed_time(service, at_jst):
    at_jst(SATURDAY_2330)
    chat = Chat(service)
    queued = texts_of(chat.send("人と話したい"))
    assert "6月9日（月）8:30" in queued and "少し" not in queued
    ack = texts_of(chat.send("よろしくお願いします"))
    assert "相談員に届いています" in ack and "6月9日（月）8:30" in ack


def test_a_child_raising_worry_at_night_gets_the_lines_open_now_before_the_daytime_windows(
        service, at_jst):
    at_jst(WEDNESDAY_2330)
    chat = Chat(service)
    asked = chat.send("子育てがつらくて、誰にも相談できない", expect=3)
    note = next(m for m in asked if "時間外" in m.get("text", ""))
    assert "6月5日（木）8:30" in note["text"]
    _, rows = card_rows(asked[asked.index(note) + 1])
    assert all(r["heading"] == "いま電話できる窓口" and r["tel"] for r in rows)
    tels = {r["tel"] for r in rows}
    assert {"tel:%238000", "tel:189", "tel:0120279338"} <= tels   # #8000 open at night in 富山県
    assert quick_labels(asked[-1])[0] == "位置情報を送る"          # then: where, for the windows
    windows = chat.send("七美", expect=3)
    assert any(m["type"] == "flex" and "altText" in m and "相談できる窓口" in m["altText"]
               for m in windows)
    assert "いま電話できる窓口" not in str(windows)               # the lines are not repeated
    # a need written when the area is known: the lines first, then the daytime windows
    again = chat.send("子どもの発達のことも相談したいです", expect=4)
    kinds = [m["type"] for m in again]
    lines_at = next(i for i, m in enumerate(again) if "いま電話できる窓口" in str(m))
    windows_at = next(i for i, m in enumerate(again) if "相談できる窓口：" in m.get("altText", ""))
    assert lines_at < windows_at and kinds.count("flex") == 2
    assert quick_labels(again[-1])[0] == "相談員と話したい"


# Windows ------------------------------------------------------------------------------------------
def test_a_location_far_outside_the_city_is_named_as_outside(service, at_jst):
    at_jst(WEDNESDAY_10)
    chat = Chat(service)
    question = chat.send("母の介護のことで相談したいです", expect=2)[-1]
    assert quick_labels(question)[0] == "位置情報を送る"
    messages = chat.send(location=TOYAMA_STATION, expect=3)
    said = texts_of(messages)
    assert "射水市の外" in said and "お近くの窓口です" not in str(messages)
    carousel = next(m for m in messages if m["type"] == "flex")
    first = [c["text"] for c in carousel["contents"]["contents"][0]["body"]["contents"]]
    assert "市内でいちばん近い窓口です" in first
    distance = next(t for t in first if t.startswith("距離："))
    assert float(distance.split("約")[1].split("km")[0]) > 5      # honest: far


def test_window_cards_say_what_the_window_does_and_the_intake_offers_location(service, at_jst):
    at_jst(WEDNESDAY_10)
    chat = Chat(service)
    chat.send("母の介護のことで相談したいです", expect=2)
    carousel = chat.send("七美", expect=4)[2]
    body = [c["text"] for c in carousel["contents"]["contents"][0]["body"]["contents"]]
    assert "高齢の方の介護・健康・暮らしの相談を受ける、地域の窓口です。" in body
    # the intake's area question offers the location too
    user = service.resident()
    terms = reply_to(service, user, user.follow)[-1]
    relation = reply_to(service, user, lambda: user.postback(quick_data(terms, "同意する")))[-1]
    age = reply_to(service, user, lambda: user.postback(quick_data(relation, "答えない")))[-1]
    area = reply_to(service, user, lambda: user.postback(quick_data(age, "答えない")))[-1]
    assert quick_labels(area)[0] == "位置情報を送る"
    assert area["quickReply"]["items"][0]["action"]["type"] == "location"
