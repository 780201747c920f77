"""Follow-ups for staff: schedule, reschedule and cancel from the case page and the list;
held follow-ups shown and sent past the budget."""
from __future__ import annotations

from sqlmodel import Session, select

from bot import clock, followups
from bot.models import FollowUp
from helpers import (AdminClient, all_followups, dispatcher, fetch, followup_case, jst,
                     make_staff, pushes, start_service, stop)


def staff_client(service):
    make_staff(service.engine, "fujita")
    client = AdminClient(service.base_url)
    assert client.login("fujita").status_code == 303
    return client


def test_staff_schedule_reschedule_cancel_from_the_case_page_and_the_list(service, frozen):
    user, _, case = followup_case(service, status="open")
    client = staff_client(service)
    page = client.get(f"/admin/cases/{case.id}").text
    assert 'id="followups"' in page and "フォローアップはありません" in page
    response = client.post(f"/admin/cases/{case.id}/followups",
                           {"due_at": "2025-06-05T21:30", "template": "checkin", "text": ""})
    assert response.status_code == 303
    (row,) = all_followups(service)
    assert followups.as_utc(row.due_at) == jst(2025, 6, 6, 8, 0)     # out of quiet hours
    listing = client.get("/admin/followups").text
    assert "予定されたフォローアップ" in listing
    assert f"/admin/cases/{case.id}" in listing
    assert client.post(f"/admin/followups/{row.id}/reschedule",
                       {"due_at": "2025-06-10T14:00", "next_page": "list"}).status_code == 303
    assert followups.as_utc(fetch(service, FollowUp, row.id).due_at) == jst(2025, 6, 10, 14, 0)
    case_page = client.get(f"/admin/cases/{case.id}").text
    assert "2025-06-10 14:00" in case_page and "予定" in case_page
    assert client.post(f"/admin/followups/{row.id}/cancel", {"next_page": "case"}).status_code == 303
    assert fetch(service, FollowUp, row.id).status == "cancelled"
    assert client.post(f"/admin/followups/{row.id}/cancel", {}).status_code == 400
    with Session(service.engine) as session:
        from bot.models import AuditLog
        actions = [a.action for a in session.exec(select(AuditLog))]
    assert {"followup.schedule", "followup.reschedule", "followup.cancel"} <= set(actions)


def test_held_followups_are_shown_and_can_be_sent_past_the_budget(database_url, frozen):
    service, server = start_service(database_url, followup_push_budget=1)
    try:
        users = [followup_case(service, windows_shown_at=clock.now())[0] for _ in range(2)]
        dispatcher(service).plan()
        frozen.current = jst(2025, 6, 9, 10, 0)
        dispatcher(service).dispatch_due()
        service.platform.wait_for(1)
        (held,) = [f for f in all_followups(service) if f.status == "held"]
        client = staff_client(service)
        listing = client.get("/admin/followups").text
        assert 'id="held-banner"' in listing and "1件" in listing
        assert client.post(f"/admin/followups/{held.id}/reschedule",
                           {"due_at": "2025-06-09T10:00", "past_budget": "1"}).status_code == 303
        dispatcher(service).dispatch_due()
        service.platform.wait_for(2)
        assert sorted(len(pushes(service, u)) for u in users) == [1, 1]
    finally:
        stop(service, server)
