"""The built-in LINE emulator, driven through the real line-bot-sdk over loopback HTTP."""
from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest
from linebot.v3.messaging import (
    ApiClient, ApiException, Configuration, FlexBubble, FlexBox, FlexButton, FlexMessage,
    FlexText, MessagingApi, MessagingApiBlob, PostbackAction, PushMessageRequest,
    QuickReply, QuickReplyItem, ReplyMessageRequest, RichMenuArea, RichMenuBounds,
    RichMenuRequest, RichMenuSize, ShowLoadingAnimationRequest, TextMessage,
)

from bot.emulator import LinePlatform, make_user_id
from helpers import EMULATOR_SECRET, EMULATOR_TOKEN, EMULATOR_USER

SECRET, TOKEN, USER = EMULATOR_SECRET, EMULATOR_TOKEN, EMULATOR_USER


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def text_push(to: str = USER, body: str = "こんにちは") -> PushMessageRequest:
    return PushMessageRequest(to=to, messages=[TextMessage(text=body)])


# ---- reply and push through the SDK ---------------------------------------------------

def test_sdk_reply_is_delivered_once(platform, api):
    token = platform.issue_reply_token(USER)
    response = api.reply_message_with_http_info(ReplyMessageRequest(
        reply_token=token, messages=[TextMessage(text="ようこそ"), TextMessage(text="二通目")]))
    assert response.status_code == 200
    assert len(response.data.sent_messages) == 2
    assert response.data.sent_messages[0].quote_token
    assert [m["text"] for m in platform.messages_for(USER)] == ["ようこそ", "二通目"]
    record = platform.sent[0]
    assert (record.kind, record.user_id, record.retry_key) == ("reply", USER, None)
    assert record.request_id == dict(response.headers)["x-line-request-id"]
    assert platform.push_count == 0


def test_sdk_push_with_retry_key_is_recorded(platform, api):
    key = str(uuid.uuid4())
    response = api.push_message_with_http_info(text_push(), x_line_retry_key=key)
    assert response.status_code == 200
    assert platform.sent[-1].kind == "push" and platform.sent[-1].retry_key == key
    assert platform.push_count == 1
    assert platform.messages_for(USER) == [{"type": "text", "text": "こんにちは"}]


def test_flex_and_quick_reply_pass_through_the_sdk(platform, api):
    bubble = FlexBubble(body=FlexBox(layout="vertical", contents=[
        FlexText(text="窓口"), FlexButton(action=PostbackAction(label="相談する", data="a=1"))]))
    message = FlexMessage(alt_text="窓口のご案内", contents=bubble, quick_reply=QuickReply(
        items=[QuickReplyItem(action=PostbackAction(label="はい", data="yes"))]))
    api.push_message(PushMessageRequest(to=USER, messages=[message]))
    (delivered,) = platform.messages_for(USER)
    assert delivered["type"] == "flex"
    assert delivered["contents"]["body"]["contents"][1]["action"]["data"] == "a=1"
    assert delivered["quickReply"]["items"][0]["action"]["label"] == "はい"


# ---- reply tokens ----------------------------------------------------------------------

def test_reply_token_is_single_use(platform, api):
    token = platform.issue_reply_token(USER)
    request = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="一回目")])
    api.reply_message(request)
    with pytest.raises(ApiException) as failure:
        api.reply_message(request)
    assert failure.value.status == 400
    assert "Invalid reply token" in failure.value.body
    assert len(platform.sent) == 1


def test_reply_token_expires(platform, api):
    clock = FakeClock()
    platform.clock = clock
    token = platform.issue_reply_token(USER)
    clock.now += 60.0
    with pytest.raises(ApiException) as failure:
        api.reply_message(ReplyMessageRequest(reply_token=token,
                                              messages=[TextMessage(text="遅い")]))
    assert failure.value.status == 400
    assert platform.sent == []


def test_reply_token_within_ttl_works_and_unknown_token_fails(platform, api):
    clock = FakeClock()
    platform.clock = clock
    token = platform.issue_reply_token(USER)
    clock.now += 59.0
    api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="間に合う")]))
    with pytest.raises(ApiException) as failure:
        api.reply_message(ReplyMessageRequest(reply_token="0" * 32,
                                              messages=[TextMessage(text="x")]))
    assert failure.value.status == 400


def test_a_refused_reply_does_not_use_up_the_token(platform, raw):
    token = platform.issue_reply_token(USER)
    bad = raw.post("/v2/bot/message/reply", json={"replyToken": token, "messages": [
        {"type": "text", "text": "x" * 5001}]})
    assert bad.status_code == 400
    ok = raw.post("/v2/bot/message/reply", json={"replyToken": token, "messages": [
        {"type": "text", "text": "ok"}]})
    assert ok.status_code == 200


