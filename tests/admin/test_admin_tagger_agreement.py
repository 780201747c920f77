"""The statistics page's agreement of the tagger with staff's corrections, per month of the
message (JST), on a seeded example worked out by hand."""
from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session

from bot import corrections
from bot.clock import from_jst
from bot.models import Case, Message, Resident, StaffUser
from helpers import AdminClient, make_staff

# (JST time, the tagger's fields and risk, staff's fields and risk)
SEEDED = [
    (datetime(2026, 10, 3, 10), (["kaigo", "kokoro"], "high"), (["kaigo"], "high")),
    (datetime(2026, 10, 9, 15), ([], "none"), (["konkyu"], "emergency")),
    (datetime(2026, 10, 20, 9), (["shogai"], "emergency"), (["shogai"], "emergency")),
    (datetime(2026, 10, 31, 23, 30), (["kosodate"], "high"), (["kosodate"], "none")),
    (datetime(2026, 11, 1, 0, 30), (["kodoku"], "none"), (["kodoku"], "none")),   # saved unchanged
    (datetime(2026, 9, 30, 12), (["sumai"], "none"), (["konkyu"], "high")),       # outside the range
]
# 2026-10 by hand: at risk tp 2 (1st, 3rd) fp 1 (4th) fn 1 (2nd); emergency tp 1 fn 1;
# fields tp 3 (kaigo, shogai, kosodate) fp 1 (kokoro) fn 1 (konkyu); changed: 1st, 2nd, 4th.
EXPECTED = {
    "2026-10": ["4", "3", "67%", "67%", "100%", "50%", "75%", "75%"],
    "2026-11": ["1", "0", "—", "—", "—", "—", "100%", "100%"],
}


def seed(engine, staff_id: int) -> None:
    with Session(engine) as session:
        staff = session.get(StaffUser, staff_id)
        for n, (at, (fields, risk), (staff_fields, staff_risk)) in enumerate(SEEDED):
            resident = Resident(line_user_id=f"U{n:032d}", terms_consent=True)
            session.add(resident)
            session.flush()
            case = Case(resident_id=resident.id, status="open", opened_at=from_jst(at))
            session.add(case)
            session.flush()
            message = Message(resident_id=resident.id, case_id=case.id, direction="in",
                              sender="resident", text=f"相談その{n}", risk=risk,
                              created_at=from_jst(at),
                              analysis={"fields": [{"key": key, "score": 1.0, "evidence": []}
                                                   for key in fields], "risk": risk})
            session.add(message)
            session.flush()
            corrections.correct(session, message, staff, staff_fields, staff_risk)
            if n == 2:        # erased later (deletion, retention): the figures need no text
                message.text, message.analysis = None, None
                session.add(message)
        session.commit()


def agreement_row(page: str, month: str) -> list[str]:
    row = re.search(rf'<tr id="agreement-{month}">(.*?)</tr>', page, re.S).group(1)
    return re.findall(r"<td>(.*?)</td>", row)[1:]


def test_the_statistics_page_shows_the_taggers_agreement_with_staff_per_month(service):
    staff_id = make_staff(service.engine, "aoki")
    seed(service.engine, staff_id)
    client = AdminClient(service.base_url)
    client.login("aoki")
    page = client.get("/admin/stats?first=2026-10&last=2026-11").text
    assert "自動判定と職員の修正の一致" in page
    for month, figures in EXPECTED.items():
        assert agreement_row(page, month) == figures, month
    assert 'id="agreement-2026-09"' not in page
    assert "相談その" not in page                       # figures only, never text
