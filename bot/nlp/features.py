"""Stage 3: the features the model reads — one function shared by training and scoring.

Three views of a message, so that no single text-processing step decides what it means:
- character n-grams (1-4) of a lightly folded surface (NFKC, lower case, katakana as hiragana,
  runs shortened to two, spaces between Japanese characters dropped). They survive dialect,
  kana spelling, typos and words the dictionary does not know.
- lemma unigrams and bigrams from fugashi over the normalised text (dialect endings folded).
- the rule stage's verdict as a handful of features (rule risk level, kinds, fields, intents),
  so the model learns how far to trust each rule.
Nothing here rewrites a kana or deletes a character the resident typed except runs and spaces.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from .normalize import normalize
from .tokenizer import Token, tokenize

CHAR_NGRAMS = (1, 2, 3, 4)
_SKIP_POS = frozenset({"補助記号", "空白"})
_KATA_TO_HIRA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}
_RUNS = re.compile(r"(.)\1{2,}")
_JA = r"[\u3040-\u30ff\u4e00-\u9fff々ー、。]"
_SPACE_BETWEEN_JA = re.compile(r"(?<=" + _JA + r")[ \t\u3000]+(?=" + _JA + r")")
_SPACES = re.compile(r"[ \t\u3000]+")


def folded_surface(text: str) -> str:
    """The text as the character n-grams see it (length may differ from the original)."""
    s = unicodedata.normalize("NFKC", text).lower().translate(_KATA_TO_HIRA)
    s = _RUNS.sub(r"\1\1", s)
    s = _SPACE_BETWEEN_JA.sub("", s)
    return _SPACES.sub(" ", s).strip()


def char_features(surface: str) -> Iterable[str]:
    padded = "^" + surface.replace("\n", "|") + "$"
    n = len(padded)
    for size in CHAR_NGRAMS:
        for i in range(n - size + 1):
            yield "c" + padded[i:i + size]


def word_features(tokens: list[Token]) -> Iterable[str]:
    prev = "^"
    for t in tokens:
        if t.pos1 in _SKIP_POS:
            prev = "|"
            continue
        lemma = t.lemma
        yield "w" + lemma
        yield "b" + prev + " " + lemma
        prev = lemma
    yield "b" + prev + " $"


def length_feature(surface: str) -> str:
    n = len(surface)
    return "len:" + ("1" if n <= 4 else "2" if n <= 12 else "3" if n <= 40 else "4" if n <= 120 else "5")


def rule_features(level: str, kinds: Iterable[str], fields: Iterable[str], intents: Iterable[str],
                  signals: Iterable[str] = ()) -> list[str]:
    out = ["r:risk=" + level]
    out += ["r:kind=" + k for k in kinds]
    out += ["r:field=" + f for f in fields]
    out += ["r:intent=" + i for i in intents]
    out += ["r:" + s for s in signals]
    return out


def text_features(text: str, tokens: list[Token] | None = None) -> set[str]:
    """Character and word features of one text (a message, or recent messages joined by \\n)."""
    if tokens is None:
        tokens = tokenize(normalize(text).text)
    surface = folded_surface(text)
    feats = set(char_features(surface))
    feats.update(word_features(tokens))
    feats.add(length_feature(surface))
    return feats
