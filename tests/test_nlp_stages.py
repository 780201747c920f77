"""Unit tests of the triage pipeline's stages (bot/nlp/): normaliser, features, model,
combine, evidence, corpus schema. Each normaliser case is a wrong reading the old text
processing created on real wording; none of these sentences is from an evaluation set."""
from __future__ import annotations

import json

import numpy as np
import pytest

from bot.nlp.combine import decide
from bot.nlp.corpus import CorpusError, Row, load_corpus, load_file
from bot.nlp.evidence import once
from bot.nlp.features import folded_surface, text_features
from bot.nlp.floor import floor_level
from bot.nlp.model import OUTPUTS, LinearModel, Scores
from bot.nlp.normalize import normalize
from bot.nlp.result import FIELD_KEYS, Span
from bot.nlp.tokenizer import tokenize
from bot.nlp.train import default_thresholds


# --------------------------------------------------------------------- normalise

@pytest.mark.parametrize("written, read", [
    ("もうしにたぃ", "もうしにたい"),        # a small kana after た is a vowel, not nothing (was: しにた, a past tense)
    ("つらぃです", "つらいです"),
    ("きえたぁい", "きえたい"),              # elongation runs into the vowel: dropped
    ("やだぁ", "やだ"),                      # the same vowel repeated small: elongation
    ("ちぇっ", "ちぇっ"),                    # a real digraph stays
    ("ふぁいと", "ふぁいと"),
])
def test_small_kana_is_never_deleted_into_another_word(written, read):
    assert normalize(written).text == read


@pytest.mark.parametrize("written, read", [
    ("くすり を ぜんぶ のんで", "くすりをぜんぶのんで"),   # kana typed with spaces, as a non-native writer might
    ("わたし　いま　はし　の　うえ", "わたしいまはしのうえ"),
    ("ひとり  で  さみしい", "ひとりでさみしい"),
])
def test_spaces_between_kana_are_dropped_not_read_as_breaks(written, read):
    assert normalize(written).text == read
    assert folded_surface(written) == read


@pytest.mark.parametrize("written, read", [
    ("もう死にたか", "もう死にたい"),        # 九州: たか is "want to", not a past question
    ("家に帰りたか。", "家に帰りたい。"),
    ("見たか?", "見たか?"),                  # could be a past question: left as written
    ("手紙は書いたか", "手紙は書いたか"),
])
def test_kyushu_desiderative_is_not_read_as_past(written, read):
    assert normalize(written).text == read


@pytest.mark.parametrize("written, read", [
    ("息してねぇ", "息してない"),            # 東北
    ("払われへん", "払えない"),              # 関西
    ("ずっとさみしいけん", "ずっとさみしいから"),
])
def test_dialect_endings_fold_to_standard_forms(written, read):
    assert normalize(written).text == read


def test_normalised_offsets_point_into_the_original():
    original = "ﾓｳ ﾑﾘ。しにたぃ"
    n = normalize(original)
    for i in range(len(n.text)):
        s, e = n.span_to_original(i, i + 1)
        assert 0 <= s < e <= len(original)


# --------------------------------------------------------------------- features

def test_features_keep_the_surface_even_where_tokens_split_it():
    f = text_features("くすり を のんだ")
    assert "cくすり" in f and "cのんだ" in f          # character n-grams see the words whole
    assert any(x.startswith("w") for x in f) and any(x.startswith("b") for x in f)


def test_katakana_and_hiragana_share_character_features():
    assert "cしにた" in text_features("シニタイ") and "cしにた" in text_features("しにたい")


def test_features_are_a_pure_function_of_the_text():
    assert text_features("橋の上にいる") == text_features("橋の上にいる")


# --------------------------------------------------------------------- model

def _tiny_model() -> LinearModel:
    vocab = ["cあ", "cい"]
    w = np.zeros((2, len(OUTPUTS)), dtype=np.float32)
    w[0, 2] = 4.0                                      # "cあ" pushes emergency
    w[1, 3 + FIELD_KEYS.index("kaigo")] = 6.0          # "cい" pushes kaigo
    return LinearModel(vocab, w, np.zeros(len(OUTPUTS), dtype=np.float32), {"thresholds": default_thresholds()})


def test_model_scores_are_a_lookup_and_a_sum():
    m = _tiny_model()
    s = m.score({"cあ", "unknown"})
    assert s.p_emergency > s.p_risk["none"] and abs(sum(s.p_risk.values()) - 1) < 1e-6
    assert m.score({"cい"}).p_fields["kaigo"] > 0.9
    assert m.score(set()).p_risk["emergency"] == pytest.approx(1 / 3)


