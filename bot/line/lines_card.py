"""The crisis lines as one Flex bubble: the lines open now, each with a tap-to-call button
(tel: URI), then those whose hours are not known here (a call button too: they may be
open), then the closed ones with their hours and no button. Words in wording/crisis.yaml."""
from __future__ import annotations

from typing import Any, Literal, NamedTuple

from bot.line import linemsg
from bot.line.linemsg import clip
from bot.wording import say


class CardRow(NamedTuple):
    name: str
    number: str
    tel: str
    status: Literal["open", "unknown", "closed"]
    hours: str          # the state and hours as text (いま受付中・24時間 …)


def _text(body: str, **extra: Any) -> dict[str, Any]:
    return {"type": "text", "text": body or " ", "wrap": True, **extra}


def _call(row: CardRow, style: str) -> dict[str, Any] | None:
    action = linemsg.uri_action(say("crisis.button_call", number=row.number), row.tel)
    if action is None:
        return None
    return {"type": "button", "style": style, "height": "sm", "action": action}


def _row(row: CardRow) -> dict[str, Any]:
    contents: list[dict[str, Any]] = [
        _text(clip(row.name, 60), weight="bold", size="sm"),
        _text(clip(row.hours, 120), size="xs", color="#555555"),
    ]
    if row.status == "closed":
        contents.insert(1, _text(row.number, size="sm"))
    else:
        button = _call(row, "primary" if row.status == "open" else "secondary")
        if button:
            contents.append(button)
    return {"type": "box", "layout": "vertical", "spacing": "xs", "margin": "md",
            "contents": contents}


def _heading(key: str) -> dict[str, Any]:
    return _text(say(key), weight="bold", size="sm", color="#2E7D32", margin="lg")


def emergency_buttons() -> list[dict[str, Any]]:
    """110 and 119, side by side, for danger now."""
    buttons = []
    for number, key in (("110", "crisis.button_police"), ("119", "crisis.button_ambulance")):
        action = linemsg.uri_action(say(key), f"tel:{number}")
        buttons.append({"type": "button", "style": "primary", "color": "#C62828", "height": "sm",
                        "action": action, "flex": 1})
    return [{"type": "box", "layout": "horizontal", "spacing": "sm", "contents": buttons}]


def alt_text(rows: list[CardRow], danger_now: bool) -> str:
    parts = [say("crisis.alt_danger")] if danger_now else []
    parts += [f"{r.name} {r.number}（{r.hours}）" for r in rows]
    return " / ".join(parts)


def lines_card(rows: list[CardRow], danger_now: bool = False) -> dict[str, Any]:
    """One bubble: (110/119), open lines, lines of unknown hours, closed lines."""
    body: list[dict[str, Any]] = []
    if danger_now:
        body += emergency_buttons()
    groups = (("open", "crisis.heading_open"), ("unknown", "crisis.heading_unknown"),
              ("closed", "crisis.heading_closed"))
    for status, heading in groups:
        chosen = [r for r in rows if r.status == status]
        if chosen:
            body.append(_heading(heading))
            body += [_row(r) for r in chosen]
    bubble = {"type": "bubble", "size": "mega",
              "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body}}
    return linemsg.flex(alt_text(rows, danger_now), bubble)
