"""On-call alerts: an outgoing JSON webhook and/or an e-mail, when a case needs staff now.

What leaves the service is the case code, the priority and whether this is a new alert, a
later message on an emergency case, or (ALERT_NEW_MESSAGES=true) a resident writing on a
case assigned to a staff member — never the resident's text, never a LINE user ID. Staff
read the case in the admin page.

    ALERT_WEBHOOK_URL=https://chat.example.org/hooks/…   (JSON POST)
    SMTP_HOST / SMTP_PORT / SMTP_USER / SMTP_PASSWORD / SMTP_STARTTLS
    ALERT_EMAIL_TO (comma-separated) / ALERT_EMAIL_FROM

Sending happens on a background thread after the event's transaction has committed, so a
slow receiver never delays the resident's reply. Failures are retried a few times and
logged (without content); they never break the conversation.
"""
from __future__ import annotations

import logging
import smtplib
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Callable, Optional

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import clock
from bot.config import Settings
from bot.models import Case, Resident

log = logging.getLogger(__name__)

TIMEOUT_S = 5.0
ATTEMPTS = 3
UPDATE_EVERY_S = 300.0          # later messages of one case: one alert per 5 minutes
PRIORITY_JA = {"emergency": "緊急", "high": "高", "normal": "通常"}


@dataclass(frozen=True)
class OnCallAlert:
    case_code: str
    priority: str
    event: str                  # "alert" (new) / "update" (a later message, emergency case)
                                # / "message" (the resident wrote on an assigned case)
    at: str                     # ISO time, UTC

    def payload(self) -> dict:
        return {"case_code": self.case_code, "priority": self.priority, "event": self.event,
                "at": self.at}


class Notifier:
    """The worker's on_alert hook: `notifier(case_id, reason)`."""

    def __init__(self, settings: Settings, engine: Engine, background: bool = True):
        self.settings = settings
        self.engine = engine
        self.background = background
        self._last_update: dict[int, float] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.sent: list[tuple[str, OnCallAlert]] = []           # (channel, alert), for the record

    @property
    def channels(self) -> list[str]:
        found = []
        if self.settings.alert_webhook_url:
            found.append("webhook")
        if self.settings.smtp_host and self.settings.alert_email_to:
            found.append("email")
        return found

    @property
    def configured(self) -> bool:
        return bool(self.channels)

    def __call__(self, case_id: int, reason: str) -> None:
        if reason == "message" and not (self.settings.alert_new_messages and self.configured):
            return                  # not asked for: the staff page shows it (unread, live)
        if not self.configured:
            log.warning("case %s needs staff now, but no on-call channel is configured", case_id)
            return
        event = reason if reason in ("update", "message") else "alert"
        if event != "alert" and not self._update_due(case_id):
            return
        alert = self._describe(case_id, event)
        if alert is None:
            return
        if self.background:
            thread = threading.Thread(target=self.send, args=(alert,), daemon=True,
                                      name=f"alert-{alert.case_code}")
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()
        else:
            self.send(alert)

    def wait(self, timeout: float = 10.0) -> None:
        """Let alerts in flight finish (tests, shutdown)."""
        for thread in list(self._threads):
            thread.join(timeout)

    def _update_due(self, case_id: int) -> bool:
        now = time.monotonic()
        with self._lock:
            last = self._last_update.get(case_id)
            if last is not None and now - last < UPDATE_EVERY_S:
                return False
            self._last_update[case_id] = now
            return True

    def _describe(self, case_id: int, event: str) -> Optional[OnCallAlert]:
        with Session(self.engine) as session:
            case = session.get(Case, case_id)
            resident = session.get(Resident, case.resident_id) if case else None
            if case is None or resident is None:
                return None
            return OnCallAlert(resident.case_code, case.priority, event, clock.now().isoformat())

    # Channels ----------------------------------------------------------------------------
    def send(self, alert: OnCallAlert) -> dict[str, bool]:
        results = {}
        for channel, sender in (("webhook", self._webhook), ("email", self._email)):
            if channel not in self.channels:
                continue
            results[channel] = _with_retries(lambda send=sender: send(alert), channel, alert)
            if results[channel]:
                self.sent.append((channel, alert))
        return results

    def _webhook(self, alert: OnCallAlert) -> None:
        response = httpx.post(self.settings.alert_webhook_url, json=alert.payload(),
                              timeout=TIMEOUT_S)
        response.raise_for_status()

    def _email(self, alert: OnCallAlert) -> None:
        s = self.settings
        message = EmailMessage()
        level = PRIORITY_JA.get(alert.priority, alert.priority)
        kind = {"alert": "新しい要対応", "message": "担当中の相談に新しいメッセージ"}.get(
            alert.event, "追加のメッセージ")
        message["Subject"] = f"[くらしの相談LINE] {kind}：{alert.case_code}（優先度 {level}）"
        message["From"] = s.alert_email_from
        message["To"] = s.alert_email_to
        message.set_content("\n".join([
            (f"ケース {alert.case_code} に、相談者から新しいメッセージがあります（優先度：{level}）。"
             if alert.event == "message" else
             f"ケース {alert.case_code} に、すぐの対応が必要です（優先度：{level}）。"),
            "内容は管理画面で確認してください（このメールには書いていません）。",
            f"{s.public_base_url}/admin/",
            f"時刻（UTC）：{alert.at}",
        ]))
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT_S) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(message, to_addrs=[a.strip() for a in s.alert_email_to.split(",")
                                                 if a.strip()])


def _with_retries(send: Callable[[], None], channel: str, alert: OnCallAlert) -> bool:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            send()
            log.info("on-call %s sent for case %s (%s)", channel, alert.case_code, alert.event)
            return True
        except Exception as error:   # a receiver down must not stop the next channel
            log.warning("on-call %s for case %s failed (attempt %s): %s", channel,
                        alert.case_code, attempt, type(error).__name__)
            if attempt < ATTEMPTS:
                time.sleep(0.5 * attempt)
    return False