# ---- retry keys ------------------------------------------------------------------------

def test_same_retry_key_gets_409_and_is_not_sent_twice(platform, api):
    key = str(uuid.uuid4())
    first = api.push_message_with_http_info(text_push(), x_line_retry_key=key)
    with pytest.raises(ApiException) as failure:
        api.push_message_with_http_info(text_push(), x_line_retry_key=key)
    assert failure.value.status == 409
    assert "already accepted" in failure.value.body
    headers = {k.lower(): v for k, v in failure.value.headers.items()}
    assert headers["x-line-accepted-request-id"] == dict(first.headers)["x-line-request-id"]
    assert platform.push_count == 1


def test_retry_key_must_be_a_uuid(platform, raw):
    response = raw.post("/v2/bot/message/push", headers={"X-Line-Retry-Key": "not-a-uuid"},
                        json={"to": USER, "messages": [{"type": "text", "text": "x"}]})
    assert response.status_code == 400
    assert platform.sent == []


def test_different_retry_keys_both_send(platform, api):
    api.push_message(text_push(), x_line_retry_key=str(uuid.uuid4()))
    api.push_message(text_push(), x_line_retry_key=str(uuid.uuid4()))
    assert platform.push_count == 2


# ---- authentication --------------------------------------------------------------------

def test_missing_or_wrong_bearer_token_is_401(platform, host):
    body = {"to": USER, "messages": [{"type": "text", "text": "x"}]}
    missing = httpx.post(host + "/v2/bot/message/push", json=body)
    assert missing.status_code == 401 and "message" in missing.json()
    with ApiClient(Configuration(host=host, access_token="wrong")) as client:
        with pytest.raises(ApiException) as failure:
            MessagingApi(client).push_message(text_push())
    assert failure.value.status == 401
    assert platform.sent == []


# ---- fault injection ---------------------------------------------------------------------

def test_injected_500_is_not_recorded_and_the_next_call_succeeds(platform, api):
    platform.inject("push", status=500)
    key = str(uuid.uuid4())
    with pytest.raises(ApiException) as failure:
        api.push_message(text_push(), x_line_retry_key=key)
    assert failure.value.status == 500
    assert platform.sent == []
    api.push_message(text_push(), x_line_retry_key=key)
    assert platform.push_count == 1


def test_injected_429_carries_retry_after(platform, raw):
    platform.inject("push", status=429, retry_after=7)
    response = raw.post("/v2/bot/message/push", json={"to": USER, "messages": [
        {"type": "text", "text": "x"}]})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert "message" in response.json()


def test_accepted_then_500_makes_the_retry_a_409(platform, api):
    platform.inject("push", accepted_then_500=True)
    key = str(uuid.uuid4())
    with pytest.raises(ApiException) as failure:
        api.push_message(text_push(), x_line_retry_key=key)
    assert failure.value.status == 500
    with pytest.raises(ApiException) as retry:
        api.push_message(text_push(), x_line_retry_key=key)
    assert retry.value.status == 409
    assert platform.push_count == 1


def test_fault_kind_times_and_any(platform, api):
    platform.inject("reply", status=503, times=2)
    api.push_message(text_push())              # a push is not affected by a reply fault
    for _ in range(2):
        with pytest.raises(ApiException) as failure:
            api.reply_message(ReplyMessageRequest(
                reply_token=platform.issue_reply_token(USER), messages=[TextMessage(text="x")]))
        assert failure.value.status == 503
    platform.inject("any", status=500)
    with pytest.raises(ApiException):
        api.push_message(text_push())
    token = platform.issue_reply_token(USER)
    api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="y")]))
    assert [r.kind for r in platform.sent] == ["push", "reply"]


def test_delay_simulates_a_hang_that_was_accepted(platform, api):
    platform.inject("push", status=200, delay=1.0)
    key = str(uuid.uuid4())
    started = time.monotonic()
    with pytest.raises(Exception):  # noqa: B017 - the client gives up (any error); LINE goes on and accepts
        api.push_message(text_push(), x_line_retry_key=key, _request_timeout=0.3)
    assert time.monotonic() - started < 0.9
    platform.wait_for(1, user_id=USER, timeout=5)
    with pytest.raises(ApiException) as retry:
        api.push_message(text_push(), x_line_retry_key=key)
    assert retry.value.status == 409
    assert platform.push_count == 1


