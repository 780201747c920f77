"""Behaviour of bot.nlp on sentences written for these tests (not from the eval set)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.nlp import FIELD_LABELS, PATTERN_LABELS, Analysis, Span, analyze

ROOT = Path(__file__).resolve().parents[1]


def fk(text, **kw):
    return set(analyze(text, **kw).field_keys)


# ---------------------------------------------------------------- API shape

def test_api_shape_and_to_dict():
    a = analyze("母の介護で仕事を続けられるか不安です")
    assert isinstance(a, Analysis)
    assert a.fields and a.fields[0].score >= a.fields[-1].score
    assert "kaigo" in a.field_keys
    d = a.to_dict()
    json.dumps(d, ensure_ascii=False)
    assert d["risk"] == "none" and "fields" in d and "handoff" in d
    assert set(FIELD_LABELS) == {"kaigo", "shogai", "kosodate", "konkyu", "hikikomori", "josei", "kokoro",
                                 "kyoiku", "shohi", "sumai", "shuro", "kodoku"}
    assert PATTERN_LABELS["8050"] == "8050問題"


def test_evidence_offsets_point_into_original():
    text = "ＤＶがひどくて　家を出たい"
    a = analyze(text)
    spans = [s for f in a.fields for s in f.evidence] + a.risk_evidence
    assert spans
    for s in spans:
        assert isinstance(s, Span)
        if s.start >= 0:
            assert text[s.start:s.end] == s.text


def test_deterministic():
    t = "息子が部屋から出てこなくて、夫は知らん顔。私ももう疲れた"
    assert analyze(t).to_dict() == analyze(t).to_dict()


# ---------------------------------------------------------------- negation and scope

def test_negated_ideation_is_mention_not_risk():
    a = analyze("別に死にたいとは思わないけど、毎日がしんどい")
    assert a.risk == "none"
    assert any(m.reason == "negated" for m in a.mentions)


def reaches_a_person(a) -> bool:
    """Tagged at risk, asked directly, or queued for staff as 要確認 (issue 11, item 6)."""
    return a.risk != "none" or a.ask or a.review


def test_double_negation_is_affirmed():
    assert reaches_a_person(analyze("正直、死にたくない訳じゃないです"))


def test_shika_nai_is_not_negation():
    assert analyze("もう死ぬしかないと思ってる").risk in ("high", "emergency")


def test_scope_ends_at_clause_boundary():
    # the negation belongs to the second clause
    assert analyze("消えたいけど、誰にも言えない").risk in ("high", "emergency")


def test_obligation_nakya_is_not_negation():
    assert fk("明日までに家賃を払わなきゃいけないのにお金がない") >= {"konkyu"}


def test_polarity_phrase_requires_negation():
    assert "konkyu" in fk("今月の家賃が払えなくて困ってます")


@pytest.mark.xfail(strict=True, reason="known miss since model v12: with field thresholds capped at 0.5, rent "
                   "named as paid reads as 生活困窮 (docs/nlp.md, Thresholds)")
def test_rent_paid_is_not_hardship():
    assert "konkyu" not in fk("家賃は毎月ちゃんと払ってます。町内会の行事を知りたい")


# ---------------------------------------------------------------- metaphors

@pytest.mark.parametrize("text", ["テスト勉強で死ぬほど眠い", "あの芸人で笑い死にするかと思った",
                                  "暑すぎて死にそう。プールは何時まで？", "殺す気かってくらい寒い"])
def test_metaphors_are_not_risk(text):
    a = analyze(text)
    assert a.risk == "none"
    assert "kokoro" not in a.field_keys


# ---------------------------------------------------------------- emergency recall

@pytest.mark.parametrize("text", [
    "睡眠薬を全部飲んじゃった",
    "もう限界。ロープは用意してある",
    "死にたい。今夜あの橋から飛び降りる",
    "遺書を書きました。みんな今までありがとう",
    "今、彼氏が包丁を持って暴れてる",
    "隣で子どもが泣き叫んでて、大人の怒鳴り声と叩く音がずっと続いてる",
    "じいちゃんが倒れてて呼んでも反応がない",
])
def test_emergency(text):
    assert analyze(text).risk == "emergency"


def test_emergency_kinds_pick_crisis_lines():
    assert "dv" in analyze("今、夫に殴られてる。トイレに隠れてる").risk_kinds
    assert "child" in analyze("隣の家で子どもが泣き叫んでて物が壊れる音がする。今も続いてる").risk_kinds
    k = analyze("薬を大量に飲んだ").risk_kinds
    assert "selfharm" in k or "suicide" in k


@pytest.mark.parametrize("text", [
    "毎日消えたいって思ってる",
    "腕を切るのがやめられない",
    "彼氏に叩かれるのが当たり前になってる",
    "財布に100円しかなくて、家に食べるものがない",
    "小学生の子が夜遅くまで一人で外にいる。冬なのに半袖",
])
def test_high(text):
    assert analyze(text).risk in ("high", "emergency")


# ---------------------------------------------------------------- split messages

def test_split_messages_via_context():
    assert analyze("じゃあね").risk == "none"
    a = analyze("じゃあね", context=["もう疲れた", "ロープは梁にかけた"])
    assert a.risk == "emergency"
    # evidence is only ever the resident's words in this message (offsets into it)
    assert all(0 <= s.start < s.end <= len("じゃあね") for s in a.risk_evidence)


def test_a_calm_message_does_not_lower_a_standing_emergency():
    assert analyze("ありがとう").risk == "none"
    assert analyze("ありがとう", context=["薬をぜんぶ飲んだ"]).risk == "emergency"


def test_context_alone_does_not_tag_fields_of_current_message():
    a = analyze("よろしくお願いします", context=["保育園のことで相談したいです"])
    assert a.field_keys == []
    assert "greeting" in a.intents


# ---------------------------------------------------------------- third party, past

def test_third_party_friend_ideation_reaches_a_person():
    a = analyze("同じクラスの友達が死にたいってずっと言ってて心配")
    assert reaches_a_person(a)
    assert "kokoro" in a.field_keys


def test_media_is_third_party_mention():
    a = analyze("映画で死にたいってセリフが出てきて考えちゃった")
    assert a.risk == "none"
    assert any(m.reason == "third_party" for m in a.mentions)


def test_past_resolved_is_not_risk():
    a = analyze("昔は夫のDVがあったけど、今は離れて落ち着いています。子どもの学童について聞きたい")
    assert a.risk == "none"
    assert any(m.reason == "past" for m in a.mentions)


# ---------------------------------------------------------------- dialects and styles

def test_dialect_aizu():
    a = analyze("ばあちゃんが物忘れひどくなってきて、いっつも財布ねぇってさわいでんだ。さすけねぇべか")
    assert "kaigo" in a.field_keys


def test_dialect_toyama():
    assert "konkyu" in fk("仕事なくなってしもて、家賃払えんがやちゃ")
    assert "thanks" in analyze("きのどくなー、ほんとに").intents
    assert analyze("きのどくなー、ほんとに").risk == "none"


def test_dialect_yamagata():
    assert "kodoku" in fk("ここんとこ、だれどもしゃべってねんだず")
    assert "hikikomori" in fk("息子がもう五年も部屋さこもってで、おら心配だず")


def test_hiragana_only():
    assert "kyoiku" in fk("がっこう いきたくない あしたも やすみたい")
    assert analyze("もう しにたい").risk in ("high", "emergency")


def test_halfwidth_kana():
    assert analyze("ｼﾆﾀｲ").risk in ("high", "emergency")
    assert "shogai" in fk("ﾘｮｳｲｸﾃﾁｮｳ ﾉ ｺﾄﾃﾞ ｿｳﾀﾞﾝ")


def test_slang_and_elongation():
    assert analyze("まじタヒにたい").risk in ("high", "emergency")
    assert analyze("リスカしちゃった。止まらない").risk in ("high", "emergency")
    assert analyze("しにたぁぁい").risk in ("high", "emergency")
    assert "josei" in fk("元カレにストーカーされてる")


def test_fullwidth_ascii_and_case():
    assert "josei" in fk("ＤＶかもしれない")
    assert "josei" in fk("Dvを受けてます")


def test_emoji_and_laughter_are_empty():
    a = analyze("ｗｗｗ😂")
    assert a.field_keys == [] and a.risk == "none" and not a.handoff


# ---------------------------------------------------------------- fields

@pytest.mark.parametrize("text,field", [
    ("母の要介護認定の申請ってどうやるんですか", "kaigo"),
    ("発達障害の診断を受けた息子の受給者証について", "shogai"),
    ("夜泣きがひどくて全然寝てない", "kosodate"),
    ("生活保護を受けたいです", "konkyu"),
    ("娘が部屋から出てこなくなって3年になります", "hikikomori"),
    ("夫のモラハラがひどい", "josei"),
    ("最近眠れなくて気分が落ち込む", "kokoro"),
    ("中1の息子がいじめられてるみたい", "kyoiku"),
    ("リボ払いが膨らんで返済できない", "shohi"),
    ("アパートを追い出されそうで住むところがない", "sumai"),
    ("ハローワークに行っても仕事が見つからない", "shuro"),
    ("話し相手がいなくてさみしい", "kodoku"),
])
def test_each_field(text, field):
    assert field in fk(text)


def test_greeting_and_city_questions_have_no_fields():
    for t in ["こんにちは！", "マイナンバーカードの受け取りはどこですか", "燃えないごみの日を教えて"]:
        assert analyze(t).field_keys == [], t


# ---------------------------------------------------------------- handoff and patterns

def test_handoff_reasons():
    assert analyze("担当の方と直接話したいです").handoff_reasons == ["asks_person"]
    assert analyze("電話番号を教えてください").handoff is False
    assert "ask_phone" in analyze("電話番号を教えてください").intents
    a = analyze("80代の父の介護をしてるんですが、40代の兄がずっとひきこもっていて何もしてくれない")
    assert a.handoff and "entangled" in a.handoff_reasons
    assert "8050" in a.patterns
    info = analyze("障害者手帳があっても使える就労支援ってありますか")
    assert info.handoff is False


def test_patterns():
    assert "double_care" in analyze("保育園のお迎えのあと毎日実家の母の介護に通ってます。もうへとへと").patterns
    yc = analyze("中学生の娘が祖母の介護をしていて、部活もやめてしまった")
    assert "young_carer" in yc.patterns and "kosodate" in yc.field_keys
    assert "gomi_yashiki" in analyze("父の家がゴミ屋敷になってて近所から苦情が来た").patterns
    assert "tato_shiiku" in analyze("隣の家で猫が何十匹も増えててにおいがすごい").patterns
    assert "roro_kaigo" in analyze("85歳の夫を82歳の私が介護してます").patterns


def test_intents():
    assert "ask_hours" in analyze("土日もやってますか？").intents
    assert "ask_anonymity" in analyze("名前を言わずに相談できますか").intents
    assert "ask_cost" in analyze("相談って無料ですか").intents
    assert "delete" in analyze("データを削除してください").intents
    assert "thanks" in analyze("ありがとうございました！").intents
    assert "city_other" in analyze("粗大ゴミの出し方を知りたい").intents


# ---------------------------------------------------------------- area

def test_area_most_specific_as_written():
    towns = ["射水市", "射水", "太閤山", "小杉"]
    assert analyze("射水市の太閤山に住んでます", towns=towns).area == "太閤山"
    assert analyze("射水市に住んでます", towns=towns).area == "射水市"
    assert analyze("特に場所は言いたくないです", towns=towns).area is None


# ---------------------------------------------------------------- CLI

def _run(args, stdin=""):
    return subprocess.run([sys.executable, "-m", "bot.nlp", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_cli_tag_output_shape():
    rows = [{"id": "a1", "text": "夫に殴られた"}, {"id": "a2", "text": "全部飲む", "context": ["薬", "もう無理"]}]
    r = _run(["tag"], "\n".join(json.dumps(x, ensure_ascii=False) for x in rows) + "\n")
    assert r.returncode == 0, r.stderr
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a1", "a2"]
    for o in out:
        assert set(o) == {"id", "fields", "risk", "risk_score", "ask", "review", "handoff", "area", "patterns",
                          "evidence"}
        assert 0.0 <= o["risk_score"] <= 1.0 and isinstance(o["ask"], bool)
    assert out[0]["risk"] == "high" and "josei" in out[0]["fields"]
    assert out[1]["risk"] == "emergency"


def test_cli_tag_accepts_plain_text_lines_and_names_a_bad_line():
    r = _run(["tag", "--towns", ""], "介護のことで相談したい\n{\"text\": 3}\n{broken\n夜泣きがつらい\n")
    assert r.returncode == 1
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["fields"] for o in out] == [["kaigo"], ["kosodate"]]
    assert "line 2: " in r.stderr and "line 3: " in r.stderr and "Traceback" not in r.stderr


def test_cli_evaluate_runs(tmp_path):
    f = tmp_path / "mini.jsonl"
    f.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"id": "x1", "text": "夜泣きがつらい", "fields": ["kosodate"], "risk": "none", "handoff": False, "area": None},
        {"id": "x2", "text": "薬を全部飲んだ", "fields": ["kokoro"], "risk": "emergency", "handoff": True,
         "area": None},
    ]), encoding="utf-8")
    r = _run(["evaluate", str(f)])
    assert r.returncode == 0, r.stderr
    assert "micro-F1" in r.stdout and "emergency recall      1.000" in r.stdout


def test_cli_evaluate_shared_dev_set():
    dev = ROOT.parent / "shared" / "eval" / "consultations_dev.jsonl"
    if not dev.exists():
        pytest.skip("../shared/eval not present")
    r = _run(["evaluate", str(dev)])
    assert r.returncode == 0, r.stderr
    assert "handoff accuracy" in r.stdout and "emergency -> none" in r.stdout


# ---------------------------------------------------------------- area from the directory

def test_area_boundaries_with_a_town_list():
    towns = ["福島", "中野", "原", "小杉", "一部", "門田町", "会津若松市"]
    assert analyze("福島県に住んでます", towns=towns).area is None        # inside 福島県
    assert analyze("中野さんに相談したい", towns=towns).area is None      # a surname
    assert analyze("原因がわからない", towns=towns).area is None          # one-character names are not matched
    assert analyze("一部の書類がない", towns=towns).area is None          # common words are not places
    assert analyze("小杉駅の近くです", towns=towns).area == "小杉"
    assert analyze("会津若松市門田町です", towns=towns).area == "門田町"


def test_cli_evaluate_defaults_to_directory_towns(tmp_path):
    pytest.importorskip("bot.directory")
    from bot.nlp.__main__ import directory_towns
    towns = directory_towns()
    assert "一箕町" in towns and "射水市" in towns and "太閤山" in towns
    f = tmp_path / "area.jsonl"
    f.write_text(json.dumps({"id": "a", "text": "太閤山に住んでます。住民票はどこで？", "fields": [], "risk": "none",
                             "handoff": False, "area": "太閤山"}, ensure_ascii=False) + "\n", encoding="utf-8")
    r = _run(["evaluate", str(f)])
    assert "area exact match      1.000" in r.stdout
    empty = tmp_path / "none.txt"
    empty.write_text("", encoding="utf-8")
    r = _run(["evaluate", str(f), "--towns", str(empty)])
    assert r.returncode == 0, r.stderr


def test_nlp_does_not_import_the_service():
    code = "import sys, bot.nlp; bot.nlp.analyze('こんにちは'); print('bot.directory' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.stdout.strip() == "False", r.stderr
