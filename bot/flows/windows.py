"""Windows near the resident: ask the area first when it is unknown, remember the answer,
then the Flex carousel from the directory with the quick replies."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from bot.directory import AreaResolution
from bot.flows.actions import Action, SetProfile, UpdateCase
from bot.flows.common import next_opening_text, reply, staff_quick_replies, stay, text
from bot.flows.crisis import card, open_after_hours
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.flows.state import Scratch, Step
from bot.line import linemsg
from bot.line.flex import (CardContext, ambiguous_area_quick_reply, area_question_quick_reply,
                           windows_carousel)
from bot.line.linemsg import MESSAGES_PER_REQUEST
from bot.wording import say

PAGE = 5                 # windows per carousel
AREA_TEXT_MAX = 30       # a typed answer longer than this is a consultation, not a place


def known_area(view: ResidentView, ctx: FlowContext) -> Optional[AreaResolution]:
    """The resident's remembered area, resolved again (None when unknown)."""
    directory = ctx.directory
    try:
        if view.area_town:
            found = directory.resolve_area(ctx.municipality, town=view.area_town)
            if found.status == "resolved":
                return found
        if view.area_lat is not None and view.area_lng is not None:
            return directory.resolve_area(ctx.municipality, lat=view.area_lat, lng=view.area_lng)
    except KeyError:
        return None
    return None


def area_from_text(ctx: FlowContext, typed: str, postal: bool = False) -> AreaResolution:
    directory = ctx.directory
    digits = "".join(ch for ch in typed if ch.isdigit() or ch in "０１２３４５６７８９")
    if postal or len(digits) == 7:
        return directory.resolve_area(ctx.municipality, postal=typed)
    found = directory.resolve_area(ctx.municipality, text=typed)
    if found.status == "unknown":
        found = directory.resolve_area(ctx.municipality, town=typed.strip())
    return found


def area_for(view: ResidentView, named: Optional[str],
             ctx: FlowContext) -> tuple[Optional[AreaResolution], list[Action]]:
    """The remembered area, or else the one the message names (then remembered too)."""
    area = known_area(view, ctx)
    if named and area is None:
        found = ctx.directory.resolve_area(ctx.municipality, town=named)
        if found.status == "resolved":
            return found, remember(view, found)
    return area, []


def remember(view: ResidentView, area: AreaResolution) -> list[Action]:
    """Keep the area on the resident (only with consent) and on the case."""
    if area.status != "resolved" or not view.terms_consent:
        return []
    values = {"area_town": area.town, "area_lat": area.lat, "area_lng": area.lng}
    return [SetProfile(values), UpdateCase(area=area.town or area.label)]


def area_label(area: Optional[AreaResolution]) -> str | None:
    if area is None or area.status != "resolved":
        return None
    return area.label or area.town


@dataclass(frozen=True)
class Shown:
    """What a carousel reply holds: its messages, how many windows, whether more exist."""
    messages: list[dict[str, Any]]
    count: int = 0
    more: bool = False


def card_context(ctx: FlowContext, area: Optional[AreaResolution]) -> CardContext:
    try:
        main_phone = ctx.directory.municipality(ctx.municipality).main_phone
    except KeyError:
        main_phone = None
    return CardContext(now=ctx.now, city=ctx.city, main_phone=main_phone,
                       outside=bool(area and area.outside))


def carousel_messages(ctx: FlowContext, fields: list[str], area: Optional[AreaResolution],
                      complex_case: bool = False, offset: int = 0) -> Shown:
    """Intro text + carousel (and whether there are more windows), or nothing."""
    try:
        matches = ctx.directory.search(ctx.municipality, fields, area,
                                         complex_case=complex_case, limit=offset + PAGE + 1)
    except KeyError:
        matches = []
    page = matches[offset:offset + PAGE]
    if not page and offset == 0 and not complex_case:
        # nothing city-wide for the field and no place to measure from: the city's
        # coordinating department (多機関協働) takes any consultation
        return carousel_messages(ctx, fields, area, complex_case=True)
    if not page:
        return Shown([])
    label = area_label(area)
    if area is not None and area.outside:
        intro = say("consultation.windows_intro_outside", city=ctx.city)
    elif label:
        intro = say("consultation.windows_intro", area=label)
    else:
        intro = say("consultation.windows_intro_no_area")
    carousel = windows_carousel(page, card_context(ctx, area))
    return Shown([linemsg.text(intro), carousel], len(page), len(matches) > offset + PAGE)