def test_delay_then_failure(platform, api):
    platform.inject("push", status=500, delay=0.2)
    started = time.monotonic()
    with pytest.raises(ApiException):
        api.push_message(text_push())
    assert time.monotonic() - started >= 0.2
    assert platform.sent == []


# ---- waiting, loading, quota -------------------------------------------------------------

def test_wait_for_blocks_until_messages_arrive(platform, api):
    def later():
        time.sleep(0.2)
        api.push_message(PushMessageRequest(to=USER, messages=[
            TextMessage(text="a"), TextMessage(text="b")]))
    threading.Thread(target=later).start()
    messages = platform.wait_for(2, user_id=USER, timeout=5)
    assert [m["text"] for m in messages] == ["a", "b"]
    found = platform.wait_for(lambda ms: any(m["text"] == "b" for m in ms), timeout=1)
    assert len(found) == 2
    with pytest.raises(TimeoutError):
        platform.wait_for(3, user_id=USER, timeout=0.1)


def test_loading_animation_is_recorded(platform, api, raw):
    response = api.show_loading_animation_with_http_info(
        ShowLoadingAnimationRequest(chat_id=USER, loading_seconds=10))
    assert response.status_code == 202
    assert [(r.user_id, r.seconds) for r in platform.loading] == [(USER, 10)]
    assert platform.loading_active(USER)
    api.push_message(text_push())
    assert not platform.loading_active(USER)
    bad = raw.post("/v2/bot/chat/loading/start", json={"chatId": USER, "loadingSeconds": 7})
    assert bad.status_code == 400 and bad.json()["details"][0]["property"] == "loadingSeconds"


def test_quota_and_consumption(platform, api):
    assert api.get_message_quota().type == "none"
    api.push_message(PushMessageRequest(to=USER, messages=[TextMessage(text="1"),
                                                           TextMessage(text="2")]))
    api.push_message(text_push())
    api.reply_message(ReplyMessageRequest(reply_token=platform.issue_reply_token(USER),
                                          messages=[TextMessage(text="free")]))
    assert api.get_message_quota_consumption().total_usage == 2


def test_monthly_push_limit_answers_429():
    platform = LinePlatform(SECRET, TOKEN, monthly_push_limit=1)
    auth = f"Bearer {TOKEN}"
    body = {"to": USER, "messages": [{"type": "text", "text": "x"}]}
    assert platform.push(body, auth).status == 200
    refused = platform.push(body, auth)
    assert refused.status == 429 and "monthly limit" in refused.body["message"]
    assert platform.quota(auth).body == {"type": "limited", "value": 1}


# ---- rich menus ----------------------------------------------------------------------------

def test_rich_menu_lifecycle_with_sdk_and_blob_upload(platform, host):
    with ApiClient(Configuration(host=host, access_token=TOKEN)) as client:
        api, blob = MessagingApi(client), MessagingApiBlob(client)
        created = api.create_rich_menu(RichMenuRequest(
            size=RichMenuSize(width=2500, height=843), selected=True, name="main",
            chat_bar_text="メニュー", areas=[RichMenuArea(
                bounds=RichMenuBounds(x=0, y=0, width=2500, height=843),
                action=PostbackAction(label="相談", data="menu=consult"))]))
        menu_id = created.rich_menu_id
        with pytest.raises(ApiException) as no_image:
            api.set_default_rich_menu(menu_id)
        assert no_image.value.status == 400
        uploaded = blob.set_rich_menu_image_with_http_info(
            menu_id, body=b"\x89PNG\r\n\x1a\nfake", _headers={"Content-Type": "image/png"})
        assert uploaded.status_code == 200
        assert platform.rich_menus[menu_id].image.startswith(b"\x89PNG")
        api.set_default_rich_menu(menu_id)
        assert platform.default_rich_menu_id == menu_id
        assert api.get_default_rich_menu_id().rich_menu_id == menu_id
        listed = api.get_rich_menu_list().richmenus
        assert [m.rich_menu_id for m in listed] == [menu_id]
        assert listed[0].chat_bar_text == "メニュー"
        api.delete_rich_menu(menu_id)
        assert platform.rich_menus == {} and platform.default_rich_menu_id is None
        with pytest.raises(ApiException) as gone:
            blob.set_rich_menu_image(menu_id, body=b"x", _headers={"Content-Type": "image/png"})
        assert gone.value.status == 404


def test_make_user_id_shape():
    ids = {make_user_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 33 and i[0] == "U" and int(i[1:], 16) >= 0 for i in ids)
