"""A deployment under benchmark, every part its own process: the LINE emulator
(bench/emulator_main.py), `python -m bot serve` processes by role against one database,
and optionally the bare baseline endpoint (bench/bare_main.py). Plus the messages the
load sends: signed text events from consented residents, one message each.
"""
from __future__ import annotations

import contextlib
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence

from sqlalchemy import func
from sqlmodel import Session, select

from harness import (ROOT, EmulatorProcess, Request, add_consented_residents, database_url,
                     dumps)

from bot.db import create_schema, make_engine
from bot.emulator.liveserver import free_port
from bot.emulator.resident import make_ulid, make_user_id, signature_for
from bot.emulator.service_process import ServiceProcess
from bot.models import InboundEvent


@dataclass
class Cluster:
    url: str                                   # database
    log_dir: Path
    emulator: EmulatorProcess = field(init=False)
    processes: dict[str, ServiceProcess] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.url)
        create_schema(self.engine)
        self.emulator = EmulatorProcess(self.log_dir / "emulator.log")
        self.emulator.start()

    def spawn(self, name: str, role: str = "all") -> ServiceProcess:
        port = free_port()
        command = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port",
                   str(port)] + (["--role", role] if role != "all" else [])
        env = {"DATABASE_URL": self.url, "LINE_API_HOST": self.emulator.url,
               "LINE_CHANNEL_SECRET": self.emulator.secret,
               "LINE_CHANNEL_ACCESS_TOKEN": self.emulator.token,
               "SECRET_KEY": secrets.token_hex(32), "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
               "WORKER_POLL_S": "0.2"}
        process = ServiceProcess(env=env, port=port, command=command, name=name,
                                 log_path=self.log_dir / f"{name}.log")
        self.processes[name] = process.start(120)
        return process

    def spawn_bare(self) -> ServiceProcess:
        port = free_port()
        process = ServiceProcess(port=port, name="bare", log_path=self.log_dir / "bare.log",
                                 command=[sys.executable, str(ROOT / "bench" / "bare_main.py"),
                                          "--port", str(port), "--database-url", self.url,
                                          "--secret", self.emulator.secret])
        self.processes["bare"] = process.start(60)
        return process

    def pending(self) -> int:
        with Session(self.engine) as session:
            return session.exec(select(func.count()).select_from(InboundEvent)
                                .where(InboundEvent.status == "pending")).one()

    def wait_drained(self, timeout: float = 900) -> float:
        start = time.monotonic()
        while self.pending() and time.monotonic() - start < timeout:
            time.sleep(0.25)
        return time.monotonic() - start

    def rss_mb(self) -> dict[str, float]:
        sizes = {}
        for name, process in self.processes.items():
            try:
                for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes[name] = int(line.split()[1]) / 1024
            except OSError:
                pass
        return sizes

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            process.stop()
        self.emulator.stop()
        self.engine.dispose()


@contextlib.contextmanager
def cluster(kind: str, log_dir: Path) -> Iterator[Cluster]:
    with database_url(kind) as url:
        running = Cluster(url, log_dir)
        try:
            yield running
        finally:
            running.stop()


@dataclass
class Load:
    """Signed message events from fresh consented residents, one message each."""
    requests: list[Request]
    users: list[str]
    texts: list[str]
    offsets: list[float]


def make_load(running: Cluster, texts: Sequence[str], offsets: Sequence[float],
              start_wall: float, path: str = "/callback") -> Load:
    users = [make_user_id() for _ in texts]
    for index in range(0, len(users), 2000):
        add_consented_residents(running.engine, users[index:index + 2000])
    tokens = running.emulator.tokens(users)
    requests = []
    for index, (user, token, text) in enumerate(zip(users, tokens, texts, strict=True)):
        ms_due = int((start_wall + offsets[index]) * 1000)
        event = {"type": "message", "mode": "active", "timestamp": ms_due,
                 "source": {"type": "user", "userId": user}, "webhookEventId": make_ulid(ms_due),
                 "deliveryContext": {"isRedelivery": False}, "replyToken": token,
                 "message": {"id": str(700000000000000000 + index), "type": "text",
                             "quoteToken": secrets.token_urlsafe(24), "text": text}}
        body = dumps({"destination": "U" + "0" * 32, "events": [event]})
        requests.append(Request(path, body, {
            "content-type": "application/json",
            "x-line-signature": signature_for(body, running.emulator.secret)}))
    return Load(requests, users, list(texts), list(offsets))


def first_sends(running: Cluster, since: int) -> dict[str, list[tuple[float, str]]]:
    """user -> [(time.time() the emulator accepted it, reply|push)] for sends after `since`."""
    sends: dict[str, list[tuple[float, str]]] = {}
    for user, at, kind, _text in running.emulator.sent(since):
        sends.setdefault(user, []).append((at, kind))
    return sends


def wait_answered(running: Cluster, since: int, expected: int, timeout: float,
                  quiet_s: float = 2.0) -> None:
    """Until the emulator holds `expected` sends after `since`, or nothing new for
    `quiet_s` once nothing is pending, or `timeout`."""
    deadline = time.monotonic() + timeout
    last, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = running.emulator.count() - since
        if count >= expected:
            return
        if count != last:
            last, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > quiet_s and not running.pending():
            return
        time.sleep(0.2)


def log_dir(name: str) -> Path:
    import tempfile
    return Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))


__all__ = ["Cluster", "Load", "cluster", "first_sends", "log_dir", "make_load", "wait_answered",
           "Optional"]
