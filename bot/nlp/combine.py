"""Stage 6: model and rule floor combined into one decision, over recent messages too.

- risk: the higher of the model's level and the rule floor's; the model reads the message
  alone and the resident's recent messages joined with it, and the higher reading counts, so
  an emergency split over messages is caught and a calm last message does not lower it;
- ask: read as high, or calm but with an emergency probability in the grey band: the bot asks
  the resident directly whether they are in danger now or thinking of dying;
- review (要確認): below high, yet not confidently calm: a person reads it in the queue.
Thresholds come with the model (chosen by cross-validation by writer, see train.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import Scores
from .result import FIELD_KEYS, RISK_LEVELS


@dataclass(frozen=True)
class Decision:
    risk: str
    risk_score: float       # the emergency probability the decision rests on (0-1)
    ask: bool
    review: bool
    fields: list[str]
    field_scores: dict[str, float]
    handoff_model: bool
    by_floor: bool          # the rule floor, not the model, set the level


def model_level(p_emergency: float, p_at_risk: float, t: dict[str, float]) -> int:
    if p_emergency >= t["emergency"]:
        return 2
    if p_at_risk >= t["high"]:
        return 1
    return 0


def asks(level: int, p_emergency: float, t: dict[str, float]) -> bool:
    """Asked directly: everything read as high (gatekeepers ask whenever danger is suspected),
    and calm readings whose emergency probability is in the grey band."""
    return level == 1 or (level == 0 and p_emergency >= t["ask"])


def decide(alone: Scores, joined: Scores | None, floor: int, t: dict[str, float]) -> Decision:
    readings = [alone] + ([joined] if joined is not None else [])
    p_em = max(s.p_emergency for s in readings)
    p_at = max(s.p_at_risk for s in readings)
    level_m = model_level(p_em, p_at, t)
    level = max(level_m, floor)
    ask = asks(level, p_em, t)
    review = level == 0 and not ask and p_at >= t["review"]
    # fields: what this message asks about (an area answer after a need is not a new need)
    chosen = sorted((f for f in FIELD_KEYS if alone.p_fields[f] >= t["field:" + f]), key=lambda f: -alone.p_fields[f])
    handoff = max(s.p_handoff for s in readings) >= t["handoff"]
    return Decision(RISK_LEVELS[level], round(p_em, 4), ask, review, chosen,
                    {f: round(alone.p_fields[f], 3) for f in chosen}, handoff, floor > level_m)
