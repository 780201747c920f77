"""The queue at scale: pages of 50, a page control, the JSON API's paging, and a fixed number
of queries per request whatever the number of cases (no N+1). The timing itself is
bench/admin_queue.py (10,000 cases, 200,000 messages); this checks the shape."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event, insert
from sqlmodel import Session

from admin.queue_data import PAGE_SIZE
from bot import clock
from bot.models import PRIORITY_RANK, Case, Message, Resident
from helpers import AdminClient, make_staff

CASES = 120


def bulk_cases(engine, count: int, status: str = "waiting", messages_per_case: int = 3) -> list[int]:
    """`count` queued cases, oldest first in id order, each with a few messages; the last
    resident message says 「最後の相談 <case id>」."""
    now = clock.now()
    with Session(engine) as session:
        ids = []
        for i in range(count):
            resident = Resident(terms_consent=True, terms_consent_at=now)
            session.add(resident)
            session.flush()
            case = Case(resident_id=resident.id, status=status, priority="normal",
                        priority_rank=PRIORITY_RANK["normal"], fields=["konkyu"], patterns=[],
                        handoff_reasons=[], queued_at=now - timedelta(minutes=10_000 - i),
                        closed_at=now - timedelta(minutes=i) if status == "closed" else None)
            session.add(case)
            session.flush()
            ids.append(case.id)
            rows = [{"resident_id": resident.id, "case_id": case.id, "direction": "in",
                     "sender": "resident", "kind": "text", "text": f"相談 {k}", "risk": "none",
                     "created_at": now} for k in range(messages_per_case - 1)]
            rows.append({"resident_id": resident.id, "case_id": case.id, "direction": "in",
                         "sender": "resident", "kind": "text", "text": f"最後の相談 {case.id}",
                         "risk": "none", "created_at": now})
            rows.append({"resident_id": resident.id, "case_id": case.id, "direction": "out",
                         "sender": "bot", "kind": "text", "text": "担当者が確認します。",
                         "risk": "none", "created_at": now})
            session.exec(insert(Message).values(rows))  # type: ignore[call-overload]
        session.commit()
    return ids


def row_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr class="prio-[a-z]+" data-case-id="(\d+)"', html)]


def test_queue_pages_of_50_in_queue_order_with_a_page_control(service):
    make_staff(service.engine, "aoki")
    ids = bulk_cases(service.engine, CASES)          # the first id has waited longest
    client = AdminClient(service.base_url)
    client.login("aoki")

    first = client.get("/admin/queue?tab=waiting").text
    assert row_ids(first) == ids[:PAGE_SIZE]
    assert f"{CASES}件中 1〜{PAGE_SIZE}件" in first
    assert 'href="/admin/queue?tab=waiting&amp;page=2"' in first
    assert f"最後の相談 {ids[0]}" in first             # the last resident message, not the bot's
    assert 'data-fragment-url="/admin/queue/fragment?tab=waiting&amp;page=1"' in first

    last = client.get("/admin/queue?tab=waiting&page=3").text
    assert row_ids(last) == ids[2 * PAGE_SIZE:]
    assert 'rel="next"' not in last and 'href="/admin/queue?tab=waiting&amp;page=2"' in last
    # beyond the end: the last page
    assert row_ids(client.get("/admin/queue?tab=waiting&page=99").text) == ids[2 * PAGE_SIZE:]
    fragment = client.get("/admin/queue/fragment?tab=waiting&page=2").text
    assert row_ids(fragment) == ids[PAGE_SIZE:2 * PAGE_SIZE]

    api = client.get("/admin/api/queue").json()
    assert (api["total"], api["page"], api["pages"], api["per_page"]) == (CASES, 1, 3, PAGE_SIZE)
    assert [c["case_id"] for c in api["cases"]] == ids[:PAGE_SIZE]
    api = client.get("/admin/api/queue?page=2&per_page=100").json()
    assert [c["case_id"] for c in api["cases"]] == ids[100:]
    assert client.get("/admin/api/queue?per_page=1000").status_code == 400


def test_closed_tab_pages_through_the_latest_200(service):
    make_staff(service.engine, "aoki")
    ids = bulk_cases(service.engine, 230, status="closed", messages_per_case=1)
    client = AdminClient(service.base_url)
    client.login("aoki")
    newest_first = ids                     # closed_at = now - i minutes
    api = client.get("/admin/api/queue?tab=closed&per_page=200").json()
    assert api["total"] == 200 and [c["case_id"] for c in api["cases"]] == newest_first[:200]
    page4 = client.get("/admin/queue?tab=closed&page=4").text
    assert row_ids(page4) == newest_first[150:200]
    assert "200件中 151〜200件" in page4


def test_queries_per_request_do_not_grow_with_the_queue(service):
    """No N+1: the page, the fragment and the API issue the same number of statements for
    5 cases as for 120."""
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    client.login("aoki")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        # the worker and the scheduler poll the same engine in the background
        if not re.search(r"\b(inboundevent|outbox|followup)\b", statement, re.I):
            statements.append(" ".join(statement.split())[:120])

    def count(path: str) -> int:
        client.get(path)                   # anything done once per session is not counted
        statements.clear()
        event.listen(service.engine, "before_cursor_execute", record)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(service.engine, "before_cursor_execute", record)
        return len(statements)

    paths = ("/admin/queue?tab=waiting", "/admin/queue/fragment?tab=waiting",
             "/admin/api/queue?tab=waiting")
    bulk_cases(service.engine, 5)
    small = {path: count(path) for path in paths}
    bulk_cases(service.engine, CASES - 5)
    large = {path: count(path) for path in paths}
    assert small == large
    # the page also draws the filter form: its labels, areas and staff (three statements)
    budget = {"/admin/queue?tab=waiting": 15}
    assert all(n <= budget.get(path, 12) for path, n in large.items()), large