AREA_QUESTIONS = ("area", "area_text", "postal")


def ask_area(view: ResidentView, ctx: FlowContext, lead: list[dict[str, Any]], fields: list[str],
             complex_case: bool = False) -> list[Action]:
    """Where the resident lives, to find the windows; out of hours the lines open now come
    first, so help that works tonight does not wait for the answer."""
    question = linemsg.text(say("consultation.ask_area"), area_question_quick_reply())
    tonight = after_hours_lead(ctx, fields)
    kept = lead[:max(1, MESSAGES_PER_REQUEST - len(tonight) - 1)]
    return [reply(*kept, *tonight, question),
            stay(view, awaiting="area", fields=fields, complex=complex_case or None)]


def after_hours_lead(ctx: FlowContext, fields: list[str]) -> list[dict[str, Any]]:
    """Out of the city's hours: the national lines open now that fit the need, as a card
    (before the daytime windows); nothing in hours or when none is open."""
    if ctx.hours.is_open(ctx.now):
        return []
    states = open_after_hours(ctx, fields)
    if not states:
        return []
    note = say("consultation.after_hours_lines", next=next_opening_text(ctx))
    return [linemsg.text(note), card(states)]


def show(view: ResidentView, ctx: FlowContext, fields: list[str],
         area: Optional[AreaResolution], lead: list[dict[str, Any]], complex_case: bool = False,
         extra: list[Action] | None = None) -> list[Action]:
    """The carousel for `fields` near `area`, after `lead`, with the quick replies; out of
    hours, the lines open now first."""
    if not fields:
        return [reply(*lead, text("consultation.ask_need")),
                stay(view, awaiting=None, fields=None), *(extra or [])]
    found = carousel_messages(ctx, fields, area, complex_case)
    # out of hours the lines open now, unless they came with the area question just now
    tonight = after_hours_lead(ctx, fields) if view.data.awaiting not in AREA_QUESTIONS else []
    if not found.count:
        return [reply(*lead, *tonight, text("consultation.windows_none", quick=staff_quick_replies(False))),
                stay(view, awaiting=None, fields=fields), *(extra or [])]
    after = text("consultation.after_windows", quick=staff_quick_replies(more=found.more))
    intro, carousel = found.messages
    if tonight:      # one text says both: the lines open now, then the daytime windows
        note, lines = tonight
        intro = linemsg.text(note["text"] + "\n\n" + intro["text"])
        rest = [intro, lines, carousel, after]
    else:
        rest = [intro, carousel, after]
    kept = lead[:max(1, MESSAGES_PER_REQUEST - len(rest))]
    return [reply(*kept, *rest), UpdateCase(windows_shown=True),
            stay(view, awaiting=None, fields=fields, complex=complex_case or None, shown=found.count,
                 listen=None), *(extra or [])]


def for_need(view: ResidentView, ctx: FlowContext, fields: list[str], lead: list[dict[str, Any]],
             mentioned: Optional[str] = None, complex_case: bool = False,
             ask_if_unknown: bool = True) -> list[Action]:
    """Windows for a need: the area named in the message, else the remembered one, else
    ask first (unless the resident chose to skip)."""
    learnt: list[Action] = []
    area = None
    if mentioned:
        found = ctx.directory.resolve_area(ctx.municipality, town=mentioned)
        if found.status == "resolved":
            area, learnt = found, remember(view, found)
    area = area or known_area(view, ctx)
    if area is None and ask_if_unknown and not view.data.area_skipped:
        return learnt + ask_area(view, ctx, lead, fields, complex_case)
    return learnt + show(view, ctx, fields, area, lead, complex_case)


def more(view: ResidentView, ctx: FlowContext) -> list[Action]:
    fields = list(view.data.fields or view.case_fields)
    offset = view.data.shown
    found = carousel_messages(ctx, fields, known_area(view, ctx), view.data.complex, offset)
    if not found.count:
        return [reply(text("consultation.more_windows_none", quick=staff_quick_replies(False)))]
    after = text("consultation.after_windows", quick=staff_quick_replies(more=found.more))
    return [reply(*found.messages, after), UpdateCase(windows_shown=True),
            stay(view, shown=offset + found.count)]


