"""Every sentence a resident reads is in bot/wording/*.yaml: each key the code names
exists, and each key in the files is used (directly, or by one of the families below)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import wording

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for folder in ("bot", "admin") for p in (ROOT / folder).rglob("*.py")]
LITERAL = re.compile(r"""\b(?:say|text|has)\(\s*["']([a-z_]+\.[a-z0-9_]+)["']""")
# Keys built at run time from a prefix (consultation.safety_ + yes/no/unsure: the safety question).
FAMILIES = ("consultation.field_", "consultation.ask_", "followup.label_", "followup.answer_",
            "onboarding.relation_", "flex.match_", "richmenu.", "followup.after_",
            "followup.checkin", "consultation.safety_", "flex.kind_", "language.label_")


def _source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in SOURCES)


def test_every_key_the_code_names_exists():
    missing = sorted({key for key in LITERAL.findall(_source()) if not wording.has(key)})
    assert missing == []


def test_every_key_in_the_files_is_used():
    source = _source()
    unused = [key for key in wording._catalogue()
              if f'"{key}"' not in source and f"'{key}'" not in source
              and not key.startswith(FAMILIES)]
    assert unused == []


NOT_SENTENCES = ("consultation.family_words",      # lookup tables kept with the wording
                 "consultation.button_staff_typed")


@pytest.mark.parametrize("key", sorted(set(wording._catalogue()) - set(NOT_SENTENCES)))
def test_each_sentence_is_short_enough_for_a_phone_and_has_named_placeholders(key):
    sentence = wording._catalogue()[key]
    assert "{}" not in sentence
    assert all(len(line) <= 120 for line in sentence.splitlines())


# Fit the phone: LINE wraps to the screen, so a line break by hand inside a sentence leaves
# a syllable or two alone on a line. A break may end a sentence (。！？), a label (：),
# a list item (・…), a heading (【…】), a whole-line note (（…）), a block filled in
# later ({lines}) or a sentence followed by one (…ました。{when}), or a line of data
# (電話：{phone}, 警察 110 ／ 救急 119).
SENTENCE_END = tuple("。！？!?：:")
PLACEHOLDER_LINE = re.compile(r"^\{[a-z_]+\}$")
SENTENCE_THEN_PLACEHOLDER = re.compile(r"[。！？]\{[a-z_]+\}$")   # 「…ました。{when}」
DATA_LINE = re.compile(r"^[^、。]*(?:[：:]\s*\S.*|\d)$")
STAFF_NAME = "相談員"
OTHER_STAFF_NAMES = ("担当者", "スタッフ")


def break_is_allowed(line: str) -> bool:
    line = line.strip()
    return (not line or line.endswith(SENTENCE_END) or line.startswith("・")
            or (line.startswith("【") and line.endswith("】"))
            or (line.startswith("（") and line.endswith("）"))
            or bool(PLACEHOLDER_LINE.match(line)) or bool(DATA_LINE.match(line))
            or bool(SENTENCE_THEN_PLACEHOLDER.search(line)))


def broken_mid_sentence(sentence: str) -> list[str]:
    """The lines after which `sentence` is broken by hand mid-sentence."""
    lines = sentence.split("\n")
    return [line for line in lines[:-1] if not break_is_allowed(line)]


@pytest.mark.parametrize("key", sorted(set(wording._catalogue()) - set(NOT_SENTENCES)))
def test_no_sentence_is_broken_by_hand(key):
    assert broken_mid_sentence(wording._catalogue()[key]) == []


@pytest.mark.parametrize("key", sorted(set(wording._catalogue()) - set(NOT_SENTENCES)))
def test_the_people_who_answer_have_one_name(key):
    sentence = wording._catalogue()[key]
    assert [name for name in OTHER_STAFF_NAMES if name in sentence] == []


def test_the_terms_page_calls_them_the_same():
    page = (ROOT / "bot" / "wording" / "terms.html").read_text(encoding="utf-8")
    assert STAFF_NAME in page and [n for n in OTHER_STAFF_NAMES if n in page] == []


def test_the_rule_catches_a_break_inside_a_sentence():
    assert broken_mid_sentence("ご家族のこと、お金のことなど、\nどんなことでも相談できます。") == [
        "ご家族のこと、お金のことなど、"]
    assert broken_mid_sentence("命の危険があるときは、\n{crisis}") == ["命の危険があるときは、"]
    assert broken_mid_sentence("書いて送っ\nてください。") == ["書いて送っ"]
    assert broken_mid_sentence("ありがとうございます。\n【使い方】\n・相談する\n電話：{phone}\n"
                               "警察 110 ／ 救急 119\n{lines}\n（例：七美）\nどうぞ。") == []
