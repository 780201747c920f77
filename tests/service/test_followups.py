"""Follow-ups through the whole service: policies, quiet hours, who never gets one,
answers, cancellation, the push budget, retries — time moved by a frozen clock."""
from __future__ import annotations

import threading
import time as _time
from datetime import datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from bot import clock, followups
from bot.clock import to_jst
from bot.models import Case, FollowUp, Outbox
from helpers import (all_followups, dispatcher, fetch, followup_case, jst, pushes, quick_data,
                     quick_labels, reply_to, staff_followup, start_service, stop, wait_status)

# Policies and timing -------------------------------------------------------------------------

def test_after_windows_policy_fires_on_day_n_at_ten_not_before(service, frozen):
    shown = jst(2025, 6, 2, 21, 30)               # windows shown late in the evening
    user, _, case = followup_case(service, windows_shown_at=shown)
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
    assert fetch(service, Outbox, sent.outbox_id).uuid == record.retry_key


def test_after_close_policy_sends_a_gentle_check_in(service, frozen):
    closed = jst(2025, 6, 2, 15, 0)
    user, _, case = followup_case(service, status="closed", closed_at=closed, close_reason="info")
    dispatcher(service).plan()
    (planned,) = all_followups(service)
    assert planned.kind == "after_close"
    assert to_jst(followups.as_utc(planned.due_at)).date().isoformat() == "2025-06-16"
    frozen.current = jst(2025, 6, 16, 10, 0)
    dispatcher(service).dispatch_due()
    (message,) = service.platform.wait_for(1, user.user_id)
    assert "お変わりありませんか" in message["text"]
    assert quick_labels(message) == ["大丈夫です", "話を聞いてほしい"]
    assert "sender" not in message          # automatic: the account's own name and icon


def test_policy_send_time_in_quiet_hours_waits_for_the_morning(database_url, frozen):
    service, server = start_service(database_url, followup_send_time=time(21, 0))
    try:
        user, _, _ = followup_case(service, windows_shown_at=jst(2025, 6, 2, 11, 0))
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
    user, _, case = followup_case(service, status="open")
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
    assert message["sender"]["name"] == "相談員"     # a person wrote it: shown as theirs


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
        user, _, case = followup_case(service, resident=resident, windows_shown_at=shown)
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
    user, resident, case = followup_case(service)
    staff_followup(service, case, clock.now() + timedelta(hours=1), template="checkin")
    assert reply_to(service, user, lambda: user.say("通知停止"))
    frozen.advance(hours=2)
    dispatcher(service).dispatch_due()
    assert [f.status for f in all_followups(service)] == ["cancelled"]
    assert all_followups(service)[0].reason.startswith("notifications off")
    assert reply_to(service, user, lambda: user.say("通知再開"))
    staff_followup(service, case, clock.now(), template="checkin")
    dispatcher(service).dispatch_due()
    messages = service.platform.wait_for(3, user.user_id)
    assert "その後、いかがお過ごしですか" in messages[2]["text"]


# Answers -----------------------------------------------------------------------------------------

def send_after_close_followup(service, frozen):
    user, resident, case = followup_case(service, status="closed", closed_at=clock.now(),
                                     close_reason="info")
    row = staff_followup(service, case, clock.now(), template="after_close")
    dispatcher(service).dispatch_due()
    (message,) = service.platform.wait_for(1, user.user_id)
    return user, case, row, message


def test_talk_button_reopens_the_case_into_the_queue(service, frozen):
    user, case, row, message = send_after_close_followup(service, frozen)
    reply = reply_to(service, user, lambda: user.postback(quick_data(message, "話を聞いてほしい")))[0]
    assert "相談員にお伝えしました" in reply["text"]
    reopened = fetch(service, Case, case.id)
    assert reopened.status == "waiting" and reopened.closed_at is None
    assert "asks_person" in reopened.handoff_reasons
    answered = fetch(service, FollowUp, row.id)
    assert answered.answer == "talk" and answered.answered_at is not None


