"""Text normalisation with an offset map back to the original text.

The pipeline (NFKC, half-width kana, full-width ASCII, lower-case Latin,
elongation collapse, spaces between Japanese characters, neologdn) is done
character by character so every normalised character remembers the index of
the original character it came from.  The original string is never changed.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import neologdn

from .dialect import standardise

_DASHES = "ー－―‐‑–—〜～~"
_SMALL_VOWELS = "ぁぃぅぇぉァィゥェォ"
_HALF_VOICED = "\uff9e\uff9f"  # ﾞ ﾟ
_FULL_VOWEL = dict(zip(_SMALL_VOWELS, "あいうえおあいうえお", strict=True))
_VOWEL_OF = {ch: v for v, row in zip("あいうえお", ("あかがさざただなはばぱまやらわ", "いきぎしじちぢにひびぴみり",
                                                 "うくぐすずつづぬふぶぷむゆる", "えけげせぜてでねへべぺめれ",
                                                 "おこごそぞとどのほぼぽもよろを"), strict=True) for ch in row}


def _is_japanese(ch: str) -> bool:
    o = ord(ch)
    return (
        0x3040 <= o <= 0x30FF  # kana
        or 0x4E00 <= o <= 0x9FFF  # CJK
        or 0x3400 <= o <= 0x4DBF
        or ch in "々〆ヵヶ、。「」・"
    )


def _is_hira(ch: str) -> bool:
    return "\u3041" <= ch <= "\u309f"


def _is_kanji(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or ch == "々"


@dataclass(frozen=True)
class Normalized:
    original: str
    text: str
    offsets: tuple[int, ...]  # offsets[i] = index in original of text[i]

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        if start < 0 or end > len(self.text) or start >= end:
            return -1, -1
        o_start = self.offsets[start]
        o_end = self.offsets[end - 1] + 1
        # extend over characters merged into the last one (e.g. half-width ﾞ)
        while o_end < len(self.original) and self.original[o_end] in _HALF_VOICED:
            o_end += 1
        return o_start, o_end


def _nfkc_chars(text: str) -> tuple[list[str], list[int]]:
    out: list[str] = []
    offs: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        # half-width kana + voicing mark compose into one character
        if j < n and text[j] in _HALF_VOICED:
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j])
        for c in piece:
            out.append(c)
            offs.append(i)
        i = j
    return out, offs


# Text the character loop below would leave unchanged: already NFKC, no upper-case Latin, no
# spaces/tabs, no elongation after kana/kanji, no small vowel after hiragana, no run of 3.
_NEEDS_LOOP = re.compile(r"^[" + _DASHES + r"]|[A-Z \t\r\u3000\u00a0]|[\u3041-\u309f\u4e00-\u9fff々" + _DASHES + r"][" + _DASHES
                         + r"]|[\u3041-\u309f][" + _SMALL_VOWELS + r"]|(.)\1\1")


@lru_cache(maxsize=4096)
def normalize(original: str) -> Normalized:
    """Cached: a resident's recent messages are normalised again as context of the next one."""
    if not _NEEDS_LOOP.search(original) and unicodedata.is_normalized("NFKC", original):
        return _finish(original, list(range(len(original))))
    chars, offs = _nfkc_chars(original)
    # dialect endings before elongation is folded (ねぇ and ね differ: 息してねぇ / 電話してね)
    dtext, offs = standardise("".join(chars), offs)
    chars = list(dtext)
    res: list[str] = []
    roffs: list[int] = []
    n = len(chars)
    for k in range(n):
        c = chars[k]
        if "A" <= c <= "Z":
            c = c.lower()
        elif c in "\u3000\t\r\u00a0":
            c = " "
        prev = res[-1] if res else ""
        # elongation after hiragana/kanji: しんどーい -> しんどい, 死にたぁい -> 死にたい
        if c in _DASHES and prev and (_is_hira(prev) or _is_kanji(prev)):
            continue
        if c in _SMALL_VOWELS and prev and _is_hira(prev) and prev not in "っ" and prev not in "ちしじふてでうヴ":
            # (ちぇ/ふぁ style digraphs are kept.) A small vowel that repeats the vowel before it,
            # or runs into a vowel, is elongation (だぁ, たぁい): dropped. Any other is a vowel
            # written small (しにたぃ, すごぃ): written full size, never deleted.
            full = _FULL_VOWEL[c]
            nxt = chars[k + 1] if k + 1 < n else ""
            if _VOWEL_OF.get(prev) == full or (nxt and nxt in "あいうえおー"):
                continue
            c = full
        if c in _DASHES and prev in _DASHES + "ー":
            continue
        # runs of the same kana / mark 3+ times collapse to one (つらいいいい)
        if c == prev and (_is_hira(c) or c in "!?w!?ッっ"):
            lo = k
            while lo > 0 and chars[lo - 1].lower() == c:
                lo -= 1
            hi = k
            while hi + 1 < n and chars[hi + 1].lower() == c:
                hi += 1
            if hi - lo + 1 >= 3:
                continue
        if c == " ":
            # drop spaces between Japanese characters (and runs of spaces)
            nxt = ""
            for m in range(k + 1, n):
                if chars[m] not in " \u3000\t":
                    nxt = chars[m]
                    break
            if not prev or prev == " " or prev == "\n":
                continue
            if _is_japanese(prev) and (not nxt or _is_japanese(nxt)):
                continue
        res.append(c)
        roffs.append(offs[k])
    return _finish(original, roffs, "".join(res))


# Characters neologdn leaves alone wherever they stand (checked exhaustively per character and
# between kana/Latin neighbours); a text made only of them, without a run of 4, skips neologdn.
_NEOLOGDN_SAFE = re.compile(r"[\u0021-\u007d\u3001-\u301b\u301d-\u302f\u3031-\u309a\u309d-\u30fb\u30fd-\u30ff\u4e00-\u9fff\uff00\uff02\uff07\uff3c\uff40\uff5f-\uff60\uff9e-\uffef\u2000-\u200f\u2016-\u2017\u201a-\u201b\u201e-\u2042\u2044-\u206f\U0001f300-\U0001faff\u2600-\u27bf\u00a0-\u00a4\u00a6-\u00ff]*")
_RUN4 = re.compile(r"(.)\1\1\1")


def _finish(original: str, roffs: list[int], text: str | None = None) -> Normalized:
    text = original if text is None else text
    if not text or (_NEOLOGDN_SAFE.fullmatch(text) and not _RUN4.search(text)):
        text, roffs = standardise(text, roffs)
        return Normalized(original, text, tuple(roffs))
    final = neologdn.normalize(text, repeat=3)
    if final != text:
        # compose the offset map through neologdn's edits
        new_offs: list[int] = []
        sm = difflib.SequenceMatcher(None, text, final, autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal":
                new_offs.extend(roffs[i1:i2])
            else:
                for q in range(j2 - j1):
                    src = min(i1 + q, max(i2 - 1, i1)) if i2 > i1 else max(i1 - 1, 0)
                    new_offs.append(roffs[src] if roffs else 0)
        text, roffs = final, new_offs
    text, roffs = standardise(text, roffs)
    return Normalized(original, text, tuple(roffs))


_KATA_TO_HIRA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}


def to_hiragana(text: str) -> str:
    """Katakana -> hiragana (length preserving)."""
    return text.translate(_KATA_TO_HIRA)
