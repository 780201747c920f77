"""The terms of use as a card that fits a phone: a title, the points in short lines, the
question, and buttons — the answers and one to read the whole terms page. The answers are
also quick replies, the buttons LINE shows above the keyboard. Words in onboarding.yaml."""
from __future__ import annotations

from typing import Any

from bot.line import linemsg
from bot.wording import say


def _text(body: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": body, "wrap": True, **style}


def _button(action: dict[str, Any], style: str) -> dict[str, Any]:
    return {"type": "button", "style": style, "height": "sm", "action": action}


def terms_card(terms_url: str, retention_days: int,
               answers: list[dict[str, Any]]) -> linemsg.Message:
    """`answers`: the postback actions of the consent question (yes first)."""
    points = say("onboarding.terms_points", retention_days=retention_days).split("\n")
    body = ([_text(say("onboarding.terms_title"), weight="bold", size="lg")]
            + [_text(point, size="sm") for point in points if point.strip()]
            + [_text(say("onboarding.terms_question"), weight="bold", size="md", margin="lg")])
    footer = [_button(action, "primary" if i == 0 else "secondary")
              for i, action in enumerate(answers)]
    read = linemsg.uri_action(say("onboarding.terms_read"), terms_url)
    if read is not None:
        footer.append(_button(read, "link"))
    bubble = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
        "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": footer},
    }
    quick = [{"type": "action", "action": action} for action in answers]
    return linemsg.flex(say("onboarding.terms_alt", terms_url=terms_url), bubble, quick)
