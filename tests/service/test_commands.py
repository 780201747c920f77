"""The command line: serve refuses to start without its settings, create-staff, demo."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from bot.security import verify_password
from bot.db import make_engine
from bot.emulator.liveserver import free_port
from bot.models import StaffUser
from helpers import AdminClient

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "SECRET_KEY", "DATABASE_URL")


def run_bot(*args: str, env: dict | None = None, stdin: str = "", timeout: float = 60):
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, env={**clean, **(env or {})},
                          timeout=timeout)


def test_serve_exits_with_a_clear_message_when_settings_are_missing(tmp_path):
    result = run_bot("serve", "--port", "1", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 2
    assert "LINE_CHANNEL_SECRET" in result.stderr and "SECRET_KEY" in result.stderr


def test_serve_exits_with_a_clear_message_when_the_secret_key_is_short(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "LINE_CHANNEL_SECRET": "s",
           "LINE_CHANNEL_ACCESS_TOKEN": "t", "SECRET_KEY": "abc"}
    result = run_bot("serve", "--port", "1", env=env)
    assert result.returncode == 2
    assert "SECRET_KEY must be at least 32 bytes" in result.stderr


@pytest.mark.parametrize("switch", [{"DEMO": "true"}, {"DEMO": "1", "demo": "yes"}])
def test_no_setting_turns_the_demo_on_for_serve(tmp_path, switch):
    """The demo is its own command: a DEMO variable does not lift serve's checks."""
    result = run_bot("serve", "--port", "1",
                     env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", **switch})
    assert result.returncode == 2
    assert "LINE_CHANNEL_SECRET" in result.stderr and "SECRET_KEY" in result.stderr


def test_create_staff_reads_the_password_from_stdin(tmp_path):
    url = f"sqlite:///{tmp_path}/staff.db"
    result = run_bot("create-staff", "--login", "sato", "--role", "admin", "--password-stdin",
                     env={"DATABASE_URL": url}, stdin="correct horse battery\n")
    assert result.returncode == 0, result.stderr
    assert "correct horse" not in result.stdout + result.stderr
    with Session(make_engine(url)) as session:
        staff = session.exec(select(StaffUser).where(StaffUser.login == "sato")).one()
        assert staff.role == "admin"
        assert verify_password(staff.password_hash, "correct horse battery")
    again = run_bot("create-staff", "--login", "sato", "--password-stdin",
                    env={"DATABASE_URL": url}, stdin="another password\n")
    assert again.returncode == 1 and "exists" in again.stderr


def test_create_staff_refuses_a_short_password(tmp_path):
    result = run_bot("create-staff", "--login", "x", "--password-stdin",
                     env={"DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}, stdin="short\n")
    assert result.returncode == 2 and "12 characters" in result.stderr
    common = run_bot("create-staff", "--login", "x", "--password-stdin",
                     env={"DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}, stdin="Password2026!\n")
    assert common.returncode == 2 and "common password" in common.stderr


def test_demo_serves_the_phone_page_the_admin_and_the_terms(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--seed", "--port", str(port)], cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/demo.db"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        printed = _read_until(process, "second factor", timeout=90)
        passwords = dict(re.findall(r"^ {4}(demo-[a-z-]+) +(\S+)$", printed, re.MULTILINE))
        # the admin and the three seeded staff, each with its own random password
        assert set(passwords) == {"demo-admin", "demo-staff-sato", "demo-staff-kimura",
                                  "demo-staff-yamada"}
        assert len(set(passwords.values())) == 4
        assert all(len(password) >= 16 for password in passwords.values())
        with Session(make_engine(f"sqlite:///{tmp_path}/demo.db")) as session:
            for login, password in passwords.items():
                staff = session.exec(select(StaffUser).where(StaffUser.login == login)).one()
                assert verify_password(staff.password_hash, password), login
        assert f"http://127.0.0.1:{port}/emulator/phone" in printed
        assert f"http://127.0.0.1:{port}/admin/" in printed
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base)
        phone = httpx.get(f"{base}/emulator/phone")
        assert phone.status_code == 200 and "<html" in phone.text.lower()
        terms = httpx.get(f"{base}/terms")
        assert terms.status_code == 200 and "削除" in terms.text and "110" in terms.text
        # the demo sets its rich menu on the emulator, for the phone page to draw
        menu = _wait_for(lambda: httpx.get(f"{base}/emulator/phone/api/richmenu").json()["richMenu"])
        assert [a["action"]["data"] for a in menu["areas"]][:3] == ["a=consult", "a=windows", "a=staff"]
        # the printed password works; an admin sets up the second factor first
        admin = AdminClient(base)
        response = admin.login("demo-admin", passwords["demo-admin"])
        assert response.headers["location"] == "/admin/account/totp"
        staff = AdminClient(base)
        assert staff.login("demo-staff-sato", passwords["demo-staff-sato"]).headers[
            "location"] == "/admin/queue"
    finally:
        process.terminate()
        process.wait(15)


def _read_until(process, marker: str, timeout: float) -> str:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if marker in line:
            return "".join(lines)
    raise AssertionError("demo did not print its URLs:\n" + "".join(lines))


def _wait_for(value, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = value()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def _wait_healthy(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("demo did not become healthy")


def test_demo_passwords_are_fresh_and_random_at_every_start(tmp_path):
    from bot.db import create_schema
    from bot.demo import reset_demo_passwords
    from bot.seed import seed_demo_data

    engine = make_engine(f"sqlite:///{tmp_path}/demo.db")
    create_schema(engine)
    seed_demo_data(engine, cases=1)
    with Session(engine) as session:          # seeded accounts: no password anyone knows
        sato = session.exec(select(StaffUser).where(StaffUser.login == "demo-staff-sato")).one()
        assert not verify_password(sato.password_hash, "")
    first, second = reset_demo_passwords(engine), reset_demo_passwords(engine)
    assert set(first) == set(second) and len(first) == 4
    for login in first:
        assert first[login] != second[login]
        with Session(engine) as session:
            staff = session.exec(select(StaffUser).where(StaffUser.login == login)).one()
            assert verify_password(staff.password_hash, second[login])
            assert not verify_password(staff.password_hash, first[login])
