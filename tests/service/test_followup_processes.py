"""Two real service processes (`python -m bot serve`) against one PostgreSQL database:
500 due follow-ups reach the LINE emulator exactly once each — also when one process is
killed mid-way and restarted."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import create_engine

from bench.followup_dispatch import (
    Cluster, claimed_by, delivery_report, followup_states, seed_due_followups, wait_until,
)
from bot.db import create_schema, make_engine
from helpers import empty_all_tables

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

COUNT = 500


@pytest.fixture
def cluster(postgres_url):
    engine = make_engine(postgres_url)
    create_schema(engine)                  # before the processes: they find it there
    cluster = Cluster(postgres_url)
    cluster.start_emulator()
    try:
        yield cluster, engine
    finally:
        cluster.stop()
        engine.dispose()
        empty_all_tables(create_engine(postgres_url))


def assert_each_sent_once(cluster, engine, user_ids):
    assert wait_until(lambda: followup_states(engine) == {"sent": COUNT}, 90, poll=0.2), \
        followup_states(engine)
    report = delivery_report(cluster.platform)
    assert report == {"pushes": COUNT, "residents": COUNT, "duplicates": 0,
                      "distinct_keys": COUNT}
    assert Counter(r.user_id for r in cluster.platform.sent) == Counter(user_ids)


def test_two_processes_send_500_followups_exactly_once(cluster):
    cluster, engine = cluster
    cluster.spawn("a")
    cluster.spawn("b")
    user_ids = seed_due_followups(engine, COUNT)
    assert wait_until(lambda: cluster.platform.push_count >= COUNT, 90)
    assert_each_sent_once(cluster, engine, user_ids)
    assert len(claimed_by(engine)) == 2, "both processes should have claimed some"


def test_killed_process_mid_way_then_restarted_loses_none_and_doubles_none(cluster):
    cluster, engine = cluster
    cluster.spawn("a")
    cluster.spawn("b")
    user_ids = seed_due_followups(engine, COUNT)
    assert wait_until(lambda: cluster.platform.push_count >= 60, 60, poll=0.005)
    cluster.kill("a")
    killed_at = cluster.platform.push_count
    assert killed_at < COUNT, "the kill came too late to prove anything"
    cluster.spawn("a-restarted")
    assert_each_sent_once(cluster, engine, user_ids)
