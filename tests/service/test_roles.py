"""`python -m bot serve --role web|worker`: real processes on one database, LINE played
by the emulator in this process.

A web process verifies and stores events and never processes or answers one; a worker
process (serving only /healthz) drains them. When the worker is behind, it claims
emergencies before the non-urgent backlog that arrived earlier (bot/worker_queue.py)."""
from __future__ import annotations

import secrets
import socket

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from bench.harness import add_consented_residents
from bot import worker_queue
from bot.db import create_schema, make_engine
from bot.emulator import LinePlatform
from bot.emulator.api import create_emulator_app
from bot.emulator.liveserver import LiveServer
from bot.emulator.resident import ResidentPhone, make_user_id
from bot.emulator.service_process import ServiceProcess
from bot.models import InboundEvent, Outbox
from bot.nlp import analyze
from helpers import wait_until

pytestmark = pytest.mark.slow

CALM = ["母の介護のことで相談したいです", "子どもの予防接種はどこで受けられますか",
        "介護保険の申請の仕方を知りたいです"]
EMERGENCY = "もう死にたい。今から薬を全部飲みます"


class Deployment:
    """The emulator here, and service processes by role against one database."""

    def __init__(self, database_url: str, log_dir):
        self.database_url = database_url
        self.log_dir = log_dir
        self.engine = make_engine(database_url)
        create_schema(self.engine)            # before the processes: they find it there
        self.secret, self.token = secrets.token_hex(16), secrets.token_urlsafe(24)
        self.platform = LinePlatform(self.secret, self.token)
        self.emulator = LiveServer(create_emulator_app(self.platform))
        self.emulator.start()
        self.processes: list[ServiceProcess] = []

    def spawn(self, role: str) -> ServiceProcess:
        process = ServiceProcess.against_emulator(
            database_url=self.database_url, line_api_host=self.emulator.url,
            channel_secret=self.secret, access_token=self.token, role=role, name=role,
            log_path=self.log_dir / f"{role}.log",
            extra_env={"SECRET_KEY": secrets.token_hex(32), "WORKER_POLL_S": "0.2"})
        self.processes.append(process.start())
        return process

    def phone(self, web: ServiceProcess, user_id: str | None = None) -> ResidentPhone:
        return ResidentPhone(user_id or make_user_id(), self.platform, f"{web.url}/callback",
                             self.secret)

    def count(self, *where) -> int:
        with Session(self.engine) as session:
            return session.exec(select(func.count()).select_from(InboundEvent).where(*where)).one()

    def stop(self) -> None:
        for process in self.processes:
            process.stop()
        self.emulator.stop()
        self.engine.dispose()


@pytest.fixture
def deployment(database_url, tmp_path):
    deployment = Deployment(database_url, tmp_path)
    try:
        yield deployment
    finally:
        deployment.stop()


def process_id(process: ServiceProcess) -> str:
    return f"{socket.gethostname()}:{process.pid}"


def test_a_web_process_only_stores_and_a_worker_process_answers(deployment):
    web = deployment.spawn("web")
    phones = [deployment.phone(web) for _ in range(4)]
    for phone in phones:
        assert phone.follow().status_code == 200
        assert phone.say("こんにちは").status_code == 200
    assert deployment.count(col(InboundEvent.status) == "pending") == 8
    assert deployment.platform.sent == []
    assert httpx.get(f"{web.url}/admin/login").status_code == 200      # staff pages: web

    worker = deployment.spawn("worker")
    assert httpx.post(f"{worker.url}/callback", content=b"{}").status_code == 404
    assert httpx.get(f"{worker.url}/healthz").status_code == 200
    wait_until(lambda: deployment.count(col(InboundEvent.status) == "pending") == 0, 60)
    for phone in phones:                   # greeting and terms, then the answer to hello
        phone.wait_for_messages(2, timeout=30)
    with Session(deployment.engine) as session:
        event_takers = set(session.exec(select(InboundEvent.claimed_by)))
        senders = set(session.exec(select(Outbox.claimed_by)))
    assert event_takers == {process_id(worker)}
    assert senders == {process_id(worker)}, "the web process must never send"


def test_a_worker_behind_answers_emergencies_before_the_older_backlog(deployment):
    assert analyze(EMERGENCY).risk == "emergency"
    assert {analyze(text).risk for text in CALM} == {"none"}
    web = deployment.spawn("web")
    users = [make_user_id() for _ in range(14)]
    add_consented_residents(deployment.engine, users)
    first, *others, last = [deployment.phone(web, user) for user in users]
    posted: list[tuple[str, str]] = []                  # (user, risk) in arrival order

    def say(phone: ResidentPhone, text: str) -> None:
        assert phone.say(text).status_code == 200
        posted.append((phone.user_id, analyze(text).risk))

    say(first, CALM[0])                   # this resident's emergency comes later
    for index, phone in enumerate(others):
        say(phone, CALM[index % len(CALM)])
    say(first, EMERGENCY)
    say(last, EMERGENCY)
    wait_until(lambda: worker_queue.behind(deployment.engine), 10)

    deployment.spawn("worker")
    wait_until(lambda: deployment.count(col(InboundEvent.status) == "pending") == 0, 60)
    with Session(deployment.engine) as session:
        events = session.exec(select(InboundEvent).order_by(col(InboundEvent.id))).all()
        processed = [event.id for event in sorted(events, key=lambda e: e.processed_at)]
    order = {event_id: rank for rank, event_id in enumerate(processed)}
    arrival = [(event.id, user, risk) for event, (user, risk) in zip(events, posted, strict=True)]
    emergencies = [row for row in arrival if row[2] == "emergency"]
    calm_before = [row for row in arrival if row[2] == "none" and row[1] != first.user_id]
    for emergency_id, _, _ in emergencies:
        assert all(order[emergency_id] < order[calm_id] for calm_id, _, _ in calm_before)
    # the resident's own earlier message still goes before their emergency
    assert order[arrival[0][0]] < order[emergencies[0][0]]
    wait_until(lambda: all(len(deployment.platform.messages_for(u)) >= 1 for u in users), 30)
    replies = [record.user_id for record in deployment.platform.sent]
    assert sorted(replies) == sorted(user for user, _ in posted), "one reply per message"
