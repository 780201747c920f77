"""The outbox: reply first, push with a retry key after; retries never send twice."""
from __future__ import annotations

import time
from datetime import timedelta

from sqlmodel import Session, select

from bot import clock
from bot.line import linemsg
from bot.models import Outbox, PushCount, Resident
from bot.line.outbox import enqueue, pushes_this_month


def make_resident(service, user) -> Resident:
    with Session(service.engine, expire_on_commit=False) as session:
        resident = Resident(line_user_id=user.user_id)
        session.add(resident)
        session.commit()
        return resident


def queue_push(service, resident, body="お変わりありませんか", messages=None) -> Outbox:
    with Session(service.engine, expire_on_commit=False) as session:
        (row,) = enqueue(session, session.get(Resident, resident.id),
                         messages or [linemsg.text(body)], purpose="staff")
        session.commit()
        return row


def outbox_row(service, row_id) -> Outbox:
    with Session(service.engine) as session:
        return session.get(Outbox, row_id)


def wait_row(service, row_id, status, timeout=10.0) -> Outbox:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = outbox_row(service, row_id)
        if row.status == status:
            return row
        time.sleep(0.05)
    raise AssertionError(f"row {row_id} is {outbox_row(service, row_id).status}, not {status}")


def test_stale_event_is_answered_by_push_with_the_row_uuid_as_retry_key(service):
    user = service.resident()
    event = user.event("follow", follow={"isUnblocked": False})
    event["timestamp"] -= 120_000          # delivered late: the reply token is too old to use
    user.post_events([event])
    service.platform.wait_for(2, user.user_id)
    (record,) = service.platform.records_for(user.user_id)
    assert record.kind == "push"
    with Session(service.engine) as session:
        (row_id,) = session.exec(select(Outbox.id)).all()
    row = wait_row(service, row_id, "sent")
    assert (row.sent_via, row.uuid) == ("push", record.retry_key)
    with Session(service.engine) as session:
        assert pushes_this_month(session) == 1


def test_reply_token_refused_by_line_falls_back_to_push(service):
    service.platform.reply_token_ttl = 0.0   # LINE has already expired the token
    user = service.resident()
    user.follow()
    service.platform.wait_for(2, user.user_id)
    assert [r.kind for r in service.platform.records_for(user.user_id)] == ["push"]


def test_500_then_success_sends_once_with_the_same_key(service):
    user = service.resident()
    resident = make_resident(service, user)
    service.platform.inject("push", status=500, times=1)
    row = queue_push(service, resident)
    service.runtime.sender.send_due([row.id])
    assert outbox_row(service, row.id).status == "queued"       # waits for its retry
    sent = wait_row(service, row.id, "sent")                    # the scheduler retries
    records = service.platform.records_for(user.user_id)
    assert len(records) == 1 and records[0].retry_key == row.uuid
    assert sent.attempts == 2


def test_lost_response_then_409_counts_as_sent_once(service):
    user = service.resident()
    resident = make_resident(service, user)
    service.platform.inject("push", status=500, times=1, accepted_then_500=True)
    row = queue_push(service, resident)
    service.runtime.sender.send_due([row.id])
    wait_row(service, row.id, "sent")
    assert len(service.platform.records_for(user.user_id)) == 1
    with Session(service.engine) as session:
        assert session.exec(select(PushCount)).one().count == 1


def test_400_fails_the_row_with_lines_reason(service):
    user = service.resident()
    resident = make_resident(service, user)
    too_long = {"type": "text", "text": "あ" * 5001}          # bypasses our own builders
    row = queue_push(service, resident, messages=[too_long])
    service.runtime.sender.send_due([row.id])
    failed = wait_row(service, row.id, "failed")
    assert failed.error.startswith("400") and "text" in failed.error
    assert service.platform.records_for(user.user_id) == []


def test_429_waits_for_retry_after_then_sends(service):
    user = service.resident()
    resident = make_resident(service, user)
    service.platform.inject("push", status=429, times=1, retry_after=1)
    row = queue_push(service, resident)
    service.runtime.sender.send_due([row.id])
    assert outbox_row(service, row.id).status == "queued"
    wait_row(service, row.id, "sent")
    assert len(service.platform.records_for(user.user_id)) == 1


