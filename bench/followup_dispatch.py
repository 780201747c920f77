"""Benchmark: due follow-ups dispatched by two real service processes on PostgreSQL.

    python bench/followup_dispatch.py [--count 10000] [--processes 2] [--kill]

Each process is `python -m bot serve` (worker + scheduler), LINE is the built-in emulator
served here on a loopback port (LINE_API_HOST points at it). The follow-ups are inserted
due now once the processes are up; we time until the emulator has received a push for
every one, and count duplicates (a resident receiving more than one). Not a test: the
assertions about the same machinery live in tests/service/test_followup_processes.py, which
imports the harness below.
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional


ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from bot import clock  # noqa: E402
from bot.db import create_schema, make_engine  # noqa: E402
from bot.emulator import LinePlatform, make_user_id  # noqa: E402
from bot.emulator.api import create_emulator_app  # noqa: E402
from bot.emulator.liveserver import LiveServer  # noqa: E402
from bot.emulator.service_process import ServiceProcess  # noqa: E402
from bot.models import Case, FollowUp, Resident  # noqa: E402

PG_URL = os.environ.get("BENCH_POSTGRES_URL", os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))


@dataclass
class Cluster:
    """The LINE emulator here, and `python -m bot serve` processes against one database."""
    database_url: str
    settings_env: dict[str, str] = field(default_factory=dict)
    log_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="followup-bench-")))

    def __post_init__(self) -> None:
        self.secret, self.token = secrets.token_hex(16), secrets.token_urlsafe(24)
        self.platform = LinePlatform(self.secret, self.token)
        self.emulator = LiveServer(create_emulator_app(self.platform))
        self.processes: dict[str, ServiceProcess] = {}

    def start_emulator(self) -> None:
        self.emulator.start()

    def spawn(self, name: str, timeout: float = 60.0) -> ServiceProcess:
        proc = ServiceProcess.against_emulator(
            database_url=self.database_url, line_api_host=self.emulator.url,
            channel_secret=self.secret, access_token=self.token, name=name,
            log_path=self.log_dir / f"{name}.log",
            # Real time runs in the processes: no quiet hours, no budget, quick ticks.
            extra_env={"SECRET_KEY": secrets.token_hex(32), "WORKER_POLL_S": "1.0",
                       "QUIET_HOURS_START": "00:00", "QUIET_HOURS_END": "00:00",
                       "FOLLOWUP_PUSH_BUDGET": "0", "FOLLOWUP_DISPATCH_EVERY_S": "1",
                       "FOLLOWUP_PLAN_EVERY_S": "3600", **self.settings_env})
        proc.start(timeout)
        self.processes[name] = proc
        return proc

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown handlers, whatever it was doing is cut off."""
        self.processes.pop(name).kill()

    def stop(self) -> None:
        for proc in self.processes.values():
            proc.terminate()
        for proc in self.processes.values():
            proc.stop()
        self.processes.clear()
        self.emulator.stop()


def seed_due_followups(engine, count: int) -> list[str]:
    """`count` consented residents, each with a case and a staff follow-up due now."""
    now = clock.now()
    user_ids = [make_user_id() for _ in range(count)]
    with Session(engine) as session:
        for start in range(0, count, 1000):
            chunk = user_ids[start:start + 1000]
            session.exec(insert(Resident), params=[dict(
                case_code=f"B-{start + n:07d}", line_user_id=u, created_at=now, reachable=True,
                notifications_enabled=True, terms_consent=True, terms_consent_at=now)
                for n, u in enumerate(chunk)])
            ids = list(session.exec(select(Resident.id).where(Resident.line_user_id.in_(chunk))))
            session.exec(insert(Case), params=[dict(
                resident_id=rid, status="open", priority="normal", priority_rank=2, risk="none",
                opened_at=now, version=1) for rid in ids])
            cases = session.exec(select(Case.id, Case.resident_id).where(Case.resident_id.in_(ids)))
            session.exec(insert(FollowUp), params=[dict(
                uuid=str(uuid.uuid4()), case_id=cid, resident_id=rid, kind="staff",
                template="checkin", due_at=now, status="scheduled", created_at=now,
                budget_exempt=False) for cid, rid in cases])
        session.commit()
    return user_ids


