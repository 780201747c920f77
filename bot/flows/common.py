"""Small helpers the consultation paths share: one reply per event, state data, times."""
from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable

from bot.clock import from_jst, to_jst
from bot.directory import Directory
from bot.flows.actions import Action, GoTo, Say
from bot.flows.context import FlowContext, ResidentView
from bot.flows.state import Scratch, Step
from bot.line import linemsg
from bot.wording import say

if TYPE_CHECKING:
    from bot.nlp.result import Analysis, Span



def reply(*messages: dict[str, Any] | None) -> Say:
    """The one Say of an event: at most five messages, so it all goes in the reply token.
    The first messages matter most (crisis first), so the tail is what would be cut."""
    kept = [m for m in messages if m]
    return Say(kept[:linemsg.MESSAGES_PER_REQUEST])


def text(key: str, quick: list[dict[str, Any]] | None = None, **values: Any) -> dict[str, Any]:
    return linemsg.text(say(key, **values), quick)


def stay(view: ResidentView, **changes: Any) -> GoTo:
    """Stay in the consultation, keeping its scratch data (None resets a field)."""
    data = view.data if view.step == Step.CONSULT else Scratch()
    return GoTo(Step.CONSULT, data.changed(**changes))


def when_staff_answer(ctx: FlowContext) -> str:
    """When a person will read it, as a real time: today until closing (else the next
    opening after it), or the next opening — never a vague 'soon'."""
    hours = ctx.hours
    if hours.is_open(ctx.now):
        closes = datetime.combine(to_jst(ctx.now).date(), hours.closes)
        after_today = hours.next_opening(from_jst(closes))
        return say("consultation.when_open", closes=f"{hours.closes.hour}:{hours.closes.minute:02d}",
                   next=moment_text(after_today, ctx.now))
    return say("consultation.when_closed", next=next_opening_text(ctx))


def next_opening_text(ctx: FlowContext) -> str:
    return moment_text(ctx.hours.next_opening(ctx.now), ctx.now)


def moment_text(moment: datetime, now: datetime) -> str:
    local, today = to_jst(moment), to_jst(now).date()
    clock_text = f"{local.hour}:{local.minute:02d}"
    if local.date() == today:
        return say("consultation.moment_today", time=clock_text)
    return say("consultation.moment_day", month=local.month, day=local.day,
               weekday=say("consultation.weekdays").split()[local.weekday()], time=clock_text)


def staff_quick_replies(more: bool = True) -> list[dict[str, Any]]:
    items = [linemsg.quick_postback(say("consultation.button_staff"), "a=staff")]
    if more:
        items.append(linemsg.quick_postback(say("consultation.button_more"), "a=more"))
    items.append(linemsg.quick_postback(say("consultation.button_fine"), "a=fine"))
    return items


@lru_cache(maxsize=16)
def town_names(directory: Directory, municipality: str) -> tuple[str, ...]:
    try:
        return tuple(directory.town_names(municipality))
    except KeyError:
        return ()


def analyze(view: ResidentView, body: str, ctx: FlowContext, with_context: bool = True) -> Analysis:
    tagger = ctx.analyze
    if tagger is None:
        from bot.nlp import analyze as default_tagger  # the default tagger, loaded on first use
        tagger = default_tagger
    context = view.recent_texts if with_context else ()
    return tagger(body, context=context, towns=town_names(ctx.directory, ctx.municipality))


# Reflection: the resident's own words, never a diagnosis ---------------------------------
_CLAUSE_END = re.compile(r"[。．.!！?？\n、，,]")
QUOTE_MAX = 24


def heard_phrase(original: str, evidence: Iterable[Span]) -> str | None:
    """The clause of the resident's message that holds the strongest evidence, as they
    wrote it (short enough to quote back), else None."""
    spans = sorted((s for s in evidence if getattr(s, "text", "") and s.end > s.start),
                   key=lambda s: -(s.end - s.start))
    for span in spans:
        if span.end > len(original) or original[span.start:span.end] != span.text:
            continue
        start = max((m.end() for m in _CLAUSE_END.finditer(original, 0, span.start)), default=0)
        end_match = _CLAUSE_END.search(original, span.end)
        end = end_match.start() if end_match else len(original)
        clause = original[start:end].strip(" 　")
        if 2 <= len(clause) <= QUOTE_MAX:
            return clause
        if len(span.text) >= 3:
            return original[span.start:min(end, span.start + QUOTE_MAX)].strip(" 　")
    return None


def topics_text(fields: Iterable[str], limit: int = 2) -> str:
    names = [say(f"consultation.field_{key}") for key in list(fields)[:limit]]
    return say("consultation.topic_join").join(names)


def _pairs(key: str) -> list[tuple[str, str]]:
    pairs = [item.split("=", 1) for item in say(key).split("|") if "=" in item]
    return sorted(((w, s) for w, s in pairs), key=lambda p: -len(p[0]))


def family_word(original: str, evidence: Iterable[Span]) -> str | None:
    """The family member the resident wrote about, said politely (母 → お母さま): the one
    nearest before the evidence, else the first in the message."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for written, said in _pairs("consultation.family_words"):
        start = original.find(written)
        while start >= 0:
            end = start + len(written)
            if not any(a <= start < b for a, b in taken):
                found.append((start, said))
                taken.append((start, end))
            start = original.find(written, end)
    # only a family word in the same clause as the evidence: never guess whose need it is
    clauses = [(m.start(), m.end()) for m in re.finditer(r"[^。．.!！?？\n、，,]+", original)]
    for start, said in sorted(found):
        clause = next(((a, b) for a, b in clauses if a <= start < b), None)
        if clause and any(clause[0] <= s.start < clause[1] for s in evidence
                          if hasattr(s, "start")):
            return said
    return None


def reflection(analysis: Analysis, fields: list[str]) -> str:
    """A short mirror of what was heard, in the resident's terms — never a diagnosis."""
    topics = topics_text(fields)
    evidence = [span for tag in analysis.fields if tag.key in fields[:1] for span in tag.evidence]
    if len(fields) == 1 and fields[0] in say("consultation.family_fields").split():
        family = family_word(analysis.text, evidence)
        if family:
            return say("consultation.reflect_family", family=family, topics=topics_text(fields[:1]))
    return say("consultation.reflect", topics=topics)


def actions_only(actions: list[Action]) -> list[Action]:
    return [a for a in actions if not isinstance(a, Say)]
