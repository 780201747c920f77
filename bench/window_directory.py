"""What the admins' window edits cost the bot: every event's FlowContext asks the
LiveDirectory for the effective directory (one SUM query over the WindowOverride rows),
and the first event after an edit rebuilds it.

    python bench/window_directory.py                          # a SQLite file
    python bench/window_directory.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Prints the median and p95 of `current()` unchanged, and of a rebuild after an edit.
Give a scratch database: it creates the tables there and empties the window edits (and
their audit rows) before and after.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, SQLModel, delete  # noqa: E402

from bot.db import make_engine  # noqa: E402
from bot.directory import DEFAULT_PATH  # noqa: E402
from bot.directory.live import LiveDirectory  # noqa: E402
from bot.models import AuditLog, WindowOverride  # noqa: E402


def timed(call, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def report(name: str, values: list[float]) -> None:
    p95 = sorted(values)[int(len(values) * 0.95) - 1]
    print(f"{name:<34} median {statistics.median(values):7.3f} ms   p95 {p95:7.3f} ms   (n={len(values)})")


def forget_edits(engine) -> None:
    with Session(engine) as session:
        session.exec(delete(AuditLog).where(AuditLog.action == "window.edit"))  # type: ignore[call-overload]
        session.exec(delete(WindowOverride))  # type: ignore[call-overload]
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    forget_edits(engine)
    live = LiveDirectory(engine, DEFAULT_PATH)
    live.current()                                   # the YAML, loaded once
    print(f"database: {engine.url.get_backend_name()}")
    report("current(), nothing edited", timed(live.current, args.n))
    rebuilds = []
    for i in range(50):
        with Session(engine) as session:
            status = "suspended" if i % 2 == 0 else "active"
            live.edit(session, "imizu-kaigo-02", {"status": status}, staff_id=None,
                      expected_version=i)
        rebuilds += timed(live.current, 1)
    report("current(), first after an edit", rebuilds)
    report("current(), 1 window edited", timed(live.current, args.n))
    forget_edits(engine)
    engine.dispose()


if __name__ == "__main__":
    main()
