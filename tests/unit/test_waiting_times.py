"""Waiting time on the wall clock and in business hours (admin/queue_data.py): a night or a
weekend counts on the wall, not in the office's hours."""
from __future__ import annotations

from datetime import datetime, time

from admin.queue_data import waiting_seconds, wall_waiting_seconds
from bot.clock import from_jst
from bot.hours import BusinessHours
from bot.models import Case

HOURS = BusinessHours(time(8, 30), time(17, 15))


def jst(*args) -> datetime:
    return from_jst(datetime(*args))


def test_a_sunday_night_emergency_has_waited_on_the_wall_clock_only():
    case = Case(resident_id=1, status="waiting", queued_at=jst(2026, 11, 29, 21, 0))  # Sunday
    now = jst(2026, 11, 29, 23, 30)
    assert wall_waiting_seconds(case, now) == 2.5 * 3600
    assert waiting_seconds(case, HOURS, now) == 0


def test_friday_evening_to_monday_morning():
    case = Case(resident_id=1, status="open", queued_at=jst(2026, 11, 27, 17, 0))     # Friday
    now = jst(2026, 11, 30, 9, 0)                                                      # Monday
    assert wall_waiting_seconds(case, now) == (24 * 2 + 16) * 3600
    assert waiting_seconds(case, HOURS, now) == (15 + 30) * 60


def test_a_closed_case_stops_at_its_close_and_a_case_never_queued_counts_from_opening():
    closed = Case(resident_id=1, status="closed", queued_at=jst(2026, 11, 30, 9, 0),
                  closed_at=jst(2026, 11, 30, 10, 0))
    assert wall_waiting_seconds(closed, jst(2026, 12, 5, 9, 0)) == 3600
    unqueued = Case(resident_id=1, status="open", opened_at=jst(2026, 11, 30, 9, 0))
    assert wall_waiting_seconds(unqueued, jst(2026, 11, 30, 9, 10)) == 600
