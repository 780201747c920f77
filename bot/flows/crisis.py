"""Crisis lines as text, always from the directory (official numbers, never typed here)."""
from __future__ import annotations

import re
from typing import Iterable

from bot.directory import Directory, NationalLine


def _name_without_number(name: str, number: str) -> str:
    """警察（110番） -> 警察: the number is shown once, right after the name."""
    for pattern in (r"「[^」]*{}[^」]*」", r"（[^（）]*{}[^（）]*）"):
        name = re.sub(pattern.format(re.escape(number)), "", name)
    return name.strip() or number


def line_text(line: NationalLine) -> str:
    hours = f"　{line.hours}" if line.hours else ""
    return f"・{_name_without_number(line.name, line.number)}：{line.number}{hours}"


def crisis_block(directory: Directory, risk: str = "emergency", kinds: tuple[str, ...] = (),
                 fields: tuple[str, ...] = ()) -> str:
    lines = directory.national_lines_for(risk, list(kinds), list(fields))
    return "\n".join(line_text(line) for line in lines)


EMERGENCY_NUMBERS = ("police", "ambulance")      # 110/119: named in the wording itself


def lines_for(directory: Directory, risk: str, kinds: Iterable[str] = (),
              fields: Iterable[str] = ()) -> list[NationalLine]:
    """The national lines that fit the situation, without 110/119 (the wording names those).
    Suicidal → いのちの電話, #いのちSOS, よりそい; violence → DV相談＋; a child → 189 …"""
    kinds = [k for k in kinds if k]
    lines = directory.national_lines_for(risk, kinds, list(fields))
    return [line for line in lines if line.key not in EMERGENCY_NUMBERS]


def lines_text(directory: Directory, risk: str, kinds: Iterable[str] = (),
               fields: Iterable[str] = (), limit: int = 4) -> str:
    """Up to `limit` lines as text; always at least one line to call."""
    chosen = lines_for(directory, risk, kinds, fields)[:limit]
    if not chosen:
        chosen = lines_for(directory, "high")[:1]
    return "\n".join(line_text(line) for line in chosen)
