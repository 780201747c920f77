"""Lexicon rules, part 1: suicide and self-harm — ideation, despair, means, plans, places,
farewells, overdose — and the combined cue classes (risk_model.apply_cues)."""
from __future__ import annotations

import re

from .doc import Hit
from .rule_reading import Reading
from .risk_model import apply_cues

PILLS = frozenset({"薬", "くすり", "睡眠薬", "錠剤", "風邪薬", "頭痛薬", "精神薬", "処方薬", "眠剤", "安定剤", "睡眠導入剤"})
_PILL_QTY = frozenset({"全部", "大量", "纏める", "まとめる", "一気", "全て", "箱", "全", "有るだけ", "ありったけ", "山ほど", "いっぱい",
                       "一杯", "たくさん", "沢山", "何十", "何錠", "ためる", "貯める", "溜める", "集める", "ぜんぶ", "たんまり"})
_PILL_QTY_RE = re.compile(r"全部|ぜんぶ|大量|まとめ|一気|全て|ありったけ|山ほど|やまほど|いっぱい|一杯|たくさん|沢山|何十|何錠|"
                          r"ためて|ためた|ためと|貯め|溜め|集め|あつめ|[0-9０-９]+錠|[0-9]+箱|一箱|箱ごと|[0-9０-９一ひと]+(瓶|びん|シート|しーと)|瓶ごと|まるごと|丸ごと")
_ACQUIRE_RE = re.compile(r"^[をはもの]?(買っ|買い|買う|購入|用意|準備|貯め|溜め|ため|集め|あつめ|揃え|そろえ|かっ|かい|ようい|じゅんび|手に入れ|てにいれ)")
_PEOPLE = frozenset({"人", "友達", "友人", "家族", "孫", "おかん", "おとん", "母", "父", "夫", "妻", "兄", "姉", "弟", "妹",
                     "彼", "彼女", "彼氏", "相手", "男性", "女性", "隣", "近所"})
_SUICIDE_MEANS = frozenset({"ロープ", "ろーぷ", "練炭", "れんたん", "首吊り", "首つり", "くびつり", "硫化水素", "遺書", "睡眠薬"})
_STRONG_PLACES = frozenset({"線路", "柵の外", "樹海", "崖", "崖っぷち"})


def _at_dangerous_place(r: Reading) -> list[Hit]:
    """Presence at a dangerous place (橋の上にいる / 線路に行きます / 柵の外にいる)."""
    toks = r.toks
    out = []
    for h in r.active("place"):
        k = h.t1
        while k < len(toks) and toks[k].pos1 in ("助詞",) and k < h.t1 + 3:
            k += 1
        if k >= len(toks):
            continue
        t = toks[k]
        here = t.lemma in ("居る", "いる", "来る", "着く", "立つ", "登る", "上る") or t.surface in ("いる", "いま", "おる", "来た", "きた")
        going = t.lemma in ("行く", "向かう") or t.surface.startswith(("行", "いぐ", "行ぐ"))
        strong = h.key in _STRONG_PLACES
        if here or (going and (strong or r.lemmas & {"今から", "これから", "今夜"} or "今から" in r.doc.text)):
            out.append(h)
    return out