def test_connected_records_the_outcome(service, frozen):
    user, resident, case = followup_case(service, windows_shown_at=clock.now())
    row = staff_followup(service, case, clock.now(), template="after_windows")
    dispatcher(service).dispatch_due()
    (message,) = service.platform.wait_for(1, user.user_id)
    reply = reply_to(service, user, lambda: user.postback(quick_data(message, "つながった")))[0]
    assert "よかった" in reply["text"]
    assert fetch(service, Case, case.id).outcome == "connected"
    assert fetch(service, Case, case.id).status == "bot"
    assert fetch(service, FollowUp, row.id).answer == "connected"


def test_a_typed_answer_reopens_the_case_and_lands_on_it(service, frozen):
    user, case, row, _ = send_after_close_followup(service, frozen)
    assert reply_to(service, user, lambda: user.say("実はまた困っていて、相談したいです"))
    reopened = fetch(service, Case, case.id)
    assert reopened.status != "closed"
    with Session(service.engine) as session:
        assert session.exec(select(Case)).all().__len__() == 1     # the same case, not a new one
    assert fetch(service, FollowUp, row.id).answer == "text"


def test_someone_elses_button_changes_nothing(service, frozen):
    user, case, row, message = send_after_close_followup(service, frozen)
    stranger, _, other_case = followup_case(service)
    forged = quick_data(message, "話を聞いてほしい").replace("v=talk", "v=connected")
    assert reply_to(service, stranger, lambda: stranger.postback(forged))
    assert fetch(service, Case, case.id).outcome is None
    assert fetch(service, FollowUp, row.id).answer is None


# Cancellation ------------------------------------------------------------------------------------

def test_writing_again_cancels_pending_automatic_followups_but_not_staff_ones(service, frozen):
    user, resident, case = followup_case(service, windows_shown_at=clock.now())
    dispatcher(service).plan()
    staff = staff_followup(service, case, clock.now() + timedelta(days=3), template="checkin")
    assert reply_to(service, user, lambda: user.say("もう少し聞いてもいいですか"))
    by_kind = {f.kind: f for f in all_followups(service)}
    assert by_kind["after_windows"].status == "cancelled"
    assert by_kind["after_windows"].reason == "resident wrote again"
    assert by_kind["staff"].status == "scheduled" and by_kind["staff"].id == staff.id


def test_staff_taking_the_case_cancels_the_windows_check_in(service, frozen):
    user, resident, case = followup_case(service, windows_shown_at=clock.now())
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
            user, _, _ = followup_case(service, windows_shown_at=clock.now())
            users.append(user)
        _, _, staff_case = followup_case(service, status="open")
        staff = staff_followup(service, staff_case, clock.now() + timedelta(days=7),
                               template="checkin")
        dispatcher(service).plan()
        frozen.current = jst(2025, 6, 9, 10, 0)
        dispatcher(service).dispatch_due()
        service.platform.wait_for(3)
        statuses = sorted(f.status for f in all_followups(service) if f.kind == "after_windows")
        assert statuses[-1] == "held" and statuses.count("held") == 1
        assert fetch(service, FollowUp, staff.id).status in ("claimed", "sent")   # staff's own go
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
    user, _, case = followup_case(service)
    row = staff_followup(service, case, clock.now(), template="checkin")
    service.platform.inject("push", status=500, times=1)
    dispatcher(service).dispatch_due()
    assert fetch(service, FollowUp, row.id).status == "claimed"
    outbox = fetch(service, Outbox, fetch(service, FollowUp, row.id).outbox_id)
    assert outbox.status == "queued" and outbox.attempts == 1
    frozen.advance(seconds=5)                                   # the retry is due
    service.runtime.sender.send_due()
    sent = wait_status(service, row.id, "sent")
    (record,) = pushes(service, user)
    assert record.retry_key == followups.retry_key_for(sent) == outbox.uuid
    assert fetch(service, Outbox, sent.outbox_id).attempts == 2


def test_concurrent_dispatchers_send_each_followup_once(service, frozen):
    users = []
    for _ in range(60):
        user, _, case = followup_case(service)
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


