"""Opening hours of the national lines and windows (bot/hours.py on the directory's
Opening): open now, the next opening, how the hours read, and what the schema refuses."""
from __future__ import annotations

from datetime import datetime, time

import pytest
from pydantic import ValidationError

from bot.clock import from_jst, to_jst
from bot.directory import get_directory
from bot.directory.models import Opening
from bot.flows.context import FlowContext
from bot.flows.crisis import lines_text, open_after_hours, states_for
from bot.hours import BusinessHours, describe, is_open_at, next_opening_at

IMIZU = "富山県射水市"
AIZU = "福島県会津若松市"


def at(*args: int) -> datetime:
    """A JST wall-clock moment, as aware UTC."""
    return from_jst(datetime(*args))


@pytest.fixture(scope="module")
def d():
    return get_directory()


def test_inochi_no_denwa_is_open_in_the_evening_and_all_night_from_the_tenth(d):
    opening = d.line("inochi_denwa").opening
    assert not is_open_at(opening, at(2025, 6, 2, 15, 59))
    assert is_open_at(opening, at(2025, 6, 2, 16, 0))
    assert not is_open_at(opening, at(2025, 6, 2, 21, 0))
    assert not is_open_at(opening, at(2025, 6, 2, 23, 30))
    assert is_open_at(opening, at(2025, 6, 10, 8, 0))          # the 10th, 8:00 …
    assert is_open_at(opening, at(2025, 6, 10, 23, 30))
    assert is_open_at(opening, at(2025, 6, 11, 7, 59))         # … to 8:00 the next day
    assert not is_open_at(opening, at(2025, 6, 11, 8, 0))
    assert to_jst(next_opening_at(opening, at(2025, 6, 2, 23, 30))) == at(2025, 6, 3, 16, 0)
    assert describe(opening) == "毎日16:00〜21:00（毎月10日は8:00〜翌8:00）"


def test_toyama_8000_runs_overnight_and_all_day_on_sundays_and_holidays(d):
    opening = d.line("kodomo_8000").opening_in(IMIZU)
    assert is_open_at(opening, at(2025, 6, 4, 23, 30))          # Wednesday night
    assert is_open_at(opening, at(2025, 6, 5, 8, 59))           # until 9:00 the next morning
    assert not is_open_at(opening, at(2025, 6, 4, 10, 0))       # weekday daytime: closed
    assert not is_open_at(opening, at(2025, 6, 7, 10, 0))       # Saturday morning: closed
    assert is_open_at(opening, at(2025, 6, 7, 13, 0))           # Saturday from 13:00
    assert is_open_at(opening, at(2025, 6, 8, 10, 0))           # Sunday daytime
    assert is_open_at(opening, at(2025, 7, 21, 10, 0))          # 海の日 (a Monday holiday)
    assert is_open_at(opening, at(2025, 7, 22, 8, 30))          # the holiday's span to 9:00
    assert to_jst(next_opening_at(opening, at(2025, 6, 4, 10, 0))) == at(2025, 6, 4, 19, 0)
    assert describe(opening) == "平日19:00〜翌9:00、土曜13:00〜翌9:00、日曜・祝日9:00〜翌9:00"


def test_a_window_closed_on_holidays(d):
    opening = d.window("yonago-tamokan-01").opening
    assert is_open_at(opening, at(2025, 6, 2, 10, 0))
    assert not is_open_at(opening, at(2025, 7, 21, 10, 0))      # 海の日
    assert not is_open_at(opening, at(2025, 6, 2, 17, 15))
    assert describe(opening) == "平日8:30〜17:15（祝日は休み）"


def test_24_hours_is_always_open(d):
    opening = d.line("yorisoi").opening
    assert all(is_open_at(opening, at(2025, 1, 1, hour, 0)) for hour in range(24))
    assert describe(opening) == "24時間"


@pytest.mark.parametrize("bad", [
    {"always": True, "weekly": [{"days": ["mon"], "opens": "09:00", "closes": "17:00"}], "source": "https://x.example/"},
    {"weekly": [{"days": ["mon"], "opens": "25:00", "closes": "17:00"}], "source": "https://x.example/"},
    {"weekly": [{"days": ["holiday"], "opens": "09:00", "closes": "17:00"}], "source": "https://x.example/"},
    {"source": "https://x.example/"},
    {"always": True},
])
def test_the_schema_refuses_hours_that_do_not_add_up(bad):
    with pytest.raises(ValidationError):
        Opening.model_validate(bad)


def context(now: datetime, municipality: str = IMIZU) -> FlowContext:
    return FlowContext(now=now, city="射水市", municipality=municipality,
                       hours=BusinessHours(time(8, 30), time(17, 15)), retention_days=365,
                       terms_url="http://test/terms", directory=get_directory())


@pytest.mark.parametrize("moment", [at(2025, 6, 4, 23, 30), at(2025, 7, 21, 23, 30),
                                    at(2025, 6, 4, 10, 0)])
def test_crisis_lines_list_the_open_ones_first_and_never_say_always_beside_a_closed_one(moment):
    states = states_for(context(moment), "emergency", ("suicide",), ("kokoro",), limit=6)
    order = [s.status for s in states]
    assert order == sorted(order, key=["open", "unknown", "closed"].index)
    assert order[0] == "open"
    inochi = next(s for s in states if s.line.key == "inochi_denwa")
    assert inochi.status == "closed" and "受付時間外" in inochi.hours_text()
    assert "次は" in inochi.hours_text()
    text = lines_text(context(moment), "emergency", ("suicide",), ("kokoro",), limit=6)
    closed_line = next(line for line in text.splitlines() if "0120-783-556" in line)
    assert "いつでも" not in closed_line and "24時間" not in closed_line


def test_out_of_hours_each_field_gets_the_lines_open_now():
    night = context(at(2025, 6, 4, 23, 30))
    assert [s.line.key for s in open_after_hours(night, ["kosodate"])] == [
        "child_189", "yorisoi", "kodomo_8000"]
    assert [s.line.key for s in open_after_hours(night, ["josei"])] == ["yorisoi", "dv_plus"]
    # in 会津若松 the #8000 hours are not sourced here: never offered as open
    aizu = context(at(2025, 6, 4, 23, 30), AIZU)
    assert "kodomo_8000" not in [s.line.key for s in open_after_hours(aizu, ["kosodate"])]
