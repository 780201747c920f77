"""Messages a staff member wrote are marked as theirs: LINE's `sender` gives them the name
相談員 and the service's own icon, so a resident can tell a person is writing now and not
the automatic assistant.

The icon is drawn here (Pillow) and served at ICON_PATH; LINE fetches it from
PUBLIC_BASE_URL, which must be https in production (LINE's rule for sender icons: PNG,
square, at most 1 MB).
"""
from __future__ import annotations

import io
from functools import lru_cache
from typing import Any, Iterable

from bot.line import linemsg
from bot.wording import say

ICON_PATH = "/static/staff-icon.png"
ICON_SIZE = 240
_BACKGROUND = "#2E7D6B"      # the rich menu's 相談する green
_FIGURE = "#FFFFFF"


def icon_url(public_base_url: str) -> str:
    return public_base_url.rstrip("/") + ICON_PATH


def as_staff(messages: Iterable[dict[str, Any]], public_base_url: str) -> list[dict[str, Any]]:
    """The messages as a staff member's: sender name 相談員 (wording) and the staff icon."""
    return linemsg.with_sender(messages, say("staff.sender_name"), icon_url(public_base_url))


@lru_cache(maxsize=1)
def icon_png() -> bytes:
    """A square PNG: a person's head and shoulders, white on green."""
    from PIL import Image, ImageDraw  # noqa: PLC0415 - only when the icon is asked for

    size = ICON_SIZE
    image = Image.new("RGB", (size, size), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    head = size * 0.19
    cx, cy = size / 2, size * 0.38
    draw.ellipse([cx - head, cy - head, cx + head, cy + head], fill=_FIGURE)
    shoulders = size * 0.34
    top = size * 0.64
    draw.ellipse([cx - shoulders, top, cx + shoulders, top + shoulders * 1.6], fill=_FIGURE)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