def test_gives_up_after_the_retry_window(service):
    user = service.resident()
    resident = make_resident(service, user)
    row = queue_push(service, resident)
    with Session(service.engine) as session:
        stored = session.get(Outbox, row.id)
        stored.give_up_at = clock.now() - timedelta(seconds=1)
        session.add(stored)
        session.commit()
    service.platform.inject("push", status=503, times=1)
    service.runtime.sender.send_due([row.id])
    failed = outbox_row(service, row.id)
    assert failed.status == "failed" and "gave up" in failed.error


def test_restart_mid_queue_sends_every_pending_message_exactly_once(service):
    """Rows left by a killed process — queued, mid-send and already accepted by LINE
    but not recorded — are each delivered exactly once by the next sender."""
    user = service.resident()
    resident = make_resident(service, user)
    rows = [queue_push(service, resident, body=f"お知らせ {n}") for n in range(6)]
    # Rows 0-1: the dead process pushed them and LINE accepted, but it never wrote 'sent'.
    for row in rows[:2]:
        service.platform.push({"to": user.user_id, "messages": row.messages},
                              f"Bearer {service.demo.settings.line_channel_access_token}",
                              retry_key=row.uuid)
    stale = clock.now() - timedelta(minutes=5)
    with Session(service.engine) as session:
        for row in rows[:4]:                       # 0-3 were claimed by the dead process
            stored = session.get(Outbox, row.id)
            stored.status, stored.claimed_at, stored.claimed_by = "sending", stale, "dead:1"
            session.add(stored)
        session.commit()
    service.runtime.sender.send_due()
    for row in rows:
        wait_row(service, row.id, "sent")
    delivered = [m["text"] for m in service.platform.messages_for(user.user_id)]
    assert sorted(delivered) == sorted(f"お知らせ {n}" for n in range(6))


def _row_interrupted_mid_reply(service, user, resident, reply_reached_line: bool) -> Outbox:
    token = service.platform.issue_reply_token(user.user_id)
    with Session(service.engine, expire_on_commit=False) as session:
        (row,) = enqueue(session, session.get(Resident, resident.id),
                         [linemsg.text("ご相談ありがとうございます")], reply_token=token,
                         reply_deadline=clock.now() + timedelta(seconds=40))
        row.status, row.claims = "sending", 1
        row.claimed_at = clock.now() - timedelta(minutes=1)
        session.add(row)
        session.commit()
    if reply_reached_line:
        service.platform.reply({"replyToken": token, "messages": row.messages},
                               f"Bearer {service.demo.settings.line_channel_access_token}")
    return row


def test_reply_used_by_a_dead_sender_is_not_sent_again(service):
    user = service.resident()
    resident = make_resident(service, user)
    row = _row_interrupted_mid_reply(service, user, resident, reply_reached_line=True)
    service.runtime.sender.send_due([row.id])
    assert wait_row(service, row.id, "sent").sent_via == "reply"
    assert [r.kind for r in service.platform.records_for(user.user_id)] == ["reply"]


def test_reply_a_dead_sender_never_made_is_sent_once(service):
    user = service.resident()
    resident = make_resident(service, user)
    row = _row_interrupted_mid_reply(service, user, resident, reply_reached_line=False)
    service.runtime.sender.send_due([row.id])
    assert wait_row(service, row.id, "sent").sent_via == "reply"
    assert len(service.platform.records_for(user.user_id)) == 1


def test_reply_accepted_but_answered_500_is_not_sent_again(service):
    service.platform.inject("reply", status=500, times=1, accepted_then_500=True)
    user = service.resident()
    user.follow()
    service.platform.wait_for(2, user.user_id)
    with Session(service.engine) as session:
        (row_id,) = session.exec(select(Outbox.id)).all()
    assert wait_row(service, row_id, "sent").sent_via == "reply"
    time.sleep(1.5)                    # a wrong fallback push would arrive by now
    assert [r.kind for r in service.platform.records_for(user.user_id)] == ["reply"]


def test_reply_refused_with_500_is_retried_as_reply(service):
    service.platform.inject("reply", status=500, times=1)
    user = service.resident()
    user.follow()
    service.platform.wait_for(2, user.user_id, timeout=10)
    assert [r.kind for r in service.platform.records_for(user.user_id)] == ["reply"]
