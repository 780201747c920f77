"""rule_analysis(): the hand-written lexicon rules over one message and its context.

Their verdict, hits and signals are features of the learned model (features.rule_features);
they also give intents, household patterns and the area. The rules live in small modules:
rule_reading.py (the message's document, hits and how each risk word is read), then
rules_selfharm.py, rules_danger.py and rules_net.py (what raises the risk level) and
rules_fields.py (fields); doc.py, negation.py, cues.py, risk_model.py, intents.py,
handoff.py and area.py are their building blocks.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from .area import _find_area
from .cues import TRIGGER_CLASSES
from .doc import Hit, _span
from .handoff import decide_handoff, find_patterns
from .intents import detect_intents
from .result import (FIELD_KEYS, FIELD_LABELS, FIELD_THRESHOLD, INTENT_KEYS, PATTERN_LABELS,  # noqa: F401 (re-exported)
                     RISK_KINDS, RISK_LEVELS, Analysis, FieldTag, RiskMention, Span)
from .rule_reading import Reading
from .rules_danger import read_danger
from .rules_fields import read_fields
from .rules_net import apply_safety_net
from .rules_selfharm import PILLS, read_self_harm

# risk categories that can raise the level on their own or with others; context-only ones
# (child_words, now, past, ...) cannot.
_RISK_TRIGGERS = frozenset({"ideation", "despair", "means", "imminent", "selfharm", "selfharm_now", "farewell",
                            "farewell_weak", "violence", "sexual", "weapon", "threat_kill", "hiding", "child_now",
                            "neglect_child", "exposure", "missing", "welfare_check", "person_now", "no_food",
                            "not_eating", "lifeline", "place"})
_RISK_TOKENS = PILLS | {"食べる", "食う", "口にする", "食事"}


def _could_be_risky(r: Reading) -> bool:
    """A cheap pre-filter: most messages have no word that can raise the risk level."""
    return bool(r.present & _RISK_TRIGGERS) or bool(r.lemmas & _RISK_TOKENS) or "od" in r.doc.text \
        or bool(r.cue_classes & TRIGGER_CLASSES)


def rule_analysis(text: str, context: Sequence[str] = (), towns: Iterable[str] = ()) -> Analysis:
    r = Reading(text or "", context or ())
    child_words: list[Hit] = []
    elder_words: list[Hit] = []
    if _could_be_risky(r):
        read_self_harm(r)
        child_words = read_danger(r)
        elder_words = r.get("risk", "elder_words")
    apply_safety_net(r)
    fields = read_fields(r, child_words, elder_words)
    fkeys = {f.key for f in fields}
    intents = detect_intents(r.get, r.in_text)
    ntext = r.doc.text[r.base:]
    patterns = find_patterns(ntext, fkeys)
    reasons = decide_handoff(r.level, intents, fkeys, patterns, ntext, r.get, r.in_text)
    # what the rules saw, for the model to weigh (features.rule_features)
    signals = sorted({f"{h.category}:{h.target}" for h in r.hits} | {f"mention:{m.reason}" for m in r.mentions}
                     | {f"pattern:{p}" for p in patterns})
    return Analysis(
        text=text or "",
        normalized=ntext,
        fields=fields,
        risk=RISK_LEVELS[r.level],
        risk_evidence=[_span(r.doc, h.start, h.end) for h in sorted(r.evidence, key=lambda h: h.start)],
        risk_kinds=[k for k in RISK_KINDS if k in r.kinds],
        mentions=list(r.mentions),
        handoff=bool(reasons),
        handoff_reasons=reasons,
        patterns=patterns,
        area=_find_area(text or "", towns),
        intents=intents,
        signals=signals,
    )
