"""analyze(): risk detection and field scoring over one message and its context.

The other jobs live in their own modules: result.py (the result types and labels),
doc.py (token document and lexicon hits), negation.py (negation scope), cues.py and
risk_model.py (regex cue classes and how they combine), intents.py, handoff.py (household
patterns and the handoff decision), area.py (the place named).  Names are re-exported here
so ``from bot.nlp.analyzer import ...`` keeps working.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from .area import _find_area
from .cues import TRIGGER_CLASSES, find_cues
from .doc import Hit, _build_doc, _collect_hits, _overlaps, _span
from .handoff import _AGE_RE, _CARE_RE, _QUESTION_END_RE, _YOUNG_RE, decide_handoff, find_patterns
from .intents import detect_intents
from .lexicon import load_lexicon
from .negation import _SENT_END, _neg_follows, _scope_negated
from .result import (FIELD_KEYS, FIELD_LABELS, FIELD_THRESHOLD, INTENT_KEYS, PATTERN_LABELS,  # noqa: F401 (re-exported)
                     RISK_KINDS, RISK_LEVELS, Analysis, FieldTag, RiskMention, Span)
from .risk_model import apply_cues
from .safety_net import scan as net_scan
from .tokenizer import Token

# --------------------------------------------------------------------------- helpers

_PHYSICAL = frozenset({"殴る", "殴られる", "叩く", "叩かれる", "蹴る", "蹴られる", "暴力", "暴力を振るう", "首を絞める",
                       "突き飛ばす", "物を投げる", "髪を引っ張る", "暴れる", "刺す", "殺す", "殺される", "襲う", "襲われる",
                       "なぐられ", "たたかれ", "けられ", "手をあげる", "手を上げる", "暴行"})
_PILLS = frozenset({"薬", "くすり", "睡眠薬", "錠剤", "風邪薬", "頭痛薬", "精神薬", "処方薬", "眠剤", "安定剤", "睡眠導入剤"})
_PILL_QTY = frozenset({"全部", "大量", "纏める", "まとめる", "一気", "全て", "箱", "全", "有るだけ", "ありったけ", "山ほど", "いっぱい",
                       "一杯", "たくさん", "沢山", "何十", "何錠", "ためる", "貯める", "溜める", "集める", "ぜんぶ", "たんまり"})
_PILL_QTY_RE = re.compile(r"全部|ぜんぶ|大量|まとめ|一気|全て|ありったけ|山ほど|やまほど|いっぱい|一杯|たくさん|沢山|何十|何錠|"
                          r"ためて|ためた|ためと|貯め|溜め|集め|あつめ|[0-9０-９]+錠|[0-9]+箱|一箱|箱ごと|[0-9０-９一ひと]+(瓶|びん|シート|しーと)|瓶ごと|まるごと|丸ごと")
_ACQUIRE_RE = re.compile(r"^[をはもの]?(買っ|買い|買う|購入|用意|準備|貯め|溜め|ため|集め|あつめ|揃え|そろえ|かっ|かい|ようい|じゅんび|手に入れ|てにいれ)")
# risk categories that can raise the level on their own or with others; context-only ones
# (child_words, now, past, ...) cannot.
_RISK_TRIGGERS = frozenset({"ideation", "despair", "means", "imminent", "selfharm", "selfharm_now", "farewell",
                            "farewell_weak", "violence", "sexual", "weapon", "threat_kill", "hiding", "child_now",
                            "neglect_child", "exposure", "missing", "welfare_check", "person_now", "no_food",
                            "not_eating", "lifeline", "place"})
_RISK_TOKENS = frozenset({"薬", "くすり", "睡眠薬", "錠剤", "風邪薬", "頭痛薬", "精神薬", "処方薬", "眠剤", "安定剤",
                          "睡眠導入剤", "食べる", "食う", "口にする", "食事"})
_PEOPLE = frozenset({"人", "友達", "友人", "家族", "孫", "おかん", "おとん", "母", "父", "夫", "妻", "兄", "姉", "弟", "妹",
                     "彼", "彼女", "彼氏", "相手", "男性", "女性", "隣", "近所"})
_SUICIDE_MEANS = frozenset({"ロープ", "ろーぷ", "練炭", "れんたん", "首吊り", "首つり", "くびつり", "硫化水素", "遺書", "睡眠薬"})
_STRONG_PLACES = frozenset({"線路", "柵の外", "樹海", "崖", "崖っぷち"})
_DAYS = frozenset({"何日", "日", "週間", "ずっと", "何も", "まとも", "ほとんど", "一週間", "三日", "丸一日", "昨日", "何日間", "数日", "ここ"})


_PARENT_WORDS = r"(おかあさん|おとうさん|かあさん|とうさん|ははおや|ちちおや|かあちゃん|とうちゃん|ははちゃん|まま|ぱぱ|おや|はは|ちち|母親|父親|母ちゃん|父ちゃん|母|父|親|義父|継父|おやじ|親父)"
_PARENT_AGENT_RE = re.compile(_PARENT_WORDS + r"(に|から)[^。\n]{0,24}(たたかれ|なぐられ|けられ|ぶたれ|どつかれ|しばかれ|つねられ|叩かれ|殴られ|蹴られ)")
_PARENTS_COUPLE_RE = re.compile(r"(父|父親|親父|おやじ|父ちゃん|とうちゃん|お父さん|おとうさん)(が|は).{0,24}(母|母親|お袋|おふくろ|母ちゃん|かあちゃん|お母さん|おかあさん)")
_CLINIC_ONLY = frozenset({"精神科", "心療内科", "通院", "治療", "服薬", "カウンセリング", "カウンセラー", "薬を飲む"})
_SUBJECT_RE = re.compile(r"(?:[(（][^)）]{0,6}[)）])?(?:が|は)")
_VIOLENT_TARGETS = frozenset({"violence", "weapon", "threat_kill", "hiding", "sexual", "child_now", "exposure", "neglect_child",
                              "cue_assault_now", "cue_threat_now", "cue_child_danger"})
_WORKPLACE_RE = re.compile(r"職場|会社|バイト先|パート先|勤め先|上司|社長|店長|現場|仕事中|工場")
_NARRATIVE_RE = re.compile(r"やつ|シーン|場面|主人公|キャラ|ラスト|結末|みんな|全員|最終回")
_INFO_Q_RE = re.compile(r"(通報|どこ|窓口|相談でき|相談すれば|相談したら|ありますか|ある\?|教えて|知りたい|について)")


def _is_info_question(text: str) -> bool:
    last = re.split(r"[。\n!！]", text.strip(" 。\n"))[-1] if text.strip() else ""
    return bool(_INFO_Q_RE.search(last) and _QUESTION_END_RE.search(last))


# --------------------------------------------------------------------------- main



def rule_analysis(text: str, context: Sequence[str] = (), towns: Iterable[str] = ()) -> Analysis:
    lex = load_lexicon()
    doc = _build_doc(text or "", list(context or ()))
    hits = _collect_hits(doc, lex)
    toks = doc.tokens
    base = doc.base
    cue_classes: set[str] = set()
    if toks:
        last_tok = len(toks) - 1
        for cls, s0, e0, txt in find_cues(doc.text, doc.hira):
            t0 = min(doc.char_tok[s0], last_tok)
            t1 = max(min(doc.char_tok[max(e0 - 1, 0)], last_tok) + 1, t0 + 1)
            hits.append(Hit("risk", "cue_" + cls, 1.0, s0, e0, t0, t1, txt))
            cue_classes.add(cls)

    by_cat: dict[tuple[str, str], list[Hit]] = {}
    for h in hits:
        by_cat.setdefault((h.category, h.target), []).append(h)
    present = {t for c, t in by_cat if c == "risk"}
    tok_lemmas = {t.lemma for t in toks}

    def get(cat: str, target: str) -> list[Hit]:
        return by_cat.get((cat, target), [])

    def in_text(h: Hit) -> bool:
        return h.start >= base

    metaphor_spans = [(h.start, h.end) for h in get("risk", "metaphor") + get("risk", "cue_degree_metaphor")]
    past_markers = get("risk", "past")
    # a resolution that is itself negated (止められない for やめられる) is not one
    if toks and get("risk", "resolved"):
        by_cat[("risk", "resolved")] = [r for r in get("risk", "resolved") if not _scope_negated(toks, r.t1)]
    resolved = bool(get("risk", "resolved"))
    media = get("risk", "media")

    def sent_of(h: Hit) -> int:
        return doc.sent[min(h.t0, len(toks) - 1)] if toks else 0

    def clause_of(h: Hit) -> int:
        return doc.clause[min(h.t0, len(toks) - 1)] if toks else 0

    mentions: list[RiskMention] = []
    mention_keys: set[tuple[int, int]] = set()
    mention_reasons: list[tuple[int, int, str]] = []
    define = get("risk", "define")
    # a resolved statement (今は落ち着いてます) makes earlier sentences told in the past tense "past"
    past_sents: set[int] = set()
    if resolved and toks:
        last_res = max(sent_of(r) for r in get("risk", "resolved"))
        sent_last: dict[int, Token] = {}
        for i, t in enumerate(toks):
            if t.pos1 not in ("補助記号", "空白", "助詞"):
                sent_last[doc.sent[i]] = t
        for sid, t in sent_last.items():
            if sid < last_res and (t.lemma == "た" or any(sent_of(p) == sid for p in past_markers)):
                past_sents.add(sid)
    resolved_spans = [(r.start, r.end) for r in get("risk", "resolved")]
    narrative_sents: set[int] = set()
    if media and toks:
        for m in _NARRATIVE_RE.finditer(doc.text):
            narrative_sents.add(doc.sent[min(doc.char_tok[m.start()], len(toks) - 1)])

    def classify(h: Hit) -> str | None:
        """None if active, else the mention reason."""
        if any(_overlaps(h.start, h.end, a, b) for a, b in metaphor_spans):
            return "metaphor"
        if any(h.end <= d.start <= h.end + 2 for d in define):
            return "question"  # ODの意味を教えて
        if _scope_negated(toks, h.t1):
            return "negated"
        if sent_of(h) in past_sents:
            return "past"
        if h.key == "死ぬ" and h.t1 < len(toks) and toks[h.t1].lemma == "た" and "仮定" not in toks[h.t1].cform:
            nxt = toks[h.t1 + 1] if h.t1 + 1 < len(toks) else None
            if nxt is None or nxt.lemma not in ("方", "ほう"):
                return "past"  # 推しが尊すぎて死んだ / 父が死んだ: not an intent
        cl = clause_of(h)
        for p in past_markers:
            if clause_of(p) == cl and p.start <= h.start:
                return "past"
        if resolved:
            for p in past_markers:
                if sent_of(p) == sent_of(h):
                    return "past"
        for m in media:
            if sent_of(m) == sent_of(h):
                return "third_party"
            if sent_of(m) == sent_of(h) - 1 and sent_of(h) in narrative_sents:
                return "third_party"
        return None

    def active(target: str, min_weight: float = 0.0) -> list[Hit]:
        out = []
        for h in get("risk", target):
            if h.weight < min_weight:
                continue
            reason = classify(h)
            if reason is None:
                out.append(h)
            elif (h.start, h.end) not in mention_keys:
                mention_keys.add((h.start, h.end))
                mention_reasons.append((h.start, h.end, reason))
                mentions.append(RiskMention(_span(doc, h.start, h.end), reason))
        return out

    level = 0
    kinds: list[str] = []
    evidence: list[Hit] = []

    def raise_to(lv: int, kind: str, ev: Iterable[Hit]):
        nonlocal level
        level = max(level, lv)
        if kind not in kinds:
            kinds.append(kind)
        for e in ev:
            if e not in evidence:
                evidence.append(e)

    # cheap pre-filter: most messages have no word that can raise the risk level
    child_words: list[Hit] = []
    elder_words: list[Hit] = []
    risky = bool(present & _RISK_TRIGGERS) or bool(tok_lemmas & _RISK_TOKENS) or "od" in doc.text \
        or bool(cue_classes & TRIGGER_CLASSES)
    if risky:
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
        lemmas = {t.lemma for t in toks}
        surfaces = {t.surface for t in toks}

        # pills at hand in quantity (薬なら山ほどある / 睡眠薬ためてる) count as a means
        pill_toks = [i for i, t in enumerate(toks) if t.lemma in _PILLS or t.surface in _PILLS]
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
        # presence at a dangerous place (橋の上にいる / 線路に行きます / 柵の外にいる)
        at_place = []
        for h in active("place"):
            k = h.t1
            while k < len(toks) and toks[k].pos1 in ("助詞",) and k < h.t1 + 3:
                k += 1
            if k >= len(toks):
                continue
            t = toks[k]
            here = t.lemma in ("居る", "いる", "来る", "着く", "立つ", "登る", "上る") or t.surface in ("いる", "いま", "おる", "来た", "きた")
            going = t.lemma in ("行く", "向かう") or t.surface.startswith(("行", "いぐ", "行ぐ"))
            strong = h.key in _STRONG_PLACES
            if here or (going and (strong or lemmas & {"今から", "これから", "今夜"} or "今から" in doc.text)):
                at_place.append(h)

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
                   child_words=[h for h in get("risk", "child_words") if not _scope_negated(toks, h.t1)],
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
            if not any(h.target in ("metaphor", "cue_degree_metaphor") for h in hits):
                ev = [Hit("risk", "od", 1, t.start, t.end, i, i + 1, t.surface) for i, t in enumerate(toks)
                      if t.lemma in ("薬", "睡眠薬", "全部", "大量", "飲む")]
                raise_to(2, "selfharm", ev)
        if farewell:
            raise_to(1, "suicide", farewell)
        if (farewell or farewell_weak) and (unreachable or means_any or ideation):
            raise_to(2, "suicide", farewell + farewell_weak + unreachable)

        violence = active("violence")
        sexual = active("sexual")
        partner = get("risk", "partner_words")
        if not partner:
            m = _PARENTS_COUPLE_RE.search(doc.hira)
            if m:
                partner = [Hit("risk", "partner_words", 1.0, m.start(), m.end(), doc.char_tok[m.start()],
                               doc.char_tok[max(m.end() - 1, 0)] + 1, doc.text[m.start():m.end()])]
        child_words = [h for h in get("risk", "child_words") if not _scope_negated(toks, h.t1)]
        elder_words = get("risk", "elder_words")
        if not partner and not get("risk", "cue_elder_context"):
            m = _PARENT_AGENT_RE.search(doc.hira)
            if m:  # お母さんに叩かれる: the writer is the child
                child_words = child_words + [Hit("risk", "child_words", 1.0, m.start(), m.end(), doc.char_tok[m.start()],
                                   doc.char_tok[max(m.end() - 1, 0)] + 1, doc.text[m.start():m.end()])]
        elder_strong = [h for h in elder_words if h.weight >= 1.0]
        female = get("risk", "female_words")
        now_words = [n for n in get("risk", "now") if not any(_overlaps(n.start, n.end, a, b) for a, b in resolved_spans)]
        explicit_now = [n for n in now_words if n.key in ("今", "いま", "今も", "さっき", "さっきから", "今すぐ", "現在")]
        habitual = get("risk", "habitual")
        routine_words = habitual + get("risk", "past_time") + get("risk", "hearsay")
        weapon = active("weapon")
        threat = active("threat_kill")
        hiding = active("hiding")
        # asking where to consult about DV/stalking, with no one named, is not a disclosure
        if violence and not (partner or child_words or elder_words) and _is_info_question(doc.text[base:]) \
                and all(toks[min(h.t0, len(toks) - 1)].pos1 == "名詞" for h in violence):
            for h in violence:
                if (h.start, h.end) not in mention_keys:
                    mention_keys.add((h.start, h.end))
                    mention_reasons.append((h.start, h.end, "info"))
                    mentions.append(RiskMention(_span(doc, h.start, h.end), "info"))
            violence = []
        # a child who is the one hitting (息子に叩かれる) is not the child in danger
        if child_words and violence:
            def _agent(c: Hit) -> bool:
                if c.t1 < len(toks) and toks[c.t1].surface in ("に", "から"):
                    return any(sent_of(v) == sent_of(c) and any(t.lemma in ("れる", "られる") for t in toks[v.t0:v.t1 + 2])
                               for v in violence)
                nxt = toks[c.t1] if c.t1 < len(toks) else None
                return bool(nxt and nxt.surface == "さん" and c.t1 + 1 < len(toks) and toks[c.t1 + 1].surface in ("に", "から"))
            child_words = [c for c in child_words if not _agent(c)]
        _vs: dict[int, float] = {}
        for h in violence:  # one score per starting token (脅す / 脅される are one word)
            _vs[h.t0] = max(_vs.get(h.t0, 0.0), h.weight)
        v_score = sum(_vs.values())
        if violence and (v_score >= 1.0 or partner):
            # happening now?
            now = bool(weapon or threat)
            for h in violence:
                k = h.t1
                seen_prog = False
                while k < len(toks) and k < h.t1 + 6:
                    t = toks[k]
                    if t.lemma in ("てる", "でる", "居る", "いる", "とる", "おる") and t.pos1 in ("助動詞", "動詞"):
                        seen_prog = True
                    elif t.lemma == "た" and t.pos1 == "助動詞":
                        seen_prog = False
                        break
                    elif t.surface in _SENT_END:
                        break
                    k += 1
                routine = any(abs(sent_of(x) - sent_of(h)) <= 1 for x in routine_words)
                if seen_prog and h.weight >= 1.0 and h.key in _PHYSICAL and (not routine or explicit_now):
                    now = True
                told_past = any(toks[j].lemma == "た" and toks[j].pos1 == "助動詞" for j in range(h.t1 - 1, min(h.t1 + 4, len(toks))))
                near_now = 0 if told_past else 1
                if h.weight >= 1.0 and any(abs(sent_of(n) - sent_of(h)) <= near_now for n in explicit_now):
                    now = True
            if hiding and any(h.weight >= 1.0 for h in violence):
                now = True
            lv = 2 if now else 1
            if partner:
                raise_to(lv, "dv", violence)
            peers = [h for h in get("risk", "peer_words") if h.t1 < len(toks) and toks[h.t1].surface in ("に", "から")]
            if peers and not partner and not _WORKPLACE_RE.search(doc.text):
                lv = min(lv, 1)
                child_words = []
                violence = [] if all(sent_of(p) in {sent_of(v) for v in violence} for p in peers) else violence
            if child_words and any(abs(sent_of(c) - sent_of(v)) <= 0 for c in child_words for v in violence):
                raise_to(lv, "child", violence)
            if elder_strong and any(sent_of(c) == sent_of(v) for c in elder_strong for v in violence):
                raise_to(lv, "elder", violence)
            if not partner and level < lv and violence:
                raise_to(lv, "violence", violence)
            elif violence and (not kinds or all(k not in kinds for k in ("dv", "child", "elder"))):
                raise_to(lv, "violence", violence)
        if sexual:
            raise_to(1, "dv", sexual)
        brandish = [h for h in violence if h.key in ("振り回す", "刃物を向ける", "包丁を向ける", "包丁を持つ", "ナイフを持つ")]
        if weapon and (brandish or hiding):
            raise_to(2, "dv" if partner else "violence", weapon + brandish + hiding)
        if threat and (weapon or partner or child_words):
            raise_to(2, "violence", threat + weapon)
        distress = active("child_now")
        child_now = [h for h in distress
                     if not any(sent_of(x) == sent_of(h) for x in habitual) or any(sent_of(n) == sent_of(h) for n in explicit_now)]
        if child_now and child_words:
            loud = [h for h in violence] + [h for h in get("risk", "violence") if h.key.startswith("怒鳴")]
            if loud or len(child_now) >= 2 or any(n.key in ("今も", "続いている", "ずっと続く") for n in now_words):
                raise_to(2, "child", child_now + loud)
            else:
                raise_to(1, "child", child_now)
        elif distress and female and not child_words:
            # 隣から毎晩女の人の悲鳴が聞こえる
            raise_to(2 if explicit_now and not habitual else 1, "dv", distress + female)
        neglect = active("neglect_child")
        if neglect and child_words:
            raise_to(1, "child", neglect)
        elif neglect and elder_strong and any(h.weight >= 1.0 for h in neglect):
            raise_to(1, "elder", neglect)
        hazard = get("risk", "hazard")
        exposure = active("exposure")
        if exposure and child_words:
            now_ = explicit_now or (hazard and not habitual)
            raise_to(2 if now_ else 1, "child", exposure + hazard)
        missing = active("missing")
        if missing and (elder_strong or (elder_words and (hazard or explicit_now))):
            raise_to(2 if (hazard or explicit_now) else 1, "elder", missing + hazard)
        welfare = active("welfare_check")
        if welfare and elder_words:
            raise_to(1, "elder", welfare)
        person_now = [h for h in active("person_now")
                      if not any(sent_of(x) == sent_of(h) for x in habitual) or any(sent_of(n) == sent_of(h) for n in explicit_now)]
        if person_now and (elder_words or child_words or partner or "人" in lemmas or "友達" in lemmas):
            strong = [h for h in person_now if h.weight >= 1.0]
            if strong or len(person_now) >= 2:
                raise_to(2, "elder" if elder_words else "other", person_now)
        no_food = active("no_food")
        if no_food and sum(h.weight for h in no_food) >= 1.0:
            raise_to(1, "no_food", no_food)
        not_eating = active("not_eating")
        # 何日も(まともに)食べていない: a negated "eat" with a span of time in the same sentence
        for i, t in enumerate(toks):
            eat = t.lemma in ("食べる", "食う", "口にする") or (
                t.lemma in ("取る", "為る") and i > 1 and toks[i - 1].surface in ("を", "も") and toks[i - 2].lemma == "食事")
            if eat and _neg_follows(toks, i + 1) > 0:
                if any(toks[j].lemma in _DAYS or toks[j].surface in _DAYS for j in range(len(toks)) if doc.sent[j] == doc.sent[i]):
                    not_eating.append(Hit("risk", "not_eating", 1.0, t.start, t.end, i, i + 1, t.surface))
        if not_eating and sum(h.weight for h in not_eating) >= 1.0:
            raise_to(1, "elder" if elder_strong else "other", not_eating)
        lifeline = []
        for h in active("lifeline"):
            k = h.t1
            while k < len(toks) and k < h.t1 + 3:
                if toks[k].lemma in ("てる", "居る", "た", "でる"):
                    lifeline.append(h)
                    break
                k += 1
        if lifeline and (elder_words or child_words or hazard or get("risk", "cold")):
            raise_to(1, "other", lifeline)

    # ------------------------------------------------------------------ safety net
    # general floor for wordings no rule above foresaw (bot/nlp/safety_net.py)
    if level < 2 and toks:
        n_danger, n_amps, n_despair, n_short = net_scan(doc.text, base)
        if n_danger or (n_short and n_despair) or "presence" in n_amps:
            last_tok = len(toks) - 1
            act: list[tuple[str, Hit, bool]] = []
            for cls, s0, e0, prog in n_danger:
                t0 = min(doc.char_tok[s0], last_tok)
                t1 = max(min(doc.char_tok[max(e0 - 1, 0)], last_tok) + 1, t0 + 1)
                h = Hit("risk", "net_" + cls, 1.0, s0, e0, t0, t1, doc.text[s0:e0])
                why = classify(h)
                # violence told in the past tense is still a disclosure (high) unless resolved since
                if why is None or (why == "past" and cls == "violence" and sent_of(h) not in past_sents
                                       and not any(sent_of(r) == sent_of(h) for r in get("risk", "resolved"))):
                    act.append((cls, h, prog and why is None))
            # ordinary readings the cue rules already know cancel a net hit in their sentence
            calm = {sent_of(x) for c in ("cue_benign_cut", "cue_simile", "cue_benign_purpose", "cue_degree_metaphor",
                                         "cue_dose_question", "metaphor") for x in get("risk", c)}
            peers_net = bool(get("risk", "peer_words"))
            mundane_net = bool(get("risk", "cue_mundane_farewell"))
            act = [(c, h, p) for c, h, p in act if sent_of(h) not in calm and not (c == "violence" and peers_net)
                   and not (c == "farewell" and mundane_net)]
            # an urge to harm counts only towards a child or an elder named in the message
            dependant_net = bool(get("risk", "child_words") or get("risk", "elder_words"))
            act = [(c, h, p) for c, h, p in act if c != "harm_urge" or dependant_net]
            partner_net = bool(get("risk", "partner_words"))
            kind_of = {"suicide": "suicide", "selfharm": "selfharm", "violence": "dv" if partner_net else "violence",
                       "threat": "dv" if partner_net else "violence", "person": "other", "help": "other",
                       "means": "suicide", "farewell": "suicide",
                       "harm_urge": "child" if get("risk", "child_words") else "elder"}
            for cls, h, _ in act:
                raise_to(1, kind_of[cls], [h])
            classes = {c for c, _, _ in act}
            amps = set(n_amps)
            if classes <= {"help", "farewell", "means"}:
                amps -= classes  # a danger word is not its own amplifier
            urgent = bool(act) and (bool(amps) or classes & {"threat", "selfharm", "person", "harm_urge"}
                                    or any(p for c, _, p in act if c in ("violence", "person")))
            short = n_short and (bool(act) or n_despair) and bool(n_amps & {"farewell", "help"})
            # at a dangerous place now, with a danger word, despair or a farewell (橋の上にいます。さよなら)
            present = "presence" in n_amps and (bool(act) or n_despair or "farewell" in n_amps)
            if urgent or short or present:
                raise_to(2, act[0][0] if act and act[0][0] in ("suicide", "selfharm") else
                         kind_of.get(act[0][0], "suicide") if act else "suicide", [h for _, h, _ in act])

    # ------------------------------------------------------------------ fields
    scores: dict[str, float] = {}
    ev: dict[str, list[Hit]] = {}
    risky_reasons_past = bool(resolved and past_markers)
    longer = [h for h in hits if h.category in ("field", "intent") and h.end - h.start >= 3]
    for key in FIELD_KEYS:
        fh = [h for h in get("field", key) if in_text(h)]
        if not fh:
            continue
        fh.sort(key=lambda h: (-(h.end - h.start), -h.weight, h.start))
        kept: list[Hit] = []
        seen_keys: set[str] = set()
        for h in fh:
            if h.key in seen_keys:
                continue
            if any(k.start <= h.start and h.end <= k.end for k in kept):
                continue
            if any(o.start <= h.start and h.end <= o.end and (o.end - o.start) > (h.end - h.start)
                   and o.category in ("field", "intent") and o.target != key for o in longer):
                continue
            if risky_reasons_past:
                cl = clause_of(h)
                if any(clause_of(p) == cl for p in past_markers):
                    continue
            if any(_overlaps(h.start, h.end, a, b) for a, b in metaphor_spans):
                continue
            if past_sents and sent_of(h) in past_sents:
                continue  # 前の夫のDVで離婚しました。今は落ち着いてます
            if key in ("kokoro", "josei") and any(_overlaps(h.start, h.end, m0, m1) for m0, m1, r in mention_reasons
                                                  if r != "info"):
                continue  # 自殺なんて考えたこともない: the negated mention is not the topic
            seen_keys.add(h.key)
            kept.append(h)
        if kept:
            scores[key] = sum(h.weight for h in kept)
            ev[key] = sorted(kept, key=lambda h: h.start)
    # ages of 70+ (81の夫, 80近い両親, 80過ぎの叔母) make care evidence count
    ages = [m for m in _AGE_RE.finditer(doc.text) if m.start() >= base]
    if ages and ("kaigo" in scores or len(ages) >= 2):
        scores["kaigo"] = scores.get("kaigo", 0.0) + min(0.6 * len(ages), 1.0)
        ev.setdefault("kaigo", []).extend(Hit("field", "kaigo", 0.6, m.start(), m.end(), 0, 0, m.group(0)) for m in ages[:2])

    def boost(key: str, hs: list[Hit]):
        scores[key] = max(scores.get(key, 0.0), 0.0) + FIELD_THRESHOLD
        ev.setdefault(key, [])
        for h in hs:
            if h not in ev[key]:
                ev[key].append(h)

    risk_ev = evidence
    if level >= 1:
        if "suicide" in kinds or "selfharm" in kinds:
            boost("kokoro", risk_ev)
        if "dv" in kinds:
            boost("josei", risk_ev)
        vsents = {sent_of(h) for h in risk_ev if h.target in _VIOLENT_TARGETS}
        subject_child = ("suicide" in kinds or "selfharm" in kinds) and any(
            in_text(c) and _SUBJECT_RE.match(doc.text, c.end) for c in child_words)
        if "child" in kinds or subject_child or any(in_text(c) and sent_of(c) in vsents for c in child_words):
            boost("kosodate", [c for c in child_words][:2] or risk_ev)
        if "elder" in kinds and elder_words:
            boost("kaigo", risk_ev)
        if "no_food" in kinds:
            boost("konkyu", risk_ev)
        if kinds and ("violence" in kinds or "dv" in kinds) and _WORKPLACE_RE.search(doc.text[base:]):
            boost("shuro", [h for h in risk_ev if h.target in _VIOLENT_TARGETS][:2])

    if "kokoro" in scores and scores.get("shogai", 0.0) >= FIELD_THRESHOLD and not (level and ("suicide" in kinds or "selfharm" in kinds)):
        if all(h.key in _CLINIC_ONLY for h in ev.get("kokoro", [])):
            del scores["kokoro"]
    fields = [FieldTag(k, round(v, 2), [_span(doc, h.start, h.end) for h in ev.get(k, [])])
              for k, v in scores.items() if v >= FIELD_THRESHOLD - 1e-9]
    fields.sort(key=lambda f: (-f.score, FIELD_KEYS.index(f.key)))
    fkeys = {f.key for f in fields}
    ntext_ = doc.text[base:]
    if ("ヤングケアラー" in ntext_ or (_YOUNG_RE.search(ntext_) and _CARE_RE.search(ntext_))) \
            and "kosodate" not in fkeys:
        fields.append(FieldTag("kosodate", FIELD_THRESHOLD, [_span(doc, m.start() + base, m.end() + base)
                                                            for m in _YOUNG_RE.finditer(ntext_)][:1]))
        fkeys.add("kosodate")

    intents = detect_intents(get, in_text)

    ntext = doc.text[base:]
    patterns = find_patterns(ntext, fkeys)
    reasons = decide_handoff(level, intents, fkeys, patterns, ntext, get, in_text)
    area = _find_area(text or "", towns)
    # what the rules saw, for the model to weigh (features.rule_features)
    signals = sorted({f"{h.category}:{h.target}" for h in hits} | {f"mention:{m.reason}" for m in mentions}
                     | {f"pattern:{p}" for p in patterns})
    return Analysis(
        text=text or "",
        normalized=doc.text[base:],
        fields=fields,
        risk=RISK_LEVELS[level],
        risk_evidence=[_span(doc, h.start, h.end) for h in sorted(evidence, key=lambda h: h.start)],
        risk_kinds=[k for k in RISK_KINDS if k in kinds],
        mentions=mentions if level == 0 else [m for m in mentions],
        handoff=bool(reasons),
        handoff_reasons=reasons,
        patterns=patterns,
        area=area,
        intents=intents,
        signals=signals,
    )
