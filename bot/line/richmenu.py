"""The rich menu residents see under the chat: its definition, its image (rendered here with
Pillow and a Japanese system font), and `python -m bot richmenu`, which creates it, uploads
the image and makes it the default through the Messaging API.

    相談する  | 近くの窓口          | 相談員と話す
    緊急のとき | 使い方・プライバシー | ことば・Language

Each button is a postback (a=consult / windows / staff / emergency / help) that the router
sends to bot.flows.consultation.menu_action, from any step of the conversation; a=lang asks
which language to write in (bot.flows.language).
"""
from __future__ import annotations

import glob
import io
import logging
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Optional

from bot.wording import say

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 2500, 1686            # LINE's large rich menu
NAME = "kurashi-soudan-main"
FONT_FAMILY = "Noto Sans CJK JP"
FONT_GLOBS = ("/usr/share/fonts/**/NotoSansCJK*-Bold.tt[cf]", "/usr/share/fonts/**/NotoSansCJK*.tt[cf]",
              "/usr/share/fonts/**/NotoSansJP*.[ot]tf", "/usr/share/fonts/**/*CJK*JP*.[ot]tf")
IMAGE_MAX_BYTES = 1024 * 1024         # LINE refuses larger images


class FontNotFound(RuntimeError):
    """No Japanese font on this system to draw the menu labels."""


@dataclass(frozen=True)
class Button:
    key: str              # postback a=<key>
    x: int
    y: int
    width: int
    height: int
    color: str            # background
    ink: str = "#FFFFFF"  # label colour

    @property
    def label(self) -> str:
        return say(f"richmenu.{self.key}")

    @property
    def hint(self) -> str:
        return say(f"richmenu.{self.key}_hint")


_TOP, _BOTTOM = HEIGHT // 2, HEIGHT - HEIGHT // 2
BUTTONS = (
    Button("consult", 0, 0, 833, _TOP, "#2E7D6B"),
    Button("windows", 833, 0, 834, _TOP, "#3A7CA5"),
    Button("staff", 1667, 0, 833, _TOP, "#5B6C8F"),
    Button("emergency", 0, _TOP, 833, _BOTTOM, "#C0392B"),
    Button("help", 833, _TOP, 834, _BOTTOM, "#F2EFE6", ink="#333333"),
    Button("lang", 1667, _TOP, 833, _BOTTOM, "#6B5B8F"),
)


def definition() -> dict[str, Any]:
    """The rich menu object for POST /v2/bot/richmenu."""
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,
        "name": NAME,
        "chatBarText": say("richmenu.chat_bar"),
        "areas": [{
            "bounds": {"x": b.x, "y": b.y, "width": b.width, "height": b.height},
            "action": {"type": "postback", "label": b.label, "data": f"a={b.key}",
                       "displayText": b.label},
        } for b in BUTTONS],
    }


# Image ------------------------------------------------------------------------------------
def find_font() -> str:
    """A Japanese font file from the system (fonts-noto-cjk), or FontNotFound."""
    for pattern in (f"{FONT_FAMILY}:style=Bold", FONT_FAMILY):
        try:
            found = subprocess.run(["fc-match", "--format=%{file}", pattern],
                                   capture_output=True, text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and ("CJK" in found or "JP" in found):
            return found
    for pattern in FONT_GLOBS:
        matches = sorted(glob.glob(pattern, recursive=True))
        if matches:
            return matches[0]
    raise FontNotFound(
        "no Japanese font found for the rich menu image: install fonts-noto-cjk "
        "(apt-get install fonts-noto-cjk) so that `fc-match 'Noto Sans CJK JP'` finds it")


def render_image(font_path: Optional[str] = None) -> bytes:
    """The menu image as PNG bytes: one coloured panel per button, label and hint."""
    from PIL import Image, ImageDraw, ImageFont  # noqa: PLC0415 - only for this command

    font_path = font_path or find_font()
    image = Image.new("RGB", (WIDTH, HEIGHT), "#FFFFFF")
    draw = ImageDraw.Draw(image)
    hint_font = ImageFont.truetype(font_path, 56)
    for b in BUTTONS:
        draw.rectangle([b.x + 6, b.y + 6, b.x + b.width - 7, b.y + b.height - 7], fill=b.color)
        cx, cy = b.x + b.width // 2, b.y + b.height // 2
        label_font = _fitted(ImageFont, font_path, b.label, b.width - 80, 110, draw)
        draw.text((cx, cy - 40), b.label, font=label_font, fill=b.ink, anchor="mm")
        draw.text((cx, cy + 90), b.hint, font=hint_font, fill=b.ink, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    data = out.getvalue()
    if len(data) > IMAGE_MAX_BYTES:
        raise ValueError(f"rich menu image is {len(data)} bytes; LINE accepts up to 1 MB")
    return data


def _fitted(font_module: Any, font_path: str, label: str, width: int, size: int,
            draw: Any) -> Any:
    while size > 40:
        font = font_module.truetype(font_path, size)
        if draw.textlength(label, font=font) <= width:
            return font
        size -= 8
    return font_module.truetype(font_path, size)


# Messaging API ---------------------------------------------------------------------------------
def data_host(api_host: str, configured: str = "") -> str:
    """The blob API's host (image upload): api-data.line.me beside api.line.me; any other
    host (the emulator, a proxy) serves both."""
    if configured:
        return configured.rstrip("/")
    if api_host.rstrip("/") == "https://api.line.me":
        return "https://api-data.line.me"
    return api_host.rstrip("/")


def install(api_host: str, access_token: str, data_api_host: str = "",
            image: Optional[bytes] = None, remove_old: bool = True) -> str:
    """Create the menu, upload its image, make it the default; returns its id. Older menus
    of the same name are deleted afterwards (the new one is already live)."""
    from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, MessagingApiBlob, RichMenuRequest  # noqa: PLC0415

    image = image if image is not None else render_image()
    with ApiClient(Configuration(host=api_host, access_token=access_token)) as client, \
            ApiClient(Configuration(host=data_host(api_host, data_api_host),
                                    access_token=access_token)) as blob_client:
        api, blob = MessagingApi(client), MessagingApiBlob(blob_client)
        old = [m.rich_menu_id for m in api.get_rich_menu_list().richmenus if m.name == NAME]
        created = api.create_rich_menu(RichMenuRequest.from_dict(definition()))
        menu_id: str = created.rich_menu_id
        blob.set_rich_menu_image(menu_id, image, _headers={"Content-Type": "image/png"})
        api.set_default_rich_menu(menu_id)
        if remove_old:
            for old_id in old:
                api.delete_rich_menu(old_id)
    return menu_id


def main(argv: Optional[list[str]] = None) -> int:
    from bot.config import get_settings  # noqa: PLC0415

    settings = get_settings()
    if not settings.line_channel_access_token:
        print("error: LINE_CHANNEL_ACCESS_TOKEN is not set", file=sys.stderr)
        return 2
    try:
        image = render_image()
    except FontNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    menu_id = install(settings.line_api_host, settings.line_channel_access_token,
                      settings.line_api_data_host, image)
    print(f"rich menu {menu_id} created, image uploaded, set as default")
    return 0
