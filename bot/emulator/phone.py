"""The phone page: a person chats with the bot in a browser exactly as through LINE.

What the person does becomes a real signed webhook posted over HTTP to the bot's
/callback (via ResidentPhone); what the bot sends to the emulator is read back from the
platform. The page itself is phone.html, self-contained (no CDN).
"""
from __future__ import annotations

import base64
import binascii
import re
import threading
from importlib import resources
from typing import Any, Callable, Literal

import httpx
from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from . import limits
from .platform import LinePlatform
from .resident import ResidentPhone


IMAGE_DATA_URL = re.compile(r"^data:(image/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=]+)$")
IMAGE_DATA_URL_MAX = 1_500_000      # the page sends a downscaled copy, far below this


class SendRequest(BaseModel):
    user_id: str = Field(pattern=limits.USER_ID.pattern)
    kind: Literal["text", "postback", "location", "follow", "unfollow", "sticker", "image"]
    text: str | None = Field(default=None, max_length=5000)
    data: str | None = Field(default=None, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    title: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=200)
    unblocked: bool = False
    package_id: str | None = Field(default=None, pattern=r"^[0-9]{1,20}$")
    sticker_id: str | None = Field(default=None, pattern=r"^[0-9]{1,20}$")
    keywords: list[str] | None = Field(default=None, max_length=15)
    image: str | None = Field(default=None, max_length=IMAGE_DATA_URL_MAX)   # a data: URL


class _Transcript:
    """What each person did on the page, so a reload shows both sides in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, list[dict[str, Any]]] = {}

    def add(self, user_id: str, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.setdefault(user_id, []).append(entry)

    def of(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries.get(user_id, []))


def phone_router(platform: LinePlatform, callback_url_getter: Callable[[], str],
                 channel_secret: str, http: httpx.Client | None = None,
                 prefix: str = "/emulator/phone") -> APIRouter:
    """Routes: GET {prefix}, POST {prefix}/api/send, GET {prefix}/api/messages, and the
    default rich menu to draw: GET {prefix}/api/richmenu, GET {prefix}/api/richmenu/image.

    Include it in the main app BEFORE mounting the emulator app at /emulator, or the
    mount swallows these paths (or use bot.emulator.mount.install_emulator).
    """
    router = APIRouter(prefix=prefix)
    client = http or httpx.Client(timeout=15.0)
    transcript = _Transcript()
    page = resources.files(__package__).joinpath("phone.html").read_text(encoding="utf-8")

    @router.get("", response_class=HTMLResponse)
    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    def phone_page() -> HTMLResponse:
        return HTMLResponse(page, headers={"Cache-Control": "no-store",
                                           "Content-Security-Policy": _CSP})

    # A plain def: FastAPI runs it in a worker thread, so posting to /callback on this
    # same server cannot deadlock the event loop.
    @router.post("/api/send")
    def send(request: SendRequest) -> dict[str, Any]:
        resident = ResidentPhone(request.user_id, platform, callback_url_getter(),
                                 channel_secret, http=client)
        entry = {"from": "me", "kind": request.kind, "at": platform.clock()}
        if request.kind == "text":
            if not request.text:
                raise HTTPException(422, "text is required")
            entry["text"] = request.text
            action = lambda: resident.say(request.text)  # noqa: E731
        elif request.kind == "postback":
            if not request.data:
                raise HTTPException(422, "data is required")
            if request.text:        # the action's displayText, shown as if typed
                entry["text"] = request.text
            action = lambda: resident.postback(request.data)  # noqa: E731
        elif request.kind == "location":
            if request.lat is None or request.lng is None:
                raise HTTPException(422, "lat and lng are required")
            entry.update(lat=request.lat, lng=request.lng, title=request.title,
                         address=request.address)
            action = lambda: resident.send_location(  # noqa: E731
                request.lat, request.lng, request.title, request.address)
        elif request.kind == "sticker":
            if not (request.package_id and request.sticker_id):
                raise HTTPException(422, "package_id and sticker_id are required")
            entry.update(package_id=request.package_id, sticker_id=request.sticker_id)
            action = lambda: resident.send_sticker(  # noqa: E731
                request.package_id, request.sticker_id, keywords=request.keywords)
        elif request.kind == "image":
            content, content_type = _image(request.image)
            entry["image"] = request.image
            action = lambda: resident.send_image(content, content_type)  # noqa: E731
        elif request.kind == "follow":
            entry["unblocked"] = request.unblocked
            action = lambda: resident.follow(unblocked=request.unblocked)  # noqa: E731
        else:
            action = resident.unfollow
        transcript.add(request.user_id, entry)
        try:
            response = action()
        except httpx.HTTPError as exc:
            raise HTTPException(502, f"the bot's /callback did not answer: "
                                     f"{type(exc).__name__}") from None
        return {"status": response.status_code}

    @router.get("/api/messages")
    def messages(user_id: str = Query(pattern=limits.USER_ID.pattern),
                 after: int = Query(default=0, ge=0)) -> dict[str, Any]:
        timeline = _timeline(platform, user_id, transcript.of(user_id))
        return {"entries": timeline[after:], "next": len(timeline),
                "loading": platform.loading_active(user_id)}

    @router.get("/api/richmenu")
    def rich_menu() -> dict[str, Any]:
        """The default rich menu as the phone draws it (areas and actions), or null."""
        menu = platform.default_rich_menu()
        if menu is None:
            return {"richMenu": None}
        return {"richMenu": {"richMenuId": menu.rich_menu_id, **menu.body,
                             "image": f"{prefix}/api/richmenu/image?id={menu.rich_menu_id}"}}

    @router.get("/api/richmenu/image")
    def rich_menu_image(id: str = Query(max_length=100)) -> Response:
        menu = platform.rich_menus.get(id)
        if menu is None or menu.image is None:
            raise HTTPException(404, "no such rich menu image")
        return Response(menu.image, media_type=menu.image_content_type or "image/png",
                        headers={"Cache-Control": "no-store"})

    return router


def _image(data_url: str | None) -> tuple[bytes, str]:
    """The bytes and type of the picture the page sent as a data: URL (422 otherwise)."""
    match = IMAGE_DATA_URL.match(data_url or "")
    if not match:
        raise HTTPException(422, "image must be a base64 data: URL of a PNG, JPEG, GIF or WebP")
    try:
        content = base64.b64decode(match.group(2), validate=True)
    except binascii.Error:
        raise HTTPException(422, "image is not valid base64") from None
    if not content:
        raise HTTPException(422, "image is empty")
    return content, match.group(1)


def _timeline(platform: LinePlatform, user_id: str,
              mine: list[dict[str, Any]]) -> list[dict[str, Any]]:
    bot = [{"from": "bot", "at": r.at, "message": m}
           for r in platform.records_for(user_id) for m in r.messages]
    # Both sides are stamped with the platform clock as they happen; a stable sort keeps
    # the order each side already had.
    return sorted(mine + bot, key=lambda e: e["at"])


_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self' data: https: http:; base-uri 'none'; "
        "form-action 'none'")
