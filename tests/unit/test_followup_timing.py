"""Quiet hours and policy due times (pure, no database)."""
from __future__ import annotations

from datetime import datetime, time

from bot.clock import JST, from_jst, to_jst
from bot.followups import QuietHours, policy_due

QUIET = QuietHours(time(20, 0), time(8, 0))


def jst(*args) -> datetime:
    return from_jst(datetime(*args))


def test_quiet_hours_cover_the_night_in_japan():
    assert not QUIET.contains(jst(2025, 6, 2, 8, 0))
    assert not QUIET.contains(jst(2025, 6, 2, 19, 59))
    assert QUIET.contains(jst(2025, 6, 2, 20, 0))
    assert QUIET.contains(jst(2025, 6, 3, 0, 30))
    assert QUIET.contains(jst(2025, 6, 3, 7, 59))


def test_next_allowed_is_eight_the_same_or_next_morning():
    assert QUIET.next_allowed(jst(2025, 6, 2, 21, 0)) == jst(2025, 6, 3, 8, 0)
    assert QUIET.next_allowed(jst(2025, 6, 3, 2, 0)) == jst(2025, 6, 3, 8, 0)
    allowed = jst(2025, 6, 2, 12, 0)
    assert QUIET.next_allowed(allowed) == allowed


def test_daytime_window_and_disabled_window():
    lunch = QuietHours(time(12, 0), time(13, 0))
    assert lunch.contains(jst(2025, 6, 2, 12, 30)) and not lunch.contains(jst(2025, 6, 2, 13, 0))
    assert lunch.next_allowed(jst(2025, 6, 2, 12, 30)) == jst(2025, 6, 2, 13, 0)
    never = QuietHours(time(0, 0), time(0, 0))
    assert not never.enabled and not never.contains(jst(2025, 6, 2, 3, 0))


def test_policy_due_is_n_days_later_at_the_send_time_jst():
    shown = jst(2025, 6, 2, 23, 30)                 # late at night in Japan (14:30 UTC)
    due = policy_due(shown, 7, time(10, 0), QUIET)
    assert to_jst(due) == datetime(2025, 6, 9, 10, 0, tzinfo=JST)
    late = policy_due(shown, 7, time(21, 0), QUIET)  # a send time in quiet hours moves on
    assert to_jst(late) == datetime(2025, 6, 10, 8, 0, tzinfo=JST)