def wait_until(predicate, timeout: float, poll: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll)
    return predicate()


def followup_states(engine) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.exec(select(FollowUp.status, func.count()).group_by(FollowUp.status))
        return {status: n for status, n in rows}


def claimed_by(engine) -> Counter:
    with Session(engine) as session:
        return Counter(session.exec(select(FollowUp.claimed_by)))


def delivery_report(platform: LinePlatform) -> dict[str, int]:
    records = [r for r in platform.sent if r.kind == "push"]
    per_user = Counter(r.user_id for r in records)
    return {"pushes": len(records), "residents": len(per_user),
            "duplicates": sum(n - 1 for n in per_user.values()),
            "distinct_keys": len({r.retry_key for r in records})}


# The benchmark ------------------------------------------------------------------------------

def private_schema_url(base_url: str) -> tuple[str, str]:
    schema = "bench_" + secrets.token_hex(4)
    engine = make_engine(base_url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{base_url}?options=-csearch_path%3D{schema}", schema


def drop_schema(base_url: str, schema: str) -> None:
    engine = make_engine(base_url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def run(count: int, processes: int, kill: bool, timeout: float) -> dict:
    url, schema = private_schema_url(PG_URL)
    engine = make_engine(url)
    create_schema(engine)
    cluster = Cluster(url)
    try:
        cluster.start_emulator()
        for n in range(processes):
            cluster.spawn(f"p{n}")
        started = time.monotonic()
        seed_due_followups(engine, count)
        seeded = time.monotonic()
        killed_at = None
        if kill:
            wait_until(lambda: cluster.platform.push_count >= count // 5, timeout)
            killed_at = cluster.platform.push_count
            cluster.kill("p0")
            cluster.spawn("p0-restarted")
        wait_until(lambda: cluster.platform.push_count >= count, timeout, poll=0.05)
        delivered = time.monotonic()
        wait_until(lambda: followup_states(engine).get("sent", 0) >= count, 60, poll=0.2)
        time.sleep(1.0)                     # anything late would show up as a duplicate
        report = delivery_report(cluster.platform)
        report.update(count=count, processes=processes, kill=kill, killed_at=killed_at,
                      seed_s=seeded - started, send_s=delivered - seeded,
                      per_process=dict(claimed_by(engine)), states=followup_states(engine))
        return report
    finally:
        cluster.stop()
        engine.dispose()
        drop_schema(PG_URL, schema)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--kill", action="store_true", help="also run with one process killed mid-way")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args(argv)
    scenarios = [False, True] if args.kill else [False]
    rows = [run(args.count, args.processes, kill, args.timeout) for kill in scenarios]
    print(f"\nFollow-up dispatch: {args.processes} `python -m bot serve` processes, PostgreSQL, "
          "LINE emulator on loopback")
    header = f"{'scenario':<22}{'due':>8}{'pushes':>8}{'dupes':>7}{'keys':>8}{'send s':>9}{'per s':>9}  sent by"
    print(header)
    print("-" * len(header))
    for r in rows:
        scenario = f"kill p0 at {r['killed_at']}" if r["kill"] else "steady"
        split = ", ".join(str(v) for _, v in sorted(r["per_process"].items(), key=str))
        print(f"{scenario:<22}{r['count']:>8}{r['pushes']:>8}{r['duplicates']:>7}"
              f"{r['distinct_keys']:>8}{r['send_s']:>9.1f}{r['count'] / r['send_s']:>9.0f}  {split}")
    print("(send s: from the follow-ups being inserted due until the emulator holds a push "
          "for each; dupes: pushes beyond one per resident)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
