"""Resident text is always shown as text; the LINE user ID never leaves the database."""
from __future__ import annotations

from sqlmodel import Session, select

from bot.models import Case, Resident
from helpers import AdminClient, make_case, make_staff, quick_data, reply_to

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>死にたい'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def admin_client(service) -> AdminClient:
    make_staff(service.engine, "boss", role="admin")
    client = AdminClient(service.base_url)
    client.login("boss")
    return client


def test_resident_html_is_escaped_in_queue_case_notes_api_and_exports(service):
    analysis = {"fields": [{"key": "kokoro", "evidence": [{"text": "<script>", "start": 0, "end": 8}]}],
                "risk": "emergency", "risk_evidence": [{"text": "死にたい", "start": 61, "end": 65}]}
    case_id, _, _ = make_case(service.engine, HOSTILE, priority="emergency", risk="emergency",
                              fields=("kokoro",), analysis=analysis, area="<b>町</b>")
    client = admin_client(service)
    pages = {"queue": client.get("/admin/queue").text,
             "fragment": client.get("/admin/queue/fragment").text}
    client.post(f"/admin/cases/{case_id}/note", {"text": '<img src=x onerror="alert(3)">メモ'})
    client.post("/admin/canned", {"title": "<i>題</i>", "text": '"><script>alert(4)</script>'})
    client.post(f"/admin/cases/{case_id}/status", {
        "version": client.case_version(case_id), "status": "closed", "close_reason": "other",
        "referred_agency": "<script>alert(5)</script>"})
    pages["case"] = client.get(f"/admin/cases/{case_id}").text
    pages["stats"] = client.get("/admin/stats").text
    pages["canned"] = client.get("/admin/canned").text
    pages["audit"] = client.get("/admin/audit").text
    for name, html in pages.items():
        assert "<script>alert" not in html, name
        assert "<img src=x" not in html, name
        assert "<b>町</b>" not in html, name
    assert ESCAPED in pages["queue"] and ESCAPED in pages["fragment"]
    assert "&lt;b&gt;町&lt;/b&gt;" in pages["queue"]
    assert '<mark class="ev-field" title="こころの健康">&lt;script&gt;</mark>' in pages["case"]
    assert '<mark class="ev-risk" title="危険の根拠">死にたい</mark>' in pages["case"]
    assert "&lt;img src=x onerror=&#34;alert(3)&#34;&gt;メモ" in pages["case"]
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in pages["stats"]
    api = client.get("/admin/api/queue?tab=closed")
    assert api.headers["content-type"].startswith("application/json")
    export = client.get("/admin/stats.csv").text
    assert "onerror" not in export and "死にたい" not in export    # no message text in exports
    csp = client.get("/admin/queue").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_csv_cells_cannot_start_a_spreadsheet_formula(service):
    case_id, _, _ = make_case(service.engine)
    client = admin_client(service)
    client.post(f"/admin/cases/{case_id}/status", {
        "version": client.case_version(case_id), "status": "closed", "close_reason": "connected",
        "referred_agency": "=HYPERLINK(\"http://evil\")"})
    export = client.get("/admin/stats.csv").text
    assert "'=HYPERLINK" in export and ",=HYPERLINK" not in export


def test_the_line_user_id_appears_in_no_page_api_or_export(service):
    user = service.resident()
    terms = reply_to(service, user, user.follow)[-1]
    reply_to(service, user, lambda: user.postback(quick_data(terms, "同意する")))
    assert reply_to(service, user, lambda: user.say("助けてください。職員の人と話したいです"))
    with Session(service.engine) as session:
        resident = session.exec(select(Resident).where(Resident.line_user_id == user.user_id)).one()
        case = session.exec(select(Case).where(Case.resident_id == resident.id)).first()
        if case.status == "bot":          # make sure it is in the staff queue whatever the flow did
            case.status, case.queued_at = "waiting", resident.created_at
            session.add(case)
            session.commit()
        case_id, code = case.id, resident.case_code
    client = admin_client(service)
    client.post(f"/admin/cases/{case_id}/note", {"text": "メモ"})
    client.post(f"/admin/cases/{case_id}/reply", {"version": client.case_version(case_id),
                                                  "text": "職員の青木です"})
    bodies = []
    for path in ("/admin/queue", "/admin/queue?tab=open", "/admin/queue?tab=mine",
                 "/admin/queue?tab=pending", "/admin/queue?tab=closed", "/admin/queue/fragment",
                 f"/admin/cases/{case_id}", "/admin/stats", "/admin/stats.csv", "/admin/audit",
                 "/admin/staff", "/admin/canned", "/admin/api/queue", "/admin/api/queue?tab=open"):
        response = client.get(path)
        assert response.status_code == 200, path
        bodies.append((path, response.text))
    assert any(code in body for _, body in bodies)
    for path, body in bodies:
        assert user.user_id not in body, path
        assert user.user_id[1:] not in body, path
