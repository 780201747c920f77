"""Casework input rules (pure): when 本人同意 was given, the 多機関協働 agencies, label names.
Each parser returns the clean value or raises BadInput with a reason staff can read."""
from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from bot import clock

CONSENT_METHOD_LABELS = {"line": "LINE", "phone": "電話", "in_person": "対面"}
CONSENT_PAST_LIMIT = timedelta(days=366)     # older than this is a typo, not a record
CLOCK_SKEW = timedelta(minutes=5)            # a browser clock a little ahead is fine
MAX_AGENCIES = 10
MAX_AGENCY_CHARS = 100
MAX_AGENCIES_TEXT = 2000
LABEL_CHARS = (1, 40)


class BadInput(ValueError):
    """The reason is shown to staff with a 400."""


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cf") for char in text)


def parse_given_at(value: str, now: datetime) -> datetime:
    """A JST date and time from the form (`YYYY-MM-DDTHH:MM`, as a datetime-local input
    sends it), as aware UTC; not in the future, not more than a year back."""
    try:
        local = datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise BadInput("同意を得た日時を正しく入れてください（例: 2026-04-01T10:30）。") from None
    at = clock.from_jst(local)
    if at > now + CLOCK_SKEW:
        raise BadInput("同意を得た日時が未来になっています。")
    if at < now - CONSENT_PAST_LIMIT:
        raise BadInput("同意を得た日時が1年以上前になっています。日付を確かめてください。")
    return at


def parse_consent_method(value: str) -> str:
    if value not in CONSENT_METHOD_LABELS:
        raise BadInput("同意の方法（LINE・電話・対面）を選んでください。")
    return value


def parse_agencies(text: str) -> list[str]:
    """One agency per line: 1 to 10 names of at most 100 characters, duplicates dropped."""
    if len(text) > MAX_AGENCIES_TEXT:
        raise BadInput(f"関係機関の欄が長すぎます（{MAX_AGENCIES_TEXT}文字まで）。")
    names: list[str] = []
    for line in text.splitlines():
        name = unicodedata.normalize("NFKC", line).strip()
        if not name:
            continue
        if _has_control(name):
            raise BadInput("関係機関の名前に使えない文字が含まれています。")
        if len(name) > MAX_AGENCY_CHARS:
            raise BadInput(f"関係機関の名前は{MAX_AGENCY_CHARS}文字までです。")
        if name not in names:
            names.append(name)
    if not names:
        raise BadInput("関わっている関係機関を1行に1つずつ入れてください。")
    if len(names) > MAX_AGENCIES:
        raise BadInput(f"関係機関は{MAX_AGENCIES}件までです。")
    return names


def parse_label_name(value: str) -> str:
    name = unicodedata.normalize("NFKC", value).strip()
    low, high = LABEL_CHARS
    if not low <= len(name) <= high or _has_control(name):
        raise BadInput(f"ラベル名は{low}〜{high}文字で、改行などを含めずに入れてください。")
    return name
