"""Staff business hours: weekdays, not national holidays (jpholiday), not 12/29-1/3."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import jpholiday

from bot.clock import from_jst, to_jst
from bot.wording import say


def is_business_day(day: date) -> bool:
    if day.weekday() >= 5 or jpholiday.is_holiday(day):
        return False
    return not ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3))


class BusinessHours:
    def __init__(self, opens: time, closes: time):
        self.opens = opens
        self.closes = closes

    def label(self) -> str:
        """How the hours are shown to residents."""
        opens, closes = (f"{t.hour}:{t.minute:02d}" for t in (self.opens, self.closes))
        return say("consultation.hours_label", opens=opens, closes=closes)

    def is_open(self, moment_utc: datetime) -> bool:
        local = to_jst(moment_utc)
        return is_business_day(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, moment_utc: datetime) -> datetime:
        """The next time staff are in (aware UTC); `moment_utc` itself when open now."""
        if self.is_open(moment_utc):
            return moment_utc
        local = to_jst(moment_utc).replace(tzinfo=None)
        day = local.date()
        if local.time() >= self.opens:
            day += timedelta(days=1)
        while not is_business_day(day):
            day += timedelta(days=1)
        return from_jst(datetime.combine(day, self.opens))

    def seconds_between(self, start_utc: datetime, end_utc: datetime) -> float:
        """Business-hours seconds elapsed between two moments (for waiting times)."""
        if end_utc <= start_utc:
            return 0.0
        total = 0.0
        local_start = to_jst(start_utc).replace(tzinfo=None)
        local_end = to_jst(end_utc).replace(tzinfo=None)
        day = local_start.date()
        while day <= local_end.date():
            if is_business_day(day):
                window_start = max(datetime.combine(day, self.opens), local_start)
                window_end = min(datetime.combine(day, self.closes), local_end)
                if window_end > window_start:
                    total += (window_end - window_start).total_seconds()
            day += timedelta(days=1)
        return total
