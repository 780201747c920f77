"""A consultation message: stored on the case and acknowledged honestly.

The tagger plugs in here (ctx.analyze); this is the one place that changes when it does.
"""
from __future__ import annotations

from bot import linemsg
from bot.flows.actions import Action, RecordInbound, Say, UpdateCase
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.wording import say


def handle(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    if inbound.kind != "text" or not inbound.text:
        return [Say([linemsg.text(say("consultation.received"))])]
    return [RecordInbound(inbound.text), UpdateCase(),
            Say([linemsg.text(say("consultation.received"))])]