def nearby(view: ResidentView, ctx: FlowContext) -> list[Action]:
    """近くの窓口 (rich menu / menu): the case's fields near the resident, asking what is
    needed or where they live first when unknown."""
    fields = list(view.case_fields or view.data.fields or [])
    if not fields:                      # what is needed first; the area when it matters
        return [reply(text("consultation.ask_need")), stay(view, awaiting=None)]
    return for_need(view, ctx, fields, [])


def on_area_postback(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    """Answers to the area question (bot.line.flex quick replies)."""
    choice = inbound.data.get("choice")
    fields = list(view.data.fields or view.case_fields or [])
    complex_case = view.data.complex
    if choice == "text":
        example = "・".join(_examples(ctx))
        return [reply(text("consultation.ask_area_text", example=example)),
                stay(view, awaiting="area_text", fields=fields)]
    if choice == "postal":
        return [reply(text("consultation.ask_postal")), stay(view, awaiting="postal", fields=fields)]
    if choice == "town" and inbound.data.get("town"):
        found = ctx.directory.resolve_area(ctx.municipality, town=inbound.data["town"])
        return answered(view, ctx, found, fields, complex_case)
    # skip, or none of the offered towns: the city-wide windows
    key = "consultation.area_skipped" if choice == "skip" else "consultation.area_unknown"
    return show(_skipped(view), ctx, fields, None, [text(key)], complex_case)


def on_location(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    if inbound.lat is None or inbound.lng is None:
        return [reply(text("consultation.ask_area", quick=area_question_quick_reply()))]
    found = ctx.directory.resolve_area(ctx.municipality, lat=inbound.lat, lng=inbound.lng)
    fields = list(view.data.fields or view.case_fields or [])
    return answered(view, ctx, found, fields, view.data.complex, from_location=True)


def names_a_place(view: ResidentView, ctx: FlowContext, typed: str) -> bool:
    """A short answer that resolves to a place: the answer to the area question, even when
    the tagger reads a field into it (a town's name is not a new need)."""
    return len(typed) <= AREA_TEXT_MAX and area_from_text(
        ctx, typed, postal=view.data.awaiting == "postal").status == "resolved"


def on_typed_area(view: ResidentView, ctx: FlowContext, typed: str) -> list[Action] | None:
    """A typed answer while the area was asked; None when it is not a place (then the
    message is read as a consultation)."""
    if len(typed) > AREA_TEXT_MAX:
        return None
    found = area_from_text(ctx, typed, postal=view.data.awaiting == "postal")
    if found.status == "unknown" and view.data.awaiting == "area":
        return None
    fields = list(view.data.fields or view.case_fields or [])
    return answered(view, ctx, found, fields, view.data.complex)


def answered(view: ResidentView, ctx: FlowContext, found: AreaResolution, fields: list[str],
             complex_case: bool, from_location: bool = False) -> list[Action]:
    if found.status == "ambiguous":
        return [reply(linemsg.text(say("consultation.area_ambiguous"),
                                   ambiguous_area_quick_reply(found))),
                stay(view, awaiting="area", fields=fields)]
    if found.status != "resolved":
        return show(_skipped(view), ctx, fields, None, [text("consultation.area_unknown")],
                    complex_case)
    label = area_label(found) if not from_location else None
    lead = [text("consultation.area_saved", area=label)] if label and view.terms_consent else []
    return remember(view, found) + show(view, ctx, fields, found, lead, complex_case)


def _skipped(view: ResidentView) -> ResidentView:
    from dataclasses import replace
    data = view.data if view.step == Step.CONSULT else Scratch()
    return replace(view, data=data.changed(area_skipped=True))


def _examples(ctx: FlowContext) -> list[str]:
    try:
        areas = ctx.directory.municipality(ctx.municipality).areas
    except KeyError:
        return ["〇〇町"]
    names = [a.name for a in areas if a.kind != "catchment"][:2]
    return names or ["〇〇町"]
