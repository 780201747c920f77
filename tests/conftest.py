"""Shared fixtures: the whole service on a loopback port, LINE played by the emulator,
on SQLite and on PostgreSQL. Helpers (no fixtures) are in tests/helpers.py.

Layers: unit/ (pure, no service), service/ (the whole service through the emulator),
admin/ (the staff web app), drills/ (failures: crashes, outages, pressure, hostile input)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

from bot import clock
from bot.clock import FrozenClock, from_jst
from helpers import MONDAY_10, Service, empty_all_tables, start_service

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:  # no server here: say why
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(error).__name__}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private schema in the test database, dropped at the end of the run."""
    problem = _postgres_available()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: PostgreSQL tests must run)")
        pytest.skip(problem)
    schema = "t_" + secrets.token_hex(4)
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    empty_all_tables(create_engine(url))


@pytest.fixture
def service(database_url) -> Iterator[Service]:
    svc, server = start_service(database_url)
    try:
        yield svc
    finally:
        server.stop()
        svc.engine.dispose()           # return PostgreSQL connections at once
        clock.set_clock(None)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    """Time stands still at a weekday morning (MONDAY_10 JST) until the test moves it."""
    frozen_clock = FrozenClock(from_jst(MONDAY_10))
    clock.set_clock(frozen_clock)
    yield frozen_clock
    clock.set_clock(None)


# A real browser (browser tests: tests/admin/test_browser_admin.py, tests/service/test_browser_phone.py)
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--no-first-run",
               "--disable-sync", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture
def chromium():
    """Debian's Chromium driven by Playwright; skipped where missing, except under CI=true."""
    if not Path(CHROMIUM).exists():
        reason = f"no system Chromium at {CHROMIUM} (install Debian's chromium package)"
        if IN_CI:
            pytest.fail(reason + " — CI=true: browser tests must run")
        pytest.skip(reason)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        if IN_CI:
            pytest.fail(f"playwright is not installed: {error}")
        pytest.skip(f"playwright is not installed: {error}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def sqlite_service(tmp_path) -> Iterator[Service]:
    """The service on SQLite only: a browser adds the rendering, not the database."""
    service, server = start_service(f"sqlite:///{tmp_path / 'browser.db'}")
    try:
        yield service
    finally:
        server.stop()
        clock.set_clock(None)
