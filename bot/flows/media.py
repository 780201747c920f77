"""Stickers, images and other media: the bot cannot read them. It says so kindly and
honestly, asks for words, and keeps the resident where they were (the intake question or
the consent asked again), so a resident always gets a reply and never loses their place.

Nothing of the media is stored or fetched: LINE keeps the content, the bot never downloads
it, and staff do not see it (the wording says so).
"""
from __future__ import annotations

from typing import Any, Callable

from bot.flows import onboarding
from bot.flows.actions import Action, Say
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.flows.state import Step
from bot.line import linemsg
from bot.wording import say

KINDS = ("sticker", "media")          # Inbound kinds (bot.flows.context.Inbound.from_event)

# The question to ask again after the answer, in the steps that wait for one.
_QUESTION_AGAIN: dict[Step, Callable[[], dict[str, Any]]] = {
    Step.RELATION: onboarding.relation_question,
    Step.AGE: onboarding.age_question,
    Step.AREA: onboarding.area_question,
}


def is_media(inbound: Inbound) -> bool:
    return inbound.kind in KINDS


def answer(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    body = say("media.sticker" if inbound.kind == "sticker" else "media.image")
    if view.step in (Step.TERMS, Step.DECLINED):
        # Before consent: the consent buttons again, not the whole terms.
        body += "\n" + say("media.before_consent")
        return [Say([linemsg.text(body, onboarding.consent_quick_replies())])]
    again = _QUESTION_AGAIN.get(view.step)
    return [Say([linemsg.text(body)] + ([again()] if again else []))]
