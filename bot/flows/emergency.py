"""Risk: the crisis reply first, in the same reply token; the case to the top of the queue;
the on-call alert. High risk: empathy, lines, windows, and staff."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from bot.flows import windows
from bot.flows.actions import Action, Alert, Escalate, UpdateCase
from bot.flows.common import next_opening_text, reply, staff_quick_replies, stay, text, when_staff_answer
from bot.flows.context import FlowContext, ResidentView
from bot.flows.crisis import lines_text
from bot.line import linemsg
from bot.wording import say

if TYPE_CHECKING:
    from bot.nlp.result import Analysis


def crisis_message(ctx: FlowContext, kinds: Iterable[str] = (), fields: Iterable[str] = ()) -> dict[str, Any]:
    """110/119 and the lines that fit the situation, as one text (always the first)."""
    body = (say("consultation.emergency_now") + "\n\n"
            + say("consultation.emergency_lines", lines=lines_text(ctx.directory, "emergency", kinds, fields)))
    return linemsg.text(body)


def staff_told(ctx: FlowContext) -> str:
    """What is true about staff: alerted only when an on-call channel exists (the Alert
    action is always sent); out of hours, when they will read it."""
    open_now = ctx.hours.is_open(ctx.now)
    if ctx.on_call:
        if open_now:
            return say("consultation.emergency_alerted")
        return say("consultation.emergency_alerted_off_hours", next=next_opening_text(ctx))
    if open_now:
        return say("consultation.emergency_queued", when=when_staff_answer(ctx))
    return say("consultation.emergency_queued_off_hours", next=next_opening_text(ctx))


def emergency(view: ResidentView, analysis: Analysis, ctx: FlowContext) -> list[Action]:
    """A new emergency on this case: the full crisis reply, alert, top of the queue.
    A later message of a case already in emergency: a short receipt with 110/119, and staff
    are told again (every later message reaches them)."""
    kinds, fields = analysis.risk_kinds, analysis.field_keys
    if view.case_risk == "emergency":
        again = linemsg.text(say("consultation.emergency_again") + "\n"
                             + lines_text(ctx.directory, "emergency", kinds, fields, limit=2))
        return [Escalate("emergency", ["risk"]), Alert("update"), reply(again),
                stay(view, awaiting=None)]
    messages = [crisis_message(ctx, kinds, fields), linemsg.text(staff_told(ctx)),
                text("consultation.emergency_stay")]
    return [Escalate("emergency", ["risk"]), Alert("emergency"), reply(*messages),
            stay(view, awaiting=None)]


def high(view: ResidentView, analysis: Analysis, ctx: FlowContext) -> list[Action]:
    kinds, fields = analysis.risk_kinds, analysis.field_keys
    empathy = text("consultation.high_empathy")
    lines = text("consultation.high_lines", lines=lines_text(ctx.directory, "high", kinds, fields))
    offer = linemsg.text(say("consultation.high_offer", when=when_staff_answer(ctx)),
                         staff_quick_replies(more=False))
    actions: list[Action] = [Escalate("high", ["risk"])]
    area, remembered = windows.area_for(view, analysis.area, ctx)
    actions += remembered
    carousel: list[dict[str, Any]] = []
    if fields:
        carousel, shown = windows.carousel_messages(ctx, fields, area)
        if shown:
            actions.append(UpdateCase(windows_shown=True))
            carousel = carousel[1:]          # the carousel alone: the lines text says enough
    return actions + [reply(empathy, lines, *carousel, offer),
                      stay(view, fields=fields or None, awaiting=None)]
