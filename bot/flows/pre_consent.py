"""Before terms consent: nothing is stored and no one is alerted, but risk is still read —
crisis lines come first — and a need still gets the windows to call directly.

Decision (docs/conversation.md): without consent the message goes nowhere, so the bot
says so honestly and offers the consent that lets staff see it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from bot.flows.common import analyze
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.flows.crisis import card, states_for
from bot.line import linemsg
from bot.wording import say

if TYPE_CHECKING:
    from bot.nlp.result import Analysis


def _analysis(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> Optional[Analysis]:
    if inbound.kind != "text" or not (inbound.text or "").strip():
        return None
    try:
        return analyze(view, inbound.text or "", ctx, with_context=False)
    except Exception:          # the reminder and the crisis numbers still go out
        return None


def crisis_messages(analysis: Optional[Analysis], ctx: FlowContext) -> list[dict[str, Any]]:
    """The crisis reply alone (no terms in the same reply: they come with the next message):
    the feeling received, 110/119 when the danger is now, the lines open now first, and
    the honest note that nothing was recorded or passed on."""
    if analysis is None or analysis.risk == "none":
        return []
    danger_now = analysis.risk == "emergency"
    said = [say("crisis.feeling" if danger_now else "crisis.feeling_high"),
            say("crisis.danger_now" if danger_now else "crisis.danger_if"),
            say("crisis.lines_below"), say("crisis.pre_consent_note")]
    states = states_for(ctx, analysis.risk, analysis.risk_kinds, analysis.field_keys)
    return [linemsg.text("\n".join(said)), card(states, danger_now=danger_now)]


def crisis_first(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[dict[str, Any]]:
    """The crisis reply, when the message carries risk (else nothing)."""
    return crisis_messages(_analysis(view, inbound, ctx), ctx)


def answer(view: ResidentView, inbound: Inbound,
           ctx: FlowContext) -> tuple[list[dict[str, Any]], bool]:
    """(messages, whether they are the crisis reply): at most two messages, the crisis reply
    (risk), or the windows for a need."""
    analysis = _analysis(view, inbound, ctx)
    crisis = crisis_messages(analysis, ctx)
    if crisis:
        return crisis, True
    if analysis is None or not analysis.fields:
        return [], False
    from bot.flows.windows import carousel_messages  # noqa: PLC0415
    area = None
    if analysis.area:
        found = ctx.directory.resolve_area(ctx.municipality, town=analysis.area)
        area = found if found.status == "resolved" else None
    shown = carousel_messages(ctx, analysis.field_keys[:3], area)
    if not shown.count:
        return [], False
    return [linemsg.text(say("consultation.pre_consent_windows")), shown.messages[-1]], False


def area_profile(ctx: FlowContext, typed: Optional[str], lat: Optional[float] = None,
                 lng: Optional[float] = None) -> dict[str, Any]:
    """The resolved area for the intake's area answer (empty when not resolved)."""
    directory = ctx.directory
    try:
        if lat is not None and lng is not None:
            found = directory.resolve_area(ctx.municipality, lat=lat, lng=lng)
            return {"area_town": found.town} if found.status == "resolved" and found.town else {}
        if typed:
            found = directory.resolve_area(ctx.municipality, text=typed)
            if found.status == "unknown":
                found = directory.resolve_area(ctx.municipality, town=typed)
            if found.status == "resolved":
                return {"area_town": found.town, "area_lat": found.lat, "area_lng": found.lng}
    except KeyError:
        pass
    return {}
