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
            "followup.checkin", "consultation.safety_", "flex.kind_")


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


NOT_SENTENCES = ("consultation.family_words",)     # a lookup table kept with the wording


@pytest.mark.parametrize("key", sorted(set(wording._catalogue()) - set(NOT_SENTENCES)))
def test_each_sentence_is_short_enough_for_a_phone_and_has_named_placeholders(key):
    sentence = wording._catalogue()[key]
    assert "{}" not in sentence
    assert all(len(line) <= 120 for line in sentence.splitlines())
