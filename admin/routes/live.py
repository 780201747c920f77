"""GET /admin/events: the staff pages' live updates as server-sent events (admin/live.py
says what is in them; static/live.js listens).

Same session rules as every staff request: 401 without a login, 403 while a password
change or the second factor's setup is due; the stream ends (event `logout`) as soon as
the session does. Opening it is not activity (the idle timeout keeps running, as for the
queue's timed refresh). Each stream lasts STREAM_SECONDS and the browser reconnects
(sending back the last event id, so nothing written in between is missed): every
reconnection checks the login again, and a server shutting down waits for no stream longer
than that.
"""
from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import AsyncIterator, Optional

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from admin.live import Watch, look
from admin.params import MAX_ROW_ID
from admin.session import current_session_id
from admin.web import SECURITY_HEADERS, db, require_staff_api
from bot.models import Case, StaffUser

router = APIRouter()

TICK_SECONDS = 1.0          # how often the database is looked at, per open stream
STREAM_SECONDS = 25.0       # then the browser reconnects (after RETRY_MS)
RETRY_MS = 1000
KEEPALIVE_SECONDS = 10.0    # a comment line, so proxies keep the connection open


def _last_event_id(request: Request) -> Optional[int]:
    raw = request.headers.get("last-event-id", "")
    return int(raw) if raw.isdigit() and int(raw) <= MAX_ROW_ID else None


@router.get("/admin/events")
def events(request: Request, case: Optional[int] = Query(None, ge=1, le=MAX_ROW_ID),
           staff: StaffUser = Depends(require_staff_api), session: Session = Depends(db)):
    if case is not None and session.get(Case, case) is None:
        raise HTTPException(404, "no such case")
    session_id = current_session_id(request)
    assert session_id is not None and staff.id is not None   # require_staff_api checked both
    watch = Watch(session_id=session_id, staff_id=staff.id, case_id=case,
                  after=_last_event_id(request))
    runtime = request.app.state.runtime
    idle = timedelta(minutes=runtime.settings.admin_idle_timeout_minutes)
    headers = {**SECURITY_HEADERS, "X-Accel-Buffering": "no"}   # nginx: do not buffer
    return StreamingResponse(_stream(runtime.engine, watch, idle),
                             media_type="text/event-stream", headers=headers)


async def _stream(engine, watch: Watch, idle: timedelta) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    loop = asyncio.get_running_loop()
    ends = loop.time() + STREAM_SECONDS
    quiet_since = loop.time()
    while loop.time() < ends:
        found = await anyio.to_thread.run_sync(look, engine, watch, idle)
        if found is None:
            yield "event: logout\ndata: {}\n\n"
            return
        for event in found:
            yield event.encode()
        if found:
            quiet_since = loop.time()
        elif loop.time() - quiet_since >= KEEPALIVE_SECONDS:
            yield ": keepalive\n\n"
            quiet_since = loop.time()
        await asyncio.sleep(TICK_SECONDS)
