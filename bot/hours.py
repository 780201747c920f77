"""Staff business hours (weekdays, not national holidays (jpholiday), not 12/29-1/3), and
the opening hours of the national lines and windows: open now, next opening, as text."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import jpholiday

from bot.clock import from_jst, to_jst
from bot.directory.models import DAYS, Opening
from bot.wording import say


def is_business_day(day: date) -> bool:
    if day.weekday() >= 5 or is_holiday(day):
        return False
    return not _year_end(day)


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


# Opening hours of the national lines and the windows (bot.directory.models.Opening) ------
def is_holiday(day: date) -> bool:
    """A national holiday (jpholiday: 振替休日 and 国民の休日 included)."""
    return bool(jpholiday.is_holiday(day))


def _year_end(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def _span(day: date, opens: str, closes: str) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.fromisoformat(opens))
    end = datetime.combine(day, time.fromisoformat(closes))
    if end <= start:                      # runs past midnight (09:00-09:00: a whole day)
        end += timedelta(days=1)
    return start, end


def spans_starting(opening: Opening, day: date) -> list[tuple[datetime, datetime]]:
    """The JST wall-clock spans that start on `day` (naive datetimes)."""
    if opening.always:
        return [(datetime.combine(day, time()), datetime.combine(day + timedelta(days=1), time()))]
    if opening.year_end_closed and _year_end(day):
        return []
    key = DAYS[day.weekday()]
    if is_holiday(day):
        if opening.holidays == "closed":
            key = ""
        elif opening.holidays == "as_listed":
            key = "holiday"
    spans = [_span(day, r.opens, r.closes) for r in opening.weekly if key in r.days]
    spans += [_span(day, r.opens, r.closes) for r in opening.monthly if r.day_of_month == day.day]
    return sorted(spans)


def is_open_at(opening: Opening, moment_utc: datetime) -> bool:
    local = to_jst(moment_utc).replace(tzinfo=None)
    for day in (local.date() - timedelta(days=1), local.date()):
        if any(start <= local < end for start, end in spans_starting(opening, day)):
            return True
    return False


def next_opening_at(opening: Opening, moment_utc: datetime, within_days: int = 8) -> datetime | None:
    """When the line next opens (aware UTC), within a week and a day; None if not by then."""
    local = to_jst(moment_utc).replace(tzinfo=None)
    for offset in range(within_days + 1):
        for start, _ in spans_starting(opening, local.date() + timedelta(days=offset)):
            if start > local:
                return from_jst(start)
    return None


def _clock_text(value: str) -> str:
    hour, minute = value.split(":")
    return f"{int(hour)}:{minute}"


def _range_text(opens: str, closes: str) -> str:
    key = "hours.range_overnight" if closes <= opens else "hours.range"
    return say(key, opens=_clock_text(opens), closes=_clock_text(closes))


def describe(opening: Opening) -> str:
    """The hours as residents read them: 24時間 / 毎日16:00〜21:00（毎月10日は8:00〜翌8:00）."""
    if opening.always:
        return say("hours.open_always")
    names: dict[str, str] = dict(zip(DAYS + ("holiday",), say("hours.day_names").split(), strict=True))
    parts = []
    for r in opening.weekly:
        days = list(r.days)
        if set(DAYS) <= set(days):
            label = say("hours.days_every")
        elif set(days) == set(DAYS[:5]):
            label = say("hours.days_weekdays")
        else:
            label = say("hours.day_join").join(names[d] for d in days)
        parts.append(label + _range_text(r.opens, r.closes))
    text = say("hours.range_join").join(parts)
    for m in opening.monthly:
        text += say("hours.monthly_extra", day=m.day_of_month,
                    range=_range_text(m.opens, m.closes))
    if opening.holidays == "closed" and opening.weekly:
        text += say("hours.holidays_closed")
    return text
