"""Intents of a message (greeting, thanks, asks for a person, asks about hours/phone/...)."""
from __future__ import annotations

from typing import Callable

from .result import INTENT_KEYS


def detect_intents(get: Callable[[str, str], list], in_text: Callable[[object], bool]) -> list[str]:
    intents: list[str] = []
    for key in INTENT_KEYS:
        if any(in_text(h) for h in get("intent", key)):
            intents.append(key)
    if "ask_phone" in intents and any(h.key in ("電話", "電話したい", "電話できる") for h in get("intent", "ask_phone")) \
            and not any(h.key in ("電話番号", "連絡先", "tel", "番号を教える", "電話で相談") for h in get("intent", "ask_phone")):
        intents.remove("ask_phone")
    return intents
