"""The labelled training corpus (data/nlp/): schema, validation and loading.

Every row follows the labelling guide (fields, risk, handoff, area) and names its writer, so
cross-validation can hold out whole writers. Files:
- data/nlp/corpus/<writer>.jsonl — written for training by independent writers;
- data/nlp/reported/<set>.jsonl — blind sets that have been scored and reported, and may
  therefore join training (their writer is the set's name).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .result import FIELD_KEYS

CORPUS_DIR = Path(__file__).resolve().parents[2] / "data" / "nlp"
MAX_TEXT = 500


class CorpusError(ValueError):
    pass


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    writer: str = Field(min_length=1)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    context: tuple[str, ...] = ()
    fields: tuple[str, ...]
    risk: Literal["none", "high", "emergency"]
    handoff: bool
    area: str | None = None
    note: str | None = None
    tags: tuple[str, ...] = ()

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [f for f in v if f not in FIELD_KEYS]
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; expected some of {list(FIELD_KEYS)}")
        if len(set(v)) != len(v):
            raise ValueError("a field is listed twice")
        return v

    @field_validator("context")
    @classmethod
    def _short_context(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(v) > 4 or any(not c.strip() for c in v):
            raise ValueError("context is 1-4 earlier non-empty messages")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "Row":
        if self.risk != "none" and not self.handoff:
            raise ValueError("risk high/emergency needs handoff true")
        if not self.text.strip():
            raise ValueError("text is blank")
        return self


def load_file(path: Path, writer: str | None = None) -> list[Row]:
    """Rows of one JSON Lines file; `writer` (a reported set's name) is the writer of every row,
    whatever the set's own rows say, so cross-validation holds the whole set out together."""
    rows: list[Row] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if writer is not None and isinstance(data, dict):
                data["writer"] = writer
            rows.append(Row.model_validate(data))
        except (json.JSONDecodeError, ValidationError) as e:
            raise CorpusError(f"{path}:{n}: {e}") from None
    return rows


def load_corpus(root: Path = CORPUS_DIR) -> list[Row]:
    """The whole corpus, sorted by id (training is deterministic), ids and texts unique."""
    rows: list[Row] = []
    for path in sorted((root / "corpus").glob("*.jsonl")):
        rows += load_file(path)
    for path in sorted((root / "reported").glob("*.jsonl")):
        rows += load_file(path, writer=path.stem)
    seen: dict[str, str] = {}
    for r in rows:
        if r.id in seen:
            raise CorpusError(f"duplicate id {r.id}")
        seen[r.id] = r.writer
    return sorted(rows, key=lambda r: r.id)
