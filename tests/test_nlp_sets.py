"""The tagger's data and model: the corpus validates and covers what it must, blind sets are
untouched until reported, and the shipped model is exactly what training produces."""
from __future__ import annotations

import hashlib
import time
from collections import Counter

import numpy as np
import pytest

from bot.nlp.corpus import CORPUS_DIR, load_corpus, load_file
from bot.nlp.model import DEFAULT_MODEL, LinearModel
from bot.nlp.result import FIELD_KEYS, RISK_LEVELS
from bot.nlp.train import corpus_digest

BLIND = CORPUS_DIR / "blind"
SHORT_MESSAGE = 12   # characters
REPORTED = CORPUS_DIR / "reported"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_corpus_is_large_and_from_several_writers(corpus):
    assert len(corpus) >= 4000
    writers = Counter(r.writer for r in corpus if not r.writer.startswith("nlp_"))
    assert len(writers) >= 5 and min(writers.values()) >= 300   # each writer a real group of the cross-validation


def test_every_writer_covers_every_field_and_risk_level(corpus):
    for writer in {r.writer for r in corpus if not r.writer.startswith("nlp_")}:
        rows = [r for r in corpus if r.writer == writer]
        assert {r.risk for r in rows} == set(RISK_LEVELS), writer
        assert {f for r in rows for f in r.fields} == set(FIELD_KEYS), writer


def _sets_with_digest():
    return sorted((p, p.with_suffix(".jsonl.sha256")) for d in (BLIND, REPORTED)
                  for p in d.glob("nlp_blind*.jsonl") if p.with_suffix(".jsonl.sha256").exists())


def test_blind_sets_are_what_was_committed_before_their_round():
    pairs = _sets_with_digest()
    assert len(pairs) >= 4
    for path, digest in pairs:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest.read_text().split()[0], path.name


def test_a_blind_set_waiting_for_its_round_is_not_in_training(corpus):
    trained = {r.text for r in corpus}
    for path in BLIND.glob("*.jsonl"):
        rows = load_file(path, writer=path.stem)
        risks = Counter(r.risk for r in rows)
        assert len(rows) >= 150 and risks["emergency"] >= 40 and risks["high"] >= 30, path.name
        # identical short everyday messages (はい, こんにちは) from independent writers are not a
        # leak; a longer message in both is. (Counts only: a failure must not print a waiting
        # blind set's messages.)
        shared = len(trained & {r.text for r in rows if len(r.text) > SHORT_MESSAGE})
        assert shared <= len(rows) // 50, f"{path.name}: {shared} messages also in training"


def test_shipped_model_is_small_loads_fast_and_was_trained_on_this_corpus(corpus):
    assert DEFAULT_MODEL.stat().st_size <= 20_000_000
    t0 = time.perf_counter()
    model = LinearModel.load(DEFAULT_MODEL)
    assert time.perf_counter() - t0 < 10  # generous here; bench/nlp_throughput.py prints the real figure
    assert model.meta["corpus_sha256"] == corpus_digest(corpus), "retrain: python -m bot.nlp train"


@pytest.mark.slow
@pytest.mark.timeout(1200)   # a full training with its cross-validation: 2-5 minutes on this machine
def test_training_reproduces_the_shipped_model(corpus, tmp_path):
    from bot.nlp.train import save, train

    model, _ = train(corpus, log=lambda _: None)
    save(model, tmp_path / "again.npz")
    again, shipped = LinearModel.load(tmp_path / "again.npz"), LinearModel.load(DEFAULT_MODEL)
    assert again.vocab == shipped.vocab
    assert again.thresholds == shipped.thresholds
    np.testing.assert_allclose(again.weights, shipped.weights, atol=1e-5)
    np.testing.assert_allclose(again.bias, shipped.bias, atol=1e-5)
