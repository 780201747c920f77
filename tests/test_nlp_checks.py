"""The issue's quality bars, measured on the project's own labelled check set.

tests/data/nlp_checks.jsonl holds messages written for this project from the label
definitions in ../shared/eval/README.md (never copied from the eval set). The dev-set
figure is a command (python -m bot.nlp evaluate), not a test; this one is ours.
"""
from pathlib import Path

from bot.nlp.evaluate import evaluate_file, load_jsonl

CHECKS = Path(__file__).resolve().parent / "data" / "nlp_checks.jsonl"


def test_check_set_is_well_formed():
    rows = load_jsonl(CHECKS)
    assert len(rows) >= 200
    assert len({r["id"] for r in rows}) == len(rows)
    fields = {"kaigo", "shogai", "kosodate", "konkyu", "hikikomori", "josei", "kokoro", "kyoiku", "shohi",
              "sumai", "shuro", "kodoku"}
    seen = set()
    for r in rows:
        assert set(r) >= {"id", "text", "fields", "risk", "handoff", "area"}
        assert set(r["fields"]) <= fields
        assert r["risk"] in ("none", "high", "emergency")
        if r["risk"] != "none":
            assert r["handoff"] is True  # the README: risk >= high means staff take over
        seen |= set(r["fields"])
    assert seen == fields
    assert {r["risk"] for r in rows} == {"none", "high", "emergency"}


def test_check_set_meets_the_issue_bars():
    s = evaluate_file(CHECKS)
    assert s["emergency_recall"] == 1.0 and s["emergency_as_none"] == 0
    assert s["high_recall"] >= 0.90
    assert s["false_alarm_rate"] <= 0.05
    assert s["micro_f1"] >= 0.85
    assert s["macro_f1"] >= 0.80
    assert s["handoff_accuracy"] >= 0.90
