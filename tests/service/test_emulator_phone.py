"""The phone page: the browser's actions become signed webhooks to /callback, and what
the bot sends through the Messaging API comes back for rendering."""
from __future__ import annotations

import base64
import re

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient, Configuration, MessagingApi, PostbackAction, QuickReply, QuickReplyItem,
    ReplyMessageRequest, TextMessage,
)
from linebot.v3.webhooks import (
    FollowEvent, ImageMessageContent, LocationMessageContent, MessageEvent, PostbackEvent,
    StickerMessageContent, UnfollowEvent,
)

from bot.emulator import LinePlatform, make_user_id
from bot.emulator.liveserver import LiveServer, free_port
from bot.emulator.mount import install_emulator

SECRET = "phone-test-secret"
TOKEN = "phone-test-token"


class EchoBot:
    """Verifies the signature like the real webhook and answers with the SDK through
    the emulator, so the test covers the whole loop over real HTTP."""

    def __init__(self, platform: LinePlatform, base_url: str) -> None:
        self.events: list = []
        self.rejected = 0
        self.app = FastAPI()
        install_emulator(self.app, platform, lambda: base_url + "/callback", SECRET)
        config = Configuration(host=base_url + "/emulator", access_token=TOKEN)

        @self.app.post("/callback")
        def callback(request: Request, body: bytes = _raw_body()) -> PlainTextResponse:
            try:
                events = WebhookParser(SECRET).parse(
                    body.decode(), request.headers.get("x-line-signature", ""))
            except InvalidSignatureError:
                self.rejected += 1
                return PlainTextResponse("bad signature", status_code=400)
            self.events.extend(events)
            with ApiClient(config) as client:
                api = MessagingApi(client)
                for event in events:
                    reply = self.answer(event)
                    if reply and getattr(event, "reply_token", None):
                        api.reply_message(ReplyMessageRequest(
                            reply_token=event.reply_token, messages=[reply]))
            return PlainTextResponse("OK")

    @staticmethod
    def answer(event) -> TextMessage | None:
        if isinstance(event, FollowEvent):
            return TextMessage(text="ようこそ", quick_reply=QuickReply(items=[
                QuickReplyItem(action=PostbackAction(label="同意する", data="consent=yes",
                                                     display_text="同意する"))]))
        if isinstance(event, PostbackEvent):
            return TextMessage(text="受け取りました: " + event.postback.data)
        if isinstance(event, MessageEvent) and isinstance(event.message, LocationMessageContent):
            return TextMessage(text=f"位置 {event.message.latitude:.2f}")
        if isinstance(event, MessageEvent) and isinstance(event.message, StickerMessageContent):
            return TextMessage(text="スタンプ " + event.message.sticker_id)
        if isinstance(event, MessageEvent) and isinstance(event.message, ImageMessageContent):
            return TextMessage(text="画像 " + event.message.id)
        if isinstance(event, MessageEvent):
            return TextMessage(text="「" + event.message.text + "」ですね")
        return None


def _raw_body():
    from fastapi import Depends

    async def read(request: Request) -> bytes:
        return await request.body()
    return Depends(read)


@pytest.fixture(scope="module")
def phone():
    platform = LinePlatform(SECRET, TOKEN)
    port = free_port()
    bot = EchoBot(platform, f"http://127.0.0.1:{port}")
    with LiveServer(bot.app, port=port) as url:
        with httpx.Client(base_url=url + "/emulator/phone", timeout=15) as client:
            yield platform, bot, client


def _entries(client: httpx.Client, user_id: str, after: int = 0) -> dict:
    response = client.get("/api/messages", params={"user_id": user_id, "after": after})
    assert response.status_code == 200
    return response.json()


def test_page_is_self_contained_and_escapes(phone):
    _, _, client = phone
    response = client.get(str(client.base_url).rstrip("/"))
    assert response.status_code == 200
    assert client.get(str(client.base_url)).status_code == 200     # trailing slash too
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert not re.search(r'(src|href)="(https?:)?//', page)      # no CDN, nothing external
    assert 'lang="ja"' in page and "localStorage" in page
    assert "innerHTML" not in page and "textContent" in page
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_follow_then_text_round_trip(phone):
    platform, bot, client = phone
    user = make_user_id()
    assert client.post("/api/send", json={"user_id": user, "kind": "follow"}).json() == {
        "status": 200}
    first = _entries(client, user)
    assert [e["from"] for e in first["entries"]] == ["me", "bot"]
    assert first["entries"][0]["kind"] == "follow"
    welcome = first["entries"][1]["message"]
    assert welcome["text"] == "ようこそ"
    assert welcome["quickReply"]["items"][0]["action"]["data"] == "consent=yes"

    client.post("/api/send", json={"user_id": user, "kind": "text", "text": "こんにちは"})
    later = _entries(client, user, after=first["next"])
    assert [e.get("text") or e["message"]["text"] for e in later["entries"]] == [
        "こんにちは", "「こんにちは」ですね"]
    assert later["next"] == first["next"] + 2
    assert _entries(client, user, after=later["next"])["entries"] == []
    assert any(isinstance(e, FollowEvent) and e.source.user_id == user for e in bot.events)


