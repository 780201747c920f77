"""Area mention: the most specific town/district named in the message, as written."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from .lexicon import _trie_pattern

_FALLBACK_AREA_RE = re.compile(
    r"([一-龥]{1,4}(?:町|村))(?![一-龥])|([一-龥]{2,4})(?=に住んで|在住|に住む|地区)")
_AREA_STOP = {"市町村", "町村", "近所", "隣町", "実家", "地元", "田舎", "県外", "市外", "町内", "役場"}


_AREA_STOPLIST = frozenset({"一部", "中央", "工業団地", "流通センター", "入会地", "金属団地", "テクノプラザ"})
_PLACE_SUFFIX = "市町村区県郡"
# a place name may be followed by these (小杉駅, 大門地区, 太閤山在住, 七美周辺, 大門小, 新湊支所)
_AREA_AFTER = frozenset("駅地在周付近方支校区郵公図病小中高")
_HONORIFIC_RE = re.compile(r"(さん|くん|君|ちゃん|様|さま|先生|氏)")


def _is_kanji_ch(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch == "々"


@lru_cache(maxsize=32)
def _town_matcher(names: tuple[str, ...]) -> re.Pattern | None:
    """One trie regex for a town list (names of one character are too ambiguous to match)."""
    usable = sorted({n for n in names if n and len(n) >= 2 and n not in _AREA_STOPLIST})
    return re.compile(_trie_pattern(usable)) if usable else None


def _find_area(original: str, towns: Iterable[str]) -> str | None:
    names = towns if isinstance(towns, tuple) else tuple(towns)
    found: list[tuple[int, int, str]] = []
    rx = _town_matcher(names) if names else None
    if rx is not None:
        for m in rx.finditer(original):
            s, e, name = m.start(), m.end(), m.group(0)
            before = original[s - 1] if s else ""
            after = original[e] if e < len(original) else ""
            # inside a longer kanji word (東中野, 福島県, 山形弁, 原因) it is not this place
            if before and _is_kanji_ch(before) and before not in _PLACE_SUFFIX:
                continue
            if after and _is_kanji_ch(after) and not name.endswith(("町", "村", "地区")) and after not in _AREA_AFTER:
                continue
            if _HONORIFIC_RE.match(original, e):
                continue  # 中野さん
            found.append((s, e, name))
    if not found and not names:
        for m in _FALLBACK_AREA_RE.finditer(original):
            g = m.group(1) or m.group(2)
            if g and g not in _AREA_STOP and not g.endswith(("市役所", "役所")):
                found.append((m.start(), m.end(), g))
    if not found:
        return None

    def rank(item):
        s, e, name = item
        municipal = name.endswith(("県", "市", "郡", "都", "府", "道"))
        return (municipal, -len(name), s)

    return sorted(found, key=rank)[0][2]
