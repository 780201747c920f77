"""Stage 4: the learned model at run time — a lookup and a sum over exported weights.

The artifact (data/nlp/model.npz, written by `python -m bot.nlp train`) holds the feature
vocabulary, one weight column per output (risk: none/high/emergency as a softmax; each field
and handoff as its own logistic output), the biases and the decision thresholds chosen by
cross-validation by writer. Scoring needs numpy only, not the training stack.
"""
from __future__ import annotations

import json
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from .result import FIELD_KEYS, RISK_LEVELS

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "data" / "nlp" / "model.npz"
RISK_OUTPUTS = tuple("risk:" + r for r in RISK_LEVELS)
FIELD_OUTPUTS = tuple("field:" + f for f in FIELD_KEYS)
OUTPUTS = RISK_OUTPUTS + FIELD_OUTPUTS + ("handoff",)


class ModelMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Scores:
    p_risk: dict[str, float]          # none / high / emergency, summing to 1
    p_fields: dict[str, float]        # each field on its own
    p_handoff: float

    @property
    def p_emergency(self) -> float:
        return self.p_risk["emergency"]

    @property
    def p_at_risk(self) -> float:
        return self.p_risk["high"] + self.p_risk["emergency"]


SIGNAL_PREFIX = "r:"


def feature_values(signal: np.ndarray, signal_value: float | None) -> np.ndarray:
    """The value of each present feature (`signal` marks the rule stage's): text features share
    a unit length, 1/sqrt(their count); signals have the fixed `signal_value` (None: the older
    scheme, every feature 1/sqrt(all present))."""
    n = len(signal)
    if signal_value is None:
        return np.full(n, 1.0 / math.sqrt(n), dtype=np.float32)
    n_text = n - int(signal.sum())
    text_value = 1.0 / math.sqrt(n_text) if n_text else 0.0
    return np.where(signal, signal_value, text_value).astype(np.float32)


class LinearModel:
    def __init__(self, vocab: list[str], weights: np.ndarray, bias: np.ndarray, meta: dict):
        self.vocab = {f: i for i, f in enumerate(vocab)}
        self.weights = weights
        self.bias = bias
        self.meta = meta
        self.thresholds: dict[str, float] = meta["thresholds"]
        self.use_rules: bool = bool(meta.get("use_rules", True))
        # the rule stage's signals weigh the same in a short message as in a long one (a fixed
        # value); the text features share a unit length (models before v11: all features did)
        self.signal_value: float | None = meta.get("signal_value")
        self.is_signal = np.array([f.startswith(SIGNAL_PREFIX) for f in vocab], dtype=bool)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "LinearModel":
        p = Path(path)
        if not p.exists():
            raise ModelMissing(f"no trained model at {p}: run `python -m bot.nlp train`")
        with np.load(p, allow_pickle=False) as z:
            vocab = bytes(z["vocab"]).decode("utf-8").split("\n") if z["vocab"].size else []
            meta = json.loads(bytes(z["meta"]).decode("utf-8"))
            return cls(vocab, z["weights"].astype(np.float32), z["bias"].astype(np.float32), meta)

    def score(self, features: Iterable[str]) -> Scores:
        idx = [i for i in map(self.vocab.get, features) if i is not None]
        logits = self.bias.copy()
        if idx:
            logits += feature_values(self.is_signal[idx], self.signal_value) @ self.weights[idx]
        risk = logits[:3] - logits[:3].max()
        e = np.exp(risk)
        p_risk = e / e.sum()
        sig = 1.0 / (1.0 + np.exp(-logits[3:]))
        return Scores(
            p_risk={r: float(p_risk[k]) for k, r in enumerate(RISK_LEVELS)},
            p_fields={f: float(sig[k]) for k, f in enumerate(FIELD_KEYS)},
            p_handoff=float(sig[len(FIELD_KEYS)]),
        )

    def contributions(self, features: Iterable[str], output: str, against: str | None = None) -> dict[str, float]:
        """Each present feature's weight towards `output` (minus `against`), for evidence."""
        col = OUTPUTS.index(output)
        col2 = OUTPUTS.index(against) if against else None
        out: dict[str, float] = {}
        for f in features:
            i = self.vocab.get(f)
            if i is None:
                continue
            w = float(self.weights[i, col])
            if col2 is not None:
                w -= float(self.weights[i, col2])
            out[f] = w
        return out


_MODEL: LinearModel | None = None
_LOCK = threading.Lock()


def get_model() -> LinearModel:
    """The shipped model, loaded once per process."""
    global _MODEL
    if _MODEL is None:
        with _LOCK:
            if _MODEL is None:
                _MODEL = LinearModel.load(DEFAULT_MODEL)
    return _MODEL


def use_model(path: Path) -> LinearModel:
    """Make the model at `path` the process's tagger model (a deployment's own, trained with
    its staff's corrections); returns it."""
    global _MODEL
    loaded = LinearModel.load(path)
    with _LOCK:
        _MODEL = loaded
    return loaded
