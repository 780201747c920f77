"""The phone page: a person chats with the bot in a browser exactly as through LINE.

What the person does becomes a real signed webhook posted over HTTP to the bot's
/callback (via ResidentPhone); what the bot sends to the emulator is read back from the
platform. The page itself is phone.html, self-contained (no CDN).
"""
from __future__ import annotations

import threading
from importlib import resources
from typing import Any, Callable, Literal

import httpx
from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from . import limits
from .platform import LinePlatform
from .resident import ResidentPhone


class SendRequest(BaseModel):
    user_id: str = Field(pattern=limits.USER_ID.pattern)
    kind: Literal["text", "postback", "location", "follow", "unfollow"]
    text: str | None = Field(default=None, max_length=5000)
    data: str | None = Field(default=None, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    title: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=200)
    unblocked: bool = False


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
    """Routes: GET {prefix}, POST {prefix}/api/send, GET {prefix}/api/messages.

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

    return router


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
