"""POST /callback: verify the signature on the raw body, store the events, answer 200.

Nothing slow happens here: the worker does the rest.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any, Callable

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bot import clock
from bot.db import with_db_retry, write_gate
from bot.models import InboundEvent
from bot.wake import announce

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_000_000     # LINE's webhooks are small; refuse anything huge early


def build_router(parser: WebhookParser, engine: Engine,
                 on_stored: Callable[[], None] = lambda: None) -> APIRouter:
    router = APIRouter()

    @router.post("/callback")
    async def callback(request: Request) -> dict[str, Any]:
        signature = request.headers.get("x-line-signature")
        if not signature:
            raise HTTPException(400, "missing x-line-signature")
        body = await read_limited(request, MAX_BODY_BYTES)
        events = parse_events(parser, body, signature)
        if events:
            await run_in_threadpool(with_db_retry, lambda: store_events(engine, events))
            on_stored()
        return {}

    return router


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, counted as it arrives: 413 as soon as it is known to exceed `limit` (from
    Content-Length before anything is read, or while a chunked body streams in), so memory
    never holds more than `limit` plus one chunk whatever the sender declares."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, "body too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, "body too large")
    return bytes(body)


def parse_events(parser: WebhookParser, body: bytes, signature: str) -> list[dict[str, Any]]:
    """The raw event objects of a verified body; HTTPException(400) for anything else."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "body is not UTF-8") from None
    try:
        parser.parse(text, signature)          # verifies the signature, then parses
    except InvalidSignatureError:
        raise HTTPException(400, "invalid signature") from None
    except Exception as error:                 # the SDK raises many kinds for bad shapes
        raise HTTPException(400, f"malformed webhook body ({type(error).__name__})") from None
    events = json.loads(text).get("events")
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise HTTPException(400, "events must be a list of objects")
    for event in events:
        if not isinstance(event.get("webhookEventId"), str) or not event["webhookEventId"]:
            raise HTTPException(400, "event without webhookEventId")
        timestamp = event.get("timestamp")
        if not isinstance(timestamp, int) or not 0 < timestamp < 10**14:
            raise HTTPException(400, "event without a valid timestamp")
    return events


def _row(event: dict[str, Any]) -> dict[str, Any]:
    source = event.get("source") or {}
    user_id = source.get("userId") if source.get("type") == "user" else None
    return {
        "webhook_event_id": event["webhookEventId"][:64],
        "event_type": str(event.get("type", ""))[:32],
        "mode": str(event.get("mode", "active"))[:16],
        "line_user_id": user_id[:64] if isinstance(user_id, str) else None,
        "payload": event,
        "event_time": datetime.fromtimestamp(event["timestamp"] / 1000, timezone.utc),
        "is_redelivery": bool((event.get("deliveryContext") or {}).get("isRedelivery")),
        "status": "pending",
        "received_at": clock.now(),
    }


def store_events(engine: Engine, events: list[dict[str, Any]]) -> None:
    """Insert each event once: a redelivered webhookEventId is ignored by the database."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    rows = [_row(event) for event in events]
    table = InboundEvent.__table__  # type: ignore[attr-defined]
    statement = dialect.insert(table).values(rows).on_conflict_do_nothing(
        index_elements=["webhook_event_id"])
    with write_gate(engine).urgent(), engine.begin() as connection:
        connection.execute(statement)
        announce(connection)                   # workers in other processes (PostgreSQL)
