"""Statistics for the plan's evaluation, the CSV of aggregates, the audit log, the demo seed."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlmodel import Session, select

from admin.stats_data import compute, percentile
from bot import clock
from bot.hours import BusinessHours
from bot.models import AuditLog, Case, FollowUp, Message
from bot.seed import seed_demo_data
from helpers import AdminClient, make_case, make_staff

MONDAY_9_JST = clock.from_jst(datetime(2026, 11, 2, 9, 0))      # 2026-11-02 is a Monday


def test_percentile_is_nearest_rank():
    assert percentile([], 90) is None
    assert percentile([5.0], 90) == 5.0
    assert percentile([float(v) for v in range(1, 11)], 90) == 9.0
    assert percentile([float(v) for v in range(1, 11)], 50) == 5.0


def _case_with_response(engine, queued: datetime, responded: datetime, **kw) -> int:
    case_id, _, _ = make_case(engine, **kw)
    with Session(engine) as session:
        case = session.get(Case, case_id)
        case.opened_at, case.queued_at, case.first_response_at = queued, queued, responded
        session.add(case)
        session.commit()
    return case_id


def test_statistics_figures_and_first_response_in_business_hours(service):
    clock.set_clock(clock.FrozenClock(MONDAY_9_JST + timedelta(days=10)))
    engine = service.engine
    # 30, 60 business minutes; the third waits Mon 17:00 → Wed 9:00 JST over 文化の日 (Tue 11/3)
    _case_with_response(engine, MONDAY_9_JST, MONDAY_9_JST + timedelta(minutes=30),
                        fields=("kaigo",))
    _case_with_response(engine, MONDAY_9_JST, MONDAY_9_JST + timedelta(minutes=60),
                        fields=("kaigo", "konkyu"), risk="high", priority="high")
    _case_with_response(engine, MONDAY_9_JST + timedelta(hours=8),
                        MONDAY_9_JST + timedelta(hours=48), fields=("kokoro",),
                        risk="emergency", priority="emergency")
    closed_id = _case_with_response(engine, MONDAY_9_JST, MONDAY_9_JST + timedelta(minutes=5),
                                    status="closed", fields=("hikikomori",))
    with Session(engine) as session:
        case = session.get(Case, closed_id)
        case.close_reason, case.referred_agency, case.patterns = "tamokan", "射水市社会福祉協議会", ["8050"]
        case.closed_at = MONDAY_9_JST + timedelta(days=1)
        session.add(case)
        session.add(FollowUp(case_id=closed_id, resident_id=case.resident_id, kind="after_close",
                             due_at=MONDAY_9_JST + timedelta(days=3), status="sent",
                             sent_at=MONDAY_9_JST + timedelta(days=3),
                             answered_at=MONDAY_9_JST + timedelta(days=3, hours=1)))
        session.add(FollowUp(case_id=closed_id, resident_id=case.resident_id, kind="staff",
                             due_at=MONDAY_9_JST + timedelta(days=4), status="sent",
                             sent_at=MONDAY_9_JST + timedelta(days=4)))
        session.commit()
        stats = compute(session, BusinessHours(service.runtime.hours.opens, service.runtime.hours.closes),
                        "2026-11", "2026-11")
    assert stats.total == 4 and stats.consultations["2026-11"] == 4
    assert stats.by_field["2026-11"]["kaigo"] == 2 and stats.by_field["2026-11"]["konkyu"] == 1
    assert stats.risk == {"none": 2, "high": 1, "emergency": 1}
    assert stats.handoffs["2026-11"] == 4
    # times: 5, 30, 60 min and 15 min (Mon 17:00–17:15) + 30 min (Wed 8:30–9:00); Tue is a holiday
    assert stats.first_response_n == 4
    assert stats.first_response_median == (30 * 60 + 45 * 60) / 2
    assert stats.first_response_p90 == 60 * 60
    assert stats.referrals == {"射水市社会福祉協議会": 1} and stats.tamokan == 1
    assert stats.followups_sent == 2 and stats.followups_answered == 1

    make_staff(engine, "aoki")
    client = AdminClient(service.base_url)
    client.login("aoki")
    page = client.get("/admin/stats?first=2026-11&last=2026-11").text
    assert '<svg class="chart"' in page and 'id="kpi-total">4<' in page
    assert 'id="kpi-tamokan">1<' in page and 'id="kpi-followups">2 / 1<' in page
    assert "37分" in page                                   # the median, 37.5 business minutes
    export = client.get("/admin/stats.csv?first=2026-11&last=2026-11")
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows[0] == ["section", "month", "key", "label", "value"]
    table = {(r[0], r[1], r[2]): r[4] for r in rows[1:]}
    assert table[("consultations", "2026-11", "all")] == "4"
    assert table[("field", "2026-11", "kaigo")] == "2"
    assert table[("risk", "", "emergency")] == "1"
    assert table[("first_response", "", "median_business_seconds")] == "2250"
    assert table[("tamokan", "", "tamokan")] == "1"
    assert table[("followup", "", "answered")] == "1"
    with Session(engine) as session:
        texts = [m.text for m in session.exec(select(Message)) if m.text]
        assert session.exec(select(AuditLog).where(AuditLog.action == "stats.export")).one()
    assert texts and not any(text in export.text for text in texts)   # aggregates only


def test_audit_log_is_for_admins_and_read_only(service):
    case_id, _, _ = make_case(service.engine)
    make_staff(service.engine, "boss", role="admin")
    client = AdminClient(service.base_url)
    client.login("boss")
    client.get(f"/admin/cases/{case_id}")
    page = client.get("/admin/audit").text
    assert "case.view" in page and "login" in page and "boss" in page
    assert client.get("/admin/audit?action=case.view").status_code == 200
    for method in ("post", "put", "delete"):
        response = getattr(client.http, method)("/admin/audit", headers={"X-CSRF-Token": client.csrf})
        assert response.status_code == 405, method


def test_demo_seed_fills_queue_and_statistics_once(service):
    created = seed_demo_data(service.engine)
    assert created >= 50
    assert seed_demo_data(service.engine) == 0                      # idempotent
    with Session(service.engine) as session:
        statuses = {c.status for c in session.exec(select(Case))}
    assert {"waiting", "closed"} <= statuses
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    client.login("aoki")
    cases = client.get("/admin/api/queue").json()["cases"]
    assert cases and cases[0]["priority"] in ("emergency", "high")
    page = client.get("/admin/stats").text
    assert 'id="kpi-total">0<' not in page
    assert client.get(f"/admin/cases/{cases[0]['case_id']}").status_code == 200
