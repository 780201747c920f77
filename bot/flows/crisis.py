"""Crisis lines as text, always from the directory (official numbers, never typed here)."""
from __future__ import annotations

from bot.directory import get_directory


def line_text(line) -> str:
    hours = f"（{line.hours}）" if line.hours else ""
    return f"・{line.name} {line.number}{hours}"


def crisis_block(risk: str = "emergency", kinds: tuple[str, ...] = (),
                 fields: tuple[str, ...] = ()) -> str:
    lines = get_directory().national_lines_for(risk, list(kinds), list(fields))
    return "\n".join(line_text(line) for line in lines)
