"""Staff correct a resident message's fields and risk on the case page: stored with the
message, audited with the values before and after, CSRF-protected, bounded."""
from __future__ import annotations

from sqlmodel import Session, select

from bot.models import AuditLog, Message, MessageCorrection
from helpers import AdminClient, logged_in, make_case

ANALYSIS = {
    "text": "母の介護で眠れず、もう死にたいと思うことがあります",
    "fields": [{"key": "kaigo", "score": 2.0, "evidence": [{"text": "介護", "start": 2, "end": 4}]},
               {"key": "kokoro", "score": 1.0, "evidence": [{"text": "眠れず", "start": 5, "end": 8}]}],
    "risk": "high", "risk_evidence": [{"text": "死にたい", "start": 11, "end": 15}],
    "handoff": True,
}



def tagged_case(service) -> tuple[int, int]:
    case_id, _, _ = make_case(service.engine, ANALYSIS["text"], risk="high",
                              fields=("kaigo", "kokoro"), analysis=ANALYSIS)
    with Session(service.engine) as session:
        message = session.exec(select(Message).where(Message.case_id == case_id)).one()
        return case_id, message.id


def correction_of(service, message_id: int):
    with Session(service.engine) as session:
        return session.get(MessageCorrection, message_id)


def audits(service) -> list[AuditLog]:
    with Session(service.engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == "message.correct")
                                 .order_by(AuditLog.id)))


def url(case_id: int, message_id: int) -> str:
    return f"/admin/cases/{case_id}/messages/{message_id}/correction"


def test_staff_correct_fields_and_risk_and_the_audit_log_has_before_and_after(service):
    case_id, message_id = tagged_case(service)
    client = logged_in(service)
    page = client.get(f"/admin/cases/{case_id}").text
    # the form starts from the tagger's reading
    assert f'id="correction-form-{message_id}"' in page
    assert 'value="kaigo" checked' in page and 'value="kokoro" checked' in page
    assert 'value="high" checked' in page

    response = client.post(url(case_id, message_id), {"fields": ["kaigo", "konkyu"],
                                                      "risk": "emergency"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/cases/{case_id}?notice=corrected#msg-{message_id}"
    row = correction_of(service, message_id)
    assert (row.fields, row.risk) == (["kaigo", "konkyu"], "emergency")
    assert (row.tagged_fields, row.tagged_risk) == (["kaigo", "kokoro"], "high")
    [entry] = audits(service)
    assert entry.case_id == case_id and entry.source_address == "127.0.0.1"
    assert entry.detail == (f"message {message_id}: fields kaigo,kokoro -> kaigo,konkyu; "
                            "risk high -> emergency")
    assert ANALYSIS["text"] not in entry.detail
    page = client.get(response.headers["location"]).text
    assert "分類の修正を保存しました" in page and f'id="corrected-{message_id}"' in page
    assert 'value="konkyu" checked' in page and 'value="emergency" checked' in page

    # a second correction: the audit's "before" is staff's last reading; the tagger's stays
    response = client.post(url(case_id, message_id), {"risk": "none"})
    assert response.status_code == 303
    row = correction_of(service, message_id)
    assert (row.fields, row.risk) == ([], "none")
    assert (row.tagged_fields, row.tagged_risk) == (["kaigo", "kokoro"], "high")
    assert audits(service)[-1].detail == (f"message {message_id}: fields kaigo,konkyu -> -; "
                                          "risk emergency -> none")


def test_a_correction_without_the_csrf_token_is_refused(service):
    case_id, message_id = tagged_case(service)
    client = logged_in(service)
    client.get(f"/admin/cases/{case_id}")
    missing = client.post(url(case_id, message_id), {"fields": ["kaigo"], "risk": "none"},
                          csrf=False)
    forged = client.post(url(case_id, message_id), {"fields": ["kaigo"], "risk": "none",
                                                    "csrf_token": "forged"})
    assert missing.status_code == 403 and forged.status_code == 403
    assert correction_of(service, message_id) is None and audits(service) == []


def test_only_logged_in_staff_correct_and_both_roles_may(service):
    case_id, message_id = tagged_case(service)
    anonymous = AdminClient(service.base_url)
    anonymous.get("/admin/login")                      # a token of its own, but no session
    response = anonymous.post(url(case_id, message_id), {"fields": ["kaigo"], "risk": "none"})
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")
    assert correction_of(service, message_id) is None

    counsellor = logged_in(service, "aoki", "staff")
    assert counsellor.post(url(case_id, message_id), {"fields": ["kaigo"],
                                                      "risk": "none"}).status_code == 303
    admin = logged_in(service, "boss", "admin")
    assert admin.post(url(case_id, message_id), {"fields": ["shogai"],
                                                 "risk": "high"}).status_code == 303
    row = correction_of(service, message_id)
    assert (row.fields, row.risk) == (["shogai"], "high")
    assert [a.staff_id for a in audits(service)][0] != audits(service)[1].staff_id


def test_unknown_fields_and_risks_get_400_with_the_reason_and_store_nothing(service):
    case_id, message_id = tagged_case(service)
    client = logged_in(service)
    client.get(f"/admin/cases/{case_id}")
    cases = [({"fields": ["kaigo", "astrology"], "risk": "none"}, "unknown field(s): astrology"),
             ({"fields": ["kaigo"], "risk": "apocalypse"}, "unknown risk: apocalypse"),
             ({"fields": ["kaigo"]}, "unknown risk"),
             ({"fields": ["x" * 33], "risk": "none"}, None)]        # longer than any field key
    for data, reason in cases:
        response = client.post(url(case_id, message_id), data)
        assert response.status_code == 400, data
        if reason:
            assert reason in response.text
    assert correction_of(service, message_id) is None and audits(service) == []


def test_only_a_kept_resident_message_of_this_case_can_be_corrected(service):
    case_id, message_id = tagged_case(service)
    other_case, other_message = tagged_case(service)
    with Session(service.engine) as session:
        bot_message = Message(resident_id=session.get(Message, message_id).resident_id,
                              case_id=case_id, direction="out", sender="bot", text="こんにちは")
        session.add(bot_message)
        erased = session.get(Message, other_message)
        erased.text = None
        session.add(erased)
        session.commit()
        bot_id = bot_message.id
    client = logged_in(service)
    client.get(f"/admin/cases/{case_id}")
    data = {"fields": ["kaigo"], "risk": "none"}
    assert client.post(url(case_id, other_message), data).status_code == 404   # not this case's
    assert client.post(url(case_id, 2**31), data).status_code == 400           # out of range
    assert client.post(url(case_id, bot_id), data).status_code == 400
    assert client.post(url(other_case, other_message), data).status_code == 400  # text erased
    with Session(service.engine) as session:
        assert session.exec(select(MessageCorrection)).all() == []
