"""Stickers and photos (bot/flows/media.py): an honest, kind answer from every step, and
the resident keeps their place (the intake question or the consent asked again)."""
from __future__ import annotations

import pytest

from bot.flows.actions import GoTo, RecordInbound, Say
from bot.flows.context import Inbound
from bot.flows.router import route
from bot.wording import say
from test_flows import MONDAY_NOON, context, messages, resident


def sent(kind: str) -> Inbound:
    return Inbound(kind, MONDAY_NOON)


def labels(message: dict) -> list[str]:
    return [item["action"]["label"] for item in message.get("quickReply", {}).get("items", [])]


@pytest.mark.parametrize("kind, key", [("sticker", "media.sticker"), ("media", "media.image")])
def test_in_the_consultation_a_sticker_or_photo_gets_an_honest_answer_and_nothing_is_stored(kind, key):
    actions = route(resident(), sent(kind), context())
    (message,) = messages(actions)
    assert message["text"] == say(key)
    assert "自動応答" in message["text"] and "文字" in message["text"]
    assert not any(isinstance(a, (RecordInbound, GoTo)) for a in actions)


def test_a_photo_reminds_of_110_and_119_because_the_bot_cannot_see_what_it_shows():
    (message,) = messages(route(resident(), sent("media"), context()))
    assert "110" in message["text"] and "119" in message["text"]


def test_before_consent_the_consent_buttons_come_again_not_the_whole_terms():
    for step in ("onboarding.terms", "declined"):
        (message,) = messages(route(resident(step, terms_consent=None), sent("sticker"), context()))
        assert message["text"].startswith(say("media.sticker"))
        assert say("media.before_consent") in message["text"]
        assert labels(message) == [say("onboarding.consent_button_yes"),
                                   say("onboarding.consent_button_no")]


@pytest.mark.parametrize("step, question", [("onboarding.relation", "onboarding.ask_relation"),
                                            ("onboarding.age", "onboarding.ask_age"),
                                            ("onboarding.area", "onboarding.ask_area")])
def test_during_the_intake_the_question_is_asked_again(step, question):
    actions = route(resident(step), sent("media"), context())
    first, again = messages(actions)
    assert first["text"] == say("media.image")
    assert again["text"] == say(question) and labels(again)
    assert not any(isinstance(a, GoTo) for a in actions)        # still on that question


def test_a_sticker_from_someone_new_gets_the_greeting_and_terms():
    actions = route(resident("new", terms_consent=None), sent("sticker"), context())
    assert any(isinstance(a, GoTo) and a.step.value == "onboarding.terms" for a in actions)
    assert len([a for a in actions if isinstance(a, Say)]) == 1


def test_sticker_and_image_events_are_read_as_such():
    at = MONDAY_NOON
    sticker = {"type": "message", "message": {"type": "sticker", "id": "1", "packageId": "446",
                                              "stickerId": "1988", "stickerResourceType": "STATIC"}}
    image = {"type": "message", "message": {"type": "image", "id": "2",
                                            "contentProvider": {"type": "line"}}}
    assert Inbound.from_event(sticker, at).kind == "sticker"
    assert Inbound.from_event(image, at).kind == "media"
    assert Inbound.from_event({"type": "message", "message": {"type": "video"}}, at).kind == "media"
