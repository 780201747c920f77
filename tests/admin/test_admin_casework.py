"""Casework on the case page through HTTP: 本人同意 recorded by staff (how, when, withdrawal),
the 多機関協働 flag and its statistics, labels. Every change is in the audit log."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot import clock
from bot.models import AuditLog, Consent, Resident
from helpers import case_row, logged_in, make_case



def jst_local(moment) -> str:
    return clock.to_jst(moment).strftime("%Y-%m-%dT%H:%M")


def audits(service, action):
    with Session(service.engine) as session:
        return session.exec(select(AuditLog).where(AuditLog.action == action)
                            .order_by(AuditLog.id)).all()


def resident_of(service, case_id) -> Resident:
    with Session(service.engine) as session:
        return session.get(Resident, case_row(service.engine, case_id).resident_id)


# ---------------------------------------------------------------------------- 本人同意
def test_consent_given_by_phone_then_withdrawn_in_person_is_recorded_and_audited(service):
    case_id, code, _ = make_case(service.engine)
    client = logged_in(service)
    called = clock.now() - timedelta(hours=2)
    client.get(f"/admin/cases/{case_id}")
    response = client.post(f"/admin/cases/{case_id}/consent", {
        "decision": "grant", "method": "phone", "given_at": jst_local(called)})
    assert response.status_code == 303 and "notice=consent" in response.headers["location"]
    resident = resident_of(service, case_id)
    assert resident.share_consent is True
    assert clock.as_utc(resident.share_consent_at) == called.replace(second=0, microsecond=0)
    page = client.get(response.headers["location"]).text
    assert "本人同意を記録しました" in page
    assert "関係機関との共有</dt><dd>同意" in page
    consent_card = page.split('id="consent"')[1].split("</section>")[0]
    assert "同意" in consent_card and "電話" in consent_card and "記録: aoki" in consent_card

    client.post(f"/admin/cases/{case_id}/consent", {
        "decision": "withdraw", "method": "in_person", "given_at": jst_local(clock.now())})
    assert resident_of(service, case_id).share_consent is False
    with Session(service.engine) as session:
        rows = session.exec(select(Consent).order_by(Consent.id)).all()
    assert [(r.kind, r.granted, r.method, r.case_id) for r in rows] == [
        ("share", True, "phone", case_id), ("share", False, "in_person", case_id)]
    assert all(r.staff_id is not None and r.recorded_at is not None for r in rows)
    entries = audits(service, "consent.share")
    assert [e.detail.split()[0] for e in entries] == ["granted", "withdrawn"]
    assert "method=phone" in entries[0].detail and entries[0].case_id == case_id
    page = client.get(f"/admin/cases/{case_id}").text
    assert "撤回・同意しない ・ 対面" in page and code in page


def test_an_older_record_does_not_override_a_later_answer(service):
    case_id, _, _ = make_case(service.engine)
    client = logged_in(service)
    client.get(f"/admin/cases/{case_id}")
    client.post(f"/admin/cases/{case_id}/consent", {
        "decision": "withdraw", "method": "line", "given_at": jst_local(clock.now())})
    # yesterday's phone call, written down afterwards: history, not the current answer
    client.post(f"/admin/cases/{case_id}/consent", {
        "decision": "grant", "method": "phone",
        "given_at": jst_local(clock.now() - timedelta(days=1))})
    assert resident_of(service, case_id).share_consent is False
    with Session(service.engine) as session:
        assert len(session.exec(select(Consent)).all()) == 2


def test_bad_consent_input_is_a_400_with_the_reason_and_nothing_is_stored(service):
    case_id, _, _ = make_case(service.engine)
    client = logged_in(service)
    client.get(f"/admin/cases/{case_id}")
    now = clock.now()
    cases = [
        ({"decision": "grant", "method": "fax", "given_at": jst_local(now)}, "方法"),
        ({"decision": "maybe", "method": "phone", "given_at": jst_local(now)}, "同意か撤回か"),
        ({"decision": "grant", "method": "phone", "given_at": "yesterday"}, "日時を正しく"),
        ({"decision": "grant", "method": "phone", "given_at": "9999-12-31T23:59"}, "未来"),
        ({"decision": "grant", "method": "phone",
          "given_at": jst_local(now + timedelta(hours=1))}, "未来"),
        ({"decision": "grant", "method": "phone", "given_at": "2000-01-01T00:00"}, "1年以上前"),
        ({"decision": "grant", "method": "phone", "given_at": "x" * 5000}, "日時を正しく"),
    ]
    for data, reason in cases:
        response = client.post(f"/admin/cases/{case_id}/consent", data)
        assert response.status_code == 400, data
        assert reason in response.text, data
    assert client.post("/admin/cases/99999999999/consent", {
        "decision": "grant", "method": "phone", "given_at": jst_local(now)}).status_code == 400
    with Session(service.engine) as session:
        assert session.exec(select(Consent)).all() == []
    assert audits(service, "consent.share") == []
    assert resident_of(service, case_id).share_consent is None


# ---------------------------------------------------------------------------- 多機関協働
def test_tamokan_flag_with_agencies_is_shown_audited_and_counted_in_the_statistics(service):
    case_id, _, _ = make_case(service.engine, status="open")
    client = logged_in(service)
    client.get(f"/admin/cases/{case_id}")
    response = client.post(f"/admin/cases/{case_id}/tamokan", {
        "agencies": "射水市地域包括支援センター\r\n\r\n射水市社会福祉協議会\n 射水市社会福祉協議会 \n"})
    assert response.status_code == 303 and "notice=tamokan" in response.headers["location"]
    case = case_row(service.engine, case_id)
    assert case.tamokan_at is not None
    assert case.tamokan_agencies == ["射水市地域包括支援センター", "射水市社会福祉協議会"]
    page = client.get(f"/admin/cases/{case_id}").text
    assert 'id="tamokan-flag"' in page and "<li>射水市社会福祉協議会</li>" in page
    entry = audits(service, "case.tamokan")[-1]
    assert entry.case_id == case_id and entry.detail.startswith("set agencies=2")

    stats = client.get("/admin/stats").text
    assert 'id="kpi-tamokan-flagged">1<' in stats
    assert "射水市地域包括支援センター: 1件" in stats
    csv = client.get("/admin/stats.csv").text
    assert "tamokan,,flagged,多機関協働（設定した相談）,1" in csv
    assert "tamokan_agency,,agency,射水市社会福祉協議会,1" in csv

    # updating the list keeps the date; clearing takes it out of the figures
    since = case.tamokan_at
    client.post(f"/admin/cases/{case_id}/tamokan", {"agencies": "射水市社会福祉協議会"})
    case = case_row(service.engine, case_id)
    assert case.tamokan_at == since and case.tamokan_agencies == ["射水市社会福祉協議会"]
    client.post(f"/admin/cases/{case_id}/tamokan", {"action": "clear"})
    case = case_row(service.engine, case_id)
    assert case.tamokan_at is None and case.tamokan_agencies is None
    assert 'id="kpi-tamokan-flagged">0<' in client.get("/admin/stats").text
    assert [e.detail for e in audits(service, "case.tamokan")][-1] == "cleared"


def test_tamokan_refuses_bad_agency_lists_and_closed_cases(service):
    case_id, _, _ = make_case(service.engine, status="open")
    closed_id, _, _ = make_case(service.engine, status="closed")
    client = logged_in(service)
    client.get(f"/admin/cases/{case_id}")
    bad = [
        ({"agencies": ""}, "1行に1つずつ"),
        ({"agencies": " \n \n"}, "1行に1つずつ"),
        ({"agencies": "\n".join(f"機関{i}" for i in range(11))}, "10件まで"),
        ({"agencies": "あ" * 101}, "100文字まで"),
        ({"agencies": "機関\x07名"}, "使えない文字"),
        ({"agencies": "機関\u202e名"}, "使えない文字"),
        ({"agencies": "x\n" * 1500}, "長すぎます"),
        ({"action": "delete-all", "agencies": "機関"}, "操作が正しくありません"),
    ]
    for data, reason in bad:
        response = client.post(f"/admin/cases/{case_id}/tamokan", data)
        assert response.status_code == 400, data
        assert reason in response.text, data
    response = client.post(f"/admin/cases/{closed_id}/tamokan", {"agencies": "射水市社会福祉協議会"})
    assert response.status_code == 400 and "対応中の相談" in response.text
    assert case_row(service.engine, case_id).tamokan_at is None
    assert case_row(service.engine, closed_id).tamokan_at is None
    assert audits(service, "case.tamokan") == []
