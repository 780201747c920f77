"""Lexicon rules, part 2: danger from or to others — violence and DV (happening now or
disclosed), threats and weapons, a child or an elder in danger, neglect, a person missing or
not answering, no food, not eating for days, lifelines cut."""
from __future__ import annotations

import re

from .doc import Hit, _overlaps
from .handoff import _QUESTION_END_RE
from .negation import _SENT_END, _neg_follows
from .rule_reading import Reading

_PHYSICAL = frozenset({"殴る", "殴られる", "叩く", "叩かれる", "蹴る", "蹴られる", "暴力", "暴力を振るう", "首を絞める",
                       "突き飛ばす", "物を投げる", "髪を引っ張る", "暴れる", "刺す", "殺す", "殺される", "襲う", "襲われる",
                       "なぐられ", "たたかれ", "けられ", "手をあげる", "手を上げる", "暴行"})
_DAYS = frozenset({"何日", "日", "週間", "ずっと", "何も", "まとも", "ほとんど", "一週間", "三日", "丸一日", "昨日", "何日間", "数日", "ここ"})
_PARENT_WORDS = r"(おかあさん|おとうさん|かあさん|とうさん|ははおや|ちちおや|かあちゃん|とうちゃん|ははちゃん|まま|ぱぱ|おや|はは|ちち|母親|父親|母ちゃん|父ちゃん|母|父|親|義父|継父|おやじ|親父)"
_PARENT_AGENT_RE = re.compile(_PARENT_WORDS + r"(に|から)[^。\n]{0,24}(たたかれ|なぐられ|けられ|ぶたれ|どつかれ|しばかれ|つねられ|叩かれ|殴られ|蹴られ)")
_PARENTS_COUPLE_RE = re.compile(r"(父|父親|親父|おやじ|父ちゃん|とうちゃん|お父さん|おとうさん)(が|は).{0,24}(母|母親|お袋|おふくろ|母ちゃん|かあちゃん|お母さん|おかあさん)")
WORKPLACE_RE = re.compile(r"職場|会社|バイト先|パート先|勤め先|上司|社長|店長|現場|仕事中|工場")
_INFO_Q_RE = re.compile(r"(通報|どこ|窓口|相談でき|相談すれば|相談したら|ありますか|ある\?|教えて|知りたい|について)")


def _is_info_question(text: str) -> bool:
    last = re.split(r"[。\n!！]", text.strip(" 。\n"))[-1] if text.strip() else ""
    return bool(_INFO_Q_RE.search(last) and _QUESTION_END_RE.search(last))


def _hit_at(r: Reading, target: str, m: re.Match) -> Hit:
    doc = r.doc
    return Hit("risk", target, 1.0, m.start(), m.end(), doc.char_tok[m.start()],
               doc.char_tok[max(m.end() - 1, 0)] + 1, doc.text[m.start():m.end()])


def _happening_now(r: Reading, violence: list[Hit], weapon: list[Hit], threat: list[Hit], hiding: list[Hit],
                   routine_words: list[Hit], explicit_now: list[Hit]) -> bool:
    toks, sent_of = r.toks, r.sent_of
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
    return now


def read_danger(r: Reading) -> list[Hit]:
    """Raise the level for danger from or to others; returns the child words that still name a
    child at risk (the field rules use them)."""
    doc, toks, get, active, sent_of, raise_to = r.doc, r.toks, r.get, r.active, r.sent_of, r.raise_to
    violence = active("violence")
    sexual = active("sexual")
    partner = get("risk", "partner_words")
    if not partner:
        m = _PARENTS_COUPLE_RE.search(doc.hira)
        if m:
            partner = [_hit_at(r, "partner_words", m)]
    child_words = [h for h in get("risk", "child_words") if not r.negated(h)]
    elder_words = get("risk", "elder_words")
    if not partner and not get("risk", "cue_elder_context"):
        m = _PARENT_AGENT_RE.search(doc.hira)
        if m:  # お母さんに叩かれる: the writer is the child
            child_words = child_words + [_hit_at(r, "child_words", m)]
    elder_strong = [h for h in elder_words if h.weight >= 1.0]
    female = get("risk", "female_words")
    now_words = [n for n in get("risk", "now") if not any(_overlaps(n.start, n.end, a, b) for a, b in r.resolved_spans)]
    explicit_now = [n for n in now_words if n.key in ("今", "いま", "今も", "さっき", "さっきから", "今すぐ", "現在")]
    habitual = get("risk", "habitual")
    routine_words = habitual + get("risk", "past_time") + get("risk", "hearsay")
    weapon = active("weapon")
    threat = active("threat_kill")
    hiding = active("hiding")
    # asking where to consult about DV/stalking, with no one named, is not a disclosure
    if violence and not (partner or child_words or elder_words) and _is_info_question(doc.text[r.base:]) \
            and all(toks[min(h.t0, len(toks) - 1)].pos1 == "名詞" for h in violence):
        for h in violence:
            r.mention(h, "info")
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
        lv = 2 if _happening_now(r, violence, weapon, threat, hiding, routine_words, explicit_now) else 1
        if partner:
            raise_to(lv, "dv", violence)
        peers = [h for h in get("risk", "peer_words") if h.t1 < len(toks) and toks[h.t1].surface in ("に", "から")]
        if peers and not partner and not WORKPLACE_RE.search(doc.text):
            lv = min(lv, 1)
            child_words = []
            violence = [] if all(sent_of(p) in {sent_of(v) for v in violence} for p in peers) else violence
        if child_words and any(abs(sent_of(c) - sent_of(v)) <= 0 for c in child_words for v in violence):
            raise_to(lv, "child", violence)
        if elder_strong and any(sent_of(c) == sent_of(v) for c in elder_strong for v in violence):
            raise_to(lv, "elder", violence)
        if not partner and r.level < lv and violence:
            raise_to(lv, "violence", violence)
        elif violence and (not r.kinds or all(k not in r.kinds for k in ("dv", "child", "elder"))):
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
    _read_needs(r, child_words, elder_words, elder_strong, partner, explicit_now, habitual)
    return child_words


def _read_needs(r: Reading, child_words: list[Hit], elder_words: list[Hit], elder_strong: list[Hit],
                partner: list[Hit], explicit_now: list[Hit], habitual: list[Hit]) -> None:
    """Neglect, exposure, someone missing or not answering, no food, not eating, lifelines."""
    doc, toks, get, active, sent_of, raise_to = r.doc, r.toks, r.get, r.active, r.sent_of, r.raise_to
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
    if person_now and (elder_words or child_words or partner or "人" in r.lemmas or "友達" in r.lemmas):
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