def read_self_harm(r: Reading) -> None:
    doc, toks, get, active, sent_of, raise_to = r.doc, r.toks, r.get, r.active, r.sent_of, r.raise_to
    ideation = active("ideation")
    ideation_strong = [h for h in ideation if h.weight >= 0.8]
    despair = active("despair")
    means = active("means", 1.0)
    benign_sents = {sent_of(h) for h in get("risk", "cue_benign_purpose")}
    means_any = [h for h in active("means") if sent_of(h) not in benign_sents]
    imminent = active("imminent")
    selfharm = active("selfharm")
    selfharm_now = active("selfharm_now")
    mundane = bool(get("risk", "cue_mundane_farewell"))
    farewell = [] if mundane else active("farewell")
    farewell_weak = [] if mundane else active("farewell_weak")
    unreachable = get("risk", "unreachable")
    lemmas = r.lemmas
    surfaces = {t.surface for t in toks}

    # pills at hand in quantity (薬なら山ほどある / 睡眠薬ためてる) count as a means
    pill_toks = [i for i, t in enumerate(toks) if t.lemma in PILLS or t.surface in PILLS]
    dose_q = bool(get("risk", "cue_dose_question"))
    pills_qty = bool(pill_toks) and bool(_PILL_QTY_RE.search(doc.hira)) and not dose_q
    if pills_qty:
        means_any = means_any + [Hit("risk", "means", 1.0, toks[i].start, toks[i].end, i, i + 1, toks[i].surface)
                                 for i in pill_toks[:1]]
    # a means acquired (ロープ買った / 練炭を用意した) is a plan
    acquired = []
    for h in means_any + imminent:
        tail = doc.hira[h.end:h.end + 8]
        if _ACQUIRE_RE.match(tail) or any(a.t0 >= h.t1 and a.t0 - h.t1 <= 3 and sent_of(a) == sent_of(h)
                                          for a in get("risk", "acquire")):
            acquired.append(h)
    at_place = _at_dangerous_place(r)

    if ideation_strong:
        raise_to(1, "suicide", ideation_strong)
    if ideation and means_any:
        raise_to(2, "suicide", ideation + means_any)
    means_nb = [h for h in means if sent_of(h) not in benign_sents]  # キャンプのロープ is not a means
    if [d for d in despair if d.weight >= 1.0] and means_nb:
        raise_to(2, "suicide", despair + means_nb)
    if imminent:
        raise_to(2, "suicide", imminent)
    if acquired and (ideation or despair or any(h.key in _SUICIDE_MEANS for h in acquired)):
        raise_to(2, "suicide", acquired)
    if at_place and (ideation or despair or farewell or means_any or any(h.key in _STRONG_PLACES for h in at_place)):
        raise_to(2, "suicide", at_place + ideation + despair)
    if ideation and unreachable:
        raise_to(2, "suicide", ideation + unreachable)
    apply_cues(active, get, sent_of, raise_to, ideation=ideation, despair=despair,
               child_words=[h for h in get("risk", "child_words") if not r.negated(h)],
               elder_words=get("risk", "elder_words"),
               people=bool(get("risk", "partner_words")) or bool(lemmas & _PEOPLE),
               partner=bool(get("risk", "partner_words")), unreachable=unreachable)
    if selfharm:
        raise_to(1, "selfharm", selfharm)
    cut_ok = {sent_of(h) for h in get("risk", "cue_benign_cut")}
    dose_sents = {sent_of(h) for h in get("risk", "cue_dose_question")}
    selfharm_now = [h for h in selfharm_now if sent_of(h) not in cut_ok and sent_of(h) not in dose_sents]
    if selfharm_now:
        raise_to(2, "selfharm", selfharm_now)
    # overdose split over messages: 薬 ... 全部/大量 ... 飲む
    if not dose_q and (pill_toks or "od" in doc.text) and ((lemmas | surfaces) & _PILL_QTY or _PILL_QTY_RE.search(doc.hira)) \
            and ("飲む" in lemmas or "のむ" in surfaces or "飲ん" in doc.text):
        if not any(h.target in ("metaphor", "cue_degree_metaphor") for h in r.hits):
            ev = [Hit("risk", "od", 1, t.start, t.end, i, i + 1, t.surface) for i, t in enumerate(toks)
                  if t.lemma in ("薬", "睡眠薬", "全部", "大量", "飲む")]
            raise_to(2, "selfharm", ev)
    if farewell:
        raise_to(1, "suicide", farewell)
    if (farewell or farewell_weak) and (unreachable or means_any or ideation):
        raise_to(2, "suicide", farewell + farewell_weak + unreachable)

