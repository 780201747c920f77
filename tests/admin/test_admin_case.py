"""The case page: conversation and tags, reply through the outbox, two staff on one case,
notes, status, follow-ups, audit."""
from __future__ import annotations

import io
import re

import httpx
import PIL.Image
from sqlmodel import Session, select

from bot.models import AuditLog, Case, FollowUp, Message, Note, Outbox
from helpers import case_row, logged_in, make_case, make_staff

ANALYSIS = {
    "text": "母の介護で眠れず、もう死にたいと思うことがあります",
    "fields": [{"key": "kaigo", "score": 2.0, "evidence": [{"text": "介護", "start": 2, "end": 4}]},
               {"key": "kokoro", "score": 1.0, "evidence": [{"text": "眠れず", "start": 5, "end": 8}]}],
    "risk": "high", "risk_evidence": [{"text": "死にたい", "start": 11, "end": 15}],
}



def test_case_page_shows_conversation_tags_evidence_consent_and_logs_the_view(service):
    case_id, code, user_id = make_case(service.engine, ANALYSIS["text"], priority="high",
                                       risk="high", fields=("kaigo", "kokoro"), analysis=ANALYSIS)
    client = logged_in(service)
    page = client.get(f"/admin/cases/{case_id}").text
    assert code in page and user_id not in page
    assert '<mark class="ev-field" title="高齢・介護">介護</mark>' in page
    assert '<mark class="ev-risk" title="危険の根拠">死にたい</mark>' in page
    assert "高齢・介護" in page and "こころの健康" in page
    assert "利用規約</dt><dd>同意" in page and "関係機関との共有</dt><dd>未確認" in page
    assert "from-resident" in page and "相談者" in page
    with Session(service.engine) as session:
        views = session.exec(select(AuditLog).where(AuditLog.action == "case.view")).all()
        assert [v.case_id for v in views] == [case_id]


def test_reply_is_pushed_through_the_outbox_and_marks_first_response(service):
    user = service.resident()
    case_id, _, _ = make_case(service.engine, user_id=user.user_id)
    client = logged_in(service)
    version = client.case_version(case_id)
    response = client.post(f"/admin/cases/{case_id}/reply",
                           {"version": version, "text": "担当の青木です。お話を聞かせてください。"})
    assert response.status_code == 303 and "notice=sent" in response.headers["location"]
    delivered = service.platform.wait_for(1, user.user_id)
    assert delivered[0]["text"] == "担当の青木です。お話を聞かせてください。"
    # marked as a person's: LINE shows the name 相談員 and the service's staff icon
    icon_url = service.runtime.settings.public_base_url + "/static/staff-icon.png"
    assert delivered[0]["sender"] == {"name": "相談員", "iconUrl": icon_url}
    icon = httpx.get(icon_url)
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/png"
    with PIL.Image.open(io.BytesIO(icon.content)) as image:
        assert image.format == "PNG" and image.width == image.height
    assert len(icon.content) < 1024 * 1024
    assert [r.kind for r in service.platform.records_for(user.user_id)] == ["push"]
    case = case_row(service.engine, case_id)
    assert case.status == "open" and case.first_response_at is not None
    assert case.assignee_id is not None and case.version == int(version) + 1
    page = client.get(response.headers["location"]).text
    assert "送信済み（プッシュ）" in page and "返信を送りました" in page
    assert "from-staff" in page and "（aoki）" in page
    with Session(service.engine) as session:
        row = session.exec(select(Outbox).where(Outbox.case_id == case_id)).one()
        assert row.purpose == "staff" and row.status == "sent"
        assert session.exec(select(AuditLog).where(AuditLog.action == "case.reply")).one()


def test_a_failed_push_shows_the_reason(service):
    user = service.resident()
    case_id, _, _ = make_case(service.engine, user_id=user.user_id)
    client = logged_in(service)
    service.platform.inject("push", status=400)
    response = client.post(f"/admin/cases/{case_id}/reply",
                           {"version": client.case_version(case_id), "text": "届きますか"})
    assert "notice=failed" in response.headers["location"]
    page = client.get(response.headers["location"]).text
    assert "送信失敗: 400" in page


def test_replying_to_someone_elses_case_asks_for_confirmation(service):
    user = service.resident()
    case_id, _, _ = make_case(service.engine, user_id=user.user_id)
    baba = logged_in(service, "baba")
    baba.post(f"/admin/cases/{case_id}/take", {"version": baba.case_version(case_id)})
    aoki = logged_in(service, "aoki")
    version = aoki.case_version(case_id)
    page = aoki.post(f"/admin/cases/{case_id}/reply", {"version": version, "text": "横から失礼します"})
    assert page.status_code == 200 and 'id="confirm-other"' in page.text
    assert "baba さん" in page.text and "横から失礼します" in page.text        # the draft is kept
    assert service.platform.records_for(user.user_id) == []
    confirmed = aoki.post(f"/admin/cases/{case_id}/reply",
                          {"version": version, "text": "横から失礼します", "confirm_other": "yes"})
    assert confirmed.status_code == 303
    service.platform.wait_for(1, user.user_id)
    assert case_row(service.engine, case_id).assignee_id != None  # noqa: E711  still baba's


