"""Stage 5: the rule floor — what is near-certain, whatever the model says.

Only explicit intent with a time, and acts in progress (pills taken in quantity, a cut that
will not stop bleeding, charcoal lit, violence now with a cry for help); the vocabulary and
the rules are data (data/floor.yaml). A floored message is an emergency even if the model
reads it lower. The hand-written lexicon rules (rules.py) are not a floor: measured on corpus
writers they were never tuned on, their emergency readings added more false alarms than
they caught; they reach the model as features instead (docs/nlp.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .features import folded_surface

FLOOR_FILE = Path(__file__).resolve().parent / "data" / "floor.yaml"


@dataclass(frozen=True)
class FloorRule:
    name: str
    kind: str
    pattern: re.Pattern


@dataclass(frozen=True)
class FloorHit:
    rule: str
    kind: str
    start: int      # offsets into the folded surface (evidence maps words back separately)
    end: int
    text: str


@lru_cache(maxsize=1)
def load_floor(path: Path = FLOOR_FILE) -> tuple[tuple[FloorRule, ...], re.Pattern]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    vocab = data["vocabulary"]
    def expand(pattern: str) -> re.Pattern:   # {name} is a vocabulary entry; {0,12} stays a regex bound
        return re.compile(re.sub(r"\{([a-z_]+)\}", lambda m: vocab[m.group(1)], pattern))
    rules = tuple(FloorRule(r["name"], r["kind"], expand(r["pattern"])) for r in data["rules"])
    return rules, re.compile(data["unless"])


def floor_hits(text: str) -> list[FloorHit]:
    """The near-certain readings of one message (or of recent messages joined)."""
    rules, unless = load_floor()
    surface = folded_surface(text)
    if unless.search(surface):
        return []
    hits = []
    for r in rules:
        m = r.pattern.search(surface)
        if m:
            hits.append(FloorHit(r.name, r.kind, m.start(), m.end(), m.group(0)))
    return hits


def floor_level(text: str, context: tuple[str, ...] = ()) -> tuple[int, list[FloorHit]]:
    """2 (emergency) with the hits when the message alone, or with its recent messages, floors."""
    hits = floor_hits(text) or (floor_hits("\n".join([*context, text])) if context else [])
    return (2 if hits else 0), hits
