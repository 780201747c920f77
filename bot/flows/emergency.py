"""Risk: the crisis reply first, in the same reply token; the case to the top of the queue;
the on-call alert. High risk: empathy, lines, windows, and staff."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Iterable

from bot.flows import windows
from bot.flows.actions import Action, Alert, Escalate, UpdateCase
from bot.flows.common import next_opening_text, reply, staff_quick_replies, stay, text, when_staff_answer
from bot.flows.context import FlowContext, ResidentView
from bot.flows.crisis import card, lines_text, states_for
from bot.line import linemsg
from bot.wording import say

if TYPE_CHECKING:
    from bot.nlp.result import Analysis


def crisis_messages(ctx: FlowContext, kinds: Iterable[str] = (), fields: Iterable[str] = (),
                    lead: str | None = None, note: str | None = None) -> list[dict[str, Any]]:
    """The feeling received (or `lead`), 110/119, then the lines that fit as a card with
    call buttons, open ones first (always the first messages of the reply)."""
    said = [lead or say("crisis.feeling"), say("crisis.danger_now"), say("crisis.lines_below")]
    if note:
        said.append(note)
    states = states_for(ctx, "emergency", kinds, fields)
    return [linemsg.text("\n".join(said)), card(states, danger_now=True)]


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
                             + lines_text(ctx, "emergency", kinds, fields, limit=2))
        return [Escalate("emergency", ["risk"]), Alert("update"), reply(again),
                stay(view, awaiting=None)]
    messages = [*crisis_messages(ctx, kinds, fields), linemsg.text(staff_told(ctx)),
                text("consultation.emergency_stay")]
    return [Escalate("emergency", ["risk"]), Alert("emergency"), reply(*messages),
            stay(view, awaiting=None)]


SAFETY_ANSWERS = ("yes", "no", "unsure")
SAFETY_TYPED = {"はい": "yes", "うん": "yes", "yes": "yes", "いいえ": "no", "いや": "no", "ない": "no",
                "no": "no", "わからない": "unsure", "分からない": "unsure", "わかんない": "unsure"}


def safety_question() -> dict[str, Any]:
    quick = [linemsg.quick_postback(say(f"consultation.safety_{key}"), f"a=safety&v={key}",
                                    display_text=say(f"consultation.safety_{key}"))
             for key in SAFETY_ANSWERS]
    return linemsg.text(say("consultation.safety_ask"), quick)


def ask_safety(view: ResidentView, analysis: Analysis, ctx: FlowContext) -> list[Action]:
    """Unsure whether the danger is now (the tagger's grey zone, or anything read as high):
    ask directly, as ゲートキーパー養成 teaches. The case reaches staff at once — as high, or
    as 要確認 — so a question left unanswered is still read by a person."""
    remember = stay(view, awaiting="safety", fields=analysis.field_keys or None)
    if analysis.risk == "high":
        return high(view, analysis, ctx, last=safety_question(), then=remember)
    return [Escalate("normal", ["review"]), reply(safety_question()), remember]


def on_safety_answer(view: ResidentView, answer: str, ctx: FlowContext) -> list[Action]:
    """はい or わからない: the crisis reply, an emergency, staff alerted. いいえ: keep listening
    (and show the windows for the need that was written, if any)."""
    fields = list(view.data.fields)
    if answer in ("yes", "unsure"):
        messages = [*crisis_messages(ctx, (), fields, lead=say("consultation.safety_heard")),
                    linemsg.text(staff_told(ctx)), text("consultation.emergency_stay")]
        return [UpdateCase(risk="emergency"), Escalate("emergency", ["risk", "safety_" + answer]),
                Alert("emergency"), reply(*messages), stay(view, awaiting=None, fields=None)]
    thanks = text("consultation.safety_thanks_no")
    if fields:
        answered = replace(view, data=view.data.changed(awaiting=None))
        return windows.for_need(answered, ctx, fields, [thanks])
    return [reply(thanks), stay(view, awaiting=None, fields=None)]


def high(view: ResidentView, analysis: Analysis, ctx: FlowContext, last: dict[str, Any] | None = None,
         then: Action | None = None) -> list[Action]:
    """Empathy, the lines, the windows, and `last` (by default the offer of staff)."""
    kinds, fields = analysis.risk_kinds, analysis.field_keys
    empathy = linemsg.text(say("crisis.feeling_high") + "\n" + say("crisis.danger_if"))
    lines = card(states_for(ctx, "high", kinds, fields))
    offer = last or linemsg.text(say("consultation.high_offer", when=when_staff_answer(ctx)),
                                 staff_quick_replies(more=False))
    actions: list[Action] = [Escalate("high", ["risk"])]
    area, remembered = windows.area_for(view, analysis.area, ctx)
    actions += remembered
    carousel: list[dict[str, Any]] = []
    if fields:
        found = windows.carousel_messages(ctx, fields, area)
        if found.count:
            actions.append(UpdateCase(windows_shown=True))
            carousel = found.messages[1:]    # the carousel alone: the lines say enough
    return actions + [reply(empathy, lines, *carousel, offer),
                      then or stay(view, fields=fields or None, awaiting=None)]