def test_a_stale_form_gets_a_conflict_not_a_silent_overwrite(service):
    user = service.resident()
    case_id, _, _ = make_case(service.engine, user_id=user.user_id)
    aoki = logged_in(service, "aoki")
    baba = logged_in(service, "baba")
    stale = aoki.case_version(case_id)
    fresh = baba.case_version(case_id)
    assert baba.post(f"/admin/cases/{case_id}/status", {
        "version": fresh, "status": "closed", "close_reason": "info"}).status_code == 303
    for path, data in (("take", {}), ("status", {"status": "pending"}),
                       ("reply", {"text": "古い画面からの返信"}), ("assign", {"assignee_id": ""})):
        response = aoki.post(f"/admin/cases/{case_id}/{path}", {"version": stale, **data})
        assert response.status_code == 409, path
        assert "他の職員" in response.text, path
        if path == "reply":
            assert "古い画面からの返信" in response.text           # the draft is kept
    case = case_row(service.engine, case_id)
    assert case.status == "closed" and case.close_reason == "info"
    assert service.platform.records_for(user.user_id) == []


def test_take_assign_note_close_with_reason_agency_and_followup(service):
    case_id, _, _ = make_case(service.engine)
    client = logged_in(service, "aoki")
    make_staff(service.engine, "baba")
    assert client.post(f"/admin/cases/{case_id}/take",
                       {"version": client.case_version(case_id)}).status_code == 303
    case = case_row(service.engine, case_id)
    assert case.status == "open"
    page = client.get(f"/admin/cases/{case_id}").text
    baba_id = re.search(r'<option value="(\d+)" >baba</option>', page).group(1)
    client.post(f"/admin/cases/{case_id}/assign",
                {"version": client.case_version(case_id), "assignee_id": baba_id})
    assert case_row(service.engine, case_id).assignee_id == int(baba_id)
    client.post(f"/admin/cases/{case_id}/note", {"text": "来週もう一度連絡する"})
    response = client.post(f"/admin/cases/{case_id}/status", {
        "version": client.case_version(case_id), "status": "closed", "close_reason": "nope"})
    assert response.status_code == 400 and "終了の理由" in response.text
    client.post(f"/admin/cases/{case_id}/status", {
        "version": client.case_version(case_id), "status": "closed", "close_reason": "tamokan",
        "referred_agency": "射水市地域福祉課"})
    case = case_row(service.engine, case_id)
    assert (case.status, case.close_reason, case.referred_agency) == ("closed", "tamokan", "射水市地域福祉課")
    assert case.closed_at is not None
    response = client.post(f"/admin/cases/{case_id}/followups",
                           {"due_at": "2099-04-01T10:00", "text": "その後いかがですか"})
    assert response.status_code == 303
    assert client.post(f"/admin/cases/{case_id}/followups",
                       {"due_at": "2001-04-01T10:00", "text": "過去"}).status_code == 400
    with Session(service.engine) as session:
        note = session.exec(select(Note).where(Note.case_id == case_id)).one()
        assert note.text == "来週もう一度連絡する"
        followup = session.exec(select(FollowUp).where(FollowUp.case_id == case_id)).one()
        assert followup.kind == "staff" and followup.status == "scheduled"
        assert followup.due_at.hour == 1                            # 10:00 JST stored as UTC
        actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.case_id == case_id))]
        assert {"case.take", "case.assign", "case.note", "case.status", "followup.schedule"} <= set(actions)
    page = client.get(f"/admin/cases/{case_id}").text
    assert "多機関協働へ" in page and "来週もう一度連絡する" in page
    assert client.post(f"/admin/cases/{case_id}/reply", {
        "version": client.case_version(case_id), "text": "終了後"}).status_code == 400


def test_canned_replies_are_managed_by_admins_and_offered_on_the_case(service):
    case_id, _, _ = make_case(service.engine)
    admin = logged_in(service, "boss", role="admin")
    assert admin.post("/admin/canned", {"title": "窓口の案内",
                                        "text": "地域包括支援センターの電話番号をお知らせします。"}).status_code == 303
    staff = logged_in(service, "aoki")
    page = staff.get(f"/admin/cases/{case_id}").text
    assert 'data-text="地域包括支援センターの電話番号をお知らせします。"' in page and "窓口の案内" in page


def test_a_deleted_residents_case_cannot_be_answered(service):
    user = service.resident()
    case_id, _, _ = make_case(service.engine, user_id=user.user_id)
    with Session(service.engine) as session:
        case = session.get(Case, case_id)
        from bot.effects import erase_resident
        from bot.models import Resident
        resident = session.get(Resident, case.resident_id)
        erase_resident(session, resident)
        case.status = "open"
        session.add(case)
        session.commit()
    client = logged_in(service)
    page = client.get(f"/admin/cases/{case_id}").text
    assert "（削除済み）" in page
    response = client.post(f"/admin/cases/{case_id}/reply",
                           {"version": client.case_version(case_id), "text": "こんにちは"})
    assert response.status_code == 400
    with Session(service.engine) as session:
        assert session.exec(select(Message).where(Message.sender == "staff")).all() == []
