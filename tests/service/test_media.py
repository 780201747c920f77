"""Stickers and photos through the emulator, as LINE delivers them: the bot answers kindly
and honestly that it cannot read them, in the reply token, and stores nothing of them."""
from __future__ import annotations

from linebot.v3.messaging import ApiClient, Configuration, MessagingApiBlob
from sqlmodel import Session, select

from bot.models import Message
from bot.wording import say
from helpers import consent_and_skip_intake, quick_labels, reply_to, resident_row, step_of

PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d4"
                        "b0a50000000049454e44ae426082")


def _inbound_rows(service, user) -> list[Message]:
    with Session(service.engine) as session:
        resident = resident_row(service, user)
        return list(session.exec(select(Message).where(Message.resident_id == resident.id,
                                                       Message.direction == "in")))


def test_a_sticker_and_a_photo_in_the_consultation_get_honest_replies(service):
    user = service.resident()
    consent_and_skip_intake(service, user)
    (sticker_reply,) = reply_to(service, user, lambda: user.send_sticker(
        "11537", "52002735", keywords=["Thanks"]))
    assert sticker_reply["text"] == say("media.sticker")
    (photo_reply,) = reply_to(service, user, lambda: user.send_image(PNG_1PX, "image/png"))
    assert photo_reply["text"] == say("media.image")
    assert [r.kind for r in service.platform.records_for(user.user_id)][-2:] == ["reply", "reply"]
    assert _inbound_rows(service, user) == []          # nothing of them is stored
    assert step_of(service.engine, user.user_id) == "consult"


def test_the_photo_waits_on_the_emulator_as_on_line(service):
    """The webhook carries only the message ID; the bytes come from getMessageContent."""
    user = service.resident()
    consent_and_skip_intake(service, user)
    reply_to(service, user, lambda: user.send_image(PNG_1PX, "image/png"))
    message = user.last_payload["events"][0]["message"]
    assert message["contentProvider"] == {"type": "line"} and message["quoteToken"]
    settings = service.demo.settings
    with ApiClient(Configuration(host=settings.line_api_host,
                                 access_token=settings.line_channel_access_token)) as client:
        assert bytes(MessagingApiBlob(client).get_message_content(message["id"])) == PNG_1PX


def test_before_consent_a_sticker_gets_the_consent_buttons_again(service):
    user = service.resident()
    reply_to(service, user, user.follow)
    (answer,) = reply_to(service, user, lambda: user.send_sticker("11537", "52002734"))
    assert answer["text"].startswith(say("media.sticker"))
    assert quick_labels(answer) == [say("onboarding.consent_button_yes"),
                                    say("onboarding.consent_button_no")]
    assert step_of(service.engine, user.user_id) == "onboarding.terms"
