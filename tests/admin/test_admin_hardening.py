"""Every response carries the security headers (errors, static files and /terms too), and
odd input is a 400 with a reason (or a safe redirect), never a 500."""
from __future__ import annotations

import httpx
import pytest

from admin.params import MAX_PAGE, MAX_ROW_ID
from bot.webguard import SECURITY_HEADERS
from helpers import PASSWORD, AdminClient, make_case, make_staff

HUGE = 10**30


def logged_in(service, role: str = "staff") -> AdminClient:
    make_staff(service.engine, role, role=role)
    client = AdminClient(service.base_url)
    client.login(role)
    return client


def assert_secured(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    assert "strict-transport-security" not in response.headers    # served over http here


def test_security_headers_on_every_kind_of_response(service):
    anonymous = httpx.Client(base_url=service.base_url, follow_redirects=False)
    staff = logged_in(service)
    responses = {
        200: [anonymous.get("/terms"), anonymous.get("/healthz"),
              anonymous.get("/admin/static/admin.css"), anonymous.get("/admin/static/admin.js"),
              anonymous.get("/admin/login"), staff.get("/admin/queue"),
              staff.get("/admin/api/queue")],
        303: [anonymous.get("/admin/queue"), anonymous.get("/admin")],
        400: [anonymous.post("/callback", content=b"{}"), staff.get("/admin/queue?page=0")],
        401: [anonymous.get("/admin/api/queue")],
        403: [staff.get("/admin/audit"), staff.post("/admin/logout", csrf=False)],
        404: [anonymous.get("/no/such/page"), anonymous.get("/admin/static/missing.css"),
              staff.get(f"/admin/cases/{MAX_ROW_ID}")],
        405: [anonymous.get("/callback"), anonymous.put("/terms")],
        413: [anonymous.post("/callback", content=b"x" * 1_000_001,
                             headers={"x-line-signature": "c2lnbmF0dXJl"})],
    }
    for status, answers in responses.items():
        for response in answers:
            assert response.status_code == status, (response.request.url, response.status_code)
            assert_secured(response)
    assert staff.get("/admin/queue").headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", [
    f"/admin/queue?page={HUGE}", f"/admin/queue?page={MAX_PAGE + 1}",
    f"/admin/queue/fragment?page={HUGE}", f"/admin/api/queue?page={HUGE}",
    "/admin/api/queue?per_page=1000",
    f"/admin/cases/{HUGE}", f"/admin/cases/{MAX_ROW_ID + 1}", "/admin/cases/-1",
    "/admin/queue?refresh=nan", "/admin/queue?refresh=inf", "/admin/queue?refresh=-infinity",
    "/admin/stats?first=9999-12", "/admin/stats?last=9999-12", "/admin/stats.csv?first=9999-12",
    "/admin/stats?first=0000-01", "/admin/stats?first=2026-13", "/admin/stats?last=soon",
    f"/admin/audit?page={HUGE}", "/admin/audit?action=%00", "/admin/audit?action=" + "a" * 33,
])
def test_odd_query_and_path_values_are_400_with_a_reason(service, path):
    client = logged_in(service, role="admin")
    response = client.get(path)
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert detail and isinstance(detail, str)
    assert_secured(response)


def test_the_reason_names_the_parameter(service):
    client = logged_in(service, role="admin")
    assert client.get(f"/admin/queue?page={HUGE}").json()["detail"].startswith("page: ")
    assert client.get("/admin/queue?refresh=nan").json()["detail"].startswith("refresh: ")
    assert client.get(f"/admin/cases/{HUGE}").json()["detail"].startswith("case_id: ")
    assert "2000-01" in client.get("/admin/stats?first=9999-12").json()["detail"]
    assert client.get(f"/admin/audit?page={HUGE}").json()["detail"].startswith("page: ")


def test_in_range_values_still_work(service):
    client = logged_in(service, role="admin")
    assert client.get(f"/admin/queue?page={MAX_PAGE}&refresh=1e9").status_code == 200
    assert client.get("/admin/stats?first=2099-12&last=2000-01").status_code == 200
    assert client.get(f"/admin/audit?page={MAX_PAGE}").status_code == 200
    assert client.get("/admin/audit?action=case.take").status_code == 200


def test_odd_form_and_path_values_on_posts_are_400(service):
    case_id, _, _ = make_case(service.engine)
    client = logged_in(service, role="admin")
    version = client.case_version(case_id)
    for path, data in [
        (f"/admin/cases/{case_id}/take", {"version": str(HUGE)}),
        (f"/admin/cases/{case_id}/status", {"version": "-1", "status": "pending"}),
        (f"/admin/cases/{HUGE}/note", {"text": "メモ"}),
        (f"/admin/cases/{HUGE}/followups", {"due_at": "2026-12-01T10:00"}),
        (f"/admin/followups/{HUGE}/cancel", {}),
        (f"/admin/followups/{HUGE}/reschedule", {"due_at": "2026-12-01T10:00"}),
        (f"/admin/cases/{case_id}/assign", {"version": version, "assignee_id": str(HUGE)}),
    ]:
        response = client.post(path, data)
        assert response.status_code == 400, (path, response.status_code, response.text[:200])
        assert_secured(response)


CRLF_TARGETS = ["/admin/queue\r\nSet-Cookie: injected=1", "/admin/queue%0d%0aX-Injected: 1",
                "/admin/cases/1\n", "/admin/stats\x00", "/admin/静かな", "//evil.example/admin",
                "/admin\\@evil.example"]


@pytest.mark.parametrize("target", CRLF_TARGETS)
def test_a_next_with_cr_lf_or_control_characters_redirects_safely(service, target):
    make_staff(service.engine, "staff")
    client = AdminClient(service.base_url)
    assert client.get("/admin/login", params={"next": target}).status_code == 200
    response = client.post("/admin/login", {"login": "staff", "password": PASSWORD,
                                            "next": target})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/queue"
    assert "injected" not in response.headers
    again = client.get("/admin/login", params={"next": target})          # already logged in
    assert again.status_code == 303
    location = again.headers["location"]
    assert "\r" not in location and "\n" not in location
    assert location.startswith("/") and not location.startswith("//")
    assert "injected" not in again.headers and "x-injected" not in again.headers
    assert_secured(again)
