"""When a follow-up may go: quiet hours (JST) and the due time of a policy follow-up."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.clock import as_utc, from_jst, to_jst

__all__ = ["QuietHours", "as_utc", "epoch_key", "policy_due"]


def epoch_key(moment: datetime) -> int:
    """A stable integer for a stored time, whatever the database gave back."""
    return int(as_utc(moment).timestamp())


class QuietHours:
    """Local (JST) wall-clock window when no follow-up is sent. start == end: none."""

    def __init__(self, start: time, end: time):
        self.start = start
        self.end = end

    @property
    def enabled(self) -> bool:
        return self.start != self.end

    def label(self) -> str:
        if not self.enabled:
            return "なし"
        return f"{self.start:%H:%M}〜{self.end:%H:%M}"

    def contains(self, moment: datetime) -> bool:
        if not self.enabled:
            return False
        local = to_jst(moment).time().replace(tzinfo=None)
        if self.start < self.end:                       # e.g. 12:00-13:00
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # across midnight, e.g. 20:00-8:00

    def next_allowed(self, moment: datetime) -> datetime:
        """`moment` itself (aware UTC) when allowed, else the end of this quiet period."""
        moment = as_utc(moment)
        if not self.contains(moment):
            return moment
        local = to_jst(moment).replace(tzinfo=None)
        end_today = datetime.combine(local.date(), self.end)
        target = end_today if local < end_today else end_today + timedelta(days=1)
        return from_jst(target)


def policy_due(basis: datetime, days: int, send_time: time, quiet: QuietHours) -> datetime:
    """`days` calendar days (JST) after `basis`, at `send_time` JST, outside quiet hours."""
    local_day = to_jst(as_utc(basis)).date() + timedelta(days=days)
    return quiet.next_allowed(from_jst(datetime.combine(local_day, send_time)))
