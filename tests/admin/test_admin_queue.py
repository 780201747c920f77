"""The queue: tabs, order, business-hours waiting time, the JSON API and the push count."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot import clock
from bot.models import Case, PushCount
from helpers import AdminClient, make_case, make_staff

WEDNESDAY_10_JST = clock.from_jst(datetime(2026, 11, 25, 10, 0))


def test_queue_is_sorted_by_priority_then_longest_waiting(service):
    clock.set_clock(clock.FrozenClock(WEDNESDAY_10_JST))
    make_staff(service.engine, "aoki")
    normal_old, _, _ = make_case(service.engine, "ずっと待っています", queued_minutes_ago=120)
    normal_new, _, _ = make_case(service.engine, "さっき書きました", queued_minutes_ago=5)
    high, _, _ = make_case(service.engine, "眠れない日が続いています", priority="high", risk="high",
                           fields=("kokoro",), queued_minutes_ago=10)
    emergency, code, _ = make_case(service.engine, "もう終わりにしたい", priority="emergency",
                                   risk="emergency", fields=("kokoro",), queued_minutes_ago=1)
    closed, _, _ = make_case(service.engine, "解決しました", status="closed")
    client = AdminClient(service.base_url)
    client.login("aoki")
    cases = client.get("/admin/api/queue").json()["cases"]
    assert [c["case_id"] for c in cases] == [emergency, high, normal_old, normal_new]
    assert closed not in [c["case_id"] for c in cases]
    first = cases[0]
    assert first["case_code"] == code and first["priority"] == "emergency"
    assert first["fields"] == ["kokoro"] and first["status"] == "waiting"
    assert first["assignee"] is None
    # queued at 08:00 JST: the office opened at 08:30, so 90 business minutes
    assert cases[2]["waiting_seconds"] == 90 * 60
    page = client.get("/admin/queue").text
    assert page.index(code) < page.index("ずっと待っています")
    assert "こころの健康" in page and "生活困窮" in page            # field chips in Japanese
    assert "1時間30分" in page
    assert 'id="emergency-alert"' in page and 'data-emergencies="%d"' % emergency in page


def test_tabs_mine_open_pending_closed(service):
    me = make_staff(service.engine, "aoki")
    other = make_staff(service.engine, "baba")
    mine, _, _ = make_case(service.engine, "わたしの担当", status="open")
    theirs, _, _ = make_case(service.engine, "ほかの人の担当", status="open")
    pending, _, _ = make_case(service.engine, "返事待ち", status="pending")
    closed, _, _ = make_case(service.engine, "終わった", status="closed")
    with Session(service.engine) as session:
        for case_id, staff_id in ((mine, me), (theirs, other)):
            case = session.get(Case, case_id)
            case.assignee_id = staff_id
            session.add(case)
        session.commit()
    client = AdminClient(service.base_url)
    client.login("aoki")

    def ids(tab):
        return [c["case_id"] for c in client.get(f"/admin/api/queue?tab={tab}").json()["cases"]]
    assert ids("waiting") == []
    assert ids("mine") == [mine]
    assert sorted(ids("open")) == sorted([mine, theirs])
    assert ids("pending") == [pending]
    assert ids("closed") == [closed]
    assert client.get("/admin/api/queue?tab=nope").status_code == 404
    open_page = client.get("/admin/queue?tab=open").text
    assert "baba" in open_page and "aoki" in open_page                  # assignee visible


def test_push_count_against_quota_is_shown(service):
    make_staff(service.engine, "aoki")
    with Session(service.engine) as session:
        session.add(PushCount(month=clock.month_key(clock.now()), count=37))
        session.commit()
    client = AdminClient(service.base_url)
    client.login("aoki")
    assert "37</strong> / 200" in client.get("/admin/queue").text
    body = client.get("/admin/api/queue").json()
    assert body["push_count"] == 37 and body["push_quota"] == 200


def test_fragment_refresh_carries_new_emergencies(service):
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    client.login("aoki")
    assert 'data-emergencies=""' in client.get("/admin/queue/fragment").text
    emergency, code, _ = make_case(service.engine, "助けて", priority="emergency", risk="emergency")
    fragment = client.get("/admin/queue/fragment").text
    assert f'data-emergencies="{emergency}"' in fragment and code in fragment
