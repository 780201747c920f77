"""Every message of ../shared/eval/consultations_dev.jsonl through the whole service, each
from its own consenting resident: every message gets an answer in its reply, within LINE's
limits (the emulator refuses anything else, so no outbox row may fail), and every emergency's
first reply message holds 110, 119 or a suicide-prevention line.

The file is read from ../shared at run time; its sentences are never copied here."""
from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from bot.models import ConversationState, Outbox, Resident
from helpers import SHARED

DEV_FILE = SHARED / "eval" / "consultations_dev.jsonl"
LIFE_LINES = ("110", "119", "0120-783-556", "0120-061-338", "0120-279-338", "0570-064-556")

pytestmark = pytest.mark.skipif(not DEV_FILE.exists(),
                                reason=f"{DEV_FILE} is absent (../shared not mounted)")




def _consenting_resident(service, user_id: str) -> None:
    """A resident who has consented and finished the intake, as the onboarding leaves them
    (the onboarding has its own tests; here each message starts a fresh conversation)."""
    with Session(service.engine) as session:
        resident = Resident(line_user_id=user_id, terms_consent=True)
        session.add(resident)
        session.flush()
        session.add(ConversationState(resident_id=resident.id, step="consult", data={}))
        session.commit()


def test_every_dev_message_gets_a_reply_within_limits(service):
    rows = [json.loads(line) for line in DEV_FILE.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    problems = []
    for row in rows:
        user = service.resident()
        _consenting_resident(service, user.user_id)
        assert user.say(row["text"]).status_code == 200
        try:
            messages = service.platform.wait_for(1, user.user_id, timeout=10)
        except TimeoutError:
            problems.append(f"{row['id']}: no answer")
            continue
        records = service.platform.records_for(user.user_id)
        if records[0].kind != "reply" or len(records[0].messages) > 5:
            problems.append(f"{row['id']}: first answer was not one reply of ≤5 messages")
        if row["risk"] == "emergency":
            first = messages[0].get("text", "")
            if not any(number in first for number in LIFE_LINES):
                problems.append(f"{row['id']}: emergency without a crisis line first")
    with Session(service.engine) as session:
        failed = session.exec(select(Outbox).where(Outbox.status == "failed")).all()
    problems += [f"outbox {row.id} failed: {row.error}" for row in failed]
    assert not problems, "\n".join(problems)
