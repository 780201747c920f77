"""Before terms consent: nothing is stored and no one is alerted, but risk is still read —
crisis lines come first — and a need still gets the windows to call directly.

Decision (docs/conversation.md): without consent the message goes nowhere, so the bot
says so honestly and offers the consent that lets staff see it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from bot.flows.common import analyze
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.flows.crisis import lines_text
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


def crisis_message(analysis: Optional[Analysis], ctx: FlowContext) -> Optional[dict[str, Any]]:
    if analysis is None or analysis.risk == "none":
        return None
    risk = analysis.risk
    lines = lines_text(ctx.directory, risk, analysis.risk_kinds, analysis.field_keys)
    parts = [say("consultation.pre_consent_crisis")]
    if risk == "emergency":
        parts += [say("consultation.emergency_now"),
                  say("consultation.emergency_lines", lines=lines)]
    else:
        parts.append(say("consultation.high_lines", lines=lines))
    parts.append(say("consultation.pre_consent_not_sent"))
    return linemsg.text("\n".join(parts))


def crisis_first(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[dict[str, Any]]:
    """The crisis message to put before anything else, when the message carries risk."""
    message = crisis_message(_analysis(view, inbound, ctx), ctx)
    return [message] if message else []


def answer(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[dict[str, Any]]:
    """At most two messages: crisis lines (risk), or the windows for a need."""
    analysis = _analysis(view, inbound, ctx)
    crisis = crisis_message(analysis, ctx)
    if crisis:
        return [crisis]
    if analysis is None or not analysis.fields:
        return []
    from bot.flows.windows import carousel_messages  # noqa: PLC0415
    area = None
    if analysis.area:
        found = ctx.directory.resolve_area(ctx.municipality, town=analysis.area)
        area = found if found.status == "resolved" else None
    messages, shown = carousel_messages(ctx, analysis.field_keys[:3], area)
    if not shown:
        return []
    return [linemsg.text(say("consultation.pre_consent_windows")), messages[-1]]


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
