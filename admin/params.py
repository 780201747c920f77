"""Bounded request parameters shared by the staff routes: a value out of range is a 400
with a reason (bot.webguard), never a database overflow or a 500."""
from __future__ import annotations

from typing import Annotated, Optional

from fastapi import Form, Path, Query

MAX_ROW_ID = 2**31 - 1          # the database's integer columns
MAX_PAGE = 100_000

Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Version = Annotated[int, Form(ge=0, le=MAX_ROW_ID)]
RefreshSeconds = Annotated[Optional[float], Query(allow_inf_nan=False)]
AuditAction = Annotated[Optional[str], Query(max_length=32, pattern=r"^[a-z0-9_.]*$")]


def row_id(value: str) -> Optional[int]:
    """A form field naming a row: its id, or None when it is not one."""
    return int(value) if value.isdigit() and 1 <= int(value) <= MAX_ROW_ID else None
