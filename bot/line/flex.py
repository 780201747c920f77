"""LINE rendering of directory results: a carousel of windows and the area questions.

Limits (bubbles, labels, URIs, alt text, postback data) are enforced by the builders in
bot.line.linemsg; the words are in bot/wording/flex.yaml; this module only decides what
goes where."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from bot.directory.models import AreaResolution, Window, WindowMatch, tel_uri
from bot.hours import describe, is_open_at
from bot.line import linemsg
from bot.line.linemsg import CAROUSEL_BUBBLES_MAX, FLEX_LABEL_MAX, clip
from bot.wording import say


def maps_url(window: Window) -> str | None:
    """A Google Maps search URL. The printed address finds the building itself; the
    coordinates are only a town's representative point, so they are the fallback."""
    if window.address:
        return "https://www.google.com/maps/search/?api=1&query=" + quote(
            f"{window.address} {window.name}", safe="")
    if window.lat is not None and window.lng is not None:
        return f"https://www.google.com/maps/search/?api=1&query={window.lat:.6f},{window.lng:.6f}"
    return None


def _text(body: str, **extra: Any) -> dict[str, Any]:
    return {"type": "text", "text": body or " ", "wrap": True, **extra}


def _button(action: dict[str, Any] | None, style: str = "link") -> dict[str, Any] | None:
    if action is None:
        return None
    return {"type": "button", "style": style, "height": "sm", "action": action}


@dataclass(frozen=True)
class CardContext:
    """What a window card needs beyond the window: the moment (いま受付中 / 受付時間外),
    the city's main number (sourced) for a window without its own, and whether the
    resident's location lies outside the municipality."""
    now: datetime
    city: str
    main_phone: str | None = None
    outside: bool = False


def _hours_line(w: Window, card: CardContext, calls_city: bool) -> str:
    if w.opening is not None:
        state = say("hours.open_now" if is_open_at(w.opening, card.now) else "hours.closed_now")
        return say("flex.hours_now", state=state, hours=clip(describe(w.opening), 60))
    if w.hours:
        return say("flex.hours", hours=clip(w.hours, 60))
    return say("flex.hours_ask_city" if calls_city else "flex.hours_unknown")


def window_bubble(match: WindowMatch, card: CardContext) -> dict[str, Any]:
    w = match.window
    dist = match.distance_text
    calls_city = not w.phone and bool(card.main_phone)
    label = "flex.match_outside" if card.outside and match.match == "nearest" else f"flex.match_{match.match}"
    if w.phone:
        phone = say("flex.phone", phone=w.phone)
    elif card.main_phone:
        phone = say("flex.phone_city", city=card.city, phone=card.main_phone)
    else:
        phone = say("flex.phone_unknown")
    body = [
        _text(clip(w.name, 60), weight="bold", size="md", maxLines=2),
        _text(w.description or say(f"flex.kind_{w.kind}"), size="xs", maxLines=3),
        _text(say(label), size="xs", color="#2E7D32", maxLines=1),
        _text(say("flex.distance", distance=dist) if dist else say("flex.distance_unknown"),
              size="xs", color="#666666", maxLines=1),
        _text(clip(w.address, 80) if w.address else say("flex.address_unknown"), size="sm",
              maxLines=2),
        _text(_hours_line(w, card, calls_city), size="xs", color="#666666", maxLines=3),
        _text(phone, size="xs", maxLines=2),
    ]
    # Three buttons in every bubble, so the bubbles stay the same size.
    if w.tel:
        call = linemsg.uri_action(say("flex.button_call"), w.tel)
    elif card.main_phone:
        call = linemsg.uri_action(say("flex.button_call_city"), tel_uri(card.main_phone))
    else:
        call = linemsg.postback_action(say("flex.button_check_phone"), f"action=no_phone&id={w.id}",
                                       label_max=FLEX_LABEL_MAX)
    url = maps_url(w)
    mapb = (linemsg.uri_action(say("flex.button_map"), url) if url else None) or (
        linemsg.postback_action(say("flex.button_no_map"), f"action=no_map&id={w.id}",
                                label_max=FLEX_LABEL_MAX))
    pick = linemsg.postback_action(say("flex.button_pick"), f"action=pick_window&id={w.id}",
                                   display_text=say("flex.pick_said", name=clip(w.name, 40)),
                                   label_max=FLEX_LABEL_MAX)
    footer = [b for b in (_button(call, "primary"), _button(mapb), _button(pick)) if b]
    return {
        "type": "bubble", "size": "kilo",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
        "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": footer},
    }


def alt_text(matches: list[WindowMatch]) -> str:
    parts = []
    for m in matches[:CAROUSEL_BUBBLES_MAX]:
        w = m.window
        bits = [w.name, w.phone or say("flex.alt_phone_unknown")]
        if m.distance_text:
            bits.append(m.distance_text)
        parts.append(" ".join(bits))
    return say("flex.alt_title") + "：" + " / ".join(parts)


def windows_carousel(matches: list[WindowMatch], card: CardContext) -> dict[str, Any]:
    """A flex message: one bubble per window (at most 12), alt text listing names and phones."""
    shown = matches[:CAROUSEL_BUBBLES_MAX]
    return linemsg.flex(alt_text(shown), linemsg.carousel(window_bubble(m, card) for m in shown))


def area_question_quick_reply() -> list[dict[str, Any]]:
    return [
        linemsg.quick_location(say("flex.area_location")),
        linemsg.quick_postback(say("flex.area_text"), "action=area&choice=text"),
        linemsg.quick_postback(say("flex.area_postal"), "action=area&choice=postal"),
        linemsg.quick_postback(say("flex.area_skip"), "action=area&choice=skip"),
    ]


def ambiguous_area_quick_reply(resolution: AreaResolution) -> list[dict[str, Any]]:
    """One choice per candidate town (postback action=area&choice=town&town=<name>),
    then 'none of these'."""
    items = [linemsg.quick_postback(c, "action=area&choice=town&town=" + quote(c, safe=""),
                                    display_text=c)
             for c in resolution.candidates[:linemsg.QUICK_REPLY_ITEMS_MAX - 1]]
    items.append(linemsg.quick_postback(say("flex.area_none"), "action=area&choice=none"))
    return items
