"""Admin queue under a realistic backlog: 10,000 open cases and 200,000 messages.

Fills a fresh database (a SQLite file, and/or a private PostgreSQL schema) with bulk
inserts of synthetic data, starts the service as its own process (bench/service_main.py),
logs in through the real form (GET /admin/login for the cookie and CSRF token, POST the
credentials), then times N sequential GETs of the queue page (each tab), the
self-refreshing fragment and /admin/api/queue. Target: p95 <= 150 ms.

    python bench/admin_queue.py                      # SQLite and PostgreSQL (if reachable)
    python bench/admin_queue.py --db sqlite --requests 50
    python bench/admin_queue.py --db postgres --explain   # query plans, no HTTP

`run_all(["sqlite", "postgres"])` is what bench/run_all.py calls; it returns the table.
"""
from __future__ import annotations

import argparse
import random
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from harness import ROOT, BenchService, database_url, ms, percentile, postgres_version, table  # noqa: E402,F401

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bot.security import hash_password  # noqa: E402
from bot import clock  # noqa: E402
from bot.db import create_schema  # noqa: E402
from bot.models import PRIORITY_RANK, Case, Message, Resident, StaffUser  # noqa: E402

OPEN_CASES = 10_000
CLOSED_CASES = 2_000
MESSAGES = 200_000
STAFF = 8
TARGET_P95_MS = 150.0
PASSWORD = "bench-" + secrets.token_hex(8)
LOGIN = "bench-staff-0"
CHUNK = 5_000

FIELDS = ["kaigo", "shogai", "kosodate", "konkyu", "hikikomori", "josei", "kokoro", "kyoiku",
          "shohi", "sumai", "shuro", "kodoku"]
PATTERNS = ["8050", "double_care", "young_carer", "gomi_yashiki", "tato_shiiku", "roro_kaigo"]
AREAS = ["小杉", "大門", "新湊", "大島", "下", "太閤山", "歌の森", None]
# Synthetic consultation fragments (written for the bench; no real person's words).
PIECES = ["最近よく眠れなくて", "家賃の支払いが遅れていて", "仕事が見つからず", "母の介護で疲れて",
          "子どもの学校のことで", "借金の返済に困っていて", "誰にも相談できなくて",
          "体調がすぐれない日が続き", "電気代が払えるか不安で", "夫の言葉がこわくて",
          "役所の手続きがわからず", "ひとりで暮らしていて寂しく", "病院に行くお金がなくて"]
ENDS = ["どうしたらいいですか。", "話を聞いてほしいです。", "困っています。",
        "相談できる窓口はありますか。", "少し落ち着きました。", "ありがとうございます。"]
BOT_TEXTS = ["お話ししてくださってありがとうございます。担当者が確認します。",
             "担当者から返事をするまで少しお待ちください。",
             "相談窓口の一覧をお送りします。"]
STAFF_TEXTS = ["担当の者です。詳しく教えていただけますか。", "明日の午前中にお電話してもよいですか。",
               "窓口の予約を取りました。"]

CODE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"


def case_code(index: int) -> str:
    chars = []
    for _ in range(6):
        index, digit = divmod(index, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[digit])
    return "B-" + "".join(chars)


# ---- the data -----------------------------------------------------------------------------

