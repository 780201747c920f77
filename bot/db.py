"""Engine, sessions and the schema. SQLite by default, PostgreSQL in production."""
from __future__ import annotations

import time
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
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
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
