"""Engine, sessions and the schema. SQLite by default, PostgreSQL in production."""
from __future__ import annotations

import threading
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, create_engine

from bot import models  # noqa: F401  (registers the tables)

T = TypeVar("T")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A pool as large as the webhook's thread pool can use, so connections (and their
        # PRAGMAs) are not opened and closed per request under load.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=20, max_overflow=20)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the webhook insert while the worker reads; busy_timeout waits out writers.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def create_schema(engine: Engine) -> None:
    """Create missing tables. (Columns added later need a migration; see docs/operations.md.)"""
    SQLModel.metadata.create_all(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class WriteGate:
    """Lets the webhook's one-row insert write before background writers on SQLite.

    SQLite has one writer at a time, and its busy handler makes a waiting writer poll with
    growing sleeps (1, 2, 5, 10 … 100 ms). A worker writing back to back therefore starves
    the webhook, whose answer LINE is waiting for. Background writers call `wait_turn()`
    before each write transaction: while a webhook insert is pending they wait (at most
    `max_wait_s`, so they are never stopped for long). On PostgreSQL it does nothing.
    """

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._changed = threading.Condition()
        self._urgent = 0

    @contextmanager
    def urgent(self) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        with self._changed:
            self._urgent += 1
        try:
            yield
        finally:
            with self._changed:
                self._urgent -= 1
                if not self._urgent:
                    self._changed.notify_all()

    def wait_turn(self, max_wait_s: float = 0.2) -> None:
        if not self.enabled or not self._urgent:
            return
        with self._changed:
            self._changed.wait_for(lambda: not self._urgent, timeout=max_wait_s)


_gates: "weakref.WeakKeyDictionary[Engine, WriteGate]" = weakref.WeakKeyDictionary()
_gates_lock = threading.Lock()


def write_gate(engine: Engine) -> WriteGate:
    with _gates_lock:
        gate = _gates.get(engine)
        if gate is None:
            gate = _gates[engine] = WriteGate(engine.dialect.name == "sqlite")
        return gate


def with_db_retry(work: Callable[[], T], attempts: int = 5, pause_s: float = 0.2) -> T:
    """Run `work` again when the database was briefly unavailable
    (SQLite 'database is locked', a dropped PostgreSQL connection)."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except OperationalError:
            if attempt == attempts:
                raise
            time.sleep(pause_s * attempt)
    raise AssertionError("unreachable")
