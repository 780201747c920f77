"""Every sentence the resident reads lives in the YAML files of this folder.

`say("onboarding.greeting", city="射水市")` returns the text with its placeholders filled.
Keys are "<file>.<name>"; a missing key or placeholder fails loudly at first use in tests.

Three languages: standard Japanese (`ja`, the files here), やさしい日本語 (`easy`, the files
in easy/) and English (`en`, in en/). A translation has the same file and key; a key a
language does not have falls back to the standard Japanese one (only where a translation is
intentionally absent: tests/unit/test_wording_languages.py lists what must be translated).
The language of the sentences is the one the resident chose, set around the handling of
their event with `speaking(language)`; `say` reads it, so the flows pass no language.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import yaml

_FOLDER = Path(__file__).parent
STANDARD = "ja"
LANGUAGES = (STANDARD, "easy", "en")       # the resident's choice, stored on Resident.language
_current: ContextVar[str] = ContextVar("wording_language", default=STANDARD)


def _load(folder: Path) -> dict[str, str]:
    catalogue: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, text in entries.items():
            catalogue[f"{path.stem}.{name}"] = str(text).rstrip("\n")
    return catalogue


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, str]:
    """The standard Japanese sentences."""
    return _load(_FOLDER)


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> dict[str, str]:
    """The sentences a language has of its own (the standard one: all of them)."""
    if language == STANDARD:
        return _catalogue()
    if language not in LANGUAGES:
        raise ValueError(f"not a wording language: {language!r}")
    return _load(_FOLDER / language)


def _catalogue_of(stem: str) -> list[str]:
    """The names of one file's keys (tests list what must be translated by file)."""
    return [key.split(".", 1)[1] for key in _catalogue() if key.startswith(stem + ".")]


def language() -> str:
    """The language sentences are said in now."""
    return _current.get()


@contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Say everything inside in `language` (an unknown or empty one: standard Japanese)."""
    chosen = language if language is not None and language in LANGUAGES else STANDARD
    token = _current.set(chosen)
    try:
        yield
    finally:
        _current.reset(token)


def say(key: str, **values: object) -> str:
    own = translations(_current.get())
    text = own[key] if key in own else _catalogue()[key]
    return text.format(**values)


def has(key: str) -> bool:
    return key in _catalogue()
