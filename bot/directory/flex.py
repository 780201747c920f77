"""LINE rendering of directory results: a carousel of windows and the area questions.

Limits (bubbles, labels, URIs, alt text, postback data) are enforced by the builders in
bot.linemsg; this module only decides what goes in."""
from __future__ import annotations

from urllib.parse import quote

from bot import linemsg
from bot.linemsg import CAROUSEL_BUBBLES_MAX, FLEX_LABEL_MAX, clip

from .models import AreaResolution, Window, WindowMatch

HOURS_UNKNOWN = "受付時間：要確認（お電話でご確認ください）"
ADDRESS_UNKNOWN = "所在地：要確認"
MATCH_NOTE = {
    "catchment": "お住まいの地区の担当窓口です",
    "nearest": "お近くの窓口です",
    "citywide": "市内全域の方の窓口です",
    "tamokan": "いくつもの困りごとをまとめて相談できる市の担当課です",
}
ALT_TITLE = "相談できる窓口"


def maps_url(window: Window) -> str | None:
    """A Google Maps search URL. The printed address finds the building itself; the
    coordinates are only a town's representative point, so they are the fallback."""
    if window.address:
        return "https://www.google.com/maps/search/?api=1&query=" + quote(
            f"{window.address} {window.name}", safe="")
    if window.lat is not None and window.lng is not None:
        return f"https://www.google.com/maps/search/?api=1&query={window.lat:.6f},{window.lng:.6f}"
    return None


def _text(body: str, **extra) -> dict:
    return {"type": "text", "text": body or " ", "wrap": True, **extra}


def _button(action: dict | None, style: str = "link") -> dict | None:
    if action is None:
        return None
    return {"type": "button", "style": style, "height": "sm", "action": action}


def window_bubble(match: WindowMatch) -> dict:
    w = match.window
    dist = match.distance_text
    body = [
        _text(clip(w.name, 60), weight="bold", size="md", maxLines=2),
        _text(MATCH_NOTE[match.match], size="xs", color="#2E7D32", maxLines=1),
        _text(f"距離：{dist}（目安）" if dist else "距離：—", size="xs", color="#666666", maxLines=1),
        _text(clip(w.address, 80) if w.address else ADDRESS_UNKNOWN, size="sm", maxLines=2),
        _text(f"受付時間：{clip(w.hours, 60)}" if w.hours else HOURS_UNKNOWN, size="xs",
              color="#666666", maxLines=2),
        _text(f"電話：{w.phone}" if w.phone else "電話番号：要確認（市役所にお問い合わせください）",
              size="xs", maxLines=1),
    ]
    # Three buttons in every bubble, so the bubbles stay the same size.
    call = (linemsg.uri_action("電話する", w.tel) if w.tel else
            linemsg.postback_action("電話番号を確認する", f"action=no_phone&id={w.id}",
                                    label_max=FLEX_LABEL_MAX))
    url = maps_url(w)
    mapb = (linemsg.uri_action("地図を開く", url) if url else None) or linemsg.postback_action(
        "地図は準備中です", f"action=no_map&id={w.id}", label_max=FLEX_LABEL_MAX)
    pick = linemsg.postback_action("ここに相談したい", f"action=pick_window&id={w.id}",
                                   display_text=f"{clip(w.name, 40)}に相談したい",
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
        bits = [w.name, w.phone or "電話は要確認"]
        if m.distance_text:
            bits.append(m.distance_text)
        parts.append(" ".join(bits))
    return f"{ALT_TITLE}：" + " / ".join(parts)


def windows_carousel(matches: list[WindowMatch]) -> dict:
    """A flex message: one bubble per window (at most 12), alt text listing names and phones."""
    shown = matches[:CAROUSEL_BUBBLES_MAX]
    return linemsg.flex(alt_text(shown), linemsg.carousel(window_bubble(m) for m in shown))


def area_question_quick_reply() -> list[dict]:
    return [
        linemsg.quick_location("位置情報を送る"),
        linemsg.quick_postback("地区名を入力", "action=area&choice=text"),
        linemsg.quick_postback("郵便番号で探す", "action=area&choice=postal"),
        linemsg.quick_postback("スキップ", "action=area&choice=skip"),
    ]


def ambiguous_area_quick_reply(resolution: AreaResolution) -> list[dict]:
    """One choice per candidate town (postback action=area&choice=town&town=<name>),
    then 'none of these'."""
    items = [linemsg.quick_postback(c, "action=area&choice=town&town=" + quote(c, safe=""),
                                    display_text=c)
             for c in resolution.candidates[:linemsg.QUICK_REPLY_ITEMS_MAX - 1]]
    items.append(linemsg.quick_postback("この中にない", "action=area&choice=none"))
    return items
