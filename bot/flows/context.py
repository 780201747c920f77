"""What a flow is given: the event, the resident's state, and the tools it may consult."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Optional
from urllib.parse import parse_qsl

from bot.directory import Directory
from bot.flows.state import Scratch, Step
from bot.hours import BusinessHours

if TYPE_CHECKING:
    from bot.nlp.result import Analysis


MEDIA_MESSAGE_TYPES = ("image", "video", "audio", "file")   # content the bot cannot read


@dataclass(frozen=True)
class Inbound:
    """A LINE event reduced to what the conversation needs."""
    kind: str        # follow / unfollow / text / postback / location / sticker / media / other
    at: datetime
    text: Optional[str] = None
    data: dict[str, str] = field(default_factory=dict)    # postback data, parsed
    lat: Optional[float] = None
    lng: Optional[float] = None
    address: Optional[str] = None
    unblocked: bool = False

    @classmethod
    def from_event(cls, event: dict[str, Any], at: datetime) -> "Inbound":
        kind = event.get("type")
        if kind == "message":
            message = event.get("message") or {}
            if message.get("type") == "text":
                return cls("text", at, text=str(message.get("text", "")))
            if message.get("type") == "location":
                return cls("location", at, lat=message.get("latitude"),
                           lng=message.get("longitude"), address=message.get("address"))
            if message.get("type") == "sticker":
                return cls("sticker", at)
            if message.get("type") in MEDIA_MESSAGE_TYPES:
                return cls("media", at)
            return cls("other", at)
        if kind == "postback":
            raw = (event.get("postback") or {}).get("data", "")
            return cls("postback", at, data=dict(parse_qsl(raw)))
        if kind == "follow":
            return cls("follow", at, unblocked=bool((event.get("follow") or {}).get("isUnblocked")))
        if kind == "unfollow":
            return cls("unfollow", at)
        return cls("other", at)


@dataclass(frozen=True)
class ResidentView:
    """The resident as the conversation sees them (never the LINE user ID)."""
    step: Step
    data: Scratch
    terms_consent: Optional[bool]
    share_consent: Optional[bool]
    case_status: Optional[str]       # status of the open case, if any
    case_risk: str
    area_town: Optional[str]
    area_lat: Optional[float]
    area_lng: Optional[float]
    intake_relation: Optional[str]
    recent_texts: tuple[str, ...]    # the resident's previous messages, oldest first
    notifications_enabled: bool = True
    case_fields: tuple[str, ...] = ()          # fields the open case holds (union)
    staff_replied_at: Optional[datetime] = None   # last staff message to the resident
    language: str = "ja"                       # ja / easy / en (bot.flows.language)


@dataclass
class FlowContext:
    now: datetime
    city: str                        # e.g. 射水市
    municipality: str                # e.g. 富山県射水市
    hours: BusinessHours
    retention_days: int
    terms_url: str
    directory: Directory             # the windows and crisis lines (Settings.directory_path)
    analyze: Callable[..., Analysis] | None = None   # bot.nlp.analyze (the tagger)
    on_call: bool = False            # an on-call alert channel (webhook/SMTP) is configured
