"""Stage 7: the evidence staff see — the resident's own words that weighed most, each once.

For a field, the words of the message whose learned weight pushed that field up most; for
risk, the rule floor's phrases first, then the words that pushed the emergency (or high)
reading up. Spans point into the original message, so the flows can quote them back.
"""
from __future__ import annotations

from typing import Iterable

from .model import LinearModel
from .normalize import Normalized
from .result import Span
from .tokenizer import Token

MAX_SPANS = 3
MIN_WEIGHT = 0.05


def _token_span(norm: Normalized, tok: Token) -> Span | None:
    s, e = norm.span_to_original(tok.start, tok.end)
    if s < 0:
        return None
    return Span(norm.original[s:e], s, e)


def strongest_words(model: LinearModel, norm: Normalized, tokens: list[Token], output: str,
                    against: str | None = None) -> list[Span]:
    weights = model.contributions(("w" + t.lemma for t in tokens), output, against)
    ranked = sorted(((weights.get("w" + t.lemma, 0.0), i) for i, t in enumerate(tokens)), key=lambda x: (-x[0], x[1]))
    spans: list[Span] = []
    for w, i in ranked:
        if w < MIN_WEIGHT or len(spans) >= MAX_SPANS:
            break
        span = _token_span(norm, tokens[i])
        if span is not None and span.text.strip():
            spans.append(span)
    return once(spans)


def once(spans: Iterable[Span]) -> list[Span]:
    """Each phrase once, in reading order; a phrase inside a longer one already listed is dropped."""
    kept: list[Span] = []
    for s in sorted(spans, key=lambda s: (-(len(s.text)), s.start)):
        if any(s.text == k.text or (s.text in k.text and s.start >= k.start and s.end <= k.end) for k in kept):
            continue
        kept.append(s)
    return sorted(kept, key=lambda s: (s.start, s.end))
