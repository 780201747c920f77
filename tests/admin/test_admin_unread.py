"""A resident writing again on a case staff hold is seen: unread counts in the queue page and
`/admin/api/queue`, the case moving up within its priority, the read mark cleared by the
person responsible only, waiting time on the wall clock and in business hours, and the
on-call channel told (case code only) when ALERT_NEW_MESSAGES is set. The live event
stream is tests/admin/test_admin_live.py."""
from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from bot import clock
from bot.clock import FrozenClock
from bot.models import Case, Resident
from helpers import (AdminClient, consent_and_skip_intake, jst, make_case, make_staff, reply_to,
                     start_service, stop)
from receivers import WebhookReceiver

# Invented for these tests: a resident asks for a person, then writes again.
ASK_PERSON = "家族のことで、職員の人と話したいです"
AGAIN = "さっきの件ですが、明日の午前中なら電話に出られます"


def resident_with_case(service):
    """A resident who consented and asked for a person: (phone, case id, case code), the
    case waiting in the staff queue."""
    user = service.resident()
    consent_and_skip_intake(service, user)
    reply_to(service, user, lambda: user.say(ASK_PERSON))
    with Session(service.engine) as session:
        resident = session.exec(select(Resident).where(Resident.line_user_id == user.user_id)).one()
        case = session.exec(select(Case).where(Case.resident_id == resident.id)).one()
        assert case.status == "waiting" and case.priority == "normal"
        return user, case.id, resident.case_code


def take(client: AdminClient, case_id: int) -> None:
    response = client.post(f"/admin/cases/{case_id}/take",
                           {"version": client.case_version(case_id)})
    assert response.status_code == 303
    client.get(f"/admin/cases/{case_id}")         # the page after taking it: read


def open_tab(client: AdminClient) -> list[tuple[int, int]]:
    """(case id, unread) of the open tab, in queue order."""
    return [(c["case_id"], c["unread"]) for c in client.get("/admin/api/queue?tab=open").json()["cases"]]


def queue_rows(html: str) -> list[tuple[int, int]]:
    return [(int(case_id), int(unread)) for case_id, unread in
            re.findall(r'data-case-id="(\d+)" data-priority="[a-z]+" data-unread="(\d+)"', html)]


def test_a_resident_writing_again_is_unread_and_moves_up_until_the_assignee_reads_it(service):
    make_staff(service.engine, "aoki", name="青木")
    make_staff(service.engine, "kato", name="加藤")
    aoki, kato = AdminClient(service.base_url), AdminClient(service.base_url)
    aoki.login("aoki")
    kato.login("kato")
    first_user, first, _ = resident_with_case(service)        # has waited longest
    second_user, second, second_code = resident_with_case(service)

    # never opened: everything the resident wrote is unread
    waiting = {c["case_id"]: c["unread"] for c in aoki.get("/admin/api/queue").json()["cases"]}
    assert waiting[first] >= 1 and waiting[second] >= 1
    take(aoki, first)
    take(aoki, second)
    assert open_tab(aoki) == [(first, 0), (second, 0)]         # longest waiting first

    reply_to(service, second_user, lambda: second_user.say(AGAIN))
    assert open_tab(aoki) == [(second, 1), (first, 0)]         # moved up, within its priority
    page = aoki.get("/admin/queue?tab=open").text
    assert queue_rows(page) == [(second, 1), (first, 0)]
    assert "未読 1" in page and second_code in page
    assert second_user.user_id not in page

    # a colleague reading someone else's case does not clear it for the assignee
    assert AGAIN in kato.get(f"/admin/cases/{second}").text
    assert open_tab(aoki) == [(second, 1), (first, 0)]
    # drawn in the background while the page is hidden: not read either
    aoki.get(f"/admin/cases/{second}?live=1&seen=0", headers={"X-Background": "1"})
    assert open_tab(aoki)[0] == (second, 1)
    # the assignee opens it: read, and back in waiting order
    assert AGAIN in aoki.get(f"/admin/cases/{second}").text
    assert open_tab(aoki) == [(first, 0), (second, 0)]

    # a higher priority still comes first: unread only reorders within a priority
    reply_to(service, first_user, lambda: first_user.say(AGAIN))
    emergency, _, _ = make_case(service.engine, "緊急の相談", priority="emergency",
                                risk="emergency", status="open", queued_minutes_ago=1)
    with Session(service.engine) as session:
        case = session.get(Case, emergency)
        case.read_message_id = 10**6            # read already
        session.add(case)
        session.commit()
    assert open_tab(aoki) == [(emergency, 0), (first, 1), (second, 0)]


def test_waiting_time_shows_the_wall_clock_and_business_hours(service):
    """A Sunday-night emergency has waited two hours, not 「0分」; the office hours count
    none of it."""
    clock.set_clock(FrozenClock(jst(2026, 11, 29, 23, 0)))         # Sunday 23:00 JST
    case_id, code, _ = make_case(service.engine, "緊急の相談", priority="emergency",
                                 risk="emergency", queued_minutes_ago=120)
    make_staff(service.engine, "aoki")
    client = AdminClient(service.base_url)
    client.login("aoki")
    row = client.get("/admin/api/queue").json()["cases"][0]
    assert (row["case_code"], row["waiting_wall_seconds"], row["waiting_seconds"]) == (code, 7200, 0)
    page = client.get("/admin/queue").text
    assert re.search(r'<td class="waiting">2時間00分<div class="small">業務時間 0分</div>', page)
    case_page = client.get(f"/admin/cases/{case_id}").text
    assert '<span id="waiting-wall">2時間00分</span>（業務時間 <span id="waiting-business">0分</span>）' in case_page


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


def test_the_on_call_channel_hears_of_a_new_message_on_an_assigned_case(tmp_path, webhook):
    service, server = start_service(f"sqlite:///{tmp_path / 'oncall.db'}",
                                    alert_webhook_url=webhook.url, alert_new_messages=True)
    try:
        make_staff(service.engine, "aoki")
        client = AdminClient(service.base_url)
        client.login("aoki")
        user, case_id, code = resident_with_case(service)
        reply_to(service, user, lambda: user.say(AGAIN))       # nobody has it yet: the queue
        take(client, case_id)
        reply_to(service, user, lambda: user.say(AGAIN))
        body = webhook.wait_for(1)[0]
        assert body == {"case_code": code, "priority": "normal", "event": "message",
                        "at": body["at"]}
        service.runtime.extras["notifier"].wait()
        assert len(webhook.bodies) == 1
        assert user.user_id not in str(webhook.raw)
    finally:
        stop(service, server)


def test_without_alert_new_messages_the_on_call_channel_is_not_told(tmp_path, webhook):
    """The setting is off by default: a later message on an assigned case stays in the
    staff page (unread, live), the on-call channel keeps to emergencies."""
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    from bot.config import Settings
    from bot.notifier import Notifier
    engine = create_engine(f"sqlite:///{tmp_path / 'n.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        resident = Resident(line_user_id="U" + "b" * 32)
        session.add(resident)
        session.flush()
        case = Case(resident_id=resident.id, status="open", assignee_id=None, fields=[],
                    patterns=[], handoff_reasons=[])
        session.add(case)
        session.commit()
        case_id = case.id
    quiet = Notifier(Settings(alert_webhook_url=webhook.url), engine, background=False)
    quiet(case_id, "message")
    told = Notifier(Settings(alert_webhook_url=webhook.url, alert_new_messages=True), engine,
                    background=False)
    told(case_id, "message")
    assert [body["event"] for body in webhook.bodies] == ["message"]
    engine.dispose()
