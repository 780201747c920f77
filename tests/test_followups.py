"""Follow-ups through the whole service: policies, quiet hours, who never gets one,
answers, cancellation, the push budget, retries — time moved by a frozen clock."""
from __future__ import annotations

import threading
import time as _time
from datetime import datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from bot import clock, followups
from bot.clock import FrozenClock, from_jst, to_jst
from bot.models import Case, ConversationState, FollowUp, Outbox, Resident
from tests.conftest import start_service
from tests.test_onboarding import quick_data, quick_labels

MONDAY_10 = datetime(2025, 6, 2, 10, 0)          # JST wall clock, a weekday morning


def jst(*args) -> datetime:
    return from_jst(datetime(*args))


@pytest.fixture
def frozen():
    frozen_clock = FrozenClock(from_jst(MONDAY_10))
    clock.set_clock(frozen_clock)
    yield frozen_clock
    clock.set_clock(None)


def stop(service, server) -> None:
    server.stop()
    service.engine.dispose()


def make_case(service, user=None, *, resident=None, **case_values):
    """A consented resident in the consultation step with one case."""
    user = user or service.resident()
    values = dict(line_user_id=user.user_id, terms_consent=True, terms_consent_at=clock.now())
    values.update(resident or {})
    with Session(service.engine, expire_on_commit=False) as session:
        row = Resident(**values)
        session.add(row)
        session.flush()
        session.add(ConversationState(resident_id=row.id, step="consult", data={}))
        case = Case(resident_id=row.id, fields=[], patterns=[], handoff_reasons=[], **case_values)
        session.add(case)
        session.commit()
        return user, row, case


def staff_followup(service, case, due_at, **kw) -> FollowUp:
    with Session(service.engine, expire_on_commit=False) as session:
        row = followups.schedule(session, service.demo.settings, case.id, due_at, **kw)
        session.commit()
        return row


def dispatcher(service) -> followups.FollowUpDispatcher:
    return service.runtime.extras["followups"]


def all_followups(service) -> list[FollowUp]:
    with Session(service.engine) as session:
        return list(session.exec(select(FollowUp).order_by(FollowUp.id)))


def get(service, model, row_id):
    with Session(service.engine) as session:
        return session.get(model, row_id)


def wait_status(service, followup_id, status, timeout=10.0) -> FollowUp:
    deadline = _time.monotonic() + timeout
    while _time.monotonic() < deadline:
        dispatcher(service).reconcile()
        row = get(service, FollowUp, followup_id)
        if row.status == status:
            return row
        _time.sleep(0.05)
    raise AssertionError(f"follow-up {followup_id} is {row.status}, not {status}")


def pushes(service, user) -> list:
    return [r for r in service.platform.records_for(user.user_id) if r.kind == "push"]


# Policies and timing -------------------------------------------------------------------------

def test_after_windows_policy_fires_on_day_n_at_ten_not_before(service, frozen):
    shown = jst(2025, 6, 2, 21, 30)               # windows shown late in the evening
    user, _, case = make_case(service, windows_shown_at=shown)
    frozen.current = shown + timedelta(minutes=1)
    assert dispatcher(service).plan() == 1
    assert dispatcher(service).plan() == 0        # idempotent
    (planned,) = all_followups(service)
    assert planned.kind == "after_windows"
    assert to_jst(followups.as_utc(planned.due_at)).replace(tzinfo=None) == datetime(2025, 6, 9, 10, 0)

    frozen.current = jst(2025, 6, 9, 9, 59)
    dispatcher(service).dispatch_due()
    assert pushes(service, user) == []
    frozen.current = jst(2025, 6, 9, 10, 0)
    dispatcher(service).dispatch_due()
    (message,) = service.platform.wait_for(1, user.user_id)
    assert "窓口にはつながりましたか" in message["text"] and "自動" in message["text"]
    assert quick_labels(message) == ["つながった", "まだ", "話を聞いてほしい"]
    sent = wait_status(service, planned.id, "sent")
    (record,) = pushes(service, user)
    assert record.retry_key == followups.retry_key_for(sent)
    assert get(service, Outbox, sent.outbox_id).uuid == record.retry_key


