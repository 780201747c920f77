"""The issue's risk bars on the fourth blind set, and the general safety nets on fresh wording.

tests/data/nlp_blind4.jsonl (100 messages: 40 emergency, 20 high, 40 none) was written from
the label definitions before bot/nlp/ was read, committed, and scored once untouched:
emergency recall 0.675 (8 emergency -> none, 5 -> high), high recall 0.900, false alarms
7.5 %, micro-F1 0.824, handoff accuracy 0.860.  The gains since come from general nets
(bot/nlp/safety_net.py: kana/voicing folding, slang, a danger floor, amplifiers, the short
message rule), not from its phrases; the second test uses sentences found in no data set.
macro-F1 is not asserted here: two fields (hikikomori, shohi) have no gold example in this
set, so their F1 is 0 by the README's rule.
"""
from pathlib import Path

import pytest

from bot.nlp.analyzer import analyze
from bot.nlp.evaluate import evaluate_file, load_jsonl
from bot.nlp.safety_net import fold

BLIND4 = Path(__file__).resolve().parent / "data" / "nlp_blind4.jsonl"


def test_blind4_is_well_formed():
    rows = load_jsonl(BLIND4)
    assert len(rows) == 100
    assert len({r["id"] for r in rows}) == len(rows)
    risks = [r["risk"] for r in rows]
    assert risks.count("emergency") == 40 and risks.count("high") == 20 and risks.count("none") == 40
    for r in rows:
        assert r["risk"] in ("none", "high", "emergency")
        assert r["handoff"] is (r["risk"] != "none")


def test_blind4_meets_the_risk_bars():
    s = evaluate_file(BLIND4)
    assert s["emergency_as_none"] == 0
    assert s["emergency_recall"] == 1.0
    assert s["high_recall"] >= 0.90
    assert s["false_alarm_rate"] <= 0.05
    assert s["micro_f1"] >= 0.85
    assert s["handoff_accuracy"] >= 0.90


def test_fold_is_length_preserving_and_voicing_blind():
    for t in ("縄かげで動がね", "ﾀﾋる", "ガスの元栓", "息してっかわがんね"):
        assert len(fold(t)) == len(t)
    assert fold("かげ") == fold("かけ") and fold("ガス") == "かす" and fold("わがんね") == fold("わかんね")


@pytest.mark.parametrize("text", [
    "ｼﾇｼﾇ　今から",                      # half-width slang + time
    "もうげんかい　ばいばい",              # short: despair + farewell
    "ｷｴﾙﾜ じゃあね",                      # 消える as slang, farewell
    "help me please 今",                  # English call for help + now
    "おかあさんが　うごがね　へんじもねぇ",  # Tōhoku voicing, person not responding
    "くすり　はこごと　のんだ",            # hiragana overdose
    "家燃やしたるって旦那が言うてる",      # Kansai arson threat
    "嫁が子どもの首しめでる",              # voiced progressive
])
def test_unseen_emergencies_are_caught(text):
    assert analyze(text).risk == "emergency"


@pytest.mark.parametrize("text", [
    "助けてほしいことがあって相談です", "助けてもらえる窓口ありますか", "じゃあね、また明日", "つらい",
    "消えるボールペンください", "映画で首しめるシーンが怖かった", "キャンプで火をつけるのが上手になった",
    "猫が動かないで寝てる、かわいい", "受けられる支援を知りたい", "今日は薬を全部飲み忘れずに飲めました",
    "バンジージャンプで飛び降りてきた", "殺す気で勉強してる娘に何かしてあげたい",
])
def test_ordinary_wording_stays_none(text):
    assert analyze(text).risk == "none"


def test_past_abuse_disclosure_is_high_but_resolved_is_not():
    assert analyze("子どもに手をあげてしまった。止められない自分が怖い").risk == "high"
    assert analyze("自分なんかいない方がみんな幸せなんじゃないかと思う").risk == "high"
