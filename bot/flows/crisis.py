"""Crisis lines, always from the directory (official numbers and hours, never typed here),
with their state at this moment: open now first, then the ones whose hours are not known
here, then the closed ones with their hours. Never 「いつでも」 beside a closed line."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Literal

from bot.directory import Directory, NationalLine
from bot.flows.common import moment_text
from bot.flows.context import FlowContext
from bot.hours import describe, is_open_at, next_opening_at
from bot.line.lines_card import CardRow, lines_card
from bot.wording import language, say

EMERGENCY_NUMBERS = ("police", "ambulance")      # 110/119: named in the wording itself
Status = Literal["open", "unknown", "closed"]
ORDER: dict[str, int] = {"open": 0, "unknown": 1, "closed": 2}


@dataclass(frozen=True)
class LineNow:
    """A line as the resident should see it at this moment."""
    line: NationalLine
    status: Status
    hours: str | None              # the hours as text, None when not known here
    next_open: str | None = None   # closed lines: when they open next, as text

    @property
    def name(self) -> str:
        return name_without_number(self.line.name, self.line.number)

    def hours_text(self) -> str:
        """いま受付中・24時間 / 受付時間外・毎日16:00〜21:00、次は今日の16:00から / the note."""
        if self.status == "unknown":
            return self.line.hours_note or say("hours.unknown_now")
        state = say("hours.open_now" if self.status == "open" else "hours.closed_now")
        text = f"{state}・{self.hours}"
        if self.next_open:
            text += say("hours.range_join") + say("hours.next_open", when=self.next_open)
        return text


def name_without_number(name: str, number: str) -> str:
    """警察（110番） -> 警察: the number is shown once, right after the name."""
    for pattern in (r"「[^」]*{}[^」]*」", r"（[^（）]*{}[^（）]*）"):
        name = re.sub(pattern.format(re.escape(number)), "", name)
    return name.strip() or number


def now_state(line: NationalLine, ctx: FlowContext) -> LineNow:
    opening = line.opening_in(ctx.municipality)
    if opening is None:
        return LineNow(line, "unknown", None)
    if is_open_at(opening, ctx.now):
        return LineNow(line, "open", describe(opening))
    opens = next_opening_at(opening, ctx.now)
    return LineNow(line, "closed", describe(opening), moment_text(opens, ctx.now) if opens else None)


def by_state(lines: Iterable[NationalLine], ctx: FlowContext) -> list[LineNow]:
    """Open first, then unknown hours, then closed; the directory's priority within each."""
    states = [now_state(line, ctx) for line in lines]
    return sorted(states, key=lambda s: ORDER[s.status])      # stable: priority kept


def line_text(line: NationalLine) -> str:
    """A line without its state (the greeting's 110/119): its hours or its note."""
    opening = line.opening
    hours = describe(opening) if opening else line.hours_note
    return f"・{name_without_number(line.name, line.number)}：{line.number}" + (f"　{hours}" if hours else "")


def state_text(state: LineNow) -> str:
    return f"・{state.name}：{state.line.number}（{state.hours_text()}）"


def crisis_block(directory: Directory, risk: str = "emergency", kinds: tuple[str, ...] = (),
                 fields: tuple[str, ...] = ()) -> str:
    lines = directory.national_lines_for(risk, list(kinds), list(fields))
    return "\n".join(line_text(line) for line in lines)


def lines_for(directory: Directory, risk: str, kinds: Iterable[str] = (),
              fields: Iterable[str] = ()) -> list[NationalLine]:
    """The national lines that fit the situation, without 110/119 (the wording names those).
    Suicidal → いのちの電話, #いのちSOS, よりそい; violence → DV相談＋; a child → 189 …"""
    kinds = [k for k in kinds if k]
    lines = directory.national_lines_for(risk, kinds, list(fields))
    return [line for line in lines if line.key not in EMERGENCY_NUMBERS]


def states_for(ctx: FlowContext, risk: str, kinds: Iterable[str] = (), fields: Iterable[str] = (),
               limit: int = 4) -> list[LineNow]:
    """Up to `limit` lines that fit, open ones first; always at least one line to call
    (the open ones of the general list when nothing fitting is open)."""
    chosen = by_state(lines_for(ctx.directory, risk, kinds, fields), ctx)
    if not any(s.status == "open" for s in chosen):
        fallback = [s for s in by_state(lines_for(ctx.directory, "high"), ctx) if s.status == "open"]
        chosen = fallback[:1] + chosen
    return chosen[:limit]


def lines_text(ctx: FlowContext, risk: str, kinds: Iterable[str] = (),
               fields: Iterable[str] = (), limit: int = 4) -> str:
    """Up to `limit` lines as text, each with its state now."""
    return "\n".join(state_text(s) for s in states_for(ctx, risk, kinds, fields, limit))


def open_after_hours(ctx: FlowContext, fields: Iterable[str], limit: int = 3) -> list[LineNow]:
    """The national lines open now that fit these needs (the city being closed)."""
    wanted = set(fields)
    lines = [line for line in ctx.directory.national_lines()
             if wanted & set(line.after_hours_fields)]
    return [s for s in by_state(lines, ctx) if s.status == "open"][:limit]


def takes_reader_language(line: NationalLine) -> bool:
    """The line takes a language of a resident not reading standard Japanese: English for
    English, any other than Japanese for やさしい日本語 — only as the directory records it."""
    reading = language()
    return (reading == "en" and "en" in line.languages) or (reading == "easy" and bool(line.languages))


def card(states: list[LineNow], danger_now: bool = False) -> dict[str, Any]:
    """The lines as a Flex bubble with tap-to-call buttons (bot.line.lines_card)."""
    rows = [CardRow(s.name + (say("crisis.other_languages") if takes_reader_language(s.line) else ""),
                    s.line.number, s.line.tel, s.status, s.hours_text()) for s in states]
    return lines_card(rows, danger_now)
