"""Shared pieces of the benchmarks: the service under test as a separate process, an
open-loop HTTP load generator, percentiles, tables and the machine description.

The service runs as its own OS process (bench/service_main.py: the real app built by
`bot.demo.build_emulated_service`, the emulator mounted in it as LINE, plus a few /bench
control routes), so the load generator never shares a GIL with it.
"""
from __future__ import annotations

import asyncio
import secrets
import contextlib
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.emulator.liveserver import free_port  # noqa: E402
from bot.emulator.service_process import ServiceProcess  # noqa: E402

PG_URL = os.environ.get("BENCH_POSTGRES_URL", os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))


# ---- databases ------------------------------------------------------------------------

@contextlib.contextmanager
def database_url(kind: str) -> Iterator[str]:
    """A fresh database: a SQLite file in a temp dir, or a private PostgreSQL schema."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    schema = "bench_" + secrets.token_hex(4)
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


# 射水市役所 (the bench residents told the bot where they are)
AREA_LAT, AREA_LNG = 36.7306, 137.0755


def add_consented_residents(engine, users: Sequence[str]) -> None:
    """Residents who consented and are in the consultation step, near the city hall."""
    from sqlmodel import Session

    from bot import clock
    from bot.models import ConversationState, Resident
    now = clock.now()
    with Session(engine) as session:
        for user in users:
            row = Resident(line_user_id=user, terms_consent=True, terms_consent_at=now,
                           intake_relation="self", area_lat=AREA_LAT, area_lng=AREA_LNG)
            session.add(row)
            session.flush()
            session.add(ConversationState(resident_id=row.id, step="consult", data={}))
        session.commit()


# ---- the service under test -------------------------------------------------------------

class BenchService(ServiceProcess):
    """`python bench/service_main.py` on a loopback port; `.get/.post` reach /bench routes."""

    def __init__(self, database_url: str, log_path: Optional[Path] = None, **env: str):
        port = free_port()
        script = os.environ.get("BENCH_SERVICE_SCRIPT", str(ROOT / "bench" / "service_main.py"))
        super().__init__(env=env, port=port, log_path=log_path, name="bench service",
                         command=[sys.executable, script, "--port", str(port),
                                  "--database-url", database_url])
        self.database_url = database_url
        self.http = httpx.Client(base_url=self.url, timeout=120)

    def stop(self, timeout: float = 20.0) -> None:
        self.http.close()
        super().stop(timeout)

    def __enter__(self) -> "BenchService":
        self.start()
        return self

    def get(self, path: str, **params) -> dict:
        response = self.http.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, payload: dict) -> dict:
        response = self.http.post(path, json=payload)
        response.raise_for_status()
        return response.json()

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def wait_idle(self, timeout: float = 600) -> float:
        """Wait until no inbound event is pending; returns the seconds waited."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.get("/bench/status")["pending"] == 0:
                return time.monotonic() - start
            time.sleep(0.25)
        raise TimeoutError("the worker did not drain its backlog")


class EmulatorProcess(ServiceProcess):
    """The LINE platform as its own process (bench/emulator_main.py), so what it costs is
    never charged to the service; `.tokens`, `.sent`, `.count` reach its control routes."""

    def __init__(self, log_path: Optional[Path] = None):
        self.secret, self.token = secrets.token_hex(16), secrets.token_urlsafe(24)
        port = free_port()
        super().__init__(port=port, log_path=log_path, name="LINE emulator",
                         command=[sys.executable, str(ROOT / "bench" / "emulator_main.py"),
                                  "--port", str(port), "--secret", self.secret,
                                  "--token", self.token])
        self.http = httpx.Client(base_url=self.url, timeout=120)

    def __enter__(self) -> "EmulatorProcess":
        self.start()
        return self

    def stop(self, timeout: float = 20.0) -> None:
        self.http.close()
        super().stop(timeout)

    def tokens(self, users: Sequence[str]) -> list[str]:
        tokens: list[str] = []
        for index in range(0, len(users), 5000):
            response = self.http.post("/ctl/tokens", json={"users": list(users[index:index + 5000])})
            response.raise_for_status()
            tokens += response.json()["tokens"]
        return tokens

    def count(self) -> int:
        return int(self.http.get("/ctl/count").json()["sent"])

    def sent(self, start: int = 0) -> list[list]:
        """[user id, time.time() accepted, reply|push, first text] since `start`."""
        response = self.http.get("/ctl/sent", params={"start": start})
        response.raise_for_status()
        return response.json()["records"]


# ---- open-loop load ---------------------------------------------------------------------

@dataclass
class Request:
    path: str
    body: bytes
    headers: dict = field(default_factory=dict)