def test_postback_location_and_block(phone):
    platform, bot, client = phone
    user = make_user_id()
    client.post("/api/send", json={"user_id": user, "kind": "postback",
                                   "data": "consent=yes", "text": "同意する"})
    client.post("/api/send", json={"user_id": user, "kind": "location", "lat": 36.73,
                                   "lng": 137.07, "title": "射水市役所付近"})
    client.post("/api/send", json={"user_id": user, "kind": "unfollow"})
    client.post("/api/send", json={"user_id": user, "kind": "follow", "unblocked": True})
    mine = [e for e in bot.events if e.source.user_id == user]
    assert isinstance(mine[0], PostbackEvent) and mine[0].postback.data == "consent=yes"
    assert isinstance(mine[1].message, LocationMessageContent)
    assert mine[1].message.title == "射水市役所付近"
    assert isinstance(mine[2], UnfollowEvent)
    assert isinstance(mine[3], FollowEvent) and mine[3].follow.is_unblocked is True
    texts = [m["text"] for m in platform.messages_for(user)]
    assert texts == ["受け取りました: consent=yes", "位置 36.73", "ようこそ"]
    entries = _entries(client, user)["entries"]
    assert entries[0] == {"from": "me", "kind": "postback", "at": entries[0]["at"],
                          "text": "同意する"}


def test_stickers_and_pictures_arrive_as_line_delivers_them(phone):
    platform, bot, client = phone
    user = make_user_id()
    assert client.post("/api/send", json={
        "user_id": user, "kind": "sticker", "package_id": "11537", "sticker_id": "52002735",
        "keywords": ["Thanks"]}).json() == {"status": 200}
    picture = "data:image/png;base64," + base64.b64encode(b"\x89PNG fake").decode()
    assert client.post("/api/send", json={"user_id": user, "kind": "image",
                                          "image": picture}).json() == {"status": 200}
    sticker, image = [e.message for e in bot.events if e.source.user_id == user]
    assert isinstance(sticker, StickerMessageContent)
    assert (sticker.package_id, sticker.sticker_id) == ("11537", "52002735")
    assert sticker.sticker_resource_type == "STATIC" and sticker.keywords == ["Thanks"]
    assert isinstance(image, ImageMessageContent) and image.content_provider.type == "line"
    assert image.quote_token
    assert platform.message_content(image.id, f"Bearer {TOKEN}").content == b"\x89PNG fake"
    entries = _entries(client, user)["entries"]
    assert [e.get("kind") for e in entries if e["from"] == "me"] == ["sticker", "image"]
    assert entries[0]["sticker_id"] == "52002735" and entries[2]["image"] == picture
    assert [e["message"]["text"] for e in entries if e["from"] == "bot"] == [
        "スタンプ 52002735", "画像 " + image.id]


def test_pictures_that_are_not_images_are_refused(phone):
    _, _, client = phone
    user = make_user_id()
    for image in (None, "data:text/html;base64,PGI+", "data:image/png;base64,@@@",
                  "https://example.jp/a.png"):
        response = client.post("/api/send", json={"user_id": user, "kind": "image", "image": image})
        assert response.status_code == 422, image


def test_the_default_rich_menu_is_there_to_draw(phone):
    platform, _, client = phone
    assert client.get("/api/richmenu").json() == {"richMenu": None}
    auth = f"Bearer {TOKEN}"
    menu = {"size": {"width": 2500, "height": 843}, "selected": True, "name": "m",
            "chatBarText": "メニュー", "areas": [{
                "bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
                "action": {"type": "postback", "label": "相談する", "data": "a=consult",
                           "displayText": "相談する"}}]}
    menu_id = platform.create_rich_menu(menu, auth).body["richMenuId"]
    platform.upload_rich_menu_image(menu_id, b"\x89PNG menu", "image/png", auth)
    platform.set_default_rich_menu(menu_id, auth)
    try:
        drawn = client.get("/api/richmenu").json()["richMenu"]
        assert drawn["richMenuId"] == menu_id and drawn["areas"] == menu["areas"]
        image = client.get(drawn["image"].removeprefix("/emulator/phone"))
        assert image.status_code == 200 and image.content == b"\x89PNG menu"
        assert client.get("/api/richmenu/image", params={"id": "nope"}).status_code == 404
    finally:
        platform.cancel_default_rich_menu(auth)


def test_send_validates_input(phone):
    _, _, client = phone
    user = make_user_id()
    assert client.post("/api/send", json={"user_id": "Uxyz", "kind": "text",
                                          "text": "x"}).status_code == 422
    assert client.post("/api/send", json={"user_id": user, "kind": "sticker"}).status_code == 422
    assert client.post("/api/send", json={"user_id": user, "kind": "text"}).status_code == 422
    assert client.post("/api/send", json={"user_id": user, "kind": "location",
                                          "lat": 36.0}).status_code == 422
    assert client.get("/api/messages", params={"user_id": "bad"}).status_code == 422


def test_users_do_not_see_each_others_messages(phone):
    _, _, client = phone
    alice, bob = make_user_id(), make_user_id()
    client.post("/api/send", json={"user_id": alice, "kind": "text", "text": "秘密"})
    assert _entries(client, bob)["entries"] == []
    assert len(_entries(client, alice)["entries"]) == 2


def test_unreachable_callback_is_reported_not_raised():
    platform = LinePlatform(SECRET, TOKEN)
    app = FastAPI()
    dead = "http://127.0.0.1:9/callback"          # discard port: nothing listens
    install_emulator(app, platform, lambda: dead, SECRET)
    from fastapi.testclient import TestClient
    response = TestClient(app).post("/emulator/phone/api/send", json={
        "user_id": make_user_id(), "kind": "text", "text": "x"})
    assert response.status_code == 502
    assert re.search(r"callback", response.json()["detail"])
