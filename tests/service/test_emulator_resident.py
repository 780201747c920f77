"""The resident side of the emulator: spec-complete webhook events, signed like LINE."""
from __future__ import annotations

import json
import re

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhooks import (
    FollowEvent, LocationMessageContent, MessageEvent, PostbackEvent, TextMessageContent,
    UnfollowEvent,
)

from bot.emulator import LinePlatform, ResidentPhone, make_user_id, signature_for

SECRET = "resident-test-secret"
TOKEN = "resident-test-token"
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


class FakeBot:
    """A /callback that checks signatures with the SDK, as the real bot does."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.parsed: list = []
        self.app = FastAPI()

        @self.app.post("/callback")
        async def callback(request: Request) -> PlainTextResponse:
            body = await request.body()
            try:
                events = WebhookParser(SECRET).parse(
                    body.decode(), request.headers.get("x-line-signature", ""))
            except InvalidSignatureError:
                return PlainTextResponse("bad signature", status_code=400)
            except ValueError:
                return PlainTextResponse("malformed body", status_code=400)
            self.bodies.append(body)
            self.parsed.extend(events)
            return PlainTextResponse("OK")

    def last_json(self) -> dict:
        return json.loads(self.bodies[-1])


@pytest.fixture
def bot():
    return FakeBot()


@pytest.fixture
def platform():
    return LinePlatform(SECRET, TOKEN)


@pytest.fixture
def resident(bot, platform):
    return ResidentPhone(make_user_id(), platform, "http://testserver/callback", SECRET,
                    http=TestClient(bot.app))


def _only_event(bot: FakeBot) -> dict:
    payload = bot.last_json()
    assert len(payload["events"]) == 1
    return payload["events"][0]


def test_follow_event_is_signed_and_complete(bot, platform, resident):
    response = resident.follow()
    assert response.status_code == 200
    payload = bot.last_json()
    assert payload["destination"] == platform.bot_user_id
    assert re.fullmatch(r"U[0-9a-f]{32}", payload["destination"])
    event = payload["events"][0]
    assert event["type"] == "follow" and event["mode"] == "active"
    assert event["follow"] == {"isUnblocked": False}
    assert event["source"] == {"type": "user", "userId": resident.user_id}
    assert ULID.match(event["webhookEventId"])
    assert event["deliveryContext"] == {"isRedelivery": False}
    assert isinstance(event["timestamp"], int) and event["timestamp"] > 1_600_000_000_000
    (parsed,) = bot.parsed
    assert isinstance(parsed, FollowEvent) and parsed.follow.is_unblocked is False
    assert resident.last_payload == payload


def test_reply_token_of_an_event_works_with_the_platform(bot, platform, resident):
    resident.follow(unblocked=True)
    event = _only_event(bot)
    assert event["follow"] == {"isUnblocked": True}
    result = platform.reply({"replyToken": event["replyToken"],
                             "messages": [{"type": "text", "text": "おかえりなさい"}]},
                            f"Bearer {TOKEN}")
    assert result.status == 200
    assert resident.messages == [{"type": "text", "text": "おかえりなさい"}]
    assert resident.wait_for_messages(1, timeout=0.1)


def test_text_message_has_id_and_quote_token(bot, resident):
    resident.say("家族のことで相談したいです")
    event = _only_event(bot)
    assert event["type"] == "message" and event["replyToken"]
    message = event["message"]
    assert message["type"] == "text" and message["text"] == "家族のことで相談したいです"
    assert message["id"].isdigit() and message["quoteToken"]
    (parsed,) = bot.parsed
    assert isinstance(parsed, MessageEvent) and isinstance(parsed.message, TextMessageContent)
    assert parsed.message.quote_token == message["quoteToken"]


def test_location_message(bot, resident):
    resident.send_location(36.7302, 137.0756, title="射水市役所", address="富山県射水市")
    message = _only_event(bot)["message"]
    assert message == {"id": message["id"], "type": "location", "latitude": 36.7302,
                       "longitude": 137.0756, "title": "射水市役所", "address": "富山県射水市"}
    assert isinstance(bot.parsed[0].message, LocationMessageContent)
    resident.send_location(36.0, 137.0)
    assert "title" not in _only_event(bot)["message"]


def test_postback_with_and_without_params(bot, resident):
    resident.postback("consent=yes")
    event = _only_event(bot)
    assert event["type"] == "postback" and event["postback"] == {"data": "consent=yes"}
    assert event["replyToken"]
    resident.postback("when", params={"date": "2026-12-01"})
    assert _only_event(bot)["postback"]["params"] == {"date": "2026-12-01"}
    assert all(isinstance(e, PostbackEvent) for e in bot.parsed)


def test_unfollow_has_no_reply_token(bot, resident):
    resident.unfollow()
    event = _only_event(bot)
    assert event["type"] == "unfollow" and "replyToken" not in event
    assert isinstance(bot.parsed[0], UnfollowEvent)


def test_standby_message_has_no_reply_token(bot, resident):
    resident.standby_say("別のチャネルが応対中")
    event = _only_event(bot)
    assert event["mode"] == "standby" and "replyToken" not in event
    assert event["message"]["text"] == "別のチャネルが応対中"


def test_redelivery_keeps_the_event_id(bot, resident):
    resident.say("もう一度")
    original = bot.last_json()
    response = resident.redeliver(original)
    assert response.status_code == 200
    again = bot.last_json()["events"][0]
    assert again["webhookEventId"] == original["events"][0]["webhookEventId"]
    assert again["replyToken"] == original["events"][0]["replyToken"]
    assert again["deliveryContext"] == {"isRedelivery": True}
    assert original["events"][0]["deliveryContext"] == {"isRedelivery": False}
    resident.redeliver()          # defaults to the last payload
    assert bot.last_json()["events"][0]["deliveryContext"]["isRedelivery"] is True


def test_event_ids_are_unique(bot, resident):
    for i in range(50):
        resident.say(str(i))
    ids = [json.loads(b)["events"][0]["webhookEventId"] for b in bot.bodies]
    assert len(set(ids)) == 50


def test_signature_matches_the_exact_body(bot, resident):
    resident.say("署名")
    body = bot.bodies[-1]
    signature = signature_for(body, SECRET)
    assert WebhookParser(SECRET).parse(body.decode(), signature)
    with pytest.raises(InvalidSignatureError):
        WebhookParser("other-secret").parse(body.decode(), signature)


def test_low_level_post_events_for_bad_requests(bot, resident):
    events = [resident.event("message", message=ResidentPhone._text("x"))]
    assert resident.post_events(events, sign=False).status_code == 400
    assert resident.post_events(events, signature="AAAA").status_code == 400
    assert resident.post_events([]).status_code == 200          # LINE's connection check
    body = b'{"destination":"U0","events":[]}'
    assert resident.post_events([], raw_body=body).status_code == 200
    assert bot.bodies[-1] == body
    assert resident.post_events([], raw_body=b"{not json").status_code == 400
    assert resident.last_payload == {"destination": "U0", "events": []}


def test_resident_owns_and_closes_its_default_client(platform):
    with ResidentPhone(make_user_id(), platform, "http://127.0.0.1:9/callback", SECRET) as r:
        assert not r.http.is_closed
    assert r.http.is_closed
