"""What a follow-up says (wording in bot/wording/followup.yaml)."""
from __future__ import annotations

from bot.line import linemsg, staff_voice
from bot.config import Settings
from bot.flows.checkin import quick_answer
from bot.models import FollowUp
from bot.wording import say

# Which buttons go with which wording.
BUTTONS = {
    "after_windows": ("connected", "not_yet", "talk"),
    "after_close": ("fine", "talk"),
    "checkin": ("fine", "talk"),
}


def build(followup: FollowUp, settings: Settings) -> list[dict]:
    hint = say("followup.stop_hint")
    if followup.text:                    # a staff member wrote it
        body = f"{say('followup.staff_header', city=settings.city)}\n\n{followup.text}\n\n{hint}"
        buttons: tuple[str, ...] = ("talk",)
    else:
        template = followup.template or (
            followup.kind if followup.kind in BUTTONS else "checkin")
        body = f"{say('followup.' + template, city=settings.city)}\n\n{hint}"
        buttons = BUTTONS.get(template, ("fine", "talk"))
    message = linemsg.text(body, [quick_answer(followup.id, answer) for answer in buttons])
    if followup.text:                    # a person wrote it: shown under their name and icon
        return staff_voice.as_staff([message], settings.public_base_url)
    return [message]
