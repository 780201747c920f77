"""The keyboard shortcuts' server side: "next case" goes to the first waiting case in queue
order other than the one just left; the pages load the scripts (no inline script) and the
help list. The keys themselves are pressed in tests/admin/test_browser_casework.py."""
from __future__ import annotations

from helpers import AdminClient, make_case, make_staff


def logged_in(service, login="aoki"):
    make_staff(service.engine, login)
    client = AdminClient(service.base_url)
    client.login(login)
    return client


def test_next_case_follows_the_queue_order(service):
    client = logged_in(service)
    assert client.get("/admin/queue/next").headers["location"] == "/admin/queue"
    older, _, _ = make_case(service.engine, queued_minutes_ago=300)
    urgent, _, _ = make_case(service.engine, priority="emergency", risk="emergency",
                             queued_minutes_ago=5)
    newer, _, _ = make_case(service.engine, queued_minutes_ago=10)
    make_case(service.engine, status="open")                   # not waiting: never "next"
    go = lambda query="": client.get(f"/admin/queue/next{query}").headers["location"]  # noqa: E731
    assert go() == f"/admin/cases/{urgent}"
    assert go(f"?after={urgent}") == f"/admin/cases/{older}"
    assert go(f"?after={older}") == f"/admin/cases/{urgent}"
    assert go(f"?after={newer}") == f"/admin/cases/{urgent}"
    for bad in ("?after=0", "?after=abc", "?after=99999999999", "?after=-1"):
        assert client.get(f"/admin/queue/next{bad}").status_code == 400, bad


def test_pages_load_the_shortcut_scripts_and_the_help(service):
    case_id, _, _ = make_case(service.engine)
    client = logged_in(service)
    for path in ("/admin/queue", f"/admin/cases/{case_id}"):
        page = client.get(path).text
        assert '<script src="/admin/static/keys.js" defer></script>' in page
        assert '<script src="/admin/static/canned.js" defer></script>' in page
        assert 'id="shortcut-help"' in page and "<script>" not in page
    assert f'data-next-case-url="/admin/queue/next?after={case_id}"' in client.get(
        f"/admin/cases/{case_id}").text
    for name in ("keys.js", "canned.js"):
        script = client.get(f"/admin/static/{name}")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
