"""Small helpers."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional


def aware(moment: Optional[datetime]) -> Optional[datetime]:
    """Values read back from SQLite (and timestamp columns) are naive UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
