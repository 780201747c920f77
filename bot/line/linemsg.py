"""Builders for LINE message objects (plain dicts in the Messaging API's JSON shape).

The SDK does not enforce LINE's size limits; a message that breaks one is refused by
LINE with a 400 and the resident gets nothing. Every builder here trims to the limit
instead, so a message we build can always be sent.
"""
from __future__ import annotations

from typing import Any, Iterable

TEXT_MAX = 5000          # UTF-16 code units
ALT_TEXT_MAX = 1500
QUICK_REPLY_LABEL_MAX = 20
QUICK_REPLY_ITEMS_MAX = 13
FLEX_LABEL_MAX = 40
POSTBACK_DATA_MAX = 300
URI_MAX = 1000
CAROUSEL_BUBBLES_MAX = 12
MESSAGES_PER_REQUEST = 5
SENDER_NAME_MAX = 20
SENDER_ICON_URL_MAX = 2000

Message = dict[str, Any]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut text to at most `limit` UTF-16 units, never splitting a surrogate pair."""
    if utf16_len(text) <= limit:
        return text
    budget = limit - utf16_len(ellipsis)
    out, used = [], 0
    for ch in text:
        width = utf16_len(ch)
        if used + width > budget:
            break
        out.append(ch)
        used += width
    return "".join(out) + ellipsis


def text(body: str, quick_replies: list[dict[str, Any]] | None = None) -> Message:
    message: Message = {"type": "text", "text": clip(body, TEXT_MAX)}
    if quick_replies:
        message["quickReply"] = {"items": quick_replies[:QUICK_REPLY_ITEMS_MAX]}
    return message


def postback_action(label: str, data: str, display_text: str | None = None,
                    label_max: int = QUICK_REPLY_LABEL_MAX) -> dict[str, Any]:
    action = {"type": "postback", "label": clip(label, label_max),
              "data": _postback_data(data)}
    if display_text:
        action["displayText"] = clip(display_text, 300)
    return action


def message_action(label: str, said: str, label_max: int = QUICK_REPLY_LABEL_MAX) -> dict[str, Any]:
    """A button that makes the resident 'say' a text, as if typed."""
    return {"type": "message", "label": clip(label, label_max), "text": clip(said, 300)}


def uri_action(label: str, uri: str, label_max: int = FLEX_LABEL_MAX) -> dict[str, Any] | None:
    """None when the URI cannot be sent (too long): a button without a target is worse
    than no button."""
    if len(uri) > URI_MAX:
        return None
    return {"type": "uri", "label": clip(label, label_max), "uri": uri}


def quick_postback(label: str, data: str, display_text: str | None = None) -> dict[str, Any]:
    return {"type": "action", "action": postback_action(label, data, display_text or label)}


def quick_message(label: str, said: str | None = None) -> dict[str, Any]:
    return {"type": "action", "action": message_action(label, said or label)}


def quick_location(label: str) -> dict[str, Any]:
    return {"type": "action", "action": {"type": "location", "label": clip(label, QUICK_REPLY_LABEL_MAX)}}


def flex(alt_text: str, contents: dict[str, Any],
         quick_replies: list[dict[str, Any]] | None = None) -> Message:
    message: Message = {"type": "flex", "altText": clip(alt_text, ALT_TEXT_MAX),
                        "contents": contents}
    if quick_replies:
        message["quickReply"] = {"items": quick_replies[:QUICK_REPLY_ITEMS_MAX]}
    return message


def carousel(bubbles: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "carousel", "contents": list(bubbles)[:CAROUSEL_BUBBLES_MAX]}


def with_sender(messages: Iterable[Message], name: str, icon_url: str | None) -> list[Message]:
    """The messages shown under another name and icon (LINE's `sender`). An icon URL too
    long to send is left out: the name alone still marks who wrote."""
    sender = {"name": clip(name, SENDER_NAME_MAX)}
    if icon_url and len(icon_url) <= SENDER_ICON_URL_MAX:
        sender["iconUrl"] = icon_url
    return [{**message, "sender": dict(sender)} for message in messages]


def _postback_data(data: str) -> str:
    if len(data.encode("utf-8")) > POSTBACK_DATA_MAX:
        raise ValueError("postback data over 300 bytes: keep postback data to short keys")
    return data


def batches(messages: list[Message]) -> list[list[Message]]:
    """Split a list of messages into requests of at most five."""
    return [messages[i:i + MESSAGES_PER_REQUEST]
            for i in range(0, len(messages), MESSAGES_PER_REQUEST)] or [[]]
