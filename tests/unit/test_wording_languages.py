"""The three languages of the wording: every sentence a resident must understand exists in
standard Japanese, やさしい日本語 and English, with the same placeholders; the easy Japanese
keeps to the guidelines' checkable rules; the English is English."""
from __future__ import annotations

import re
import string

import pytest

from bot import wording
from bot.wording import say, speaking

# What a resident must understand (issue 12): the greeting and the consent summary (the terms
# card), the crisis reply, "received / when a person will read", the window cards' labels,
# deletion — and what is needed to get there (the language switch, hours, the safety question).
MUST_UNDERSTAND = (
    "onboarding.greeting", "onboarding.welcome_back", "onboarding.terms_title",
    "onboarding.terms_points", "onboarding.terms_question", "onboarding.terms_read",
    "onboarding.terms_alt", "onboarding.consent_button_yes", "onboarding.consent_button_no",
    "onboarding.consent_thanks", "onboarding.declined", "onboarding.declined_reminder",
    *[f"crisis.{k}" for k in ("feeling", "feeling_high", "danger_now", "danger_if", "lines_below",
                              "pre_consent_note", "heading_open", "heading_unknown",
                              "heading_closed", "button_call", "button_police",
                              "button_ambulance", "alt_danger")],
    *[f"consultation.{k}" for k in (
        "emergency_alerted", "emergency_alerted_off_hours", "emergency_queued",
        "emergency_queued_off_hours", "emergency_stay", "emergency_again", "safety_ask",
        "safety_yes", "safety_no", "safety_unsure", "safety_heard", "high_offer",
        "high_staff_held", "menu_emergency", "meanwhile", "staff_ack", "staff_held_need",
        "queued", "queued_repeat", "asks_person", "when_open", "when_closed", "moment_today",
        "moment_day", "weekdays", "hours_label", "after_hours_lines", "windows_intro",
        "windows_intro_no_area", "windows_intro_outside", "button_staff", "button_more",
        "button_fine", "listen_first", "pick_window", "pick_phone", "pick_hours")],
    *[f"flex.{k}" for k in wording._catalogue_of("flex")],
    *[f"hours.{k}" for k in wording._catalogue_of("hours")],
    *[f"commands.{k}" for k in ("delete_confirm", "delete_yes", "delete_no", "deleted",
                                "delete_cancelled", "processing_error")],
    "language.choose", "language.switched",
)
TRANSLATED = ("easy", "en")


def placeholders(sentence: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(sentence) if name}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_must_understand_key_is_translated(language):
    own = wording.translations(language)
    missing = [key for key in MUST_UNDERSTAND if key not in own]
    assert missing == []
    assert all(key in wording._catalogue() for key in MUST_UNDERSTAND)


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_are_of_existing_keys_with_the_same_placeholders(language):
    standard = wording._catalogue()
    for key, sentence in wording.translations(language).items():
        assert key in standard, f"{language}: {key} is not a key of the standard wording"
        assert placeholders(sentence) == placeholders(standard[key]), key


def test_a_key_without_translation_falls_back_to_standard_japanese():
    assert "consultation.family_words" not in wording.translations("en")
    with speaking("en"):
        assert say("consultation.family_words") == wording._catalogue()["consultation.family_words"]
        assert say("crisis.heading_open") == "You can call now"
    assert say("crisis.heading_open") == "いま電話できる窓口"        # outside: standard again


def _outside_quotes(sentence: str) -> str:
    """The sentence without 「…」 quotes and （…）/(…) asides (Japanese names kept there)."""
    return re.sub(r"「[^」]*」|（[^）]*）|\([^)]*\)", "", sentence)


JAPANESE = re.compile(r"[\u3040-\u30fa\u30fc-\u30ff\u3400-\u9fff]")     # kana and kanji, not ・


@pytest.mark.parametrize("key", sorted(wording.translations("en")))
def test_english_sentences_are_english(key):
    sentence = wording.translations("en")[key]
    assert JAPANESE.findall(_outside_quotes(sentence)) == [], key
    assert all(len(line) <= 200 for line in sentence.splitlines())


# やさしい日本語 (在留支援のためのやさしい日本語ガイドライン): short sentences, no honorific
# stacking or humble forms, no double negatives, kanji with readings (checked: the hardest
# words of the standard wording never appear without their reading).
HONORIFIC = ("いただ", "させて", "ございません", "ご確認", "お問い合わせ", "おつなぎ", "承知", "くださいませ")
DOUBLE_NEGATIVE = ("なくはない", "ないわけではない", "ないことはない", "なくもない")
NEEDS_READING = ("相談", "電話", "窓口", "記録", "削除", "警察", "救急", "時間", "市役所")
READING = re.compile(r"\([ぁ-ゖー]+\)")


@pytest.mark.parametrize("key", sorted(wording.translations("easy")))
def test_easy_japanese_follows_the_guidelines(key):
    sentence = wording.translations("easy")[key]
    plain = READING.sub("", sentence)
    assert not any(word in plain for word in HONORIFIC), key
    assert not any(word in plain for word in DOUBLE_NEGATIVE), key
    for one in re.split(r"[。？！\n]", plain):
        assert len(one) <= 60, f"{key}: a long sentence: {one}"
    for word in NEEDS_READING:
        for found in re.finditer(word, sentence):
            assert READING.match(sentence, found.end()) or re.match(
                r"\([ぁ-ゖー]+\)", sentence[found.end():]) or _read_inside(sentence, found), \
                f"{key}: {word} without its reading"


def _read_inside(sentence: str, found: re.Match[str]) -> bool:
    """相談(そうだん)員(いん) style or a reading that covers a longer word: 市役所(しやくしょ)."""
    rest = sentence[found.start():]
    return bool(re.match(r"[\u3400-\u9fff]+\([ぁ-ゖー]+\)", rest))


# Standard words already easy (はい, ひきこもり), or separators and formats of digits.
EASY_AS_STANDARD = {"consultation.topic_join", "consultation.field_hikikomori",
                    "consultation.safety_yes", "consultation.safety_no",
                    "consultation.safety_unsure", "consultation.moment_day", "hours.day_join",
                    "hours.range", "hours.range_join"}


@pytest.mark.parametrize("language", TRANSLATED)
def test_translated_sentences_differ_from_the_standard(language):
    """A translation copied from the standard by mistake is caught (or listed here, why)."""
    standard = wording._catalogue()
    same = {key for key, sentence in wording.translations(language).items()
            if sentence == standard[key]}
    assert same == (EASY_AS_STANDARD if language == "easy" else set())
