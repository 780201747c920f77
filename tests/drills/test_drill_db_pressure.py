"""Failure drill: database pressure. SQLite held locked by another connection while events
arrive; PostgreSQL backends of the service terminated mid-processing. Every acknowledged
event is processed exactly once and answered exactly once."""
from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from bot.models import InboundEvent, Outbox

pytestmark = pytest.mark.slow


def _wait_done(service, expected: int, timeout: float = 60.0) -> Counter:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(service.engine) as session:
            events = Counter(session.exec(select(InboundEvent.status)).all())
            outbox = Counter(session.exec(select(Outbox.status)).all())
        if events.get("done", 0) >= expected and set(outbox) <= {"sent"}:
            return events
        time.sleep(0.3)
    raise AssertionError(f"not processed: events {events}, outbox {outbox}")


def test_sqlite_locked_by_another_writer(tmp_path):
    from helpers import start_service
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    service, server = start_service(url)
    try:
        users = [service.resident() for _ in range(6)]
        blocker = sqlite3.connect(tmp_path / "locked.db", timeout=30)
        blocker.execute("BEGIN IMMEDIATE")           # the write lock, held by someone else
        answers: list[int] = []
        threads = [threading.Thread(target=lambda u=u: answers.append(u.follow().status_code))
                   for u in users]
        for thread in threads:
            thread.start()
        time.sleep(3.0)
        blocker.rollback()
        blocker.close()
        for thread in threads:
            thread.join(30)
        acknowledged = answers.count(200)
        assert acknowledged == len(users)            # busy_timeout waited the lock out
        events = _wait_done(service, acknowledged)
        assert events == {"done": acknowledged}
        for user in users:
            assert len(service.platform.records_for(user.user_id)) == 1
    finally:
        server.stop()


@pytest.mark.postgres
def test_postgres_connections_killed_during_processing(postgres_url):
    from helpers import empty_all_tables, start_service
    url = f"{postgres_url}&application_name=drill"
    service, server = start_service(url)
    admin = create_engine(postgres_url)
    try:
        users = [service.resident() for _ in range(20)]
        acknowledged = 0
        for round_number in range(4):
            for user in users[round_number * 5:(round_number + 1) * 5]:
                try:
                    status = user.follow().status_code
                except Exception:
                    status = 0
                if status == 200:
                    acknowledged += 1
                else:                                 # LINE redelivers what got no 200
                    assert user.redeliver().status_code == 200
                    acknowledged += 1
            with admin.begin() as connection:
                connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'drill' AND pid <> pg_backend_pid()"))
        events = _wait_done(service, acknowledged, timeout=90)
        assert events == {"done": len(users)}
        for user in users:
            assert len(service.platform.records_for(user.user_id)) == 1
        keys = [r.retry_key for r in service.platform.sent if r.retry_key]
        assert len(keys) == len(set(keys))
    finally:
        server.stop()
        admin.dispose()
        empty_all_tables(create_engine(postgres_url))
