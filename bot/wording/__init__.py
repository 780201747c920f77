"""Every sentence the resident reads lives in the YAML files of this folder.

`say("onboarding.greeting", city="射水市")` returns the text with its placeholders filled.
Keys are "<file>.<name>"; a missing key or placeholder fails loudly at first use in tests.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

_FOLDER = Path(__file__).parent


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, str]:
    catalogue: dict[str, str] = {}
    for path in sorted(_FOLDER.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, text in entries.items():
            catalogue[f"{path.stem}.{name}"] = str(text).rstrip("\n")
    return catalogue


def say(key: str, **values: object) -> str:
    return _catalogue()[key].format(**values)


def has(key: str) -> bool:
    return key in _catalogue()
