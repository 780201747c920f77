"""analyze(): the triage pipeline, one stage per module.

    normalise (normalize.py) -> tokens (tokenizer.py) -> features (features.py)
    -> model (model.py) -> rule floor (floor.py) -> combine (combine.py) -> evidence (evidence.py)

The lexicon rules (rules.py) supply intents, household patterns, the area and signals the
model weighs; the model makes the main decision on fields and risk; the floor (near-certain
patterns) can only raise it. `context` is the resident's recent messages, oldest
first; risk is read over them joined with this one as well as over this one alone.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from .combine import decide
from .evidence import once, strongest_words
from .features import rule_features, text_features
from .floor import floor_level
from .handoff import find_patterns
from .model import get_model
from .normalize import normalize
from .result import RISK_KINDS, Analysis, FieldTag
from .rules import rule_analysis
from .tokenizer import tokenize

CONTEXT_MAX = 4
_NAMED_HOUSEHOLDS = frozenset({"8050", "double_care", "young_carer"})


def joined_text(context: Sequence[str], text: str) -> str:
    return "\n".join([*context, text])


def model_inputs(text: str, context: Sequence[str], rules: Analysis, use_rules: bool,
                 tokens=None) -> tuple[set[str], set[str] | None]:
    """The feature sets of the message alone and of recent messages joined with it."""
    extra = set(rule_features(rules.risk, rules.risk_kinds, rules.field_keys, rules.intents, rules.signals)) \
        if use_rules else set()
    alone = text_features(text, tokens) | extra
    joined = text_features(joined_text(context, text)) | extra if context else None
    return alone, joined


def _kinds(rule_kinds: list[str], floor_hits) -> list[str]:
    kinds = set(rule_kinds) | {h.kind for h in floor_hits}
    return [k for k in RISK_KINDS if k in kinds]


def analyze(text: str, context: Sequence[str] = (), towns: Iterable[str] = ()) -> Analysis:
    text = text or ""
    context = tuple(c for c in context if c and c.strip())[-CONTEXT_MAX:]
    model = get_model()
    rules = rule_analysis(text, context, towns)
    norm = normalize(text)
    tokens = tokenize(norm.text)
    alone_f, joined_f = model_inputs(text, context, rules, model.use_rules, tokens)
    floor, floor_hits = floor_level(text, context)
    d = decide(model.score(alone_f), model.score(joined_f) if joined_f is not None else None, floor, model.thresholds)

    fields = [FieldTag(f, d.field_scores[f], strongest_words(model, norm, tokens, "field:" + f)) for f in d.fields]
    risk_evidence = []
    if d.risk != "none":
        target = "risk:emergency" if d.risk == "emergency" else "risk:high"
        rule_spans = rules.risk_evidence if rules.risk != "none" else []
        risk_evidence = [s for s in once([*rule_spans, *strongest_words(model, norm, tokens, target, "risk:none")])
                         if s.start >= 0]   # rule spans in earlier messages have no offsets here
    patterns = find_patterns(norm.text, set(d.fields))
    reasons = []
    if d.risk != "none":
        reasons.append("risk")
    if "asks_person" in rules.intents:
        reasons.append("asks_person")
    if (d.handoff_model and len(d.fields) >= 2) or set(patterns) & _NAMED_HOUSEHOLDS:
        reasons.append("entangled")
    return Analysis(
        text=text,
        normalized=norm.text,
        fields=fields,
        risk=d.risk,
        risk_evidence=risk_evidence,
        risk_kinds=_kinds(rules.risk_kinds, floor_hits) if d.risk != "none" else [],
        mentions=rules.mentions,
        handoff=bool(reasons),
        handoff_reasons=reasons,
        patterns=patterns,
        area=rules.area,
        intents=rules.intents,
        risk_score=d.risk_score,
        ask=d.ask,
        review=d.review,
    )
