"""Search through HTTP: by case code for every staff member, by message text for admins
only and within retention; every search is audited, a text query only as a keyed digest."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, select

from admin.search import query_digest
from bot import clock
from bot.erasure import erase_case_texts
from bot.models import AuditLog, Case
from helpers import logged_in, make_case



def found(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'<li data-case-id="(\d+)"', html)}


def search_audits(service):
    with Session(service.engine) as session:
        return session.exec(select(AuditLog).where(AuditLog.action.like("search.%"))
                            .order_by(AuditLog.id)).all()


def test_staff_find_a_case_by_its_code_however_it_is_typed(service):
    case_id, code, _ = make_case(service.engine)
    make_case(service.engine)
    client = logged_in(service)
    suffix = code[2:]
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in suffix)
    for query in (code, suffix, suffix.lower(), "R-" + fullwidth, f" {code} "):
        page = client.get("/admin/search", params={"q": query}).text
        assert found(page) == {case_id}, query        # six code characters name one resident
    page = client.get("/admin/search", params={"q": "R-ZZZZZZ"}).text
    assert found(page) == set() and "見つかりませんでした" in page
    for bad in ("R-", "x", "R-ACD%", "R-ACD_", "'; DROP TABLE case; --", "R-ABCDEFGH"):
        response = client.get("/admin/search", params={"q": bad})
        assert response.status_code == 400 and "相談者コード" in response.text, bad
    assert client.get("/admin/search", params={"q": "R-" * 101}).status_code == 400
    assert client.get("/admin/search", params={"q": code, "scope": "all"}).status_code == 400
    entries = search_audits(service)
    assert len(entries) == 6 and {e.action for e in entries} == {"search.code"}
    assert entries[0].detail == f"code={suffix} hits=1"


def test_text_search_is_for_admins_only(service):
    make_case(service.engine, "家賃が払えず困っています")
    client = logged_in(service)
    assert 'value="text"' not in client.get("/admin/search").text
    response = client.get("/admin/search", params={"q": "家賃", "scope": "text"})
    assert response.status_code == 403 and "管理者だけ" in response.text
    assert "家賃が払えず" not in response.text
    assert search_audits(service) == []


def test_admins_search_message_text_within_retention_and_the_query_is_not_logged(service):
    kept_id, code, _ = make_case(service.engine, "母の介護と家賃のことで相談です")
    erased_id, _, _ = make_case(service.engine, "家賃の滞納があります")
    expired_id, _, _ = make_case(service.engine, "家賃が高くて困っています", status="closed")
    recent_id, _, _ = make_case(service.engine, "家賃の相談（終了済み）", status="closed")
    wild_id, _, _ = make_case(service.engine, "100%の家賃補助はありますか")
    retention = service.runtime.settings.retention_days
    with Session(service.engine) as session:
        erase_case_texts(session, [erased_id], "test", clock.now())
        expired = session.get(Case, expired_id)
        expired.closed_at = clock.now() - timedelta(days=retention + 1)
        recent = session.get(Case, recent_id)
        recent.closed_at = clock.now() - timedelta(days=retention - 1)
        session.add_all([expired, recent])
        session.commit()
    admin = logged_in(service, "kanri", role="admin")
    page = admin.get("/admin/search", params={"q": "家賃", "scope": "text"})
    assert page.status_code == 200
    assert found(page.text) == {kept_id, recent_id, wild_id}
    assert "母の介護と<mark>家賃</mark>のことで相談です" in page.text and code in page.text
    # LIKE's wildcards are plain characters here
    assert found(admin.get("/admin/search", params={"q": "0%の", "scope": "text"}).text) == {wild_id}
    assert found(admin.get("/admin/search", params={"q": "__", "scope": "text"}).text) == set()
    assert found(admin.get("/admin/search", params={"q": "%%", "scope": "text"}).text) == set()
    for bad in ("家", "あ" * 101, "家\x00賃"):
        response = admin.get("/admin/search", params={"q": bad, "scope": "text"})
        assert response.status_code == 400, bad

    entries = [e for e in search_audits(service) if e.action == "search.text"]
    assert len(entries) == 4
    secret = service.runtime.settings.secret_key
    assert entries[0].detail == f"hmac={query_digest(secret, '家賃')} chars=2 hits=3"
    with Session(service.engine) as session:
        for entry in session.exec(select(AuditLog)).all():
            assert "家賃" not in (entry.detail or "") and "0%の" not in (entry.detail or "")
