"""Admins keep the windows current: hours, phone, description and suspension, validated as
the YAML is, audited, and refused to counsellors and to forms without the CSRF token."""
from __future__ import annotations

from sqlmodel import Session, select

from bot.models import AuditLog, WindowOverride
from forms import form_fields
from helpers import AdminClient, make_staff

PAGE = "/admin/windows/imizu-kaigo-01"
SOURCE = "https://www.city.imizu.toyama.jp/example/kaigo.html"


def admin_client(service) -> AdminClient:
    make_staff(service.engine, "boss", role="admin")
    admin = AdminClient(service.base_url)
    admin.login("boss")
    return admin


def edit(admin: AdminClient, **changes):
    form = form_fields(admin.get(PAGE).text, "edit-window")
    form.update(changes)
    return admin.post(PAGE, form)


def window_audit(service) -> list[AuditLog]:
    with Session(service.engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == "window.edit")
                                 .order_by(AuditLog.id)))


def test_an_admin_edits_phone_hours_description_and_status_and_each_is_audited(service):
    admin = admin_client(service)
    listing = admin.get("/admin/windows")
    assert listing.status_code == 200 and "新湊西地域包括支援センター" in listing.text
    assert "aizu-kaigo-01" not in listing.text              # another municipality's windows

    page = edit(admin, phone="0766-83-7000", phone_source=SOURCE,
                description="高齢の方の暮らしと介護の相談", status="suspended",
                hours_mode="weekly", days_0=["mon", "tue", "wed", "thu", "fri"],
                opens_0="08:30", closes_0="17:15", holidays="closed", year_end_closed="yes",
                hours_source=SOURCE)
    assert page.status_code == 200 and "保存しました" in page.text, page.text
    assert 'value="0766-83-7000"' in page.text
    with Session(service.engine) as session:
        row = session.get(WindowOverride, "imizu-kaigo-01")
        assert row.version == 1 and row.values["phone"] == "0766-83-7000"
        assert row.values["status"] == "suspended"
        assert row.values["opening"]["weekly"][0]["days"] == ["mon", "tue", "wed", "thu", "fri"]
    entries = window_audit(service)
    details = [e.detail for e in entries]
    assert "window=imizu-kaigo-01 phone: 0766-83-7171 → 0766-83-7000" in details
    assert "window=imizu-kaigo-01 status: active → suspended" in details
    assert any(d.startswith("window=imizu-kaigo-01 opening: 不明 → mon,tue,wed,thu,fri 08:30-17:15")
               for d in details)
    assert {e.staff_id for e in entries} == {1} and {e.source_address for e in entries} == {"127.0.0.1"}
    audit_page = admin.get("/admin/audit?action=window.edit")
    assert "0766-83-7171 → 0766-83-7000" in audit_page.text

    # the same form again changes nothing and audits nothing
    assert "変更はありません" in edit(admin).text
    assert len(window_audit(service)) == len(entries)
    # back to the file's phone being unknown needs no source; a stale form is refused
    stale = form_fields(admin.get(PAGE).text, "edit-window")
    assert "保存しました" in edit(admin, phone="", phone_source="").text
    stale.update(status="active")
    conflict = admin.post(PAGE, stale)
    assert conflict.status_code == 409 and "ほかの方がこの窓口を保存しました" in conflict.text


def test_bad_input_is_a_400_with_the_reason_and_nothing_is_stored(service):
    admin = admin_client(service)
    refused = {
        "phone: not a phone number": {"phone": "0766-83", "phone_source": SOURCE},
        "phone_source: 電話番号を変えるときは": {"phone": "0766-83-7000"},
        "phone_source must be the http(s) URL": {"phone": "0766-83-7000", "phone_source": "電話で確認"},
        "a time is written HH:MM": {"hours_mode": "weekly", "days_0": ["mon"], "opens_0": "8:30",
                                    "closes_0": "17:15", "hours_source": SOURCE},
        "days: List should have at least 1 item": {"hours_mode": "weekly", "opens_0": "08:30",
                                                   "closes_0": "17:15", "hours_source": SOURCE},
        "opening.source: 受付時間を変えるときは": {"hours_mode": "always",
                                             "hours_source": "市の計画書 12ページ"},
        "source: String should have at least 8": {"hours_mode": "always", "hours_source": ""},
        "set holidays: as_listed": {"hours_mode": "weekly", "days_0": ["holiday"], "opens_0": "09:00",
                                    "closes_0": "12:00", "holidays": "closed", "hours_source": SOURCE},
        "status: Input should be": {"status": "closed"},
        "hours_mode: 受付時間の種類": {"hours_mode": "sometimes"},
        "rows: 曜日ごとの時間帯は": {"hours_mode": "weekly", "rows": "999999999999"},
        "description is one line": {"description": "x" * 61},
    }
    for reason, changes in refused.items():
        page = edit(admin, **changes)
        assert page.status_code == 400, (reason, page.status_code)
        assert reason in page.text, (reason, page.text[-3000:])
    echoed = edit(admin, phone="0766-83", phone_source=SOURCE)
    assert 'value="0766-83"' in echoed.text                   # what was typed, to correct
    assert admin.get("/admin/windows/no-such-window").status_code == 404
    assert admin.get("/admin/windows/aizu-kaigo-01").status_code == 404   # not this city's
    assert admin.get("/admin/windows/Bad_Id").status_code == 400
    with Session(service.engine) as session:
        assert session.exec(select(WindowOverride)).all() == []
    assert window_audit(service) == []


def test_counsellors_and_forms_without_the_token_are_refused(service):
    admin = admin_client(service)
    form = form_fields(admin.get(PAGE).text, "edit-window")
    without_token = {k: v for k, v in form.items() if k != "csrf_token"}
    assert admin.post(PAGE, {**without_token, "status": "suspended"}, csrf=False).status_code == 403
    assert admin.post(PAGE, {**form, "csrf_token": "forged", "status": "suspended"}).status_code == 403

    make_staff(service.engine, "tanaka", role="staff")
    counsellor = AdminClient(service.base_url)
    counsellor.login("tanaka")
    assert counsellor.get("/admin/windows").status_code == 403
    assert counsellor.get(PAGE).status_code == 403
    assert counsellor.post(PAGE, {**form, "csrf_token": counsellor.csrf,
                                  "status": "suspended"}).status_code == 403
    assert "/admin/windows" not in counsellor.get("/admin/queue").text
    with Session(service.engine) as session:
        assert session.exec(select(WindowOverride)).all() == []
