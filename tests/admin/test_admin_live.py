"""The live event stream (GET /admin/events, server-sent events): staff only, under the same
session rules; after a resident writes through the emulator the queue, the open case page
and the assignee hear of it — with ids, the case code and counts, never the text or the
LINE user ID; logging out ends the stream."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Callable, Iterator

import httpx
from sqlmodel import Session, select

from bot import clock
from bot.clock import FrozenClock
from bot.models import AdminSession
from helpers import AdminClient, make_staff, reply_to
from test_admin_unread import AGAIN, resident_with_case, take


class EventReader:
    """Reads one event stream as EventSource would: (event name, data, id) per event."""

    def __init__(self, response: httpx.Response):
        self.response = response
        self.raw: list[str] = []
        self._lines = response.iter_lines()

    def events(self) -> Iterator[tuple[str, dict, str]]:
        name, data, event_id = "message", "", ""
        for line in self._lines:
            self.raw.append(line)
            if line == "":
                if data:
                    yield name, json.loads(data), event_id
                name, data = "message", ""
            elif line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                data += line[len("data: "):]
            elif line.startswith("id: "):
                event_id = line[len("id: "):]

    def until(self, wanted: Callable[[str, dict], bool]) -> tuple[str, dict, str]:
        for name, data, event_id in self.events():
            if wanted(name, data):
                return name, data, event_id
        raise AssertionError(f"the stream ended without the event; it sent {self.raw}")


def test_the_stream_needs_a_login_and_a_known_case(service):
    assert httpx.get(f"{service.base_url}/admin/events").status_code == 401
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    client.login("aoki")
    assert client.get("/admin/events?case=999999").status_code == 404
    assert client.get("/admin/events?case=abc").status_code == 400
    # opening the stream is not activity: the idle timeout keeps running
    with Session(service.engine) as session:
        before = session.exec(select(AdminSession)).one().last_seen_at
    clock.set_clock(FrozenClock(clock.now() + timedelta(minutes=5)))
    with client.http.stream("GET", "/admin/events",
                            headers={"Accept": "text/event-stream"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        EventReader(response).until(lambda name, _: name == "queue")
    with Session(service.engine) as session:
        after = session.exec(select(AdminSession)).one().last_seen_at
    assert after == before


def test_a_resident_message_reaches_the_queue_the_case_page_and_the_assignee(service):
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    client.login("aoki")
    user, case_id, code = resident_with_case(service)
    take(client, case_id)
    with client.http.stream("GET", f"/admin/events?case={case_id}",
                            headers={"Accept": "text/event-stream"}) as response:
        reader = EventReader(response)
        _, first_case, _ = reader.until(lambda name, _: name == "case")
        reply_to(service, user, lambda: user.say(AGAIN))
        heard: dict[str, tuple[dict, str]] = {}
        for name, data, event_id in reader.events():
            heard[name] = (data, event_id)
            if "mine" in heard and "case" in heard:
                break
        mine, event_id = heard["mine"]
        assert mine == {"case_id": case_id, "case_code": code, "unread": 1}
        later_case = heard["case"][0]
        assert later_case["last_message_id"] > first_case["last_message_id"]
        assert int(event_id) >= later_case["last_message_id"]
    stream = "\n".join(reader.raw)
    assert user.user_id not in stream and AGAIN not in stream and "さっき" not in stream

    # reconnecting with the last event id: nothing written in between is missed
    reply_to(service, user, lambda: user.say("もう一つ伝えたいことがあります"))
    with client.http.stream("GET", "/admin/events", headers={
            "Accept": "text/event-stream", "Last-Event-ID": event_id}) as response:
        _, mine, _ = EventReader(response).until(lambda name, _: name == "mine")
        assert mine == {"case_id": case_id, "case_code": code, "unread": 2}


def test_logging_out_ends_the_stream(service):
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    client.login("aoki")
    with client.http.stream("GET", "/admin/events",
                            headers={"Accept": "text/event-stream"}) as response:
        reader = EventReader(response)
        reader.until(lambda name, _: name == "queue")
        assert client.post("/admin/logout").status_code == 303
        reader.until(lambda name, _: name == "logout")
    assert client.get("/admin/events").status_code == 401
