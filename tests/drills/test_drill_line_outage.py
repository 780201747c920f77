"""Failure drill: LINE answers 500, 429, or hangs past the client's read timeout for a
while. Nothing is lost, nothing is delivered twice, and the outbox drains once LINE
recovers — on SQLite and PostgreSQL, through the real webhook and the emulator."""
from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlmodel import Session, select

from bot.line import client as line_client
from bot.models import Outbox

pytestmark = pytest.mark.slow

RESIDENTS = 8


def _drain(service, timeout: float = 60.0) -> list[Outbox]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(service.engine) as session:
            rows = session.exec(select(Outbox)).all()
        if rows and all(row.status in ("sent", "failed") for row in rows):
            return rows
        time.sleep(0.3)
    raise AssertionError(f"outbox did not drain: {Counter(r.status for r in rows)}")


def _greet_everyone(service, users) -> None:
    for user in users:
        assert user.follow().status_code == 200      # stored and acknowledged during the outage


def _assert_once_each(service, users, rows) -> None:
    assert {row.status for row in rows} == {"sent"}, [(r.status, r.error) for r in rows]
    for user in users:
        records = service.platform.records_for(user.user_id)
        assert len(records) == 1, f"{len(records)} deliveries for one greeting"
        assert len(records[0].messages) == 2           # greeting + terms, once
    keys = [r.retry_key for r in service.platform.sent if r.retry_key]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("status", [500, 429])
def test_errors_for_a_while_then_recovery(service, status):
    users = [service.resident() for _ in range(RESIDENTS)]
    service.platform.inject("any", status, times=3 * RESIDENTS)
    _greet_everyone(service, users)
    rows = _drain(service)
    _assert_once_each(service, users, rows)
    assert any(row.attempts > 1 for row in rows)      # the outage really was met


def test_answers_lost_after_delivery_are_not_sent_twice(service):
    users = [service.resident() for _ in range(RESIDENTS)]
    service.platform.inject("any", 500, times=2 * RESIDENTS, accepted_then_500=True)
    _greet_everyone(service, users)
    rows = _drain(service)
    _assert_once_each(service, users, rows)


def test_line_hangs_past_the_read_timeout(service, monkeypatch):
    monkeypatch.setattr(line_client, "TIMEOUT_S", (1.0, 1.0))
    users = [service.resident() for _ in range(4)]
    service.platform.inject("any", 200, times=4, delay=2.5)   # answers, but too late
    _greet_everyone(service, users)
    rows = _drain(service, timeout=90)
    # A hung call may have been delivered: the retry must not deliver it again.
    _assert_once_each(service, users, rows)
