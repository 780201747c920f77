"""LINE's request limits, checked the way the Messaging API checks them.

Each problem is an ErrorDetail ({"message", "property"}) whose property is the JSON path
LINE reports, e.g. "messages[0].quickReply.items[2].action.label".

The numbers are written here again, not imported from bot/line/linemsg.py, on purpose: the
emulator stands for LINE, so a wrong limit in the bot's own builders must be caught by it.
"""
from __future__ import annotations

import re
from typing import Any, Iterator
from urllib.parse import urlsplit

MESSAGES_PER_REQUEST = 5
TEXT_MAX = 5000             # UTF-16 code units
ALT_TEXT_MAX = 1500
CAROUSEL_BUBBLES_MAX = 12
QUICK_REPLY_ITEMS_MAX = 13
QUICK_REPLY_LABEL_MAX = 20
FLEX_LABEL_MAX = 40
POSTBACK_DATA_MAX = 300
DISPLAY_TEXT_MAX = 300
URI_MAX = 1000
SENDER_NAME_MAX = 20        # Sender.name (messaging-api.yml)
SENDER_ICON_URL_MAX = 2000  # Sender.iconUrl

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
USER_ID = re.compile(r"^U[0-9a-f]{32}$")
URI_SCHEMES = ("http://", "https://", "line://", "tel:", "mailto:")
MESSAGE_TYPES = {"text", "sticker", "image", "video", "audio", "location",
                 "imagemap", "template", "flex", "textV2"}

Detail = dict[str, str]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check_length(value: Any, limit: int, prop: str, minimum: int = 0) -> Iterator[Detail]:
    if not isinstance(value, str):
        yield {"message": "must be specified", "property": prop}
    elif not minimum <= utf16_len(value) <= limit:
        yield {"message": f"Length must be between {minimum} and {limit}", "property": prop}


def _size(items: Any, limit: int, prop: str) -> Iterator[Detail]:
    if not isinstance(items, list):
        yield {"message": "must be specified", "property": prop}
    elif not 1 <= len(items) <= limit:
        yield {"message": f"Size must be between 1 and {limit}", "property": prop}


def check_messages(messages: Any) -> list[Detail]:
    details = list(_size(messages, MESSAGES_PER_REQUEST, "messages"))
    if details:
        return details
    for i, message in enumerate(messages):
        details.extend(_check_message(message, f"messages[{i}]"))
    return details


def _check_message(message: Any, prop: str) -> Iterator[Detail]:
    if not isinstance(message, dict) or message.get("type") not in MESSAGE_TYPES:
        yield {"message": "must be specified", "property": f"{prop}.type"}
        return
    kind = message["type"]
    if kind in ("text", "textV2"):
        yield from check_length(message.get("text"), TEXT_MAX, f"{prop}.text", minimum=1)
    if kind in ("flex", "template", "imagemap"):
        yield from check_length(message.get("altText"), ALT_TEXT_MAX, f"{prop}.altText", minimum=1)
    if kind == "flex":
        yield from _check_flex(message.get("contents"), f"{prop}.contents")
    if kind == "template":
        yield from _walk_actions(message.get("template"), f"{prop}.template", QUICK_REPLY_LABEL_MAX)
    if "sender" in message:
        yield from check_sender(message["sender"], f"{prop}.sender")
    quick = message.get("quickReply")
    if quick is not None:
        items = quick.get("items") if isinstance(quick, dict) else None
        yield from _size(items, QUICK_REPLY_ITEMS_MAX, f"{prop}.quickReply.items")
        for j, item in enumerate(items if isinstance(items, list) else []):
            action = item.get("action") if isinstance(item, dict) else None
            yield from check_action(action, f"{prop}.quickReply.items[{j}].action",
                                     QUICK_REPLY_LABEL_MAX, label_required=True)


def check_sender(sender: Any, prop: str) -> Iterator[Detail]:
    """LINE's `sender` (change icon and display name): name at most 20 characters, without
    the word LINE; iconUrl a URL of at most 2000 characters over HTTPS. The emulator also
    takes http:// on a loopback host, so the demo (http://127.0.0.1) can show the icon."""
    if not isinstance(sender, dict):
        yield {"message": "must be an object", "property": prop}
        return
    name = sender.get("name")
    if name is not None:
        yield from check_length(name, SENDER_NAME_MAX, f"{prop}.name", minimum=1)
        if isinstance(name, str) and "line" in name.lower():
            yield {"message": "the word LINE may not be used", "property": f"{prop}.name"}
    icon = sender.get("iconUrl")
    if icon is not None:
        yield from check_length(icon, SENDER_ICON_URL_MAX, f"{prop}.iconUrl", minimum=1)
        if isinstance(icon, str) and not _https_or_loopback(icon):
            yield {"message": "invalid uri scheme (https required)",
                   "property": f"{prop}.iconUrl"}


def _https_or_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS


def _check_flex(contents: Any, prop: str) -> Iterator[Detail]:
    if not isinstance(contents, dict) or contents.get("type") not in ("bubble", "carousel"):
        yield {"message": "must be specified", "property": f"{prop}.type"}
        return
    if contents["type"] == "carousel":
        bubbles = contents.get("contents")
        yield from _size(bubbles, CAROUSEL_BUBBLES_MAX, f"{prop}.contents")
        if isinstance(bubbles, list):
            for k, bubble in enumerate(bubbles[:CAROUSEL_BUBBLES_MAX]):
                yield from _walk_actions(bubble, f"{prop}.contents[{k}]", FLEX_LABEL_MAX)
    else:
        yield from _walk_actions(contents, prop, FLEX_LABEL_MAX)


def _walk_actions(node: Any, prop: str, label_max: int) -> Iterator[Detail]:
    """Find every action object in a Flex/template tree and check it."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{prop}.{key}"
            if key in ("action", "defaultAction") and isinstance(value, dict):
                yield from check_action(value, child, label_max)
            else:
                yield from _walk_actions(value, child, label_max)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk_actions(value, f"{prop}[{i}]", label_max)


def check_action(action: Any, prop: str, label_max: int,
                  label_required: bool = False) -> Iterator[Detail]:
    if not isinstance(action, dict) or not isinstance(action.get("type"), str):
        yield {"message": "must be specified", "property": f"{prop}.type"}
        return
    label = action.get("label")
    if label is not None or (label_required and action["type"] not in ("location", "camera",
                                                                      "cameraRoll")):
        yield from check_length(label, label_max, f"{prop}.label", minimum=1)
    kind = action["type"]
    if kind == "postback":
        yield from check_length(action.get("data"), POSTBACK_DATA_MAX, f"{prop}.data", minimum=1)
        if action.get("displayText") is not None:
            yield from check_length(action["displayText"], DISPLAY_TEXT_MAX, f"{prop}.displayText")
    elif kind == "message":
        yield from check_length(action.get("text"), DISPLAY_TEXT_MAX, f"{prop}.text", minimum=1)
    elif kind == "uri":
        uri = action.get("uri")
        yield from check_length(uri, URI_MAX, f"{prop}.uri", minimum=1)
        if isinstance(uri, str) and len(uri) <= URI_MAX and not uri.startswith(URI_SCHEMES):
            yield {"message": "invalid uri scheme", "property": f"{prop}.uri"}