def test_model_round_trips_through_the_artifact(tmp_path):
    from bot.nlp.train import save

    m = _tiny_model()
    save(m, tmp_path / "m.npz")
    back = LinearModel.load(tmp_path / "m.npz")
    assert back.vocab == m.vocab and np.array_equal(back.weights, m.weights)
    assert back.thresholds == m.thresholds


# --------------------------------------------------------------------- combine

def _scores(p_em: float, p_high: float, fields: dict | None = None, handoff: float = 0.0) -> Scores:
    return Scores({"none": 1 - p_em - p_high, "high": p_high, "emergency": p_em},
                  {f: (fields or {}).get(f, 0.0) for f in FIELD_KEYS}, handoff)


T = dict(default_thresholds(), emergency=0.5, high=0.5, ask=0.2, review=0.3)


def test_combine_takes_the_higher_of_model_and_floor():
    assert decide(_scores(0.01, 0.01), None, 2, T).risk == "emergency"
    d = decide(_scores(0.01, 0.01), None, 2, T)
    assert d.by_floor
    assert decide(_scores(0.9, 0.05), None, 0, T).risk == "emergency"


def test_the_floor_is_near_certain_on_the_whole_corpus():
    """The floor overrides the model, so every corpus row it floors must be a labelled emergency
    (ids only on failure: the texts of reported sets stay out of the terminal)."""
    rows = load_corpus()
    floored = [r for r in rows if floor_level(r.text, r.context)[0] == 2]
    assert len(floored) >= 50
    assert [r.id for r in floored if r.risk != "emergency"] == []


@pytest.mark.parametrize("text, level", [
    ("父が呼んでも起きない、息をしていないみたい", 2),
    ("母の手が冷たくなってる、どうしよう", 2),
    ("今日は死ぬごたる忙しさやった", 0),           # a comparison (Kyushu), not an intent
    ("今日習った「しぬ」と「なくなる」はどう違いますか", 0),   # a learner's question about a word
])
def test_floor_readings(text, level):
    assert floor_level(text)[0] == level


def test_a_split_emergency_counts_and_a_calm_last_message_does_not_lower_it():
    calm_alone, together = _scores(0.01, 0.01), _scores(0.8, 0.1)
    assert decide(calm_alone, together, 0, T).risk == "emergency"


def test_grey_zone_asks_and_distress_below_high_goes_to_review():
    grey = decide(_scores(0.3, 0.1), None, 0, T)
    assert grey.ask and grey.risk == "none" and not grey.review
    review = decide(_scores(0.1, 0.25), None, 0, T)
    assert review.review and not review.ask
    calm = decide(_scores(0.01, 0.02), None, 0, T)
    assert not calm.ask and not calm.review and calm.risk == "none"
    assert not decide(_scores(0.9, 0.0), None, 0, T).ask      # an emergency is answered, not asked
    high = decide(_scores(0.05, 0.6), None, 0, T)
    assert high.risk == "high" and high.ask                    # high: asked directly as well


def test_fields_come_from_the_message_alone():
    d = decide(_scores(0, 0, {"kaigo": 0.9}), _scores(0, 0, {"konkyu": 0.9}), 0, T)
    assert d.fields == ["kaigo"]
    assert decide(_scores(0, 0, {}), _scores(0, 0, {"konkyu": 0.9}), 0, T).fields == []


# --------------------------------------------------------------------- evidence

def test_evidence_lists_each_phrase_once():
    spans = [Span("死にたい", 3, 7), Span("死にたい", 3, 7), Span("死に", 3, 5), Span("薬", 10, 11)]
    assert [s.text for s in once(spans)] == ["死にたい", "薬"]


# --------------------------------------------------------------------- corpus schema

def _write(tmp_path, rows) -> object:
    p = tmp_path / "w.jsonl"
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return p


GOOD = {"id": "x-1", "writer": "x", "text": "介護がつらい", "fields": ["kaigo"], "risk": "none", "handoff": False,
        "area": None}


def test_corpus_rows_are_validated_with_their_line_number(tmp_path):
    assert load_file(_write(tmp_path, [GOOD]))[0] == Row.model_validate(GOOD)
    for bad, why in [(dict(GOOD, fields=["kaigo", "care"]), "unknown field"),
                     (dict(GOOD, risk="emergency"), "handoff"),
                     (dict(GOOD, text="あ" * 501), "500"),
                     (dict(GOOD, extra=1), "extra")]:
        with pytest.raises(CorpusError, match=r"w\.jsonl:2") as e:
            load_file(_write(tmp_path, [GOOD, bad]))
        assert why.lower() in str(e.value).lower()


def test_tokens_keep_offsets_into_the_normalised_text():
    text = normalize("薬を のんだ").text
    for t in tokenize(text):
        assert text[t.start:t.end] == t.surface
