"""What a flow decides, as data. bot.effects carries the actions out; flows do no I/O."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from bot.flows.state import Scratch, Step


@dataclass(frozen=True)
class Say:
    """Messages for the resident, sent with the reply token when there is one."""
    messages: list[dict[str, Any]]


@dataclass(frozen=True)
class GoTo:
    step: Step
    data: Optional[Scratch] = None       # replaces the step's scratch data (None: empty)


@dataclass(frozen=True)
class SetProfile:
    """Intake answers and preferences kept on the resident."""
    values: dict[str, Any]


@dataclass(frozen=True)
class RecordConsent:
    kind: str                            # terms / share
    granted: bool


@dataclass(frozen=True)
class RecordInbound:
    """Keep the resident's message on their case (only with terms consent)."""
    text: Optional[str]
    kind: str = "text"
    analysis: Optional[dict[str, Any]] = None
    risk: str = "none"


@dataclass(frozen=True)
class UpdateCase:
    """Merge what was learnt into the open case (union of fields, highest risk)."""
    fields: list[str] = field(default_factory=list)
    risk: str = "none"
    patterns: list[str] = field(default_factory=list)
    area: Optional[str] = None
    windows_shown: bool = False


@dataclass(frozen=True)
class Escalate:
    """Queue the case for staff."""
    priority: str                        # emergency / high / normal
    reasons: list[str]


@dataclass(frozen=True)
class Alert:
    """Tell the on-call staff now (emergencies)."""
    reason: str


@dataclass(frozen=True)
class ScheduleFollowUp:
    kind: str
    due_at: datetime


@dataclass(frozen=True)
class CancelFollowUps:
    reason: str


@dataclass(frozen=True)
class FollowUpAnswer:
    """The resident answered a follow-up (followup_id None: the latest one sent to them)."""
    answer: str                       # connected / not_yet / talk / fine / text
    followup_id: Optional[int] = None


@dataclass(frozen=True)
class EraseResident:
    pass


@dataclass(frozen=True)
class SetReachable:
    reachable: bool


# The closed set of actions: bot.effects.EffectRunner handles each one in a `match`.
Action = (Say | GoTo | SetProfile | RecordConsent | RecordInbound | UpdateCase | Escalate
          | Alert | ScheduleFollowUp | CancelFollowUps | FollowUpAnswer | EraseResident
          | SetReachable)
