"""bot/cases: each transition checks, bumps the version and writes the audit entry
(SQLite in memory; the staff routes and the conversation reach these the same way)."""
from __future__ import annotations

import pytest
from sqlmodel import Session, SQLModel, create_engine, select

from bot.cases import ACTIVE, STAFF_HELD, CaseStatus, lifecycle
from bot.models import AuditLog, Case, Resident, StaffUser


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture
def resident(session) -> Resident:
    resident = Resident(line_user_id="U" + "0" * 32)
    session.add(resident)
    session.flush()
    return resident


@pytest.fixture
def staff(session) -> StaffUser:
    staff = StaffUser(login="aoki", password_hash="x")
    session.add(staff)
    session.flush()
    return staff


def audit(session) -> list[tuple[str, str | None]]:
    return [(a.action, a.detail) for a in session.exec(select(AuditLog).order_by(AuditLog.id))]


def fresh(session, case: Case) -> Case:
    session.expire_all()
    return session.get(Case, case.id)


def test_scopes():
    assert CaseStatus.CLOSED not in ACTIVE and set(STAFF_HELD) < set(ACTIVE)
    assert CaseStatus("waiting") == "waiting"


def test_a_resident_has_one_active_case(session, resident):
    case = lifecycle.ensure_case(session, resident.id)
    assert case.status == CaseStatus.BOT
    assert lifecycle.ensure_case(session, resident.id).id == case.id
    assert lifecycle.active_case(session, resident.id).id == case.id


def test_escalate_queues_a_bot_case_once_and_keeps_the_highest_priority(session, resident):
    case = lifecycle.ensure_case(session, resident.id)
    lifecycle.escalate(session, case, priority="high", reasons=["risk"])
    lifecycle.escalate(session, case, priority="normal", reasons=["asks_person", "risk"])
    session.flush()
    case = fresh(session, case)
    assert (case.status, case.priority, case.version) == ("waiting", "high", 3)
    assert case.handoff_reasons == ["risk", "asks_person"] and case.queued_at is not None
    assert [action for action, _ in audit(session)] == ["case.escalate"]


def test_staff_transitions_are_conditional_on_the_version(session, resident, staff):
    case = lifecycle.ensure_case(session, resident.id)
    lifecycle.escalate(session, case, priority="normal", reasons=[])
    session.flush()
    case = fresh(session, case)
    stale = case.version
    assert lifecycle.take(session, case, staff=staff, version=stale)
    case = fresh(session, case)
    assert (case.status, case.assignee_id, case.version) == ("open", staff.id, stale + 1)
    assert not lifecycle.close(session, case, staff=staff, version=stale, reason="info")
    assert lifecycle.close(session, case, staff=staff, version=case.version, reason="info")
    case = fresh(session, case)
    assert (case.status, case.close_reason) == ("closed", "info")
    assert audit(session)[-1] == ("case.status", "open->closed reason=info")


def test_the_audit_entry_holds_the_status_the_case_really_had(session, resident, staff):
    """open -> pending is logged as such, and a request holding a stale row (here: it
    still reads pending) cannot log `pending->pending`: its update is refused instead."""
    case = lifecycle.ensure_case(session, resident.id)
    session.flush()
    assert lifecycle.reopen(session, case, staff=staff, version=case.version)
    case = fresh(session, case)
    assert lifecycle.pend(session, case, staff=staff, version=case.version)
    assert audit(session)[-1] == ("case.status", "open->pending")
    case = fresh(session, case)
    assert lifecycle.reopen(session, case, staff=staff, version=case.version)
    stale = fresh(session, case)
    session.expunge(stale)
    stale.status = CaseStatus.PENDING            # what an out-of-date copy of the row says
    assert not lifecycle.pend(session, stale, staff=staff, version=stale.version)
    assert audit(session)[-1] == ("case.status", "pending->open")
    case = fresh(session, case)
    assert case.status == "open"
    assert lifecycle.pend(session, case, staff=staff, version=case.version)
    assert audit(session)[-1] == ("case.status", "open->pending")


def test_unassigning_an_open_case_puts_it_back_in_the_queue(session, resident, staff):
    case = lifecycle.ensure_case(session, resident.id)
    session.flush()
    assert lifecycle.reopen(session, case, staff=staff, version=case.version)
    case = fresh(session, case)
    assert lifecycle.assign(session, case, staff=staff, assignee=None, version=case.version)
    case = fresh(session, case)
    assert (case.status, case.assignee_id) == ("waiting", None)


def test_a_staff_reply_opens_the_case_and_records_the_first_response(session, resident, staff):
    case = lifecycle.ensure_case(session, resident.id)
    lifecycle.escalate(session, case, priority="normal", reasons=[])
    session.flush()
    case = fresh(session, case)
    assert lifecycle.staff_reply(session, case, staff=staff, version=case.version, outbox_ids=[4])
    case = fresh(session, case)
    assert case.status == "open" and case.first_response_at is not None
    assert audit(session)[-1] == ("case.reply", "outbox=4")


def test_a_follow_up_answer_reopens_a_closed_case_unless_deleted(session, resident, staff):
    case = lifecycle.ensure_case(session, resident.id)
    session.flush()
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.reopen_for_resident(session, case)        # not closed
    assert lifecycle.close(session, case, staff=staff, version=case.version, reason="info")
    case = fresh(session, case)
    assert lifecycle.reopen_for_resident(session, case)
    session.flush()
    assert fresh(session, case).status == "bot"
    lifecycle.close_for_deletion(session, [case.id], case.opened_at)
    case = fresh(session, case)
    assert (case.status, case.close_reason) == ("closed", "deleted")
    assert not lifecycle.reopen_for_resident(session, case)
