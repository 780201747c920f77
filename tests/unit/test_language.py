"""Choosing the language: the English detector, the typed requests, and the flows answering
in the chosen language (pure: route() with a stub tagger, as tests/unit/test_flows.py)."""
from __future__ import annotations

import json

import pytest

from bot.flows.actions import GoTo, SetProfile
from bot.flows.language import is_english, requested
from bot.flows.router import route
from bot.directory import get_directory
from bot.flows.state import Step
from tests.unit.test_flows import Tags, context, messages, resident, said, tagged, tapped


@pytest.mark.parametrize("text", [
    "Hello", "hi", "Help please", "I need help", "Can someone help me?",
    "My mother is sick and I don't know what to do",
    "I live in 太閤山 and I need help with money",          # a place name inside English
    "I want to die", "Where can I get advice about my child?",
])
def test_english_messages_are_detected(text):
    assert is_english(text)


@pytest.mark.parametrize("text", [
    "母の介護のことで相談したいです",
    "LINEで相談したいです", "お金がなくて困っています help",       # Japanese with English words
    "shinitai", "haha no kaigo de komatte imasu",                  # romaji is Japanese
    "ok", "yes", "no", "menu", "削除", "12345", "",                 # too little to tell
    "OK thanks です",
])
def test_japanese_and_short_messages_stay(text):
    assert not is_english(text)


@pytest.mark.parametrize("text, language", [
    ("やさしい日本語で", "easy"), ("やさしい日本語でおねがいします", "easy"),
    ("やさしいにほんごで", "easy"), ("簡単な日本語でお願いします。", "easy"),
    ("ｅａｓｙ　ｊａｐａｎｅｓｅ", "easy"), ("Easy Japanese please", "easy"),
    ("English please", "en"), ("english", "en"), ("English, please!", "en"),
    ("In English please", "en"), ("Can you speak English?", "en"), ("英語で", "en"),
    ("えいごでおねがいします", "en"), ("ENGLISH PLS", "en"),
    ("日本語で", "ja"), ("日本語", "ja"), ("ふつうの日本語でおねがいします", "ja"),
    ("Japanese please", "ja"),
    ("日本語がわからない", None), ("英語の先生のことで相談したい", None),
    ("やさしい日本語で書かれた資料がほしいのですが、どこでもらえますか", None),
])
def test_requests(text, language):
    assert requested(text) == language


def _text(actions) -> str:
    return json.dumps(messages(actions), ensure_ascii=False)


def test_an_english_message_is_answered_in_english_and_the_choice_kept():
    actions = route(resident(), said("Hello, I need some help"), context())
    assert SetProfile({"language": "en"}) in actions
    body = _text(actions)
    assert "Thank you for writing" in body and "ありがとう" not in body


def test_an_english_first_message_gets_the_greeting_and_terms_in_english():
    actions = route(resident("new", terms_consent=None), said("Hello, can you help me?"), context())
    body = _text(actions)
    assert "automatic assistant" in body and "Do you agree to these terms?" in body
    assert "I agree" in body and "110" in body
    assert GoTo(Step.TERMS) in actions


def test_kept_language_answers_japanese_messages_too():
    actions = route(resident(language="en"), said("こんにちは"), context())
    assert not any(isinstance(a, SetProfile) for a in actions)
    assert "Thank you for writing" in _text(actions)


def test_easy_japanese_on_request_then_kept():
    actions = route(resident(), said("やさしい日本語で"), context())
    assert SetProfile({"language": "easy"}) in actions
    assert "やさしい日本語(にほんご)で書(か)きます" in _text(actions)
    later = route(resident(language="easy"), said("どうしよう"), context())
    assert "AI（自動(じどう)の返事(へんじ)）" in _text(later)


def test_the_request_during_the_terms_shows_the_terms_again_in_that_language():
    actions = route(resident("onboarding.terms", terms_consent=None), said("English please"), context())
    body = _text(actions)
    assert "I will write in English" in body and "Do you agree to these terms?" in body
    assert not any(isinstance(a, GoTo) for a in actions)          # still waiting for consent


def test_the_menu_entry_asks_which_language_then_switches():
    asked = messages(route(resident(language="en"), tapped({"a": "lang"}), context()))
    labels = [item["action"]["label"] for item in asked[0]["quickReply"]["items"]]
    assert labels == ["日本語", "やさしい日本語", "English"]
    back = route(resident(language="en"), tapped({"a": "lang", "v": "ja"}), context())
    assert SetProfile({"language": "ja"}) in back
    assert "ふつうの日本語" in _text(back)


def test_crisis_reply_in_english_keeps_the_real_numbers_and_call_buttons():
    tags = Tags(**{"I want to die": tagged("I want to die", risk="emergency", kinds=("suicide",))})
    actions = route(resident(language="en"), said("I want to die"), context(tags))
    body = _text(actions)
    assert "call 110 (police) or 119 (ambulance)" in body
    assert "tel:0120279338" in body and "Call (0120-279-338)" in body      # よりそい, 24 h
    assert "Open now" in body and "24 hours" in body


def test_deletion_confirmation_in_english():
    asked = route(resident(language="en"), said("delete"), context())
    assert "It cannot be undone" in _text(asked)
    done = route(resident("delete.confirm", language="en"), tapped({"a": "delete", "v": "yes"}),
                 context())
    assert "Your records have been erased" in _text(done)


def _line_taking(languages: list[str], source: str | None):
    from bot.directory.models import NationalLine  # noqa: PLC0415
    line = get_directory().national_lines()[0]
    return NationalLine.model_validate({**line.model_dump(), "languages": languages,
                                        "languages_source": source})


def test_a_foreign_language_line_needs_its_official_source():
    with pytest.raises(ValueError, match="languages_source"):
        _line_taking(["en"], None)
    with pytest.raises(ValueError, match="ISO 639-1"):
        _line_taking(["English"], "https://example.jp/foreign")


def test_lines_are_marked_for_the_readers_language_only_where_recorded():
    from bot.flows.crisis import takes_reader_language  # noqa: PLC0415
    from bot.wording import speaking  # noqa: PLC0415
    english = _line_taking(["en", "zh"], "https://example.jp/foreign")
    chinese = _line_taking(["zh"], "https://example.jp/foreign")
    with speaking("en"):
        assert takes_reader_language(english) and not takes_reader_language(chinese)
    with speaking("easy"):
        assert takes_reader_language(chinese)
    assert not takes_reader_language(english)                 # standard Japanese: no mark
    # the shipped directory records no foreign-language line: nothing is claimed
    assert [line.key for line in get_directory().national_lines() if line.languages] == []
