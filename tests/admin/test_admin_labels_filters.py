"""Labels (admins manage the set, staff attach and detach them on a case, audited) and the
queue's filters by label, field, risk, area, status and assignee — on the page, its
self-refreshing fragment and the JSON API; a bad value is a 400 naming the parameter."""
from __future__ import annotations

import re

from sqlmodel import Session, select

from bot.models import AuditLog, CaseLabel, Label
from helpers import logged_in, make_case



def listed(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'data-case-id="(\d+)"', html)}


def api_ids(client, query: str) -> set[int]:
    response = client.get(f"/admin/api/queue?{query}")
    assert response.status_code == 200, response.text
    return {row["case_id"] for row in response.json()["cases"]}


def make_label(service, admin, name: str) -> int:
    """An admin adds a label on the labels page; its id (the name is stored trimmed)."""
    admin.get("/admin/labels")
    assert admin.post("/admin/labels", {"name": name}).status_code == 303
    with Session(service.engine) as session:
        return session.exec(select(Label).where(Label.name == name.strip())).one().id


def test_admins_manage_labels_staff_attach_and_detach_them(service):
    admin = logged_in(service, "kanri", role="admin")
    staff = logged_in(service, "aoki")
    assert staff.get("/admin/labels").status_code == 403
    assert staff.post("/admin/labels", {"name": "要訪問"}).status_code == 403
    visit = make_label(service, admin, "要訪問")
    make_label(service, admin, "  継続  ")
    assert 'value="継続"' in admin.get("/admin/labels").text          # trimmed
    for name, reason in (("", "1〜40文字"), ("あ" * 41, "1〜40文字"), ("改\n行", "1〜40文字"),
                         ("要訪問", "同じ名前")):
        response = admin.post("/admin/labels", {"name": name})
        assert response.status_code == 400 and reason in response.text, name
    assert admin.post("/admin/labels", {"name": "x", "label_id": "999999"}).status_code == 400

    case_id, _, _ = make_case(service.engine)
    staff.get(f"/admin/cases/{case_id}")
    response = staff.post(f"/admin/cases/{case_id}/labels", {"label_id": str(visit)})
    assert response.status_code == 303 and "notice=labels" in response.headers["location"]
    staff.post(f"/admin/cases/{case_id}/labels", {"label_id": str(visit)})   # twice: once
    page = staff.get(f"/admin/cases/{case_id}").text
    assert '<span class="chip case-label">要訪問</span>' in page
    assert "要訪問" in staff.get("/admin/queue").text
    assert api_ids(staff, f"label={visit}") == {case_id}
    with Session(service.engine) as session:
        assert len(session.exec(select(CaseLabel)).all()) == 1

    # a retired label stays where it is but cannot be attached anew
    admin.post("/admin/labels", {"name": "要訪問", "label_id": str(visit), "active": "no"})
    other_id, _, _ = make_case(service.engine)
    staff.get(f"/admin/cases/{other_id}")
    response = staff.post(f"/admin/cases/{other_id}/labels", {"label_id": str(visit)})
    assert response.status_code == 400 and "使用を終えた" in response.text
    assert api_ids(staff, f"label={visit}") == {case_id}
    for bad in ({"label_id": "abc"}, {"label_id": "99999"},
                {"label_id": str(visit), "action": "explode"}):
        assert staff.post(f"/admin/cases/{case_id}/labels", bad).status_code == 400, bad

    staff.post(f"/admin/cases/{case_id}/labels", {"label_id": str(visit), "action": "detach"})
    assert api_ids(staff, f"label={visit}") == set()
    with Session(service.engine) as session:
        details = [a.detail for a in session.exec(select(AuditLog).where(
            AuditLog.action == "case.label").order_by(AuditLog.id)).all()]
        assert details == ["attach 要訪問", "detach 要訪問"]
        assert session.exec(select(AuditLog).where(AuditLog.action == "label.save")).all()


def test_the_queue_filters_by_label_field_risk_area_status_and_assignee(service):
    admin = logged_in(service, "kanri", role="admin")
    aoki = logged_in(service, "aoki")
    kaigo, _, _ = make_case(service.engine, fields=("kaigo",), area="小杉")
    konkyu, _, _ = make_case(service.engine, fields=("konkyu", "sumai"), area="新湊")
    risky, _, _ = make_case(service.engine, fields=("kokoro",), risk="high", priority="high")
    mine, _, _ = make_case(service.engine, fields=("kaigo",), area="小杉")
    closed, _, _ = make_case(service.engine, fields=("kaigo",), status="closed")
    aoki.get(f"/admin/cases/{mine}")
    aoki.post(f"/admin/cases/{mine}/take", {"version": aoki.case_version(mine)})
    follow = make_label(service, admin, "継続")
    aoki.get(f"/admin/cases/{konkyu}")
    aoki.post(f"/admin/cases/{konkyu}/labels", {"label_id": str(follow)})

    assert api_ids(aoki, "tab=waiting&field=kaigo") == {kaigo}
    assert api_ids(aoki, "tab=all&field=kaigo") == {kaigo, mine, closed}
    assert api_ids(aoki, "tab=all&field=sumai") == {konkyu}
    assert api_ids(aoki, "tab=all&risk=high") == {risky}
    assert api_ids(aoki, "tab=all&area=小杉") == {kaigo, mine}
    assert api_ids(aoki, "tab=all&status=open") == {mine}
    assert api_ids(aoki, "tab=all&status=closed&field=kaigo") == {closed}
    assert api_ids(aoki, "tab=all&assignee=me") == {mine}
    assert api_ids(aoki, "tab=waiting&assignee=none") == {kaigo, konkyu, risky}
    assert api_ids(aoki, "tab=all&label=" + str(follow)) == {konkyu}
    assert api_ids(aoki, "tab=all&field=kaigo&area=小杉&assignee=none") == {kaigo}
    assert api_ids(aoki, "tab=all&field=&risk=&area=") == {kaigo, konkyu, risky, mine, closed}

    page = aoki.get("/admin/queue?tab=waiting&field=kaigo&area=小杉").text
    assert listed(page) == {kaigo}
    assert 'data-fragment-url="/admin/queue/fragment?tab=waiting&amp;page=1&amp;field=kaigo&amp;area=' in page
    assert '<option value="kaigo" selected>' in page and 'id="clear-filters"' in page
    fragment = aoki.get("/admin/queue/fragment?tab=waiting&field=kaigo&area=小杉",
                        headers={"X-Background": "1"}).text
    assert listed(fragment) == {kaigo}
    assert "tab=all&amp;field=kaigo&amp;area=" in fragment          # tabs keep the filters


def test_bad_filter_values_are_400_with_the_parameter_named(service):
    aoki = logged_in(service, "aoki")
    make_case(service.engine)
    for query, name in (("field=nonsense", "field"), ("risk=extreme", "risk"),
                        ("status=bot", "status"), ("assignee=someone", "assignee"),
                        ("assignee=0", "assignee"), ("assignee=99999999999", "assignee"),
                        ("label=-1", "label"), ("label=1e9", "label"),
                        ("area=" + "あ" * 65, "area"), ("area=%E3%81%82%0A%E3%81%84", "area"),
                        ("field=" + "x" * 201, "field"), ("tab=all&status=%27%20OR%201=1", "status")):
        for path in ("/admin/queue", "/admin/queue/fragment", "/admin/api/queue"):
            response = aoki.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query, response.status_code)
            assert name in response.text, (path, query)