def test_after_close_policy_sends_a_gentle_check_in(service, frozen):
    closed = jst(2025, 6, 2, 15, 0)
    user, _, case = make_case(service, status="closed", closed_at=closed, close_reason="info")
    dispatcher(service).plan()
    (planned,) = all_followups(service)
    assert planned.kind == "after_close"
    assert to_jst(followups.as_utc(planned.due_at)).date().isoformat() == "2025-06-16"
    frozen.current = jst(2025, 6, 16, 10, 0)
    dispatcher(service).dispatch_due()
    (message,) = service.platform.wait_for(1, user.user_id)
    assert "お変わりありませんか" in message["text"]
    assert quick_labels(message) == ["大丈夫です", "話を聞いてほしい"]


def test_policy_send_time_in_quiet_hours_waits_for_the_morning(database_url, frozen):
    service, server = start_service(database_url, followup_send_time=time(21, 0))
    try:
        user, _, _ = make_case(service, windows_shown_at=jst(2025, 6, 2, 11, 0))
        dispatcher(service).plan()
        (planned,) = all_followups(service)
        assert followups.as_utc(planned.due_at) == jst(2025, 6, 10, 8, 0)
        frozen.current = jst(2025, 6, 9, 21, 0)
        assert dispatcher(service).dispatch_due() == 0
        frozen.current = jst(2025, 6, 10, 8, 0)
        dispatcher(service).dispatch_due()
        service.platform.wait_for(1, user.user_id)
    finally:
        stop(service, server)


def test_staff_followup_at_night_goes_at_eight_and_never_in_quiet_hours(service, frozen):
    user, _, case = make_case(service, status="open")
    row = staff_followup(service, case, jst(2025, 6, 2, 23, 0), text="先日のお話、その後いかがですか。")
    assert followups.as_utc(row.due_at) == jst(2025, 6, 3, 8, 0)
    # Even a row due earlier is held back while it is quiet.
    with Session(service.engine) as session:
        stored = session.get(FollowUp, row.id)
        stored.due_at = jst(2025, 6, 2, 19, 0)
        session.add(stored)
        session.commit()
    frozen.current = jst(2025, 6, 2, 22, 0)
    assert dispatcher(service).dispatch_due() == 0
    frozen.current = jst(2025, 6, 3, 7, 59)
    assert dispatcher(service).dispatch_due() == 0
    assert pushes(service, user) == []
    frozen.current = jst(2025, 6, 3, 8, 0)
    dispatcher(service).dispatch_due()
    (message,) = service.platform.wait_for(1, user.user_id)
    assert "相談員" in message["text"] and "その後いかがですか" in message["text"]
    assert "通知停止" in message["text"]


# Who never gets one ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["staff", "after_windows"])
def test_opted_out_unfollowed_deleted_and_unconsented_get_nothing(service, frozen, kind):
    cases = {
        "ok": {},
        "stopped": {"notifications_enabled": False},
        "unfollowed": {"reachable": False},
        "deleted": {"deleted_at": clock.now(), "terms_consent": None},
        "declined": {"terms_consent": False},
    }
    made = {}
    for name, resident in cases.items():
        shown = clock.now() if kind == "after_windows" else None
        user, _, case = make_case(service, resident=resident, windows_shown_at=shown)
        made[name] = (user, case)
        if kind == "staff" and name != "deleted":
            staff_followup(service, case, clock.now(), template="checkin")
    frozen.advance(days=8)
    dispatcher(service).plan()
    dispatcher(service).dispatch_due()
    ok_user = made["ok"][0]
    service.platform.wait_for(1, ok_user.user_id)
    _time.sleep(0.3)
    for name, (user, _) in made.items():
        assert len(pushes(service, user)) == (1 if name == "ok" else 0), name
    assert [f.status for f in all_followups(service) if f.status != "cancelled"] in (
        ["claimed"], ["sent"])


def test_stop_and_resume_by_chat(service, frozen):
    user, resident, case = make_case(service)
    staff_followup(service, case, clock.now() + timedelta(hours=1), template="checkin")
    user.say("通知停止")
    service.platform.wait_for(1, user.user_id)
    frozen.advance(hours=2)
    dispatcher(service).dispatch_due()
    assert [f.status for f in all_followups(service)] == ["cancelled"]
    assert all_followups(service)[0].reason.startswith("notifications off")
    user.say("通知再開")
    service.platform.wait_for(2, user.user_id)
    staff_followup(service, case, clock.now(), template="checkin")
    dispatcher(service).dispatch_due()
    messages = service.platform.wait_for(3, user.user_id)
    assert "その後、いかがお過ごしですか" in messages[2]["text"]


