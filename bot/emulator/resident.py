"""A resident's phone as LINE sees it: builds webhook events, signs them, posts them.

Events follow webhook.yml: destination, events[] with type, mode, timestamp (ms),
source, webhookEventId (ULID), deliveryContext, and a replyToken issued by the platform
for replyable events in active mode.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import itertools
import json
import secrets
from typing import Any

import httpx

from .platform import LinePlatform

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_message_ids = itertools.count(600000000000000001)


def make_user_id() -> str:
    return "U" + secrets.token_hex(16)


def make_ulid(ms: int) -> str:
    """26 Crockford base32 chars: 48-bit millisecond time then 80 random bits."""
    value = (ms & (2**48 - 1)) << 80 | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def signature_for(body: bytes, channel_secret: str) -> str:
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class ResidentPhone:
    def __init__(self, user_id: str, platform: LinePlatform, callback_url: str,
                 channel_secret: str, http: httpx.Client | None = None) -> None:
        self.user_id = user_id
        self.platform = platform
        self.callback_url = callback_url
        self.channel_secret = channel_secret
        self._owns_http = http is None
        self.http = http or httpx.Client(timeout=10.0)
        self.last_payload: dict[str, Any] | None = None

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> "ResidentPhone":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- what the resident does -------------------------------------------------------

    def follow(self, unblocked: bool = False) -> httpx.Response:
        return self._post_one("follow", follow={"isUnblocked": unblocked})

    def unfollow(self) -> httpx.Response:
        return self._post_one("unfollow", replyable=False)

    def say(self, text: str) -> httpx.Response:
        return self._post_one("message", message=self._text(text))

    def standby_say(self, text: str) -> httpx.Response:
        # Another channel has the chat: the event carries no reply token.
        return self._post_one("message", mode="standby", replyable=False,
                              message=self._text(text))

    def send_location(self, lat: float, lng: float, title: str | None = None,
                      address: str | None = None) -> httpx.Response:
        message: dict[str, Any] = {"id": str(next(_message_ids)), "type": "location",
                                   "latitude": lat, "longitude": lng}
        if title is not None:
            message["title"] = title
        if address is not None:
            message["address"] = address
        return self._post_one("message", message=message)

    def send_sticker(self, package_id: str, sticker_id: str, resource_type: str = "STATIC",
                     keywords: list[str] | None = None) -> httpx.Response:
        """A sticker message event (webhook.yml StickerMessageContent)."""
        message: dict[str, Any] = {"id": str(next(_message_ids)), "type": "sticker",
                                   "quoteToken": secrets.token_urlsafe(24),
                                   "packageId": package_id, "stickerId": sticker_id,
                                   "stickerResourceType": resource_type}
        if keywords:
            message["keywords"] = keywords[:15]
        return self._post_one("message", message=message)

    def send_image(self, content: bytes, content_type: str = "image/jpeg") -> httpx.Response:
        """An image message event (ImageMessageContent, contentProvider line): as on LINE,
        the webhook carries only the message ID; the bytes wait on the platform for
        GET /v2/bot/message/{id}/content."""
        message_id = str(next(_message_ids))
        self.platform.store_content(message_id, content, content_type)
        return self._post_one("message", message={
            "id": message_id, "type": "image", "quoteToken": secrets.token_urlsafe(24),
            "contentProvider": {"type": "line"}})

    def postback(self, data: str, params: dict[str, str] | None = None) -> httpx.Response:
        postback: dict[str, Any] = {"data": data}
        if params:
            postback["params"] = params
        return self._post_one("postback", postback=postback)

    def redeliver(self, last_event_payload: dict[str, Any] | None = None) -> httpx.Response:
        """Post a payload again as LINE's redelivery does: same webhookEventIds and reply
        tokens (by now possibly used or expired), isRedelivery true."""
        payload = copy.deepcopy(last_event_payload or self.last_payload)
        if payload is None:
            raise ValueError("nothing to redeliver")
        for event in payload["events"]:
            event["deliveryContext"] = {"isRedelivery": True}
        return self.post_events(payload["events"], destination=payload.get("destination"))

    # ---- what the resident sees ---------------------------------------------------------

    @property
    def messages(self) -> list[dict]:
        return self.platform.messages_for(self.user_id)

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[dict]:
        return self.platform.wait_for(count, user_id=self.user_id, timeout=timeout)

    # ---- building and posting -----------------------------------------------------------

    def event(self, kind: str, mode: str = "active", replyable: bool = True,
              **fields: Any) -> dict[str, Any]:
        ms = int(self.platform.clock() * 1000)
        event: dict[str, Any] = {
            "type": kind,
            "mode": mode,
            "timestamp": ms,
            "source": {"type": "user", "userId": self.user_id},
            "webhookEventId": make_ulid(ms),
            "deliveryContext": {"isRedelivery": False},
        }
        if replyable and mode == "active":
            event["replyToken"] = self.platform.issue_reply_token(self.user_id)
        event.update(fields)
        return event

    def post_events(self, events: list[dict[str, Any]], sign: bool = True,
                    signature: str | None = None, raw_body: bytes | None = None,
                    destination: str | None = None) -> httpx.Response:
        payload: Any = {"destination": destination or self.platform.bot_user_id,
                        "events": events}
        if raw_body is None:
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        else:
            body = raw_body
            try:
                payload = json.loads(raw_body)
            except ValueError:
                payload = None      # nothing a redelivery could repeat
        headers = {"content-type": "application/json; charset=utf-8"}
        if signature is not None:
            headers["x-line-signature"] = signature
        elif sign:
            headers["x-line-signature"] = signature_for(body, self.channel_secret)
        if isinstance(payload, dict):
            self.last_payload = payload
        return self.http.post(self.callback_url, content=body, headers=headers)

    def _post_one(self, kind: str, mode: str = "active", replyable: bool = True,
                  **fields: Any) -> httpx.Response:
        return self.post_events([self.event(kind, mode, replyable, **fields)])

    @staticmethod
    def _text(text: str) -> dict[str, Any]:
        return {"id": str(next(_message_ids)), "type": "text", "text": text,
                "quoteToken": secrets.token_urlsafe(24)}
