"""Wire the emulator into the main app in the one order that works."""
from __future__ import annotations

from typing import Callable

from fastapi import FastAPI

from .api import create_emulator_app
from .phone import phone_router
from .platform import LinePlatform


def install_emulator(app: FastAPI, platform: LinePlatform,
                     callback_url_getter: Callable[[], str], channel_secret: str) -> None:
    """Serve the phone page at /emulator/phone and the Messaging API at /emulator.

    The phone routes go first: a Mount at /emulator matches every path below it.
    The bot's LINE_API_HOST is then http://HOST:PORT/emulator.
    """
    app.include_router(phone_router(platform, callback_url_getter, channel_secret))
    app.mount("/emulator", create_emulator_app(platform))
