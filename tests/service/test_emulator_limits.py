"""The emulator refuses what LINE refuses: message limits answer 400 naming the property."""
from __future__ import annotations

import pytest

from helpers import EMULATOR_USER as USER


def _bubble(button_label: str = "ok", data: str = "a=1", uri: str | None = None) -> dict:
    action = ({"type": "uri", "label": button_label, "uri": uri} if uri
              else {"type": "postback", "label": button_label, "data": data})
    return {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [
        {"type": "text", "text": "窓口"}, {"type": "button", "action": action}]}}


def _flex(contents: dict, alt: str = "窓口") -> dict:
    return {"type": "flex", "altText": alt, "contents": contents}


def _quick(items: int = 1, label: str = "はい") -> dict:
    return {"type": "text", "text": "どうしますか", "quickReply": {"items": [
        {"type": "action", "action": {"type": "postback", "label": label, "data": "q"}}
        for _ in range(items)]}}


BODY_PATH = "messages[0].contents.body.contents[1].action"
LIMIT_CASES = {
    "six messages": ([{"type": "text", "text": "x"}] * 6, "messages"),
    "no messages": ([], "messages"),
    "text over 5000 UTF-16 units": ([{"type": "text", "text": "😀" * 2501}], "messages[0].text"),
    "empty text": ([{"type": "text", "text": ""}], "messages[0].text"),
    "altText over 1500": ([_flex(_bubble(), alt="あ" * 1501)], "messages[0].altText"),
    "carousel of 13": ([_flex({"type": "carousel", "contents": [_bubble()] * 13})],
                       "messages[0].contents.contents"),
    "14 quick replies": ([_quick(items=14)], "messages[0].quickReply.items"),
    "quick reply label over 20": ([_quick(label="あ" * 21)],
                                  "messages[0].quickReply.items[0].action.label"),
    "flex button label over 40": ([_flex(_bubble(button_label="あ" * 41))], BODY_PATH + ".label"),
    "postback data over 300": ([_flex(_bubble(data="d" * 301))], BODY_PATH + ".data"),
    "uri over 1000": ([_flex(_bubble(uri="https://example.jp/" + "a" * 1000))],
                      BODY_PATH + ".uri"),
    "second message broken": ([{"type": "text", "text": "ok"}, {"type": "text", "text": ""}],
                              "messages[1].text"),
    "carousel bubble label": ([_flex({"type": "carousel", "contents": [
        _bubble(), _bubble(button_label="あ" * 41)]})],
        "messages[0].contents.contents[1].body.contents[1].action.label"),
    # sender (messaging-api.yml Sender; LINE: https icon, no word LINE in the name)
    "sender name over 20": ([{"type": "text", "text": "x", "sender": {"name": "あ" * 21}}],
                            "messages[0].sender.name"),
    "sender name with LINE": ([{"type": "text", "text": "x", "sender": {"name": "市Line係"}}],
                              "messages[0].sender.name"),
    "sender icon over http": ([{"type": "text", "text": "x", "sender": {
        "iconUrl": "http://example.jp/icon.png"}}], "messages[0].sender.iconUrl"),
    "sender icon over 2000": ([{"type": "text", "text": "x", "sender": {
        "iconUrl": "https://example.jp/" + "a" * 1990}}], "messages[0].sender.iconUrl"),
    "sender not an object": ([{"type": "text", "text": "x", "sender": "相談員"}],
                             "messages[0].sender"),
}


@pytest.mark.parametrize("messages, prop", LIMIT_CASES.values(), ids=LIMIT_CASES.keys())
def test_limits_answer_400_with_the_property(platform, raw, messages, prop):
    response = raw.post("/v2/bot/message/push", json={"to": USER, "messages": messages})
    assert response.status_code == 400
    body = response.json()
    assert body["message"].startswith("The request body has")
    assert prop in [d["property"] for d in body["details"]]
    assert platform.sent == []


def test_limits_at_the_boundary_are_accepted(platform, raw):
    messages = [
        {"type": "text", "text": "😀" * 2500},
        _flex({"type": "carousel", "contents": [_bubble(button_label="あ" * 40,
                                                        data="d" * 300)] * 12}, alt="あ" * 1500),
        _quick(items=13, label="あ" * 20),
        _flex(_bubble(uri="https://example.jp/" + "a" * 981)),
        {"type": "text", "text": "5通目"},
    ]
    response = raw.post("/v2/bot/message/push", json={"to": USER, "messages": messages})
    assert response.status_code == 200, response.text
    assert len(platform.messages_for(USER)) == 5


def test_malformed_json_and_bad_recipient_are_400(platform, raw):
    assert raw.post("/v2/bot/message/push", content=b"{not json",
                    headers={"content-type": "application/json"}).status_code == 400
    bad_to = raw.post("/v2/bot/message/push", json={"to": "someone", "messages": [
        {"type": "text", "text": "x"}]})
    assert bad_to.status_code == 400 and "'to'" in bad_to.json()["message"]


def test_a_sender_within_the_rules_is_accepted_and_recorded(platform, api):
    from linebot.v3.messaging import PushMessageRequest, Sender, TextMessage
    icon = "https://soudan.example.jp/static/staff-icon.png"
    api.push_message(PushMessageRequest(to=USER, messages=[
        TextMessage(text="相談員の青木です。", sender=Sender(name="あ" * 19 + "員", icon_url=icon)),
        TextMessage(text="自動応答です。")]))
    first, second = platform.messages_for(USER)
    assert first["sender"] == {"name": "あ" * 19 + "員", "iconUrl": icon}
    assert "sender" not in second