def fill(engine: Engine, seed: int = 8) -> dict:
    """10,000 open cases (waiting/open/pending), some closed ones, 200,000 messages."""
    rng = random.Random(seed)
    started = time.monotonic()
    create_schema(engine)
    now = clock.now()
    password_hash = hash_password(PASSWORD)
    staff_rows = [{"id": i + 1, "login": f"bench-staff-{i}", "display_name": f"職員{i}",
                   "password_hash": password_hash, "role": "staff",   # admins need a second factor
                   "disabled": False, "failed_logins": 0, "created_at": now}
                  for i in range(STAFF)]
    total_cases = OPEN_CASES + CLOSED_CASES
    residents, cases = [], []
    for i in range(total_cases):
        rid = i + 1
        opened = now - timedelta(minutes=rng.randint(10, 60 * 24 * 60))   # up to 60 days ago
        queued = opened + timedelta(minutes=rng.randint(0, 30))
        if i < OPEN_CASES:
            status = rng.choices(["waiting", "open", "pending"], [45, 35, 20])[0]
        else:
            status = "closed"
        risk = rng.choices(["emergency", "high", "none"], [1, 9, 90])[0]
        priority = {"emergency": "emergency", "high": "high", "none": "normal"}[risk]
        assignee = None if status == "waiting" else rng.randint(1, STAFF)
        closed_at = queued + timedelta(hours=rng.randint(1, 200)) if status == "closed" else None
        residents.append({"id": rid, "case_code": case_code(rid), "line_user_id": f"Ubench{rid:028x}",
                          "created_at": opened, "reachable": True,
                          "notifications_enabled": True, "terms_consent": True,
                          "terms_consent_at": opened, "area_town": rng.choice(AREAS),
                          "last_message_at": now})
        cases.append({"id": rid, "resident_id": rid, "status": status, "priority": priority,
                      "priority_rank": PRIORITY_RANK[priority], "risk": risk,
                      "fields": rng.sample(FIELDS, rng.randint(1, 3)),
                      "patterns": rng.sample(PATTERNS, rng.randint(0, 2)),
                      "handoff_reasons": ["risk"] if risk != "none" else ["request"],
                      "area": rng.choice(AREAS), "assignee_id": assignee, "opened_at": opened,
                      "queued_at": queued, "first_response_at": None if status == "waiting" else queued,
                      "last_message_at": now, "closed_at": closed_at,
                      "close_reason": "info" if status == "closed" else None, "version": 1})
    # messages: each case gets at least 2, the rest spread at random; ids grow with time
    per_case = [2] * total_cases
    for _ in range(MESSAGES - 2 * total_cases):
        per_case[rng.randrange(total_cases)] += 1
    messages = []
    for i, count in enumerate(per_case):
        start = cases[i]["opened_at"]
        end = cases[i]["closed_at"] or now
        span = max((end - start).total_seconds(), 60)
        times = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(count))
        for k, at in enumerate(times):
            sender = "resident" if k == 0 else rng.choices(["resident", "bot", "staff"], [5, 3, 2])[0]
            if sender == "resident":
                body = "".join(rng.sample(PIECES, rng.randint(1, 4))) + rng.choice(ENDS)
            else:
                body = rng.choice(BOT_TEXTS if sender == "bot" else STAFF_TEXTS)
            messages.append({"resident_id": i + 1, "case_id": i + 1,
                             "direction": "in" if sender == "resident" else "out",
                             "sender": sender, "kind": "text", "text": body,
                             "staff_id": rng.randint(1, STAFF) if sender == "staff" else None,
                             "risk": "none", "created_at": at})
    messages.sort(key=lambda m: m["created_at"])          # ids in time order, as in life
    built = time.monotonic() - started
    with engine.begin() as connection:
        for model, rows in ((StaffUser, staff_rows), (Resident, residents), (Case, cases),
                            (Message, messages)):
            for offset in range(0, len(rows), CHUNK):
                connection.execute(model.__table__.insert(), rows[offset:offset + CHUNK])
        if engine.dialect.name == "postgresql":
            for model in (StaffUser, Resident, Case, Message):   # explicit ids: move sequences on
                name = model.__tablename__
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                    f"(SELECT max(id) FROM \"{name}\"))"))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    counts = {s: sum(1 for c in cases if c["status"] == s)
              for s in ("waiting", "open", "pending", "closed")}
    counts["mine"] = sum(1 for c in cases if c["status"] == "open" and c["assignee_id"] == 1)
    return {"cases": total_cases, "open": OPEN_CASES, "messages": len(messages),
            "counts": counts, "build_s": built, "insert_s": time.monotonic() - started - built}


# ---- measuring ----------------------------------------------------------------------------

def login(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=60)
    page = client.get("/admin/login")
    page.raise_for_status()
    marker = 'name="csrf_token" value="'
    token = page.text.split(marker, 1)[1].split('"', 1)[0]
    answer = client.post("/admin/login", data={"login": LOGIN, "password": PASSWORD,
                                               "csrf_token": token, "next": "/admin/queue"})
    if answer.status_code != 303:
        raise RuntimeError(f"login failed: {answer.status_code} {answer.text[:200]}")
    return client


TARGETS = [("page waiting", "/admin/queue?tab=waiting"), ("page mine", "/admin/queue?tab=mine"),
           ("page open", "/admin/queue?tab=open"), ("page pending", "/admin/queue?tab=pending"),
           ("page closed", "/admin/queue?tab=closed"),
           ("page waiting last", "/admin/queue?tab=waiting&page=1000"),   # deepest OFFSET
           ("fragment waiting", "/admin/queue/fragment?tab=waiting"),
           ("api waiting", "/admin/api/queue?tab=waiting"),
           ("api open", "/admin/api/queue?tab=open")]


def measure(client: httpx.Client, requests: int, warmup: int = 3) -> list[dict]:
    results = []
    for name, path in TARGETS:
        for _ in range(warmup):
            client.get(path).raise_for_status()
        latencies, size = [], 0
        for _ in range(requests):
            t0 = time.perf_counter()
            response = client.get(path)
            latencies.append(time.perf_counter() - t0)
            response.raise_for_status()
            size = len(response.content)
        if path.startswith("/admin/api/"):
            rows = len(response.json()["cases"])
        else:
            rows = response.text.count('<tr class="prio-')
        results.append({"name": name, "path": path, "n": requests, "rows": rows,
                        "kb": size / 1024, "p50": percentile(latencies, 50),
                        "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
                        "max": max(latencies)})
    return results


