"""The conversation's state: where the resident is (`Step`) and what the consultation
remembers between two messages (`Scratch`). Stored on ConversationState as the step's
value and a JSON object of the non-default scratch fields, so rows written before these
types existed read back the same."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any, Mapping, Optional


class Step(StrEnum):
    NEW = "new"                              # nothing yet: greet and show the terms
    TERMS = "onboarding.terms"               # the terms were shown; consent asked
    DECLINED = "declined"                    # consent refused (the terms are offered again)
    RELATION = "onboarding.relation"         # intake: who is consulting
    AGE = "onboarding.age"                   # intake: age band
    AREA = "onboarding.area"                 # intake: where they live
    CONSULT = "consult"                      # the consultation
    DELETE_CONFIRM = "delete.confirm"        # 「削除」 asked; waiting for the confirmation

    @classmethod
    def parse(cls, value: str) -> Step:
        """A stored step; an unknown one (an older version's) continues the consultation."""
        try:
            return cls(value)
        except ValueError:
            return cls.CONSULT


@dataclass(frozen=True)
class Scratch:
    """What the consultation remembers between messages (reset when the step changes)."""
    awaiting: Optional[str] = None           # the question just asked: area / area_text / postal
    fields: tuple[str, ...] = ()             # the need waiting for the area answer
    complex: bool = False                    # an entangled household (多機関協働 window first)
    shown: int = 0                           # windows shown so far (ほかの窓口も見る pages on)
    listen: int = 0                          # listening turns since the last offer
    ack_at: Optional[str] = None             # ISO time staff's receipt was last confirmed
    area_skipped: bool = False               # 「スキップ」: city-wide windows from now on
    return_to: Optional[str] = None          # the step to go back to when deletion is cancelled

    @classmethod
    def from_json(cls, raw: Optional[Mapping[str, Any]]) -> Scratch:
        raw = raw or {}
        return cls(awaiting=raw.get("awaiting"), fields=tuple(raw.get("fields") or ()),
                   complex=bool(raw.get("complex")), shown=int(raw.get("shown") or 0),
                   listen=int(raw.get("listen") or 0), ack_at=raw.get("ack_at"),
                   area_skipped=bool(raw.get("area_skipped")), return_to=raw.get("return_to"))

    def to_json(self) -> dict[str, Any]:
        """The fields that differ from their defaults (what the database keeps)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != f.default:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def changed(self, **changes: Any) -> Scratch:
        """A copy with `changes`; None puts a field back to its default."""
        defaults: dict[str, Any] = {f.name: f.default for f in fields(self)}
        values: dict[str, Any] = {key: defaults[key] if value is None else value
                                  for key, value in changes.items()}
        if "fields" in values:
            values["fields"] = tuple(values["fields"])
        return replace(self, **values)
