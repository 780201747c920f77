"""POST /callback: verification, storage, redelivery and the events we do not answer."""
from __future__ import annotations

import json
import time

import httpx
from sqlmodel import Session, select

from bot.emulator import signature_for
from bot.models import InboundEvent


def stored_events(service) -> list[InboundEvent]:
    with Session(service.engine) as session:
        return list(session.exec(select(InboundEvent).order_by(InboundEvent.id)))


def post_raw(service, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["x-line-signature"] = signature
    return httpx.post(f"{service.base_url}/callback", content=body, headers=headers)


def signed(service, body: bytes) -> str:
    return signature_for(body, service.demo.settings.line_channel_secret)


def test_wrong_signature_is_400_and_nothing_is_stored(service):
    user = service.resident()
    event = user.event("message", message={"type": "text", "id": "1", "text": "こんにちは",
                                           "quoteToken": "q"})
    response = user.post_events([event], signature="bm90IHRoZSBzaWduYXR1cmU=")
    assert response.status_code == 400
    assert "signature" in response.json()["detail"]
    assert stored_events(service) == []


def test_missing_signature_is_400(service):
    response = post_raw(service, b'{"destination":"x","events":[]}', None)
    assert response.status_code == 400
    assert "x-line-signature" in response.json()["detail"]


def test_malformed_json_with_valid_signature_is_400_not_500(service):
    body = b'{"destination": "x", "events": [ '
    response = post_raw(service, body, signed(service, body))
    assert response.status_code == 400
    assert "malformed" in response.json()["detail"]


def test_events_that_are_not_objects_are_400(service):
    body = json.dumps({"destination": "x", "events": ["oops"]}).encode()
    response = post_raw(service, body, signed(service, body))
    assert response.status_code == 400


def test_empty_events_is_200(service):
    body = b'{"destination":"Uxxxxxxxx","events":[]}'
    response = post_raw(service, body, signed(service, body))
    assert response.status_code == 200
    assert stored_events(service) == []


def test_unknown_event_type_is_stored_and_ignored(service):
    user = service.resident()
    event = user.event("somethingNew", replyable=False)
    assert user.post_events([event]).status_code == 200
    _wait_processed(service, 1)
    assert [e.status for e in stored_events(service)] == ["ignored"]
    assert service.platform.messages_for(user.user_id) == []


def test_standby_is_stored_and_never_answered(service):
    user = service.resident()
    assert user.standby_say("こんにちは").status_code == 200
    _wait_processed(service, 1)
    (event,) = stored_events(service)
    assert (event.mode, event.status) == ("standby", "ignored")
    time.sleep(0.3)
    assert service.platform.messages_for(user.user_id) == []


def test_redelivered_event_is_processed_once(service):
    user = service.resident()
    user.follow()
    service.platform.wait_for(2, user.user_id)
    assert user.redeliver().status_code == 200
    assert user.redeliver().status_code == 200
    time.sleep(0.5)
    assert len(stored_events(service)) == 1
    assert len(service.platform.messages_for(user.user_id)) == 2


def test_same_event_twice_in_one_body_is_stored_once(service):
    user = service.resident()
    event = user.event("follow", follow={"isUnblocked": False})
    assert user.post_events([event, event]).status_code == 200
    service.platform.wait_for(2, user.user_id)
    assert len(stored_events(service)) == 1


def _wait_processed(service, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = stored_events(service)
        if len([e for e in events if e.status != "pending"]) >= count:
            return
        time.sleep(0.05)
    raise AssertionError("events were not processed in time")