def run_one(kind: str, requests: int) -> tuple[list[list], dict]:
    with database_url(kind) as url:
        engine = create_engine(url)
        info = fill(engine)
        engine.dispose()
        with BenchService(url) as service:
            client = login(service.url)
            try:
                results = measure(client, requests)
            finally:
                client.close()
            info["rss_mb"] = service.rss_mb()
    rows = []
    for r in results:
        rows.append([kind, r["name"], r["n"], r["rows"], f"{r['kb']:.0f}", ms(r["p50"]),
                     ms(r["p95"]), ms(r["p99"]), ms(r["max"]),
                     "yes" if r["p95"] * 1000 <= TARGET_P95_MS else "NO"])
    return rows, info


def run_all(databases: list[str], requests: int = 200) -> str:
    """What bench/run_all.py prints: one table over the given databases."""
    rows, notes = [], []
    for kind in databases:
        if kind == "postgres" and postgres_version() is None:
            notes.append("postgres: not reachable, skipped")
            continue
        try:
            kind_rows, info = run_one(kind, requests)
        except Exception as exc:   # a bench reports, it does not crash the whole run
            notes.append(f"{kind}: failed: {type(exc).__name__}: {exc}")
            continue
        rows += kind_rows
        c = info["counts"]
        notes.append(f"{kind}: {info['open']:,} open cases (waiting {c['waiting']:,}, "
                     f"open {c['open']:,} of which mine {c['mine']:,}, pending {c['pending']:,}) "
                     f"+ {c['closed']:,} closed, {info['messages']:,} messages; bulk insert "
                     f"{info['insert_s']:.1f} s; service RSS after {info['rss_mb']:.0f} MB")
    verdict = "met" if rows and all(r[-1] == "yes" for r in rows) else "NOT met"
    title = (f"Admin queue ({requests} sequential GETs per row, logged-in staff; "
             f"target p95 <= {TARGET_P95_MS:.0f} ms: {verdict})")
    out = table(["db", "request", "n", "rows", "KB", "p50 ms", "p95 ms", "p99 ms", "max ms",
                 "p95 ok"], rows, title)
    return out + "\n" + "\n".join(notes)


# ---- query plans --------------------------------------------------------------------------

def explain(kind: str) -> str:
    """Fill a database, run the queue's queries in process and EXPLAIN each one."""
    from sqlalchemy import event
    from sqlmodel import Session, select

    from admin import queue_data
    from bot.hours import BusinessHours
    from bot.line.outbox import pushes_this_month
    from datetime import time as dtime

    out = []
    with database_url(kind) as url:
        engine = create_engine(url)
        fill(engine)
        statements: list[tuple[str, object]] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))

        hours = BusinessHours(dtime(8, 30), dtime(17, 15))
        with Session(engine) as session:
            staff = session.exec(select(StaffUser).where(StaffUser.login == LOGIN)).one()
            for tab in queue_data.TABS:
                event.listen(engine, "before_cursor_execute", record)
                t0 = time.perf_counter()
                if hasattr(queue_data, "queue_page"):         # what the page does
                    counts = queue_data.tab_counts(session, staff)
                    queue_data.queue_page(session, staff, tab, hours, counts=counts)
                    if tab == "waiting":                      # and the deepest page
                        queue_data.queue_page(session, staff, tab, hours, page=10**6,
                                              counts=counts)
                else:                                         # before pagination
                    queue_data.queue_rows(session, staff, tab, hours)
                    queue_data.tab_counts(session, staff)
                if tab == "waiting":
                    queue_data.waiting_emergencies(session)
                    pushes_this_month(session)
                took = time.perf_counter() - t0
                event.remove(engine, "before_cursor_execute", record)
                out.append(f"== tab {tab}: {len(statements)} statements, {took * 1000:.0f} ms in process")
                with engine.connect() as connection:
                    for statement, parameters in statements:
                        prefix = "EXPLAIN ANALYZE " if kind == "postgres" else "EXPLAIN QUERY PLAN "
                        plan = connection.exec_driver_sql(prefix + statement, parameters).all()
                        out.append("-- " + " ".join(statement.split())[:300])
                        out += ["   " + " | ".join(str(c) for c in row) for row in plan]
                statements.clear()
        engine.dispose()
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--requests", type=int, default=200, help="GETs per row (default 200)")
    parser.add_argument("--explain", action="store_true", help="print query plans instead")
    args = parser.parse_args()
    kinds = [k for k in args.db.split(",") if k]
    if args.explain:
        for kind in kinds:
            print(explain(kind), flush=True)
        return
    print(run_all(kinds, args.requests), flush=True)


if __name__ == "__main__":
    main()
