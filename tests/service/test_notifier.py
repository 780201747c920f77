"""On-call alerts leave as a JSON webhook and an e-mail, each to a local receiver on the
loopback; they carry the case code and priority, never the resident's text or LINE ID."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, SQLModel

from bot.config import Settings
from bot.models import Case, Resident
from bot.notifier import Notifier
from receivers import SmtpReceiver, WebhookReceiver


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def smtp():
    receiver = SmtpReceiver()
    yield receiver
    receiver.close()


# The notifier on its own --------------------------------------------------------------------
@pytest.fixture
def engine_with_case(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'n.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        resident = Resident(line_user_id="U" + "a" * 32)
        session.add(resident)
        session.flush()
        case = Case(resident_id=resident.id, priority="emergency", priority_rank=0,
                    status="waiting", fields=[], patterns=[], handoff_reasons=[])
        session.add(case)
        session.commit()
        yield engine, case.id, resident.case_code
    engine.dispose()


def test_webhook_and_email_carry_case_code_and_priority_only(engine_with_case, webhook, smtp):
    engine, case_id, code = engine_with_case
    settings = Settings(alert_webhook_url=webhook.url, smtp_host="127.0.0.1", smtp_port=smtp.port,
                        alert_email_to="oncall@example.org", public_base_url="http://city.example")
    notifier = Notifier(settings, engine, background=False)
    assert notifier.configured and notifier.channels == ["webhook", "email"]
    notifier(case_id, "emergency")
    body = webhook.wait_for(1)[0]
    assert body == {"case_code": code, "priority": "emergency", "event": "alert",
                    "at": body["at"]}
    mail = smtp.wait_for(1)[0]
    assert "oncall@example.org" in mail["rcpt"][0]
    message = smtp.message()
    assert code in message["Subject"] and "緊急" in message["Subject"]
    assert "U" + "a" * 32 not in mail["data"].decode("utf-8", "replace")


def test_updates_of_one_case_are_throttled(engine_with_case, webhook):
    engine, case_id, _ = engine_with_case
    notifier = Notifier(Settings(alert_webhook_url=webhook.url), engine, background=False)
    notifier(case_id, "emergency")
    notifier(case_id, "update")
    notifier(case_id, "update")              # within five minutes of the last update
    assert [b["event"] for b in webhook.wait_for(2)] == ["alert", "update"]
    time.sleep(0.2)
    assert len(webhook.bodies) == 2


def test_a_receiver_down_is_retried_and_never_raises(engine_with_case):
    engine, case_id, _ = engine_with_case
    failing = WebhookReceiver(status=500)
    try:
        notifier = Notifier(Settings(alert_webhook_url=failing.url), engine, background=False)
        notifier(case_id, "emergency")      # three attempts, then logged
        assert len(failing.raw) == 3 and notifier.sent == []
    finally:
        failing.close()


def test_without_channels_nothing_is_sent(engine_with_case):
    engine, case_id, _ = engine_with_case
    notifier = Notifier(Settings(), engine, background=False)
    assert not notifier.configured
    notifier(case_id, "emergency")
    assert notifier.sent == []
