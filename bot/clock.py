"""The one source of 'now'. Times are aware UTC (SQLModel stores them so); shown times
are Asia/Tokyo.

Tests replace the clock (`set_clock`) instead of sleeping.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable, Optional, overload
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def _system_now() -> datetime:
    return datetime.now(timezone.utc)


_now: Callable[[], datetime] = _system_now


def now() -> datetime:
    """Aware UTC."""
    return _now()


def set_clock(func: Callable[[], datetime] | None) -> None:
    global _now
    _now = func or _system_now


class FrozenClock:
    """A clock the tests move by hand."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...


def as_utc(moment: Optional[datetime]) -> Optional[datetime]:
    """Aware UTC. The one place naive values are read as UTC: SQLite and timestamp
    columns hand stored times back naive."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def to_jst(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(JST)


def from_jst(local: datetime) -> datetime:
    """A JST wall-clock time (naive or aware) to aware UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=JST)
    return local.astimezone(timezone.utc)


def month_key(moment: datetime) -> str:
    """Push quotas count by calendar month in Japan."""
    return to_jst(moment).strftime("%Y-%m")
