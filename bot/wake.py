"""Waking workers in other processes when the webhook stores an event (PostgreSQL).

The webhook's transaction sends `NOTIFY inbound_event` (delivered at its commit); each
worker process keeps one connection listening and wakes its worker at once, so a worker
apart from the web processes answers as quickly as one inside them. Without PostgreSQL
(SQLite: one process in production) workers poll every WORKER_POLL_S.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable, Optional

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from bot.db import is_postgres

log = logging.getLogger(__name__)
CHANNEL = "inbound_event"
_ANNOUNCE = text(f"SELECT pg_notify('{CHANNEL}', '')")


def announce(connection: Connection) -> None:
    """Inside the transaction that stores events: listeners hear it when it commits."""
    if connection.dialect.name == "postgresql":
        connection.execute(_ANNOUNCE)


class Listener:
    """A thread that calls `on_wake` whenever an event is announced (PostgreSQL only)."""

    def __init__(self, engine: Engine, on_wake: Callable[[], None], reconnect_s: float = 2.0):
        self.engine = engine
        self.on_wake = on_wake
        self.reconnect_s = reconnect_s
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        if not is_postgres(self.engine):
            return
        self._thread = threading.Thread(target=self._run, name="wake-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(3)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as error:           # the database went away: listen again
                log.warning("wake listener: %s; polling until it is back",
                            type(error).__name__)
                self._stop.wait(self.reconnect_s)

    def _listen(self) -> None:
        raw = self.engine.raw_connection()
        try:
            connection = raw.driver_connection
            connection.autocommit = True         # type: ignore[union-attr]
            connection.execute(f"LISTEN {CHANNEL}")  # type: ignore[union-attr]
            self.on_wake()                       # anything stored while we were not listening
            while not self._stop.is_set():
                for _ in connection.notifies(timeout=1.0):  # type: ignore[union-attr]
                    self.on_wake()
        finally:
            raw.invalidate()                     # never hand a LISTENing connection back