# Answers -----------------------------------------------------------------------------------------

def send_after_close_followup(service, frozen):
    user, resident, case = make_case(service, status="closed", closed_at=clock.now(),
                                     close_reason="info")
    row = staff_followup(service, case, clock.now(), template="after_close")
    dispatcher(service).dispatch_due()
    (message,) = service.platform.wait_for(1, user.user_id)
    return user, case, row, message


def test_talk_button_reopens_the_case_into_the_queue(service, frozen):
    user, case, row, message = send_after_close_followup(service, frozen)
    user.postback(quick_data(message, "話を聞いてほしい"))
    reply = service.platform.wait_for(2, user.user_id)[1]
    assert "相談員にお伝えしました" in reply["text"]
    reopened = get(service, Case, case.id)
    assert reopened.status == "waiting" and reopened.closed_at is None
    assert "asks_person" in reopened.handoff_reasons
    answered = get(service, FollowUp, row.id)
    assert answered.answer == "talk" and answered.answered_at is not None


def test_connected_records_the_outcome(service, frozen):
    user, resident, case = make_case(service, windows_shown_at=clock.now())
    row = staff_followup(service, case, clock.now(), template="after_windows")
    dispatcher(service).dispatch_due()
    (message,) = service.platform.wait_for(1, user.user_id)
    user.postback(quick_data(message, "つながった"))
    reply = service.platform.wait_for(2, user.user_id)[1]
    assert "よかった" in reply["text"]
    assert get(service, Case, case.id).outcome == "connected"
    assert get(service, Case, case.id).status == "bot"
    assert get(service, FollowUp, row.id).answer == "connected"


def test_a_typed_answer_reopens_the_case_and_lands_on_it(service, frozen):
    user, case, row, _ = send_after_close_followup(service, frozen)
    user.say("実はまた困っていて、相談したいです")
    service.platform.wait_for(2, user.user_id)
    reopened = get(service, Case, case.id)
    assert reopened.status != "closed"
    with Session(service.engine) as session:
        assert session.exec(select(Case)).all().__len__() == 1     # the same case, not a new one
    assert get(service, FollowUp, row.id).answer == "text"


def test_someone_elses_button_changes_nothing(service, frozen):
    user, case, row, message = send_after_close_followup(service, frozen)
    stranger, _, other_case = make_case(service)
    stranger.postback(quick_data(message, "話を聞いてほしい").replace("v=talk", "v=connected"))
    service.platform.wait_for(1, stranger.user_id)
    assert get(service, Case, case.id).outcome is None
    assert get(service, FollowUp, row.id).answer is None


# Cancellation ------------------------------------------------------------------------------------

def test_writing_again_cancels_pending_automatic_followups_but_not_staff_ones(service, frozen):
    user, resident, case = make_case(service, windows_shown_at=clock.now())
    dispatcher(service).plan()
    staff = staff_followup(service, case, clock.now() + timedelta(days=3), template="checkin")
    user.say("もう少し聞いてもいいですか")
    service.platform.wait_for(1, user.user_id)
    by_kind = {f.kind: f for f in all_followups(service)}
    assert by_kind["after_windows"].status == "cancelled"
    assert by_kind["after_windows"].reason == "resident wrote again"
    assert by_kind["staff"].status == "scheduled" and by_kind["staff"].id == staff.id


def test_staff_taking_the_case_cancels_the_windows_check_in(service, frozen):
    user, resident, case = make_case(service, windows_shown_at=clock.now())
    dispatcher(service).plan()
    with Session(service.engine) as session:
        stored = session.get(Case, case.id)
        stored.status = "open"
        session.add(stored)
        session.commit()
    dispatcher(service).plan()
    (row,) = all_followups(service)
    assert (row.status, row.reason) == ("cancelled", "staff took the case")


# Cost ---------------------------------------------------------------------------------------------

