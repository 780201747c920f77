"""On-call alerts leave as a JSON webhook and an e-mail, each to a local receiver on the
loopback; they carry the case code and priority, never the resident's text or LINE ID."""
from __future__ import annotations

import json
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, SQLModel

from bot.config import Settings
from bot.models import Case, Resident
from bot.notifier import Notifier


# Local receivers (also used by tests/test_conversation.py) ---------------------------------
class WebhookReceiver:
    """A tiny HTTP server on the loopback that keeps every JSON body posted to it."""

    def __init__(self, status: int = 200):
        self.bodies: list[dict] = []
        self.raw: list[bytes] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                receiver.raw.append(raw)
                if receiver.status == 200:
                    receiver.bodies.append(json.loads(raw))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.bodies) >= count:
                return self.bodies
            time.sleep(0.05)
        raise AssertionError(f"webhook: {len(self.bodies)} of {count} alerts arrived")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpReceiver:
    """Just enough SMTP for smtplib: keeps each mail's envelope and data."""

    def __init__(self):
        self.mails: list[dict] = []
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 localhost test SMTP\r\n")
                mail: dict = {"rcpt": []}
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    command = line.decode("ascii", "replace").strip()
                    upper = command.upper()
                    if upper.startswith(("EHLO", "HELO")):
                        self.wfile.write(b"250 localhost\r\n")
                    elif upper.startswith("MAIL FROM"):
                        mail = {"from": command[10:], "rcpt": []}
                        self.wfile.write(b"250 OK\r\n")
                    elif upper.startswith("RCPT TO"):
                        mail["rcpt"].append(command[8:])
                        self.wfile.write(b"250 OK\r\n")
                    elif upper == "DATA":
                        self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        chunks = []
                        while True:
                            data_line = self.rfile.readline()
                            if data_line in (b".\r\n", b".\n", b""):
                                break
                            chunks.append(data_line)
                        mail["data"] = b"".join(chunks)
                        receiver.mails.append(mail)
                        self.wfile.write(b"250 OK queued\r\n")
                    elif upper == "QUIT":
                        self.wfile.write(b"221 Bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 OK\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.mails) >= count:
                return self.mails
            time.sleep(0.05)
        raise AssertionError(f"smtp: {len(self.mails)} of {count} mails arrived")

    def message(self, index: int = 0):
        from email import message_from_bytes
        from email.policy import default
        return message_from_bytes(self.mails[index]["data"], policy=default)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def smtp():
    receiver = SmtpReceiver()
    yield receiver
    receiver.close()


# The notifier on its own --------------------------------------------------------------------
@pytest.fixture
def engine_with_case(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'n.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        resident = Resident(line_user_id="U" + "a" * 32)
        session.add(resident)
        session.flush()
        case = Case(resident_id=resident.id, priority="emergency", priority_rank=0,
                    status="waiting", fields=[], patterns=[], handoff_reasons=[])
        session.add(case)
        session.commit()
        yield engine, case.id, resident.case_code
    engine.dispose()


def test_webhook_and_email_carry_case_code_and_priority_only(engine_with_case, webhook, smtp):
    engine, case_id, code = engine_with_case
    settings = Settings(alert_webhook_url=webhook.url, smtp_host="127.0.0.1", smtp_port=smtp.port,
                        alert_email_to="oncall@example.org", public_base_url="http://city.example")
    notifier = Notifier(settings, engine, background=False)
    assert notifier.configured and notifier.channels == ["webhook", "email"]
    notifier(case_id, "emergency")
    body = webhook.wait_for(1)[0]
    assert body == {"case_code": code, "priority": "emergency", "event": "alert",
                    "at": body["at"]}
    mail = smtp.wait_for(1)[0]
    assert "oncall@example.org" in mail["rcpt"][0]
    message = smtp.message()
    assert code in message["Subject"] and "緊急" in message["Subject"]
    assert "U" + "a" * 32 not in mail["data"].decode("utf-8", "replace")


def test_updates_of_one_case_are_throttled(engine_with_case, webhook):
    engine, case_id, _ = engine_with_case
    notifier = Notifier(Settings(alert_webhook_url=webhook.url), engine, background=False)
    notifier(case_id, "emergency")
    notifier(case_id, "update")
    notifier(case_id, "update")              # within five minutes of the last update
    assert [b["event"] for b in webhook.wait_for(2)] == ["alert", "update"]
    time.sleep(0.2)
    assert len(webhook.bodies) == 2


def test_a_receiver_down_is_retried_and_never_raises(engine_with_case):
    engine, case_id, _ = engine_with_case
    failing = WebhookReceiver(status=500)
    try:
        notifier = Notifier(Settings(alert_webhook_url=failing.url), engine, background=False)
        notifier(case_id, "emergency")      # three attempts, then logged
        assert len(failing.raw) == 3 and notifier.sent == []
    finally:
        failing.close()


def test_without_channels_nothing_is_sent(engine_with_case):
    engine, case_id, _ = engine_with_case
    notifier = Notifier(Settings(), engine, background=False)
    assert not notifier.configured
    notifier(case_id, "emergency")
    assert notifier.sent == []
