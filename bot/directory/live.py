"""The directory the service uses: the YAML file with the deployment's edits over it.

`LiveDirectory` is the one owner of that state. It keeps the effective directory built
from the file (loaded once) and the WindowOverride rows, keyed by the rows' revision (the
sum of their versions, which every edit raises). Each `current()` reads that revision, one
small query, so an edit made here or by another process sharing the database is used by
the very next message; `edit()` writes a change, audits it and drops the cached copy.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, select

from bot import clock
from bot.models import AuditLog, WindowOverride

from . import get_directory
from .core import Directory
from .overrides import (EditRejected, apply_overrides, changed_fields, check_sources, overlay,
                        stored, value_text)

log = logging.getLogger(__name__)
AUDIT_DETAIL_MAX = 500          # AuditLog.detail
# Every edit raises one row's version by one: the sum changes with every edit.
REVISION = select(func.coalesce(func.sum(WindowOverride.version), 0))   # type: ignore[arg-type]


class EditConflict(Exception):
    """Someone saved this window since the form was drawn."""


@dataclass(frozen=True)
class Edit:
    window_id: str
    changed: list[str]
    version: int                # the row's version after the edit


class LiveDirectory:
    def __init__(self, engine: Engine, path: str | Path):
        self.engine = engine
        self.path = path
        self._lock = threading.Lock()
        self._revision: Optional[int] = None
        self._effective: Optional[Directory] = None

    def base(self) -> Directory:
        """The file alone (raises DirectoryError when it is invalid)."""
        return get_directory(self.path)

    def current(self) -> Directory:
        """The effective directory, rebuilt when the overrides changed since last time."""
        try:
            with self.engine.connect() as connection:
                revision = int(connection.execute(REVISION).scalar_one())
            rows = self.overrides() if revision != self._revision else None
        except SQLAlchemyError:
            # the database is away: the last directory known (the worker retries its events)
            log.warning("window overrides unreadable; using the last directory known", exc_info=True)
            with self._lock:
                return self._effective or self.base()
        with self._lock:
            if rows is not None:
                self._effective = apply_overrides(self.base(), rows)
                self._revision = revision
            assert self._effective is not None
            return self._effective

    def overrides(self) -> dict[str, dict[str, Any]]:
        """The edits as stored: window id -> the fields staff changed."""
        with Session(self.engine) as session:
            return {r.window_id: dict(r.values) for r in session.exec(select(WindowOverride))}

    def versions(self) -> dict[str, WindowOverride]:
        with Session(self.engine) as session:
            return {r.window_id: r for r in session.exec(select(WindowOverride))}

    def edit(self, session: Session, window_id: str, values: dict[str, Any], *,
             staff_id: Optional[int], expected_version: int) -> Edit:
        """Save `values` over the window when the form was drawn on `expected_version` (0: no
        edit yet). Raises KeyError (no such window), EditRejected (the reason) or
        EditConflict. Audits each changed field (before → after) and commits."""
        before = self.current().window(window_id)
        after = overlay(before, values)
        check_sources(before, after)
        changed = changed_fields(before, after)
        row = session.get(WindowOverride, window_id)
        version = row.version if row else 0
        if version != expected_version:
            raise EditConflict(window_id)
        if not changed:
            return Edit(window_id, [], version)
        kept = {**(row.values if row else {}), **{k: stored(getattr(after, k)) for k in changed}}
        now = clock.now()
        if row is None:
            session.add(WindowOverride(window_id=window_id, values=kept, version=1,
                                       updated_at=now, updated_by=staff_id))
        else:
            result = session.execute(
                update(WindowOverride)
                .where(WindowOverride.window_id == window_id,
                       WindowOverride.version == expected_version)   # type: ignore[arg-type]
                .values(values=kept, version=expected_version + 1, updated_at=now,
                        updated_by=staff_id))
            if result.rowcount != 1:                                  # type: ignore[attr-defined]
                session.rollback()
                raise EditConflict(window_id)
        for key in changed:
            detail = (f"window={window_id} {key}: {value_text(before, key)} → "
                      f"{value_text(after, key)}")
            session.add(AuditLog(staff_id=staff_id, action="window.edit", at=now,
                                 detail=detail[:AUDIT_DETAIL_MAX]))
        try:
            session.commit()
        except IntegrityError:          # a first edit saved at the same moment by someone else
            session.rollback()
            raise EditConflict(window_id) from None
        self.drop()
        return Edit(window_id, changed, expected_version + 1)

    def drop(self) -> None:
        """Forget the cached directory: the next `current()` rebuilds it."""
        with self._lock:
            self._revision = None


__all__ = ["Edit", "EditConflict", "EditRejected", "LiveDirectory"]
