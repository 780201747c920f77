"""Fixtures of the emulator tests: the built-in LINE platform served on a loopback port,
reached through the real line-bot-sdk (`api`) or plain HTTP (`raw`)."""
from __future__ import annotations

import time
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi

from bot import clock
from bot.clock import FrozenClock, from_jst
from bot.emulator import LinePlatform, create_emulator_app
from bot.emulator.liveserver import LiveServer
from helpers import EMULATOR_SECRET as SECRET
from helpers import EMULATOR_TOKEN as TOKEN


@pytest.fixture(scope="module")
def served():
    platform = LinePlatform(SECRET, TOKEN)
    app = FastAPI()
    app.mount("/emulator", create_emulator_app(platform))
    with LiveServer(app) as url:
        yield platform, url + "/emulator"


@pytest.fixture
def platform(served):
    platform, _ = served
    platform.reset()
    platform.clock = time.time
    yield platform
    platform.reset()
    platform.clock = time.time


@pytest.fixture
def host(served):
    return served[1]


@pytest.fixture
def api(platform, host):
    with ApiClient(Configuration(host=host, access_token=TOKEN)) as client:
        yield MessagingApi(client)


@pytest.fixture
def raw(platform, host):
    with httpx.Client(base_url=host, headers={"Authorization": f"Bearer {TOKEN}"},
                      timeout=10) as client:
        yield client


@pytest.fixture
def at_jst():
    """Sets the clock to a JST wall-clock moment (in the past: reply tokens still hold)."""
    def set_to(moment: datetime) -> None:
        clock.set_clock(FrozenClock(from_jst(moment)))
    yield set_to
    clock.set_clock(None)
