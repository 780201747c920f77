"""Risk cues written as regular expressions (lexicon.yaml, section ``cues``).

Each class is one compiled alternation, matched on the normalised text and on its hiragana
copy (katakana folded), so ﾀﾞﾝﾅ / ダンナ / だんな and kanji spellings all meet the same rule.
Hits come back as (class, start, end, matched text) with character offsets into the
normalised text; the analyzer turns them into token-indexed hits and classifies them
(negated, metaphor, past, media) like every other risk word.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from .lexicon import LEXICON_PATH
from .prefilter import first_chars

# classes that can raise the risk level (the others only qualify or cancel a cue)
TRIGGER_CLASSES = frozenset({"farewell", "farewell_weak", "finality", "ideation_extra", "finality_weak", "means",
                             "place", "in_progress", "person_danger", "child_danger",
                             "assault_now", "threat_now"})


@lru_cache(maxsize=1)
def load_cues(path: str | None = None) -> dict[str, re.Pattern]:
    p = Path(path) if path else LEXICON_PATH
    with open(p, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    out: dict[str, re.Pattern] = {}
    for cls, pats in (data.get("cues") or {}).items():
        pats = [str(x) for x in pats or []]
        if pats:
            out[cls] = re.compile("|".join(f"(?:{x})" for x in pats))
    return out


@lru_cache(maxsize=1)
def _cue_list() -> tuple[tuple[str, re.Pattern, frozenset | None], ...]:
    """(class, regex, the characters a match can start with or None)."""
    return tuple((cls, rx, first_chars(rx)) for cls, rx in load_cues().items())


def find_cues(text: str, hira: str) -> list[tuple[str, int, int, str]]:
    """Per-class scans.  (One merged alternation with a named group per class was measured
    4-5x slower on the bench corpus: CPython's re then loses each class's literal-prefix and
    charset optimisations and tries every alternative at every position.)  The hiragana copy
    differs from the text only where it has katakana; without any, it is not scanned.  A class
    none of whose first characters occurs in the text (or its hiragana copy) is skipped."""
    found: list[tuple[str, int, int, str]] = []
    if hira == text:
        chars = set(text)
        for cls, rx, first in _cue_list():
            if first is not None and first.isdisjoint(chars):
                continue
            for m in rx.finditer(text):
                s, e = m.span()
                if e > s:
                    found.append((cls, s, e, text[s:e]))
        return found
    seen: set[tuple[str, int, int]] = set()
    chars = set(text)
    chars.update(hira)
    for cls, rx, first in _cue_list():
        if first is not None and first.isdisjoint(chars):
            continue
        for src in (text, hira):
            for m in rx.finditer(src):
                s, e = m.span()
                if e <= s:
                    continue
                k = (cls, s, e)
                if k not in seen:
                    seen.add(k)
                    found.append((cls, s, e, text[s:e]))
    return found
