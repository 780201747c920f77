"""Picks the flow for an event: (state, event, context) -> actions. No I/O."""
from __future__ import annotations

from dataclasses import replace

from bot.flows import checkin, commands, consultation, language, media, onboarding
from bot.flows.actions import Action, SetProfile, SetReachable
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.flows.state import Step
from bot.wording import speaking


def route(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    """The actions for this event, every sentence in the resident's language (a request
    or an English message changes it first; bot.flows.language)."""
    chosen, how = language.choice(view, inbound)
    with speaking(chosen):
        if how == "asked":
            return language.switched(view, inbound, ctx, chosen)
        actions = _route(replace(view, language=chosen), inbound, ctx)
    if how == "detected":
        actions.insert(0, SetProfile({"language": chosen}))
    return actions


def _route(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    if inbound.kind == "unfollow":
        return [SetReachable(False)]
    if inbound.kind == "follow":
        return [SetReachable(True)] + onboarding.greet(view, inbound, ctx)
    if view.step == Step.NEW:
        # Someone who wrote before (or without) a follow event: start with the terms.
        return onboarding.greet(view, inbound, ctx)
    command = commands.match(view, inbound, ctx)
    if command is not None:
        return command
    if view.step == Step.DELETE_CONFIRM:
        return commands.on_delete_answer(view, inbound)
    if media.is_media(inbound):
        return media.answer(view, inbound, ctx)           # a sticker or a photo: words, please
    if consultation.is_menu_postback(inbound):
        return consultation.menu_action(view, inbound, ctx)     # rich menu, from any step
    if checkin.is_answer(inbound):
        return checkin.on_answer(view, inbound, ctx)
    step_handler = onboarding.STEPS.get(view.step)
    if step_handler is not None:
        return step_handler(view, inbound, ctx)
    return checkin.on_message(view, inbound, ctx) + consultation.handle(view, inbound, ctx)

