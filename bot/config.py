"""Settings from the environment (names are a contract: see ARCHITECTURE.md)."""
from __future__ import annotations

from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Optional

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")
DEFAULT_DIRECTORY_PATH = Path(__file__).resolve().parents[1] / "data" / "resource_directory.yaml"


MIN_SECRET_KEY_BYTES = 32


class MissingSetting(RuntimeError):
    """A setting required outside the demo is not set (or is too weak to use)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    line_channel_secret: str = ""
    line_channel_access_token: str = ""
    line_api_host: str = "https://api.line.me"
    database_url: str = f"sqlite:///{VAR_DIR / 'yorisoi.db'}"
    municipality: str = "富山県射水市"
    secret_key: str = ""
    public_base_url: str = "http://127.0.0.1:8000"   # how residents' phones reach /terms
    directory_path: Path = DEFAULT_DIRECTORY_PATH      # the windows (data/resource_directory.yaml)
    # The tagger's model: None = the shipped data/nlp/model.npz; a deployment's own, trained
    # with its staff's corrections (bot/tagger_model.py), otherwise.
    nlp_model_path: Optional[Path] = None

    business_open: time = time(8, 30)          # JST, weekdays, not on holidays / 12/29-1/3
    business_close: time = time(17, 15)
    reply_token_max_age_s: float = 50.0        # LINE accepts ~1 min; keep a margin
    outbox_retry_hours: float = 24.0
    push_quota_per_month: int = 200            # free plan
    worker_poll_s: float = 1.0
    scheduler_enabled: bool = True
    alert_webhook_url: str = ""                # on-call alert (outgoing JSON webhook)
    smtp_host: str = ""
    smtp_port: int = 25
    alert_email_to: str = ""
    alert_email_from: str = "yorisoi@localhost"
    smtp_user: str = ""                        # on-call e-mail (bot/notifier.py)
    smtp_password: str = ""
    smtp_starttls: bool = False
    # Also tell the on-call channel when a resident writes on a case assigned to someone
    # (case code only; at most one per case per 5 minutes; bot/notifier.py).
    alert_new_messages: bool = False
    line_api_data_host: str = ""               # blob API (rich menu image); "" = derived from LINE_API_HOST
    retention_days: int = 365
    quiet_hours_start: time = time(20, 0)
    quiet_hours_end: time = time(8, 0)
    followup_after_windows_days: int = Field(7, ge=1)
    followup_after_close_days: int = Field(14, ge=1)
    # Follow-up policies (bot/followups). Quiet hours above apply to every follow-up.
    followup_after_windows_enabled: bool = True  # 「その後、窓口にはつながりましたか？」
    followup_after_close_enabled: bool = True    # a gentle check-in after a case closed
    followup_send_time: time = time(10, 0)       # JST time of day for policy follow-ups
    followup_cancel_on_resident_message: bool = True   # resident wrote again: drop automatic ones
    followup_cancel_on_staff_take: bool = True   # staff hold the case: drop automatic ones
    followup_push_budget: int = Field(150, ge=0)  # pushes/month before automatic ones are held; 0 = no budget
    followup_answer_window_days: int = Field(14, ge=1)  # a text this soon after a follow-up answers it
    followup_plan_grace_days: int = Field(3, ge=0)      # how late a missed policy follow-up still goes
    followup_dispatch_every_s: float = 3.0
    followup_plan_every_s: float = 60.0
    followup_claim_timeout_s: float = 120.0      # a claimed follow-up this old is reclaimed
    followup_batch_size: int = Field(50, ge=1)
    retention_every_s: float = 3600.0
    # Staff sessions (admin/session.py): logged out after this long without a request,
    # whatever the absolute 12 h lifetime says.
    admin_idle_timeout_minutes: int = Field(30, ge=1, le=720)
    # The header the TLS-terminating proxy sets to the client's address (e.g.
    # X-Forwarded-For, X-Real-IP); the audit log reads it only when set, else the socket peer.
    trusted_proxy_header: str = ""

    @property
    def demo(self) -> bool:
        """False: no setting turns the demo on. Only `python -m bot demo` (bot/demo.py) builds
        DemoSettings, with its own random secrets; `serve` always runs with these checks."""
        return False

    @property
    def city(self) -> str:
        """富山県射水市 -> 射水市 (the name residents use)."""
        for marker in ("都", "道", "府", "県"):
            if marker in self.municipality[:4]:
                return self.municipality.split(marker, 1)[1]
        return self.municipality

    def require_production_settings(self) -> None:
        missing = [name.upper() for name in
                   ("line_channel_secret", "line_channel_access_token", "secret_key")
                   if not getattr(self, name)]
        if missing:
            raise MissingSetting(
                "missing required setting(s): " + ", ".join(missing)
                + " (set them in the environment; `python -m bot demo` needs none)")
        if len(self.secret_key.encode()) < MIN_SECRET_KEY_BYTES:
            raise MissingSetting(
                f"SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes long (it signs staff "
                "sessions); generate one with: python -c 'import secrets; print(secrets.token_hex(32))'")


@lru_cache
def get_settings() -> Settings:
    return Settings()


class DemoSettings(Settings):
    """The demo's settings (bot/demo.py and the tests): the built-in emulator plays LINE with
    secrets made at start, and cookies work over plain http on the loopback."""
    @property
    def demo(self) -> bool:
        return True

    def require_production_settings(self) -> None:
        return None
