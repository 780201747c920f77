"""Shared fixtures: the whole service on a loopback port, LINE played by the emulator,
on SQLite and on PostgreSQL."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bot import clock
from bot.demo import DemoService, build_emulated_service
from bot.emulator import LinePlatform, ResidentPhone, make_user_id
from bot.emulator.liveserver import LiveServer, free_port

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
SHARED = Path(__file__).resolve().parents[2] / "shared"


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
    _empty_all_tables(create_engine(url))


def _empty_all_tables(engine: Engine) -> None:
    from sqlmodel import SQLModel
    with engine.begin() as connection:
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@dataclass
class Service:
    base_url: str
    demo: DemoService

    @property
    def platform(self) -> LinePlatform:
        return self.demo.platform

    @property
    def runtime(self):
        return self.demo.app.state.runtime

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    def resident(self, user_id: str | None = None) -> ResidentPhone:
        return ResidentPhone(user_id or make_user_id(), self.platform, f"{self.base_url}/callback",
                        self.demo.settings.line_channel_secret)


def start_service(database_url: str, **overrides) -> tuple[Service, LiveServer]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    demo = build_emulated_service(base_url, database_url, worker_poll_s=0.2, **overrides)
    server = LiveServer(demo.app, port=port)
    server.start()
    return Service(base_url, demo), server


@pytest.fixture
def service(database_url) -> Iterator[Service]:
    svc, server = start_service(database_url)
    try:
        yield svc
    finally:
        server.stop()
        svc.engine.dispose()           # return PostgreSQL connections at once
        clock.set_clock(None)
