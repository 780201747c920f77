"""Failure drill: data deletion. After 「削除」 no table holds the resident's words; after
the retention period the scheduled job erases closed cases' text; the audit log keeps who
did what, without the text."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

from bot import clock
from bot.line import linemsg
from bot.models import (AuditLog, Case, DeletionRecord, FollowUp, InboundEvent, Message, Note,
                        Outbox, Resident, StaffUser)
from bot.line.outbox import enqueue
from helpers import consent_and_skip_intake, quick_data, quick_labels

pytestmark = pytest.mark.slow

SECRET_WORDS = ("夫の借金が三百万円あって返せません", "娘の学校に行けていないことも心配です")


def answered(service, user, send) -> list[dict]:
    """Do something on the phone and wait for the bot's answer (one request)."""
    before = len(service.platform.records_for(user.user_id))
    send()
    service.platform.wait_for(
        lambda _: len(service.platform.records_for(user.user_id)) > before, timeout=10)
    return service.platform.records_for(user.user_id)[-1].messages


def tables_containing(engine, needles) -> list[str]:
    """Every table and column whose stored value contains one of the needles."""
    found = []
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(sa_select(table)).mappings():
                for column, value in row.items():
                    if value is not None and any(n in str(value) for n in needles):
                        found.append(f"{table.name}.{column}")
    return sorted(set(found))


def staff_touches_case(service, resident_id: int) -> int:
    """A staff note, a staff reply and a scheduled follow-up, each quoting the resident,
    plus the audit entries a real staff member's actions leave."""
    with Session(service.engine, expire_on_commit=False) as session:
        staff = StaffUser(login="drill", password_hash="x", role="staff")
        session.add(staff)
        session.flush()
        case = session.exec(select(Case).where(Case.resident_id == resident_id)).one()
        resident = session.get(Resident, resident_id)
        session.add(Note(case_id=case.id, staff_id=staff.id, text=f"本人談：{SECRET_WORDS[0]}"))
        enqueue(session, resident, [linemsg.text(f"「{SECRET_WORDS[1]}」とのこと、承知しました")],
                purpose="staff", case_id=case.id, staff_id=staff.id)
        session.add(FollowUp(case_id=case.id, resident_id=resident_id, kind="staff",
                             text=f"{SECRET_WORDS[0]}の件、その後いかがですか",
                             due_at=clock.now() + timedelta(days=3), created_by=staff.id))
        for action in ("view_case", "reply", "note"):
            session.add(AuditLog(staff_id=staff.id, action=action, case_id=case.id))
        session.commit()
    service.runtime.sender.send_due()              # the staff reply reaches the resident
    return case.id


def test_delete_leaves_no_trace_of_the_residents_words(service):
    user = service.resident()
    consent_and_skip_intake(service, user)
    for words in SECRET_WORDS:
        answered(service, user, lambda words=words: user.say(words))
    with Session(service.engine) as session:
        resident_id = session.exec(select(Resident.id).where(
            Resident.line_user_id == user.user_id)).one()
    staff_touches_case(service, resident_id)
    assert tables_containing(service.engine, SECRET_WORDS)      # the words were stored

    confirm = answered(service, user, lambda: user.say("削除"))
    answered(service, user, lambda: user.postback(quick_data(confirm[-1], "削除する")))
    _wait(lambda: not tables_containing(service.engine, SECRET_WORDS),
          lambda: tables_containing(service.engine, SECRET_WORDS))

    with Session(service.engine) as session:
        audit = session.exec(select(AuditLog)).all()
        assert {a.action for a in audit} >= {"view_case", "reply", "note"}
        assert session.exec(select(DeletionRecord)).one().messages_erased >= 2
        followup = session.exec(select(FollowUp)).one()
        assert followup.status == "cancelled" and followup.text is None
        old_code = session.get(Resident, resident_id).case_code

    # The LINE user ID goes too, once the confirmation is out: no row links it any more to
    # the case's fields, risk and times (the event rows included).
    service.runtime.scheduler.get_job("forget-deleted").modify(next_run_time=clock.now())
    _wait(lambda: not tables_containing(service.engine, [user.user_id]),
          lambda: tables_containing(service.engine, [user.user_id]))
    with Session(service.engine) as session:
        assert session.exec(select(InboundEvent)).all()              # the events are kept
        old = session.get(Resident, resident_id)
        assert old.line_user_id is None and old.deleted_at is not None

    # Writing again, they are someone new: a new case code, asked for consent again.
    greeting = answered(service, user, lambda: user.say("こんにちは"))
    assert any("同意" in label for m in greeting for label in quick_labels(m))
    with Session(service.engine) as session:
        fresh = session.exec(select(Resident).where(Resident.line_user_id == user.user_id)).one()
        assert fresh.id != resident_id and fresh.case_code != old_code