@dataclass
class LoadResult:
    latencies_s: list[Optional[float]]   # per request, from its *scheduled* time to its
                                         # answer (None: no answer)
    statuses: list[Optional[int]]
    errors: int
    sent: int
    duration_s: float
    scheduled_wall: list[float]       # time.time() each request was due


def _raw(request: Request, host: str) -> bytes:
    head = [f"POST {request.path} HTTP/1.1", f"Host: {host}",
            f"Content-Length: {len(request.body)}", "Connection: keep-alive"]
    head += [f"{k}: {v}" for k, v in request.headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + request.body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    if length:
        await reader.readexactly(length)
    return status, close


async def _open_loop(host: str, port: int, requests: Sequence[Request], rate: float,
                     start_wall: float, max_connections: int,
                     offsets: Optional[Sequence[float]] = None) -> LoadResult:
    loop = asyncio.get_running_loop()
    start_mono = loop.time() + (start_wall - time.time())
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    open_count = 0
    gate = asyncio.Semaphore(max_connections)
    latencies: list[Optional[float]] = [None] * len(requests)
    statuses: list[Optional[int]] = [None] * len(requests)
    errors = 0

    async def one(index: int, raw: bytes, due: float) -> None:
        nonlocal open_count, errors
        async with gate:
            for attempt in (1, 2):
                conn = idle.pop() if idle and attempt == 1 else None
                reused = conn is not None
                try:
                    if conn is None:
                        conn = await asyncio.open_connection(host, port)
                        open_count += 1
                    reader, writer = conn
                    writer.write(raw)
                    status, close = await _read_response(reader)
                    break
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    if conn is not None:
                        conn[1].close()
                    if not reused:          # a kept-alive connection the server had
                        errors += 1         # closed is retried once, as clients do
                        return
            latencies[index] = loop.time() - due
            statuses[index] = status
            if close:
                writer.close()
            else:
                idle.append(conn)

    # warm a few connections so the first requests don't pay for TCP setup
    for _ in range(min(8, max_connections)):
        idle.append(await asyncio.open_connection(host, port))
    raws = [_raw(r, f"{host}:{port}") for r in requests]
    offsets = offsets or [index / rate for index in range(len(raws))]
    tasks = []
    for index, raw in enumerate(raws):
        due = start_mono + offsets[index]
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(index, raw, due)))
    await asyncio.gather(*tasks)
    duration = loop.time() - start_mono
    for _, writer in idle:
        writer.close()
    scheduled = [start_wall + offset for offset in offsets]
    return LoadResult(latencies, statuses, errors, len(raws), duration, scheduled)


def open_loop(url: str, requests: Sequence[Request], rate: float, start_wall: float,
              max_connections: int = 512,
              offsets: Optional[Sequence[float]] = None) -> LoadResult:
    """Send `requests` at `rate` per second from `start_wall` (time.time()), whether or not
    earlier ones were answered; latency counts from the scheduled time (no coordinated
    omission). `offsets` (seconds after the start, one per request) replaces the rate."""
    parsed = httpx.URL(url)
    try:
        import uvloop
        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    return runner(_open_loop(parsed.host, parsed.port, requests, rate, start_wall,
                             max_connections, offsets))


# ---- numbers and tables -----------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def ms(value: float) -> str:
    return f"{value * 1000:.1f}"


def table(headers: list[str], rows: list[list], title: str = "") -> str:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    lines = [title] if title else []
    lines.append("  ".join(h.rjust(w) if i else h.ljust(w)
                           for i, (h, w) in enumerate(zip(headers, widths, strict=False))))
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(c.rjust(w) if i else c.ljust(w)
                               for i, (c, w) in enumerate(zip(row, widths, strict=False))))
    return "\n".join(lines)


def machine() -> list[tuple[str, str]]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    rows = [("CPU", f"{cpu}, {os.cpu_count()} logical cores"), ("memory", memory),
            ("OS", f"{platform.system()} {platform.release()}"),
            ("Python", sys.version.split()[0]), ("SQLite", sqlite3.sqlite_version),
            ("PostgreSQL", postgres_version() or "not reachable")]
    try:
        from importlib.metadata import version
        rows.append(("packages", ", ".join(f"{name} {version(name)}" for name in (
            "fastapi", "uvicorn", "sqlalchemy", "line-bot-sdk", "psycopg"))))
    except Exception:
        pass
    return rows


def postgres_version() -> Optional[str]:
    try:
        from sqlalchemy import create_engine, text
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar()
        engine.dispose()
        return str(version)
    except Exception:
        return None


def dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
