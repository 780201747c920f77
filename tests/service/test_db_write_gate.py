"""The SQLite write gate lets the webhook's insert go before background writers, and the
worker's warm-up freezes the long-lived heap (both found by bench/webhook_ack.py)."""
from __future__ import annotations

import gc
import threading
import time

from bot.db import make_engine, write_gate


def test_background_writer_waits_while_a_webhook_insert_is_pending(tmp_path):
    gate = write_gate(make_engine(f"sqlite:///{tmp_path / 'gate.db'}"))
    order: list[str] = []
    with gate.urgent():
        waiter = threading.Thread(target=lambda: (gate.wait_turn(5.0), order.append("worker")))
        waiter.start()
        time.sleep(0.2)
        order.append("webhook")
    waiter.join(5)
    assert order == ["webhook", "worker"]


def test_background_writer_is_never_held_long(tmp_path):
    gate = write_gate(make_engine(f"sqlite:///{tmp_path / 'gate.db'}"))
    with gate.urgent():
        started = time.monotonic()
        gate.wait_turn(max_wait_s=0.1)
        assert time.monotonic() - started < 1.0


def test_the_gate_does_nothing_on_postgres():
    from sqlalchemy import create_engine
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert write_gate(engine).enabled is False


def test_a_started_service_has_frozen_its_heap(service):
    assert gc.get_freeze_count() > 0
