"""Practical questions the bot answers itself: hours, anonymity, cost, data, a window's
phone, 削除, メニュー; off-topic city questions get the city's general number politely."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.directory import normalize
from bot.flows import commands
from bot.flows.actions import Action
from bot.flows.common import reply, stay, text
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.wording import say

if TYPE_CHECKING:
    from bot.nlp.result import Analysis

SIMPLE = ("ask_hours", "ask_anonymity", "ask_cost", "ask_data")


def simple_answers(analysis: Analysis, ctx: FlowContext) -> list[dict[str, Any]]:
    """Answers to the questions that need no more than a sentence (hours, anonymity …)."""
    values: dict[str, Any] = {"hours": ctx.hours.label(), "retention_days": ctx.retention_days,
              "terms_url": ctx.terms_url}
    return [text(f"consultation.{intent}", **values)
            for intent in SIMPLE if intent in analysis.intents]


def general_contact_message(ctx: FlowContext) -> dict[str, Any]:
    # the city's own general number only: the 多機関協働 fallback of
    # Directory.general_contact is a welfare window, not where ごみ or 住民票 questions go
    directory, window = ctx.directory, None
    try:
        ref = directory.municipality(ctx.municipality).general_contact
        window = directory.window(ref) if ref else None
    except KeyError:
        window = None
    if window is not None and window.phone:
        return text("consultation.city_other_known", name=window.name, phone=window.phone)
    return text("consultation.city_other_unknown", city=ctx.city)


def named_windows(ctx: FlowContext, typed: str) -> list[Any]:
    """Windows of this municipality whose name the resident wrote."""
    wanted = normalize(typed)
    try:
        pool = ctx.directory.windows(ctx.municipality)
    except KeyError:
        return []
    found = [w for w in pool if w.status == "active" and len(w.name) >= 4
             and normalize(w.name.split("（")[0]) in wanted]
    return found[:3]


def answer(view: ResidentView, analysis: Analysis, ctx: FlowContext, inbound: Inbound) -> list[Action] | None:
    """Actions for a practical question, or None when the message is not one."""
    intents = set(analysis.intents)
    if "delete" in intents:
        return commands.match(view, Inbound("text", inbound.at, text="削除"), ctx)
    if "menu" in intents:
        return [reply(commands.menu_message())]
    messages = simple_answers(analysis, ctx)
    if "ask_phone" in intents:
        windows = named_windows(ctx, analysis.text)
        if windows:
            phones = "\n".join(f"・{w.name} {w.phone or say('consultation.pick_no_phone')}"
                               for w in windows)
            messages.append(text("consultation.ask_phone_found", phones=phones))
        else:
            messages.append(text("consultation.ask_phone_which"))
    if "city_other" in intents:
        messages.append(general_contact_message(ctx))
    if "ask_window" in intents and not messages:
        messages.append(text("consultation.ask_need"))
    if not messages:
        if "greeting" in intents:
            messages.append(text("consultation.greeting", city=ctx.city))
        elif "thanks" in intents:
            messages.append(text("consultation.thanks"))
    if not messages:
        return None
    return [reply(*messages[:4]), stay(view, awaiting=None)]
