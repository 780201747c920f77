"""A consultation message: tagged, stored with its analysis, and answered at once.

Order of the paths (the first that applies answers; every answer is one reply of at most
five messages, so it all goes in the reply token):

1. emergency — crisis reply first (bot.flows.emergency), even while staff hold the case;
   unsure whether the danger is now (grey zone, or high) — ask directly (はい/いいえ/わからない),
   and the answer to that question when it is typed; not confidently calm — queued as 要確認;
2. the answer to the area question (also while staff hold the case);
   staff hold the case — no talking over them, but a new need still gets windows
   (bot.flows.to_staff.staff_held);
3. high risk — empathy, lines, windows, staff (bot.flows.emergency.high);
4. asking for a person; 5. entangled household (多機関協働, share consent);
6. a need in one or more fields — reflection and windows near the resident;
7. practical questions (bot.flows.questions); 8. listening.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.cases import STAFF_HELD
from bot.flows import commands, emergency, questions, to_staff, windows
from bot.flows.actions import Action, Escalate, RecordInbound, UpdateCase
from bot.flows.common import analyze, reflection, reply, staff_quick_replies, stay, text
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.flows.crisis import card, states_for
from bot.flows.state import Step
from bot.hours import describe, is_open_at
from bot.line import linemsg
from bot.wording import say

if TYPE_CHECKING:
    from bot.nlp.result import Analysis

LISTEN_TURNS_BEFORE_OFFER = 2
MENU_ACTIONS = ("consult", "windows", "staff", "emergency", "help")


def handle(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    if inbound.kind == "postback":
        return on_postback(view, inbound, ctx)
    if inbound.kind == "location":
        return windows.on_location(view, inbound, ctx)
    if inbound.kind != "text" or not (inbound.text or "").strip():
        if view.case_status in STAFF_HELD:
            return to_staff.staff_held(view, None, ctx)
        return [reply(text("consultation.listen_first"))]
    return on_text(view, inbound, ctx)


def on_text(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    body = inbound.text or ""
    typed = body.strip()
    analysis = analyze(view, body, ctx)
    if view.case_risk == "emergency" and analysis.risk == "emergency":
        # judged over the recent messages: is this message itself a new emergency?
        alone = analyze(view, body, ctx, with_context=False)
        if alone.risk != "emergency":
            analysis = _with_risk(analysis, alone)
    stored = record(analysis)
    if analysis.risk == "emergency":
        return stored + emergency.emergency(view, analysis, ctx)
    if view.data.awaiting == "safety":
        answer = emergency.SAFETY_TYPED.get(typed.rstrip("。.!！").lower())
        if answer:
            return stored + emergency.on_safety_answer(view, answer, ctx)
    elif analysis.ask and not _answers_the_area_question(view, ctx, typed):
        return stored + emergency.ask_safety(view, analysis, ctx)
    if analysis.review and view.case_status not in STAFF_HELD:
        stored.append(Escalate("normal", ["review"]))  # 要確認: not confidently calm, a person reads it
    if view.data.awaiting in ("area", "area_text", "postal") and analysis.risk != "high" and (
            not analysis.field_keys or windows.names_a_place(view, ctx, typed)):
        answered = windows.on_typed_area(view, ctx, typed)
        if answered is not None:
            return stored + answered
    if view.case_status in STAFF_HELD:
        return stored + to_staff.staff_held(view, analysis, ctx)
    if analysis.risk == "high":
        return stored + emergency.high(view, analysis, ctx)
    button = _button_typed(typed)
    if button:
        return stored + on_button(view, button, ctx)
    if "asks_person" in analysis.handoff_reasons or "asks_person" in analysis.intents:
        lead = [linemsg.text(reflection(analysis, analysis.field_keys))] if analysis.fields else []
        return stored + to_staff.asks_person(view, ctx, lead)
    if "entangled" in analysis.handoff_reasons:
        return stored + to_staff.entangled(view, analysis, ctx)
    if analysis.fields:
        return stored + need(view, analysis, ctx)
    answered = questions.answer(view, analysis, ctx, inbound)
    if answered is not None:
        return stored + answered
    return stored + listen(view, ctx)


def _answers_the_area_question(view: ResidentView, ctx: FlowContext, typed: str) -> bool:
    """A place name given as the area answer adds nothing to the risk the earlier messages
    showed (they were read, and asked about if needed, when they came): not a reason to ask."""
    return view.data.awaiting in ("area", "area_text", "postal") and windows.names_a_place(view, ctx, typed)


def record(analysis: Analysis) -> list[Action]:
    """The message with its tags, evidence and risk; the case keeps the union."""
    return [RecordInbound(analysis.text, analysis=analysis.to_dict(), risk=analysis.risk),
            UpdateCase(fields=analysis.field_keys, risk=analysis.risk,
                       patterns=list(analysis.patterns), area=analysis.area)]


def need(view: ResidentView, analysis: Analysis, ctx: FlowContext) -> list[Action]:
    fields = analysis.field_keys[:3]
    lead = [linemsg.text(reflection(analysis, fields))]
    lead += questions.simple_answers(analysis, ctx)[:1]
    return windows.for_need(view, ctx, fields, lead, mentioned=analysis.area)


def listen(view: ResidentView, ctx: FlowContext) -> list[Action]:
    turns = view.data.listen + 1 if view.step == Step.CONSULT else 1
    if turns == 1:
        message = text("consultation.listen_first")
    elif turns <= LISTEN_TURNS_BEFORE_OFFER:
        message = text("consultation.listen_again")
    else:
        message = text("consultation.listen_offer", quick=[
            linemsg.quick_postback(say("consultation.button_staff"), "a=staff"),
            linemsg.quick_postback(say("consultation.listen_button_windows"), "a=windows"),
            linemsg.quick_postback(say("commands.menu_consult"), "a=menu"),
        ])
        turns = 0
    return [reply(message), stay(view, listen=turns or None)]


# Buttons -------------------------------------------------------------------------------
def _button_typed(typed: str) -> str | None:
    """The quick-reply labels, when typed (or sent by an older client) instead of tapped."""
    labels = {say("consultation.button_staff"): "staff", say("consultation.button_more"): "more",
              say("consultation.button_fine"): "fine"}
    labels.update(dict.fromkeys(say("consultation.button_staff_typed").split("|"), "staff"))
    return labels.get(typed)


def on_button(view: ResidentView, button: str, ctx: FlowContext) -> list[Action]:
    if button == "staff":
        if view.case_status in STAFF_HELD:
            return [reply(text("consultation.queued_repeat", when=_when(ctx)))]
        return to_staff.asks_person(view, ctx)
    if button == "more":
        return windows.more(view, ctx)
    return [reply(text("consultation.fine")), stay(view, listen=None, awaiting=None)]


def _when(ctx: FlowContext) -> str:
    from bot.flows.common import when_staff_answer  # noqa: PLC0415
    return when_staff_answer(ctx)


def on_postback(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    data = inbound.data
    wants, action = data.get("a"), data.get("action")
    if wants in MENU_ACTIONS:
        return menu_action(view, inbound, ctx)
    if wants in ("staff", "more", "fine"):
        return on_button(view, wants, ctx)
    if wants == "safety" and data.get("v") in emergency.SAFETY_ANSWERS:
        return emergency.on_safety_answer(view, data["v"], ctx)
    if wants == "share" and data.get("v") in ("yes", "no"):
        return to_staff.on_share(view, data["v"] == "yes")
    if action == "area":
        return windows.on_area_postback(view, inbound, ctx)
    if action == "pick_window":
        return pick_window(data.get("id", ""), ctx)
    if action == "no_phone":
        return [reply(text("consultation.no_phone", city=ctx.city,
                           quick=staff_quick_replies(more=False)))]
    if action == "no_map":
        return [reply(text("consultation.no_map"))]
    return [reply(commands.menu_message())]


def pick_window(window_id: str, ctx: FlowContext) -> list[Action]:
    try:
        window = ctx.directory.window(window_id)
    except KeyError:
        return [reply(commands.menu_message())]
    if window.opening is not None:
        state = say("hours.open_now" if is_open_at(window.opening, ctx.now) else "hours.closed_now")
        hours = say("consultation.pick_hours", hours=f"{describe(window.opening)}（{state}）")
    elif window.hours:
        hours = say("consultation.pick_hours", hours=window.hours)
    else:
        hours = say("consultation.pick_no_hours")
    contact = "\n".join([
        say("consultation.pick_phone", phone=window.phone) if window.phone
        else say("consultation.pick_no_phone"),
        hours,
    ])
    body = say("consultation.pick_window", name=window.name, contact=contact)
    return [reply(linemsg.text(body, staff_quick_replies()))]


# The rich menu (and the same actions from anywhere) -----------------------------------------
def is_menu_postback(inbound: Inbound) -> bool:
    return inbound.kind == "postback" and inbound.data.get("a") in MENU_ACTIONS


def menu_action(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    """相談する / 近くの窓口 / 相談員と話す / 緊急のとき / 使い方・プライバシー.
    Before terms consent: the emergency numbers, the help and the windows still answer;
    talking to staff and consulting need the consent first (nothing is stored without it)."""
    wants = inbound.data.get("a")
    consented = bool(view.terms_consent)
    if wants == "emergency":
        states = states_for(ctx, "emergency", ("suicide", "dv", "child"), limit=6)
        return [reply(text("consultation.menu_emergency"), card(states, danger_now=True))]
    if wants == "help":
        return [reply(text("consultation.menu_help", hours=ctx.hours.label(),
                           terms_url=ctx.terms_url))]
    if wants == "windows":
        if not consented:
            return [reply(text("consultation.ask_need"))]
        return windows.nearby(view, ctx)
    if not consented:
        from bot.flows import onboarding  # noqa: PLC0415 - the terms question
        return [reply(linemsg.text(say("onboarding.declined_reminder")),
                      onboarding.terms_message(ctx))]
    if wants == "staff":
        return on_button(view, "staff", ctx)
    return [reply(text("consultation.menu_consult")), stay(view, awaiting=None)]


def _with_risk(analysis: Analysis, alone: Analysis) -> Analysis:
    """The analysis with the risk of the message alone (the earlier emergency is already on
    the case and with staff)."""
    from dataclasses import replace  # noqa: PLC0415
    return replace(analysis, risk=alone.risk, risk_kinds=alone.risk_kinds,
                   risk_evidence=alone.risk_evidence,
                   handoff_reasons=[r for r in analysis.handoff_reasons if r != "risk"
                                    or alone.risk != "none"])


__all__ = ["handle", "is_menu_postback", "menu_action", "UpdateCase"]
