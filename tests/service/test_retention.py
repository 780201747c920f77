"""Retention: text of cases closed longer ago than retention_days is erased; the
aggregates and the audit log stay."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from bot import clock
from bot.clock import FrozenClock, from_jst
from bot.db import create_schema, make_engine
from bot.models import AuditLog, Case, FollowUp, Message, Note, Resident, StaffUser
from bot.retention import purge_expired


def make_closed_case(session, closed_at, status="closed"):
    resident = Resident(line_user_id=None, terms_consent=True)
    session.add(resident)
    session.flush()
    case = Case(resident_id=resident.id, status=status, closed_at=closed_at, fields=["konkyu"],
                risk="high", patterns=[], handoff_reasons=["risk"], close_reason="connected",
                outcome="connected")
    session.add(case)
    session.flush()
    staff = session.exec(select(StaffUser)).first()
    session.add(Message(resident_id=resident.id, case_id=case.id, direction="in",
                        sender="resident", text="家賃が払えません", analysis={"fields": ["konkyu"]},
                        risk="high"))
    session.add(Note(case_id=case.id, staff_id=staff.id, text="家主と相談予定"))
    session.add(FollowUp(case_id=case.id, resident_id=resident.id, kind="staff",
                         text="その後いかがですか", due_at=clock.now() + timedelta(days=3)))
    session.add(AuditLog(staff_id=staff.id, action="case.view", case_id=case.id))
    return case.id


def test_old_closed_cases_lose_their_text_and_keep_their_numbers(tmp_path):
    now = from_jst(datetime(2026, 6, 1, 3, 0))
    clock.set_clock(FrozenClock(now))
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
        create_schema(engine)
        with Session(engine) as session:
            session.add(StaffUser(login="s", password_hash="x"))
            session.flush()
            old = make_closed_case(session, now - timedelta(days=366))
            recent = make_closed_case(session, now - timedelta(days=100))
            still_open = make_closed_case(session, None, status="open")
            session.commit()
        assert purge_expired(engine, 365) == 1
        assert purge_expired(engine, 365) == 0                  # idempotent
        with Session(engine) as session:
            def texts(case_id):
                return ([m.text for m in session.exec(select(Message).where(Message.case_id == case_id))]
                        + [n.text for n in session.exec(select(Note).where(Note.case_id == case_id))]
                        + [f.text for f in session.exec(select(FollowUp).where(FollowUp.case_id == case_id))])
            assert texts(old) == [None, None, None]
            message = session.exec(select(Message).where(Message.case_id == old)).one()
            assert message.analysis is None and message.risk == "high"       # counted, not read
            case = session.get(Case, old)
            assert case.text_purged_at is not None
            assert (case.fields, case.risk, case.outcome, case.close_reason) == (
                ["konkyu"], "high", "connected", "connected")
            assert session.exec(select(FollowUp).where(FollowUp.case_id == old)).one().status == "cancelled"
            assert len(session.exec(select(AuditLog)).all()) == 3
            assert None not in texts(recent) and None not in texts(still_open)
        engine.dispose()
    finally:
        clock.set_clock(None)
