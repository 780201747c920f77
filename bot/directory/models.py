"""The directory's schema (pydantic). Every entry of data/resource_directory.yaml is one of
these; a file that does not fit is refused at load with the entry id and the field."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

FIELD_KEYS = ("kaigo", "shogai", "kosodate", "konkyu", "hikikomori", "josei", "kokoro",
              "kyoiku", "shohi", "sumai", "shuro", "kodoku")
FieldKey = Literal["kaigo", "shogai", "kosodate", "konkyu", "hikikomori", "josei", "kokoro",
                   "kyoiku", "shohi", "sumai", "shuro", "kodoku"]
Role = Literal["包括的相談支援", "地域づくり", "参加支援", "アウトリーチ", "多機関協働"]
Risk = Literal["none", "high", "emergency"]
Kind = Literal["suicide", "selfharm", "violence", "dv", "child", "elder", "no_food", "other"]
RISKS = ("none", "high", "emergency")
KINDS = ("suicide", "selfharm", "violence", "dv", "child", "elder", "no_food", "other")

# Japanese phone numbers as printed: 0766-86-8739, 080-1952-8975, 0120-279-338, 0570-064-556;
# short codes 110 119 189 188 and #8008 #9110.
PHONE_RE = re.compile(r"^(0\d{1,4}-\d{1,4}-\d{3,4}|\d{3}|#\d{4})$")


# A window's one-line description fits the card's three short lines.
DESCRIPTION_MAX = 60
SOURCE_URL_RE = re.compile(r"^https?://[^\s/]+\.[^\s]+$")


def is_source_url(value: str) -> bool:
    """An http(s) address of a page, where a fact was read."""
    return bool(SOURCE_URL_RE.match(value))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def tel_uri(number: str) -> str:
    """tel: URI of a printed number ('#' must be escaped, or it starts a URI fragment)."""
    return "tel:" + number.replace("-", "").replace("#", "%23")


Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")      # date.weekday() order
CLOCK_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _clock(v: str) -> str:
    if not CLOCK_RE.match(v):
        raise ValueError(f"a time is written HH:MM (00:00-23:59), not {v!r}")
    return v


class _Span(_Strict):
    """From `opens` to `closes` (HH:MM, JST); `closes` at or before `opens` is the next day
    (19:00-09:00 runs overnight; 09:00-09:00 is 24 hours from 9:00)."""
    opens: str
    closes: str

    @field_validator("opens", "closes")
    @classmethod
    def _times(cls, v: str) -> str:
        return _clock(v)


class TimeRange(_Span):
    """Open on the days listed ("holiday": national holidays, with holidays: as_listed)."""
    days: list[Day] = Field(min_length=1)


class MonthlyRange(_Span):
    """Extra hours on one day of every month (いのちの電話: the 10th, 8:00 to 8:00)."""
    day_of_month: int = Field(ge=1, le=31)


class Opening(_Strict):
    """When a line or a window takes calls, in Japan time, as its official page says.

    `always`: 24 hours, every day. Otherwise `weekly` ranges by the day they start on, and
    `monthly` extras. On a national holiday (jpholiday) `holidays` decides: `closed`, the
    ranges of `as_weekday`, or only the ranges that list `holiday` (`as_listed`).
    `year_end_closed`: closed 12/29-1/3 (public offices). `source` is where the hours were
    read (the operator's page, or the plan for a window)."""
    always: bool = False
    weekly: list[TimeRange] = []
    monthly: list[MonthlyRange] = []
    holidays: Literal["closed", "as_weekday", "as_listed"] = "as_weekday"
    year_end_closed: bool = False
    source: str = Field(min_length=8)

    @model_validator(mode="after")
    def _some_hours(self) -> "Opening":
        if self.always and (self.weekly or self.monthly):
            raise ValueError("always: true stands alone (no weekly or monthly ranges)")
        if not self.always and not self.weekly and not self.monthly:
            raise ValueError("no hours: give always: true, or weekly/monthly ranges, or leave "
                             "the opening null when the hours are not known")
        listed = any("holiday" in r.days for r in self.weekly)
        if listed and self.holidays != "as_listed":
            raise ValueError("a range lists 'holiday': set holidays: as_listed")
        return self


class NationalLine(_Strict):
    key: str
    name: str
    number: str
    tel: str
    opening: Opening | None                 # null: hours not known or differ by where one calls
    regional_opening: dict[str, Opening] = {}    # prefecture -> hours, where they differ
    hours_note: str | None = None           # what to say when the hours are not known here
    purpose: str
    operator: str
    source_url: str
    risks: list[Risk] = []
    kinds: list[Kind] = []
    fields: list[FieldKey] = []
    after_hours_fields: list[FieldKey] = []   # offered for these needs when the city is closed
    priority: int
    notes: list[str] = []
    # Languages other than Japanese the line takes (ISO 639-1: en, zh, pt …), only with the
    # operator's page that says so; the bot then marks the line for a resident reading in
    # English or やさしい日本語 (bot.flows.crisis). None recorded: nothing is claimed.
    languages: list[str] = []
    languages_source: str | None = None

    @field_validator("number")
    @classmethod
    def _number(cls, v: str) -> str:
        if not PHONE_RE.match(v):
            raise ValueError(f"not a phone number as printed: {v!r}")
        return v

    @field_validator("source_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith("https://"):
            raise ValueError("source_url must be an https:// URL of the operator's page")
        return v

    @model_validator(mode="after")
    def _tel_matches(self) -> "NationalLine":
        if self.tel != tel_uri(self.number):
            raise ValueError(f"tel must be {tel_uri(self.number)!r} for number {self.number!r}")
        for prefecture in self.regional_opening:
            if not prefecture.endswith(("都", "道", "府", "県")):
                raise ValueError(f"regional_opening keys are prefectures, not {prefecture!r}")
        if self.languages and not (self.languages_source or "").startswith("https://"):
            raise ValueError("languages need languages_source: the operator's https:// page saying so")
        if any(not re.fullmatch(r"[a-z]{2}", code) or code == "ja" for code in self.languages):
            raise ValueError("languages are ISO 639-1 codes other than ja (en, zh, pt …)")
        return self

    def opening_in(self, municipality: str | None) -> Opening | None:
        """The hours for a caller in `municipality` (its prefecture's, where they differ)."""
        for prefecture, opening in self.regional_opening.items():
            if municipality and municipality.startswith(prefecture):
                return opening
        return self.opening


class Area(_Strict):
    name: str
    kind: Literal["former_municipality", "district", "catchment"]
    aliases: list[str] = []
    towns: list[str]
    basis: str


class Municipality(_Strict):
    short_name: str
    plan: str
    main_phone: str | None = None           # the city hall's main number, only when sourced
    main_phone_source: str | None = None
    general_contact: str | None = None
    tamokan_window: str | None = None
    notes: list[str] = []
    areas: list[Area] = []
    towns: dict[str, tuple[float, float] | None] = {}

    @model_validator(mode="after")
    def _main_phone(self) -> "Municipality":
        if self.main_phone is not None:
            if not PHONE_RE.match(self.main_phone):
                raise ValueError(f"main_phone: not a phone number as printed: {self.main_phone!r}")
            if not self.main_phone_source:
                raise ValueError("main_phone needs main_phone_source (where it was read)")
        return self


# What kind of window it is, from the program or the name as printed (first match wins);
# each kind has a one-line plain description in bot/wording/flex.yaml (kind_<key>).
WINDOW_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hokatsu", ("地域包括支援センター",)),
    ("shogai", ("基幹相談支援センター", "相談支援事業（障がい）", "障がい者相談支援")),
    ("chiiki", ("地域活動支援センター",)),
    ("kosodate_place", ("地域子育て支援拠点", "子育て支援センター")),
    ("kosodate", ("利用者支援事業", "こども家庭センター", "子育て支援コーディネーター")),
    ("jiritsu", ("自立相談支援", "生活相談センター", "生活サポート相談")),
    ("hikikomori", ("ひきこもり",)),
)


class Window(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    municipality: str
    name: str
    fields: list[FieldKey]
    roles: list[Role]
    program: str | None = None
    delivery: Literal["委託", "直営"] | None = None
    status: Literal["active", "suspended"]
    address: str | None = None
    address_as_printed: str | None = None
    host_facility: str | None = None
    phone: str | None = None
    phone_source: str | None = None         # where an edited phone was read (admin page)
    description: str | None = None          # one plain line of what it does (else its kind's)
    hours: str | None = None                # as printed in the source
    opening: Opening | None = None          # the same hours, structured (source recorded)
    catchment: list[str] = []
    catchment_as_printed: list[str] | None = None
    operator: str | None = None
    site: str | None = None
    town: str | None = None
    lat: float | None = Field(default=None, ge=20, le=46)
    lng: float | None = Field(default=None, ge=122, le=154)
    precision: Literal["town", "koaza", "exact"] | None = None
    source: str
    notes: list[str] = []

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v is not None and not PHONE_RE.match(v):
            raise ValueError(f"not a phone number as printed: {v!r}")
        return v

    @field_validator("phone_source")
    @classmethod
    def _phone_source(cls, v: str | None) -> str | None:
        if v is not None and not is_source_url(v):
            raise ValueError(f"phone_source must be the http(s) URL of the official page, not {v!r}")
        return v

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str | None:
        if v is not None and (not v.strip() or "\n" in v or len(v) > DESCRIPTION_MAX):
            raise ValueError(f"description is one line of 1-{DESCRIPTION_MAX} characters")
        return v

    @model_validator(mode="after")
    def _coords(self) -> "Window":
        if (self.lat is None) != (self.lng is None):
            raise ValueError("lat and lng go together")
        if self.lat is not None and self.precision is None:
            raise ValueError("precision is required with coordinates")
        return self

    @property
    def citywide(self) -> bool:
        return "全市" in self.catchment

    @property
    def tamokan(self) -> bool:
        return "多機関協働" in self.roles

    @property
    def tel(self) -> str | None:
        return tel_uri(self.phone) if self.phone else None

    @property
    def approximate(self) -> bool:
        return self.precision != "exact"

    @property
    def kind(self) -> str:
        """hokatsu, shogai, chiiki, kosodate_place, kosodate, jiritsu, hikikomori, tamokan
        or other: what the window does, for its one-line description."""
        printed = f"{self.program or ''} {self.name}"
        for key, patterns in WINDOW_KINDS:
            if any(p in printed for p in patterns):
                return key
        return "tamokan" if self.tamokan else "other"


class DirectoryFile(_Strict):
    version: int
    attribution: dict[str, str | dict[str, str]]
    national_lines: list[NationalLine]
    municipalities: dict[str, Municipality]
    windows: list[Window]


class AreaResolution(BaseModel):
    """Where the resident is, as far as we know. `label` is what to show them."""
    model_config = ConfigDict(frozen=True)

    status: Literal["resolved", "ambiguous", "unknown"]
    municipality: str | None = None
    town: str | None = None            # a town, or an area name (新湊, 河東町 …)
    towns: tuple[str, ...] = ()        # the towns this covers (one, or an area's towns)
    label: str | None = None
    lat: float | None = None
    lng: float | None = None
    approximate: bool = True
    candidates: list[str] = []
    source: Literal["text", "town", "postal", "location", "none"] = "none"
    outside: bool = False               # a location far from every town of the municipality
    message: str | None = None          # why unknown/ambiguous, for logs and the CLI


class WindowMatch(BaseModel):
    model_config = ConfigDict(frozen=True)

    window: Window
    distance_km: float | None = None
    approximate: bool = True
    match: Literal["catchment", "nearest", "citywide", "tamokan"]

    @property
    def distance_text(self) -> str | None:
        if self.distance_km is None:
            return None
        return f"{'約' if self.approximate else ''}{self.distance_km:.1f}km"


def describe_validation_error(path: Path, raw: dict, exc: ValidationError) -> str:
    """'file: windows[id=imizu-kaigo-01].phone: not a phone number …' for each error."""
    parts = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = []
        node = raw
        i = 0
        while i < len(loc):
            key = loc[i]
            if isinstance(key, int) and isinstance(node, list):
                item = node[key] if key < len(node) else None
                ident = item.get("id") or item.get("key") if isinstance(item, dict) else None
                name = "id" if isinstance(item, dict) and "id" in item else "key"
                where[-1] = f"{where[-1]}[{name}={ident}]" if ident else f"{where[-1]}[{key}]"
                node = item
            else:
                where.append(str(key))
                node = node.get(key) if isinstance(node, dict) else None
            i += 1
        parts.append(f"{'.'.join(where)}: {err['msg']}")
    return f"{path}: " + "; ".join(parts)
