"""Answers to follow-up check-ins (bot/followups sends them).

Buttons carry `a=fu&f=<follow-up id>&v=<answer>`:
- connected (つながった)  -> the case's outcome is recorded for the statistics
- not_yet (まだ)          -> a kind word and the way to a person
- talk (話を聞いてほしい)   -> the case is reopened into the staff queue
- fine (大丈夫です)        -> recorded, thanked
A typed message soon after a follow-up also answers it: the follow-up's case is reopened
(if it was closed) and the consultation flow reads the text as always, so risk is checked
and a worrying message goes to the queue.
"""
from __future__ import annotations

from typing import Any, Optional

from bot.flows.actions import Action, CancelFollowUps, Escalate, FollowUpAnswer, Say
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.line import linemsg
from bot.wording import say

ANSWERS = ("connected", "not_yet", "talk", "fine")
RESIDENT_WROTE = "resident_wrote"


def answer_data(followup_id: int, answer: str) -> str:
    return f"a=fu&f={followup_id}&v={answer}"


def quick_answer(followup_id: int, answer: str) -> dict[str, Any]:
    return linemsg.quick_postback(say(f"followup.label_{answer}"), answer_data(followup_id, answer))


def is_answer(inbound: Inbound) -> bool:
    return inbound.kind == "postback" and inbound.data.get("a") == "fu"


def on_answer(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    answer = inbound.data.get("v", "")
    try:
        followup_id: Optional[int] = int(inbound.data.get("f", ""))
    except ValueError:
        followup_id = None
    if answer not in ANSWERS:             # an old or altered button: thank, change nothing
        return [Say([linemsg.text(say("followup.answer_fine"))])]
    actions: list[Action] = [FollowUpAnswer(answer, followup_id)]
    if answer == "talk":
        actions.append(Escalate("normal", ["asks_person"]))
    reply_quick = [quick_answer(followup_id, "talk")] if (
        answer == "not_yet" and followup_id is not None) else None
    actions.append(Say([linemsg.text(say(f"followup.answer_{answer}"), reply_quick)]))
    return actions


def on_message(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    """Before the consultation flow reads a message: it may answer a follow-up, and it
    makes pending automatic follow-ups moot (as the policy says)."""
    if inbound.kind not in ("text", "location"):
        return []
    return [CancelFollowUps(RESIDENT_WROTE), FollowUpAnswer("text")]
