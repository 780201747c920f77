"""Japanese understanding for the consultation bot.

    from bot.nlp import analyze, Analysis
    a = analyze(text, context=(), towns=())
"""
from .analyzer import analyze
from .result import (FIELD_KEYS, FIELD_LABELS, INTENT_KEYS, PATTERN_LABELS, RISK_KINDS, RISK_LEVELS, Analysis,
                     FieldTag, RiskMention, Span)
from .tokenizer import DictionaryError

__all__ = ["analyze", "Analysis", "FieldTag", "Span", "RiskMention", "FIELD_LABELS", "PATTERN_LABELS",
           "FIELD_KEYS", "RISK_LEVELS", "RISK_KINDS", "INTENT_KEYS", "DictionaryError"]
