"""Where a resident should go: the 相談窓口 near them and the national lines for crises.

    from bot.directory import get_directory
    d = get_directory()
    area = d.resolve_area("富山県射水市", text="七美に住んでます")
    matches = d.search("富山県射水市", ["kaigo"], area)

Data: data/resource_directory.yaml (schema in its header and in models.py).
"""
from __future__ import annotations

import threading
from pathlib import Path

from .core import DEFAULT_PATH, Directory, DirectoryError, haversine_km, normalize
from .models import AreaResolution, NationalLine, Window, WindowMatch

__all__ = ["AreaResolution", "Directory", "DirectoryError", "NationalLine", "Window",
           "WindowMatch", "get_directory", "haversine_km", "normalize", "DEFAULT_PATH"]

_cache: dict[str, Directory] = {}
_lock = threading.Lock()


def get_directory(path: str | Path | None = None) -> Directory:
    """The directory, loaded once per path (argument, else Settings.directory_path, i.e.
    $DIRECTORY_PATH or the default). Raises DirectoryError naming the file, entry and field
    when the file is invalid. The service passes it to the flows in FlowContext."""
    if path is None:
        from bot.config import Settings
        path = Settings().directory_path
    resolved = str(Path(path).resolve())
    with _lock:
        if resolved not in _cache:
            _cache[resolved] = Directory.load(resolved)
        return _cache[resolved]


def clear_cache() -> None:
    with _lock:
        _cache.clear()
