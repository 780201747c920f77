"""Handing the case to staff: asking for a person, entangled households (多機関協働 and
share consent), and what the bot does while staff hold the case."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from bot.cases import CaseStatus
from bot.clock import as_utc
from bot.flows import windows
from bot.flows.actions import Action, Alert, Escalate, RecordConsent, UpdateCase
from bot.flows.common import reflection, reply, stay, text, when_staff_answer
from bot.flows.context import FlowContext, ResidentView
from bot.flows.crisis import lines_text
from bot.flows.state import Step
from bot.line import linemsg
from bot.wording import say

if TYPE_CHECKING:
    from bot.nlp.result import Analysis


def asks_person(view: ResidentView, ctx: FlowContext, lead: list[dict[str, Any]] | None = None,
                reasons: tuple[str, ...] = ("asks_person",)) -> list[Action]:
    body = (say("consultation.asks_person") + "\n" + when_staff_answer(ctx) + "\n\n"
            + say("consultation.meanwhile"))
    return [Escalate("normal", list(reasons)), reply(*(lead or []), linemsg.text(body)),
            stay(view, awaiting=None, listen=None)]


def share_question() -> dict[str, Any]:
    return linemsg.text(say("consultation.ask_share"), [
        linemsg.quick_postback(say("consultation.share_yes"), "a=share&v=yes"),
        linemsg.quick_postback(say("consultation.share_no"), "a=share&v=no"),
    ])


def entangled(view: ResidentView, analysis: Analysis, ctx: FlowContext) -> list[Action]:
    """Several fields entangled in one household: the city's 多機関協働 team, the share
    consent (本人同意) asked once, the case queued for staff."""
    fields = analysis.field_keys
    heard = reflection(analysis, fields)
    if analysis.patterns:
        from bot.nlp import PATTERN_LABELS  # noqa: PLC0415 - labels only
        labels = "・".join(PATTERN_LABELS.get(p, p) for p in analysis.patterns)
        heard += "\n" + say("consultation.pattern_note", labels=labels)
    explain = say("consultation.entangled", city=ctx.city) + "\n" + say(
        "consultation.queued", when=when_staff_answer(ctx))
    actions: list[Action] = [Escalate("normal", ["entangled"])]
    area, remembered = windows.area_for(view, analysis.area, ctx)
    actions += remembered
    found = windows.carousel_messages(ctx, fields, area, complex_case=True)
    carousel, shown = found.messages, found.count
    if shown:
        actions.append(UpdateCase(windows_shown=True))
    last = share_question() if view.share_consent is None else None
    return actions + [reply(linemsg.text(heard), *carousel, linemsg.text(explain), last),
                      stay(view, fields=fields, complex=True, shown=shown or None,
                           awaiting=None, listen=None)]


def on_share(view: ResidentView, granted: bool) -> list[Action]:
    key = "consultation.share_granted" if granted else "consultation.share_refused"
    return [RecordConsent("share", granted), reply(text(key))]


def staff_held(view: ResidentView, analysis: Optional[Analysis], ctx: FlowContext) -> list[Action]:
    """Staff have the case: the bot does not talk over them, but keeps helping. Risk is
    still checked (an emergency never reaches here: it gets the crisis reply); a new need
    is read and answered with windows (out of hours, the lines open now first); otherwise
    the receipt, with the real time a person will read it, once per stretch of messages
    (a stretch ends when staff write)."""
    actions: list[Action] = []
    if view.case_status == CaseStatus.PENDING:
        actions.append(Escalate("normal", []))      # the resident answered: back to staff
    if view.case_risk == "emergency":
        actions.append(Alert("update"))             # on-call hears of every later message
    acked = replace(view, data=view.data.changed(ack_at=ctx.now.isoformat()))
    if analysis is not None and analysis.risk == "high":
        body = say("consultation.high_staff_held",
                   lines=lines_text(ctx, "high", analysis.risk_kinds, analysis.field_keys, limit=2))
        return actions + [Escalate("high", ["risk"]), reply(linemsg.text(body)),
                          stay(acked)]
    if analysis is not None and analysis.fields:
        heard = reflection(analysis, analysis.field_keys[:3]) + "\n" + say(
            "consultation.staff_held_need", when=when_staff_answer(ctx))
        return actions + windows.for_need(acked, ctx, analysis.field_keys[:3], [linemsg.text(heard)],
                                          mentioned=analysis.area)
    if _acknowledged_in_stretch(view):
        return actions                              # staff will read it; nothing to add
    body = say("consultation.staff_ack", when=when_staff_answer(ctx))
    if view.case_risk == "emergency":
        body += "\n" + say("consultation.meanwhile")
    return actions + [reply(linemsg.text(body)), stay(acked)]


def _acknowledged_in_stretch(view: ResidentView) -> bool:
    ack = view.data.ack_at if view.step == Step.CONSULT else None
    if not ack:
        return False
    try:
        acked_at = datetime.fromisoformat(ack)
    except ValueError:
        return False
    return not (view.staff_replied_at and as_utc(view.staff_replied_at) > acked_at)
