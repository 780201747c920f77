"""Failure drill: the service is SIGKILLed with a thousand messages in flight and started
again. Every message is stored once, processed once and answered once (counted at the
emulator), as LINE would see it."""
from __future__ import annotations

import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from collections import Counter

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from bot.db import make_engine
from bot.emulator import LinePlatform, ResidentPhone, create_emulator_app, make_user_id, signature_for
from bot.emulator.liveserver import LiveServer, free_port
from bot.emulator.service_process import ServiceProcess
from bot.models import InboundEvent, Outbox

pytestmark = pytest.mark.slow

RESIDENTS = 50
MESSAGES_EACH = 20
KILL_AFTER_ACKS = 300


def _body(event: dict, redelivery: bool = False) -> bytes:
    if redelivery:
        event = {**event, "deliveryContext": {"isRedelivery": True}}
    return json.dumps({"destination": "Ubot", "events": [event]},
                      ensure_ascii=False).encode()


def test_sigkill_mid_burst_loses_nothing_and_answers_once(database_url, tmp_path):
    secret, token = secrets.token_hex(16), secrets.token_urlsafe(24)
    platform = LinePlatform(secret, token)
    port = free_port()
    with LiveServer(create_emulator_app(platform)) as line_url:
        def service() -> ServiceProcess:
            return ServiceProcess.against_emulator(
                database_url=database_url, line_api_host=line_url, channel_secret=secret,
                access_token=token, port=port, log_path=tmp_path / "service.log")
        first = service().start()
        phones = [ResidentPhone(make_user_id(), platform, f"{first.url}/callback", secret)
                  for _ in range(RESIDENTS)]
        events = [phone.event("message", message=ResidentPhone._text(f"相談です その{n}"))
                  for n in range(MESSAGES_EACH) for phone in phones]
        acked: list[dict] = []
        unacked: list[dict] = []
        lock = threading.Lock()
        client = httpx.Client(timeout=10)

        def post(event: dict, redelivery: bool = False) -> bool:
            body = _body(event, redelivery)
            try:
                response = client.post(f"{first.url}/callback", content=body, headers={
                    "content-type": "application/json",
                    "x-line-signature": signature_for(body, secret)})
                return response.status_code == 200
            except httpx.HTTPError:
                return False

        def deliver(event: dict) -> None:
            ok = post(event)
            with lock:
                (acked if ok else unacked).append(event)
                if len(acked) == KILL_AFTER_ACKS:
                    first.kill()                # mid-burst, no shutdown code runs

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(deliver, events))
        assert first.process.returncode is not None, "the service was not killed"
        assert unacked, "the kill came too late to leave messages in flight"

        second = service().start()
        try:
            # LINE redelivers what was not acknowledged, and sometimes what was.
            for event in unacked:
                assert post(event, redelivery=True)
            for event in acked[:50]:
                assert post(event, redelivery=True)
            platform.wait_for(lambda _: len(platform.sent) >= len(events), timeout=120)
            time.sleep(1.0)             # anything sent twice would show up now
        finally:
            second.stop()
            client.close()

    engine = make_engine(database_url)
    with Session(engine) as session:
        statuses = Counter(session.exec(select(InboundEvent.status)).all())
        outbox_rows = session.exec(select(func.count()).select_from(Outbox)).one()
    engine.dispose()
    assert statuses == {"done": len(events)}                      # stored once, processed
    assert outbox_rows == len(events)                             # processed once
    assert len(platform.sent) == len(events)                      # answered once
    per_user = Counter(record.user_id for record in platform.sent)
    assert set(per_user.values()) == {MESSAGES_EACH}
    keys = [record.retry_key for record in platform.sent if record.retry_key]
    assert len(keys) == len(set(keys))
