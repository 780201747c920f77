"""Negation and its scope over tokens.

_neg_follows: a negation right after a phrase (払えない, 食べてない), used when a lexicon
phrase carries its own polarity.  _scope_negated: a risk phrase is negated when an odd number
of negations follows it before a clause boundary (けど, から, 。); しか/仕方/違い before the
negation do not count (死ぬしかない is not negated), 嘘 counts as one.
"""
from __future__ import annotations

from .lexicon import is_negation
from .tokenizer import Token

_SENT_END = frozenset("。!?！？\n")
_CLAUSE_CONJ = frozenset({"けど", "けれど", "けれども", "が", "から", "のに", "し", "ので", "ども", "げんじょ"})
_SCOPE_OK_LEMMAS = frozenset({
    "思う", "言う", "考える", "ある", "有る", "居る", "いる", "為る", "する", "成る", "なる", "訳", "わけ", "事", "こと",
    "気持ち", "気", "感じ", "積もり", "つもり", "様", "よう", "分け", "本当", "全然", "別に", "特に", "まったく", "全く",
    "決して", "一度", "度", "今", "もう", "本気", "そう", "とか", "物", "もの", "の", "ん", "無い", "ない", "思い",
})
_NOT_NEG_BEFORE = frozenset({"しか", "堪る", "たまる", "仕方", "仕様", "しょう", "違い", "知れる", "しれる", "以外", "外"})


def _neg_follows(tokens: list[Token], j: int, limit: int = 6) -> int:
    """Index just past a negation right after token j-1 (skipping particles/auxiliaries), else -1."""
    k = j
    n = len(tokens)
    steps = 0
    while k < n and steps < limit:
        t = tokens[k]
        if is_negation(t):
            return k + 1
        if t.pos1 == "動詞" and t.cform.endswith("撥音便") and t.surface.endswith("ん") and k > j - 1:
            return k + 1 if k != j - 1 else -1
        if t.pos1 in ("助詞", "助動詞", "補助記号") and t.surface not in "。!?！？\n":
            if t.pos2 == "接続助詞" and t.surface not in ("て", "で"):
                return -1
            k += 1
            steps += 1
            continue
        if t.pos1 == "動詞" and t.lemma in ("居る", "いる", "仕舞う", "来る", "呉れる", "貰う") and k > 0 and tokens[k - 1].surface in ("て", "で"):
            k += 1
            steps += 1
            continue
        if t.pos1 == "動詞" and t.lemma in ("有る", "ある", "御座る") and k > j - 1:
            # 食べるものがありません / お金があらへん
            k += 1
            steps += 1
            continue
        if t.pos1 == "動詞" and t.lemma in ("居る",) and k > 0 and tokens[k - 1].pos1 == "助動詞":
            k += 1
            steps += 1
            continue
        return -1
    return -1


def _scope_negated(toks: list[Token], t1: int) -> bool:
    """Negation scope after a risk phrase: odd count of negations before a clause boundary."""
    count = 0
    k = t1
    n = len(toks)
    while k < n and k < t1 + 12:
        t = toks[k]
        if t.surface in _SENT_END or (t.pos1 == "補助記号" and t.surface in "。!?！？"):
            break
        if t.pos2 == "接続助詞" and t.surface in _CLAUSE_CONJ:
            break
        # a contrast opening a new clause after an emoji or a symbol (消えたい😢でも今すぐじゃない)
        if (t.surface in ("で", "だ", "だけ", "けど") and k + 1 < n and toks[k + 1].surface in ("も", "ど", "けど")
                and k > t1 - 1 and k > 0 and toks[k - 1].pos1 == "補助記号"):
            break
        if t.lemma == "嘘":
            # 死にたくないって言ったら嘘になる / 死にたいなんて嘘
            count += 1
        elif is_negation(t):
            prev = toks[k - 1] if k > 0 else None
            if prev is None or (prev.lemma not in _NOT_NEG_BEFORE and prev.surface not in _NOT_NEG_BEFORE):
                count += 1
        elif t.pos1 in ("名詞", "動詞", "形容詞", "代名詞", "接続詞") and t.lemma not in _SCOPE_OK_LEMMAS and t.surface not in _SCOPE_OK_LEMMAS:
            if not (t.pos1 == "名詞" and t.pos2 in ("助動詞語幹", "数詞")):
                break
        k += 1
    return count % 2 == 1
