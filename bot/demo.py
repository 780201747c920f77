"""`python -m bot demo`: the whole service on one machine, the built-in emulator as LINE."""
from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.security import hash_password
from bot.app import create_app
from bot.config import VAR_DIR, DemoSettings, Settings
from bot.emulator import LinePlatform
from bot.emulator.mount import install_emulator
from bot.models import RecoveryCode, StaffUser

DEMO_STAFF_LOGIN = "demo-admin"


@dataclass
class DemoService:
    app: FastAPI
    platform: LinePlatform
    settings: Settings


def build_emulated_service(base_url: str, database_url: str, **overrides) -> DemoService:
    """The service wired to the built-in emulator (used by the demo and by the tests)."""
    secret, token = secrets.token_hex(16), secrets.token_urlsafe(24)
    settings = DemoSettings(line_channel_secret=secret, line_channel_access_token=token,
                            line_api_host=f"{base_url}/emulator", public_base_url=base_url,
                            secret_key=secrets.token_hex(32), database_url=database_url,
                            **overrides)
    platform = LinePlatform(secret, token)

    def mount(app: FastAPI) -> None:
        install_emulator(app, platform, lambda: f"{base_url}/callback", secret)

    app = create_app(settings, mount_extras=mount)
    return DemoService(app, platform, settings)


def reset_demo_passwords(engine) -> dict[str, str]:
    """Give the demo admin (created when missing) and the seeded demo staff a fresh random
    password each, unlocked and without a second factor (admins set one up at their first
    login); returns {login: password} to be printed once. Nothing in the production app
    creates an account with a password anyone could know in advance."""
    from bot.seed import STAFF
    logins = [DEMO_STAFF_LOGIN] + [login for login, _name, _role in STAFF]
    passwords: dict[str, str] = {}
    with Session(engine) as session:
        for login in logins:
            staff = session.exec(select(StaffUser).where(StaffUser.login == login)).first()
            if staff is None and login != DEMO_STAFF_LOGIN:
                continue                      # seeded accounts exist only after --seed
            if staff is None:
                staff = StaffUser(login=login, display_name="デモ管理者", role="admin",
                                  password_hash="")
            passwords[login] = secrets.token_urlsafe(12)
            staff.password_hash = hash_password(passwords[login])
            staff.failed_logins, staff.locked_until, staff.disabled = 0, None, False
            staff.totp_secret, staff.totp_enabled_at, staff.totp_last_step = None, None, None
            session.add(staff)
            session.flush()
            session.exec(delete(RecoveryCode).where(col(RecoveryCode.staff_id) == staff.id))
        session.commit()
    return passwords


def run_demo(host: str, port: int, seed: bool = False) -> int:
    import uvicorn

    base_url = f"http://{host}:{port}"
    database_url = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'demo.db'}")
    service = build_emulated_service(base_url, database_url)
    engine = service.app.state.runtime.engine
    if seed:
        from bot.seed import seed_demo_data
        count = seed_demo_data(engine)
        print(f"seeded {count} synthetic cases")
    passwords = reset_demo_passwords(engine)
    print("\n".join([
        "",
        "くらしの相談LINE — demo (SQLite + built-in LINE emulator; LINE is never called)",
        f"  resident's phone : {base_url}/emulator/phone",
        f"  staff admin page : {base_url}/admin/",
        f"  database         : {database_url}",
        "  staff logins (new random passwords at every start, shown only here):",
        *(f"    {login:<20} {password}" for login, password in passwords.items()),
        "  admins set up a second factor (any TOTP authenticator app) at their first login.",
        "",
    ]), flush=True)
    threading.Thread(target=install_rich_menu, args=(service, base_url), daemon=True,
                     name="demo-richmenu").start()
    uvicorn.run(service.app, host=host, port=port, log_level="warning", proxy_headers=False)
    return 0


def install_rich_menu(service: DemoService, base_url: str, timeout: float = 60.0) -> None:
    """Once the demo answers, set the rich menu on its emulator as `python -m bot richmenu`
    would on LINE, so the phone page draws it."""
    import httpx

    from bot.line import richmenu

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    try:
        richmenu.install(service.settings.line_api_host,
                         service.settings.line_channel_access_token)
    except richmenu.FontNotFound as error:
        print(f"note: the phone page shows no rich menu: {error}", flush=True)
