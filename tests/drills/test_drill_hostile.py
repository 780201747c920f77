"""Failure drill: hostile input at /callback never gets a 500 and never stores an event
without a valid signature (property-based, with hypothesis)."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func
from sqlmodel import Session, select

from bot.demo import build_emulated_service
from bot.emulator import signature_for
from bot.models import InboundEvent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    database = tmp_path_factory.mktemp("hostile") / "hostile.db"
    demo = build_emulated_service("http://127.0.0.1:9", f"sqlite:///{database}")
    client = TestClient(demo.app, raise_server_exceptions=False)   # no lifespan: no worker
    return client, demo


def stored(demo) -> int:
    with Session(demo.app.state.runtime.engine) as session:
        return session.exec(select(func.count()).select_from(InboundEvent)).one()


def post(client, body: bytes, signature: str | None):
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["x-line-signature"] = signature
    return client.post("/callback", content=body, headers=headers)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                      children, max_size=4),
    max_leaves=20)

fuzz = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@fuzz
@given(body=st.binary(max_size=2000),
       signature=st.one_of(st.none(), st.text(   # what an HTTP header can carry
           st.characters(min_codepoint=33, max_codepoint=126), max_size=60)))
def test_random_bytes_with_any_signature_are_refused(hostile, body, signature):
    client, demo = hostile
    before = stored(demo)
    response = post(client, body, signature)
    assert response.status_code == 400
    assert stored(demo) == before


@fuzz
@given(value=json_values)
def test_validly_signed_random_json_never_500(hostile, value):
    client, demo = hostile
    body = json.dumps(value).encode()
    response = post(client, body, signature_for(body, demo.settings.line_channel_secret))
    assert response.status_code in (200, 400)


@fuzz
@given(events=st.lists(st.dictionaries(
    st.sampled_from(["type", "mode", "timestamp", "source", "webhookEventId", "replyToken",
                     "message", "postback", "deliveryContext"]),
    json_values, max_size=9), max_size=3))
def test_validly_signed_event_shaped_garbage_never_500(hostile, events):
    client, demo = hostile
    body = json.dumps({"destination": "U0", "events": events}).encode()
    response = post(client, body, signature_for(body, demo.settings.line_channel_secret))
    assert response.status_code in (200, 400)


@fuzz
@given(event_type=st.text(min_size=1, max_size=30))
def test_unknown_event_types_are_accepted_and_stored(hostile, event_type):
    client, demo = hostile
    event = {"type": event_type, "mode": "active", "timestamp": 1_700_000_000_000,
             "source": {"type": "user", "userId": "U" + "0" * 32},
             "webhookEventId": "01H" + str(abs(hash(event_type)))[:20].rjust(23, "0"),
             "deliveryContext": {"isRedelivery": False}}
    body = json.dumps({"destination": "U0", "events": [event]}).encode()
    response = post(client, body, signature_for(body, demo.settings.line_channel_secret))
    assert response.status_code in (200, 400)


def test_deep_nesting_is_400_not_500(hostile):
    client, demo = hostile
    body = ("[" * 100_000 + "]" * 100_000).encode()
    response = post(client, body, signature_for(body, demo.settings.line_channel_secret))
    assert response.status_code == 400


def test_huge_body_is_refused_before_anything_is_stored(hostile):
    client, demo = hostile
    before = stored(demo)
    body = b'{"destination":"U0","events":[' + b'{"type":"x"},' * 200_000 + b'{}]}'
    response = post(client, body, signature_for(body, demo.settings.line_channel_secret))
    assert response.status_code == 413 and stored(demo) == before


def test_five_thousand_emoji_are_stored(hostile):
    client, demo = hostile
    before = stored(demo)
    event = {"type": "message", "mode": "active", "timestamp": 1_700_000_000_000,
             "source": {"type": "user", "userId": "U" + "1" * 32},
             "webhookEventId": "01HEMOJI0000000000000000000",
             "replyToken": "r" * 32, "deliveryContext": {"isRedelivery": False},
             "message": {"type": "text", "id": "1", "quoteToken": "q", "text": "😭" * 5000}}
    body = json.dumps({"destination": "U0", "events": [event]}, ensure_ascii=False).encode()
    response = post(client, body, signature_for(body, demo.settings.line_channel_secret))
    assert response.status_code == 200 and stored(demo) == before + 1