def test_a_deleted_residents_id_stays_until_nothing_is_left_to_send_them(service):
    from bot.erasure import forget_deleted_residents
    user = service.resident()
    consent_and_skip_intake(service, user)
    confirm = answered(service, user, lambda: user.say("削除"))
    answered(service, user, lambda: user.postback(quick_data(confirm[-1], "削除する")))
    with Session(service.engine) as session:
        resident = session.exec(select(Resident).where(Resident.line_user_id == user.user_id)).one()
        assert resident.deleted_at is not None
        resident_id = resident.id
        # processed events no longer name the resident even before the row forgets them
        assert not session.exec(select(InboundEvent).where(
            InboundEvent.line_user_id == user.user_id, InboundEvent.status != "pending",
            InboundEvent.event_type == "follow")).all()
        waiting = Outbox(resident_id=resident.id, messages=[linemsg.text("確認")],
                         next_attempt_at=clock.now() + timedelta(hours=1))
        session.add(waiting)
        session.commit()
        waiting_id = waiting.id
    assert forget_deleted_residents(service.engine) == 0             # a push may still need it
    with Session(service.engine) as session:                        # the row, and the 削除する event
        assert session.get(Resident, resident_id).line_user_id == user.user_id
        [last] = session.exec(select(InboundEvent).where(InboundEvent.line_user_id == user.user_id))
        assert last.event_type == "postback"
    with Session(service.engine) as session:
        row = session.get(Outbox, waiting_id)
        row.status = "sent"
        session.add(row)
        session.commit()
    assert forget_deleted_residents(service.engine) == 1
    assert tables_containing(service.engine, [user.user_id]) == []


def test_retention_job_erases_closed_cases_text(service):
    user = service.resident()
    consent_and_skip_intake(service, user)
    answered(service, user, lambda: user.say(SECRET_WORDS[0]))
    with Session(service.engine) as session:
        resident_id = session.exec(select(Resident.id).where(
            Resident.line_user_id == user.user_id)).one()
    case_id = staff_touches_case(service, resident_id)
    retention = service.demo.settings.retention_days
    with Session(service.engine) as session:
        case = session.get(Case, case_id)
        case.status, case.close_reason = "closed", "info"
        case.closed_at = clock.now() - timedelta(days=retention + 1)
        fields = list(case.fields or [])
        session.add(case)
        session.commit()

    service.runtime.scheduler.get_job("retention").modify(next_run_time=clock.now())
    _wait(lambda: not tables_containing(service.engine, SECRET_WORDS),
          lambda: tables_containing(service.engine, SECRET_WORDS))

    with Session(service.engine) as session:
        case = session.get(Case, case_id)
        assert case.text_purged_at is not None and case.fields == fields   # statistics kept
        assert session.exec(select(Message).where(Message.case_id == case_id)).all()
        assert session.exec(select(AuditLog).where(AuditLog.case_id == case_id)).all()


def _wait(condition, explain=lambda: "", timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"condition not met in time {explain()}")
