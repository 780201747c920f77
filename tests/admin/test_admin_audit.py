"""The audit log as evidence: the true previous state of a status change and the address a
staff request came from (TRUSTED_PROXY_HEADER only when configured, else the socket peer)."""
from __future__ import annotations

from sqlmodel import Session, select

from bot.models import AuditLog
from helpers import AdminClient, make_case, make_staff


def entries(engine, action: str) -> list[AuditLog]:
    with Session(engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action)
                                 .order_by(AuditLog.id)))


def logged_in(service, **headers) -> AdminClient:
    make_staff(service.engine, "boss", role="admin")
    client = AdminClient(service.base_url)
    client.http.headers.update(headers)
    client.login("boss")
    return client


def test_status_changes_log_the_previous_state_and_the_socket_peer(service):
    case_id, _, _ = make_case(service.engine, status="waiting")
    client = logged_in(service, **{"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"})
    client.post(f"/admin/cases/{case_id}/take", {"version": client.case_version(case_id)})
    for status in ("pending", "open", "closed"):
        response = client.post(f"/admin/cases/{case_id}/status", {
            "version": client.case_version(case_id), "status": status, "close_reason": "info"})
        assert response.status_code == 303, status
    assert [e.detail for e in entries(service.engine, "case.status")] == [
        "open->pending", "pending->open", "open->closed reason=info"]
    # no proxy header is configured: the headers a client sends are not believed
    for action in ("login", "case.take", "case.status", "case.view"):
        assert {e.source_address for e in entries(service.engine, action)} == {"127.0.0.1"}, action
    page = client.get("/admin/audit").text
    assert "送信元" in page and "127.0.0.1" in page and "203.0.113.9" not in page


def test_the_configured_proxy_header_gives_the_address_its_last_entry(service):
    settings = service.runtime.settings
    settings.trusted_proxy_header = "X-Forwarded-For"
    try:
        # what the client wrote first is forgeable; the proxy appends the real peer last
        client = logged_in(service, **{"X-Forwarded-For": "10.9.9.9, 198.51.100.7"})
        client.post("/admin/logout")
        bad = AdminClient(service.base_url)
        bad.http.headers["X-Forwarded-For"] = "not-an-address"
        bad.login("boss", "wrong password")
        v6 = AdminClient(service.base_url)
        v6.http.headers["X-Forwarded-For"] = "2001:db8::1"
        v6.login("boss")
    finally:
        settings.trusted_proxy_header = ""
    assert [e.source_address for e in entries(service.engine, "login")] == ["198.51.100.7", "2001:db8::1"]
    assert entries(service.engine, "logout")[0].source_address == "198.51.100.7"
    assert entries(service.engine, "login.failed")[0].source_address == "127.0.0.1"  # the peer