def test_push_budget_holds_automatic_followups_and_releases_them_next_month(database_url, frozen):
    service, server = start_service(database_url, followup_push_budget=2)
    try:
        users = []
        for _ in range(3):
            user, _, _ = make_case(service, windows_shown_at=clock.now())
            users.append(user)
        _, _, staff_case = make_case(service, status="open")
        staff = staff_followup(service, staff_case, clock.now() + timedelta(days=7),
                               template="checkin")
        dispatcher(service).plan()
        frozen.current = jst(2025, 6, 9, 10, 0)
        dispatcher(service).dispatch_due()
        service.platform.wait_for(3)
        statuses = sorted(f.status for f in all_followups(service) if f.kind == "after_windows")
        assert statuses[-1] == "held" and statuses.count("held") == 1
        assert get(service, FollowUp, staff.id).status in ("claimed", "sent")   # staff's own go
        with Session(service.engine) as session:
            assert followups.held_count(session) == 1
            assert followups.push_budget_left(session, service.demo.settings) == 0
        frozen.current = jst(2025, 7, 1, 10, 0)                 # a new month: budget again
        dispatcher(service).dispatch_due()
        service.platform.wait_for(4)
        assert all(f.status in ("claimed", "sent") for f in all_followups(service))
        assert sum(len(pushes(service, u)) for u in users) == 3
    finally:
        stop(service, server)


def test_500_from_line_retries_with_the_same_key_and_sends_once(service, frozen):
    user, _, case = make_case(service)
    row = staff_followup(service, case, clock.now(), template="checkin")
    service.platform.inject("push", status=500, times=1)
    dispatcher(service).dispatch_due()
    assert get(service, FollowUp, row.id).status == "claimed"
    outbox = get(service, Outbox, get(service, FollowUp, row.id).outbox_id)
    assert outbox.status == "queued" and outbox.attempts == 1
    frozen.advance(seconds=5)                                   # the retry is due
    service.runtime.sender.send_due()
    sent = wait_status(service, row.id, "sent")
    (record,) = pushes(service, user)
    assert record.retry_key == followups.retry_key_for(sent) == outbox.uuid
    assert get(service, Outbox, sent.outbox_id).attempts == 2


def test_concurrent_dispatchers_send_each_followup_once(service, frozen):
    users = []
    for _ in range(60):
        user, _, case = make_case(service)
        staff_followup(service, case, clock.now(), template="checkin")
        users.append(user)
    extra = [followups.FollowUpDispatcher(service.engine, service.demo.settings,
                                          service.runtime.sender) for _ in range(3)]
    threads = [threading.Thread(target=d.dispatch_due) for d in extra + [dispatcher(service)]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    service.platform.wait_for(60, timeout=20)
    _time.sleep(0.5)
    assert service.platform.push_count == 60
    assert all(len(pushes(service, u)) == 1 for u in users)
    keys = {r.retry_key for r in service.platform.sent}
    assert len(keys) == 60


# Staff controls ------------------------------------------------------------------------------------

def staff_client(service):
    from test_admin_support import AdminClient, make_staff
    make_staff(service.engine, "fujita")
    client = AdminClient(service.base_url)
    assert client.login("fujita").status_code == 303
    return client


def test_staff_schedule_reschedule_cancel_from_the_case_page_and_the_list(service, frozen):
    user, _, case = make_case(service, status="open")
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
    assert followups.as_utc(get(service, FollowUp, row.id).due_at) == jst(2025, 6, 10, 14, 0)
    case_page = client.get(f"/admin/cases/{case.id}").text
    assert "2025-06-10 14:00" in case_page and "予定" in case_page
    assert client.post(f"/admin/followups/{row.id}/cancel", {"next_page": "case"}).status_code == 303
    assert get(service, FollowUp, row.id).status == "cancelled"
    assert client.post(f"/admin/followups/{row.id}/cancel", {}).status_code == 400
    with Session(service.engine) as session:
        from bot.models import AuditLog
        actions = [a.action for a in session.exec(select(AuditLog))]
    assert {"followup.schedule", "followup.reschedule", "followup.cancel"} <= set(actions)


def test_held_followups_are_shown_and_can_be_sent_past_the_budget(database_url, frozen):
    service, server = start_service(database_url, followup_push_budget=1)
    try:
        users = [make_case(service, windows_shown_at=clock.now())[0] for _ in range(2)]
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
