"""Field tagging, risk detection, handoff, patterns, area and intents."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Iterable, Sequence

from .lexicon import SKIP_POS, Lexicon, Pattern, _trie_pattern, is_negation, load_lexicon
from .cues import TRIGGER_CLASSES, find_cues
from .normalize import Normalized, normalize, to_hiragana
from .risk_model import apply_cues
from .tokenizer import Token, tokenize

FIELD_KEYS = ("kaigo", "shogai", "kosodate", "konkyu", "hikikomori", "josei",
              "kokoro", "kyoiku", "shohi", "sumai", "shuro", "kodoku")
FIELD_LABELS = {
    "kaigo": "高齢・介護", "shogai": "障がい", "kosodate": "子ども・子育て", "konkyu": "生活困窮",
    "hikikomori": "ひきこもり", "josei": "女性・DV", "kokoro": "こころの健康", "kyoiku": "学校・不登校・いじめ",
    "shohi": "消費生活・借金", "sumai": "住まい", "shuro": "仕事・就労", "kodoku": "孤独・孤立",
}
PATTERN_LABELS = {
    "8050": "8050問題", "double_care": "ダブルケア", "young_carer": "ヤングケアラー",
    "gomi_yashiki": "ごみ屋敷", "tato_shiiku": "多頭飼育", "roro_kaigo": "老老介護",
}
RISK_LEVELS = ("none", "high", "emergency")
RISK_KINDS = ("suicide", "selfharm", "violence", "dv", "child", "elder", "no_food", "other")
INTENT_KEYS = ("greeting", "thanks", "asks_person", "ask_hours", "ask_anonymity", "ask_cost",
               "ask_data", "ask_phone", "ask_window", "city_other", "delete", "menu")
FIELD_THRESHOLD = 1.0


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class FieldTag:
    key: str
    score: float
    evidence: list[Span]


@dataclass(frozen=True)
class RiskMention:
    span: Span
    reason: str  # negated | third_party | metaphor | past | question (ODの意味) | info (DVの相談窓口は?)


@dataclass(frozen=True)
class Analysis:
    text: str
    normalized: str
    fields: list[FieldTag]
    risk: str
    risk_evidence: list[Span]
    risk_kinds: list[str]
    mentions: list[RiskMention]
    handoff: bool
    handoff_reasons: list[str]
    patterns: list[str]
    area: str | None
    intents: list[str]

    @property
    def field_keys(self) -> list[str]:
        return [f.key for f in self.fields]

    @property
    def pattern_labels(self) -> list[str]:
        return [PATTERN_LABELS[p] for p in self.patterns]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["field_keys"] = self.field_keys
        return d


# --------------------------------------------------------------------------- helpers

_PHYSICAL = frozenset({"殴る", "殴られる", "叩く", "叩かれる", "蹴る", "蹴られる", "暴力", "暴力を振るう", "首を絞める",
                       "突き飛ばす", "物を投げる", "髪を引っ張る", "暴れる", "刺す", "殺す", "殺される", "襲う", "襲われる",
                       "なぐられ", "たたかれ", "けられ", "手をあげる", "手を上げる", "暴行"})
_SENT_END = frozenset("。!?！？\n")
_PILLS = frozenset({"薬", "くすり", "睡眠薬", "錠剤", "風邪薬", "頭痛薬", "精神薬", "処方薬", "眠剤", "安定剤", "睡眠導入剤"})
_PILL_QTY = frozenset({"全部", "大量", "纏める", "まとめる", "一気", "全て", "箱", "全", "有るだけ", "ありったけ", "山ほど", "いっぱい",
                       "一杯", "たくさん", "沢山", "何十", "何錠", "ためる", "貯める", "溜める", "集める", "ぜんぶ", "たんまり"})
_PILL_QTY_RE = re.compile(r"全部|ぜんぶ|大量|まとめ|一気|全て|ありったけ|山ほど|やまほど|いっぱい|一杯|たくさん|沢山|何十|何錠|"
                          r"ためて|ためた|ためと|貯め|溜め|集め|あつめ|[0-9０-９]+錠|[0-9]+箱|一箱|箱ごと")
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
_CLAUSE_CONJ = frozenset({"けど", "けれど", "けれども", "が", "から", "のに", "し", "ので", "ども", "げんじょ"})
_SCOPE_OK_LEMMAS = frozenset({
    "思う", "言う", "考える", "ある", "有る", "居る", "いる", "為る", "する", "成る", "なる", "訳", "わけ", "事", "こと",
    "気持ち", "気", "感じ", "積もり", "つもり", "様", "よう", "分け", "本当", "全然", "別に", "特に", "まったく", "全く",
    "決して", "一度", "度", "今", "もう", "本気", "そう", "とか", "物", "もの", "の", "ん", "無い", "ない", "思い",
})
_NOT_NEG_BEFORE = frozenset({"しか", "堪る", "たまる", "仕方", "仕様", "しょう", "違い", "知れる", "しれる", "以外", "外"})


@dataclass(slots=True)
class Hit:
    category: str
    target: str
    weight: float
    start: int  # char offsets in normalised joined text
    end: int
    t0: int  # token index range
    t1: int
    key: str  # phrase / term text (dedupe)


@dataclass
class _Doc:
    norm: Normalized
    text: str
    hira: str
    tokens: list[Token]
    char_tok: list[int]
    sent: list[int]  # sentence id per token
    clause: list[int]  # clause id per token
    base: int  # char offset where the current message starts (context before it)
    kata: bool = False  # mostly katakana (half-width writing): words run together


def _build_doc(text: str, context: Sequence[str]) -> _Doc:
    parts = [c for c in context if c] + [text]
    if len(parts) == 1:
        norm = normalize(text)
        base = 0
    else:
        texts: list[str] = []
        offs: list[int] = []
        for i, p in enumerate(parts):
            n = normalize(p)
            if texts:
                texts.append("\n")
                offs.append(-1)
            last = i == len(parts) - 1
            texts.append(n.text)
            offs.extend(n.offsets if last else [-1] * len(n.text))
        joined = "".join(texts)
        base = len(joined) - len(normalize(text).text)
        norm = Normalized(text, joined, tuple(offs))
    ntext = norm.text
    hira = to_hiragana(ntext)
    kata = len(_KATA_RE.findall(ntext))
    kata_text = False
    if kata >= 3:
        jp = len(_JP_RE.findall(ntext))
        kata_text = bool(jp and kata / jp > 0.7 and jp >= 4)
    tokens = tokenize(hira if kata_text else ntext)
    # char -> token index; characters between tokens (whitespace) map to the next token
    char_tok: list[int] = []
    pos = 0
    for i, t in enumerate(tokens):
        if t.start > pos:
            char_tok.extend([i] * (t.start - pos))
        char_tok.extend([i] * (t.end - t.start))
        pos = t.end
    char_tok.extend([len(tokens)] * (len(ntext) + 1 - pos))
    sent: list[int] = []
    clause: list[int] = []
    s = c_id = 0
    prev_end = 0
    for t in tokens:
        # newline / sentence punctuation between tokens
        if "\n" in ntext[prev_end:t.start]:
            s += 1
            c_id += 1
        sent.append(s)
        clause.append(c_id)
        if t.surface in _SENT_END or (t.pos1 == "補助記号" and t.surface in "。!?！？"):
            s += 1
            c_id += 1
        elif (t.pos1 == "補助記号" and t.surface in "、,，") or (t.pos2 == "接続助詞" and t.surface in _CLAUSE_CONJ):
            c_id += 1
        prev_end = t.end
    return _Doc(norm, ntext, hira, tokens, char_tok, sent, clause, base, kata_text)


_KATA_RE = re.compile(r"[\u30a1-\u30fa]")
_JP_RE = re.compile(r"[\u3041-\u30fa\u4e00-\u9fff]")


def _is_kata(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa" or ch == "ー"


def _tok_matches(tok: Token, elem: frozenset) -> bool:
    return tok.lemma in elem or tok.base in elem or tok.surface in elem


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


def toks_pos(tokens: list[Token], j: int) -> str:
    return tokens[j].pos1


def _match_at(tokens: list[Token], i: int, pat: Pattern) -> int:
    """Return end token index (exclusive) if pat matches starting at i, else -1."""
    j = i + 1
    n = len(tokens)
    for e in range(1, len(pat.elements)):
        elem = pat.elements[e]
        gap = 4 if pat.gaps[e] else 0
        used = 0
        while j < n:
            t = tokens[j]
            if _tok_matches(t, elem):
                break
            if t.surface in _SENT_END:
                return -1
            if t.pos1 in SKIP_POS or t.pos1 in ("接頭辞", "副詞", "連体詞") or (
                    t.lemma == "為る" and j > 0 and toks_pos(tokens, j - 1) == "副詞"):
                j += 1
                continue
            if used < gap:
                used += 1
                j += 1
                continue
            return -1
        else:
            return -1
        j += 1
    if pat.neg:
        k = _neg_follows(tokens, j)
        if k < 0:
            # fused negation inside the last token (払えん, 通えん)
            last = tokens[j - 1]
            if last.pos1 == "動詞" and last.cform.endswith("撥音便") and last.surface.endswith("ん"):
                nt = tokens[j] if j < n else None
                if nt is None or nt.lemma not in ("だ", "です", "の", "ん"):
                    return j
            return -1
        return k
    return j


def _collect_hits(doc: _Doc, lex: Lexicon) -> list[Hit]:
    hits: list[Hit] = []
    toks = doc.tokens
    index = lex.index
    doc_keys: set[str] = set()
    for t in toks:
        doc_keys.add(t.lemma)
        doc_keys.add(t.base)
        doc_keys.add(t.surface)
    for i, t in enumerate(toks):
        cands = index.get(t.lemma)
        b = index.get(t.base) if t.base != t.lemma else None
        s = index.get(t.surface) if t.surface != t.base and t.surface != t.lemma else None
        if b or s:
            seen: dict[int, Pattern] = {}
            for lst in (cands, b, s):
                if lst:
                    for p in lst:
                        seen[p.pid] = p
            pats: Iterable[Pattern] = seen.values()
        elif cands:
            pats = cands
        else:
            continue
        for p in pats:
            if p.simple:
                hits.append(Hit(p.category, p.target, p.weight, t.start, t.end, i, i + 1, p.text))
                continue
            # every later element must occur somewhere in the message, or the pattern cannot match
            for e in p.elements[1:]:
                if e.isdisjoint(doc_keys):
                    break
            else:
                end = _match_at(toks, i, p)
                if end > 0:
                    hits.append(Hit(p.category, p.target, p.weight, t.start, toks[end - 1].end, i, end, p.text))
    for rx, terms, text in ((lex.surface_re, lex.surface_terms, doc.text), (lex.kana_re, lex.kana_terms, doc.hira)):
        if rx is None:
            continue
        for m in rx.finditer(text):
            e = m.end()
            if not doc.kata and e < len(doc.text) and _is_kata(doc.text[e - 1]) and _is_kata(doc.text[e]):
                continue  # a katakana compound goes on (ロープ|ウェイ)
            for term in terms[m.group(0)]:
                t0 = doc.char_tok[m.start()]
                t1 = max(doc.char_tok[max(m.end() - 1, 0)] + 1, t0 + 1)
                hits.append(Hit(term.category, term.target, term.weight, m.start(), m.end(), t0, t1, term.text))
    return hits


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


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


# --------------------------------------------------------------------------- main

_GOMI_RE = re.compile(r"ゴミ屋敷|ごみ屋敷|ゴミ(が|で)(あふれ|溢れ|山|埋ま|いっぱい)|ごみ(が|で)(あふれ|溢れ|山|埋ま|いっぱい)|床が見えな|片付けられな|片づけられな")
_TATO_RE = re.compile(r"多頭|(猫|犬|ねこ|いぬ|ネコ|イヌ)(が|を)?(何十|数十|[2-9][0-9]|何匹も|たくさん|いっぱい|沢山)")
_AGE_RE = re.compile(r"(?<![0-9])([7-9][0-9])(代|歳|才|近く|過ぎ|すぎ|手前|の(?=私|夫|妻|父|母|祖|親|主人|旦那|兄|姉)|[)）])")
_YOUNG_RE = re.compile(r"小学生|中学生|高校生|小学校|中学校|小[1-6]|中[1-3]|高[1-3]|孫|[0-9]{1,2}歳の(子|息子|娘)")
_CARE_RE = re.compile(r"世話|介護|面倒を見|面倒見|家事|介助|看病|付き添|洗濯|料理|ご飯(を|も|とか)?(作|つく)|ご飯とか|家のこと(は|を)?全部|送り迎え")
_QUESTION_END_RE = re.compile(r"(か|の|かな|ですか|ますか|でしょうか|けど|教えて(ください)?|ください|\?|？|ある|いい)[\s。!！?？w]*$")
_FALLBACK_AREA_RE = re.compile(
    r"([一-龥]{1,4}(?:町|村))(?![一-龥])|([一-龥]{2,4})(?=に住んで|在住|に住む|地区)")
_AREA_STOP = {"市町村", "町村", "近所", "隣町", "実家", "地元", "田舎", "県外", "市外", "町内", "役場"}


_AREA_STOPLIST = frozenset({"一部", "中央", "工業団地", "流通センター", "入会地", "金属団地", "テクノプラザ"})
_PLACE_SUFFIX = "市町村区県郡"
# a place name may be followed by these (小杉駅, 大門地区, 太閤山在住, 七美周辺, 大門小, 新湊支所)
_AREA_AFTER = frozenset("駅地在周付近方支校区郵公図病小中高")
_HONORIFIC_RE = re.compile(r"(さん|くん|君|ちゃん|様|さま|先生|氏)")


def _is_kanji_ch(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch == "々"


@lru_cache(maxsize=32)
def _town_matcher(names: tuple[str, ...]) -> re.Pattern | None:
    """One trie regex for a town list (names of one character are too ambiguous to match)."""
    usable = sorted({n for n in names if n and len(n) >= 2 and n not in _AREA_STOPLIST})
    return re.compile(_trie_pattern(usable)) if usable else None


def _find_area(original: str, towns: Iterable[str]) -> str | None:
    names = towns if isinstance(towns, tuple) else tuple(towns)
    found: list[tuple[int, int, str]] = []
    rx = _town_matcher(names) if names else None
    if rx is not None:
        for m in rx.finditer(original):
            s, e, name = m.start(), m.end(), m.group(0)
            before = original[s - 1] if s else ""
            after = original[e] if e < len(original) else ""
            # inside a longer kanji word (東中野, 福島県, 山形弁, 原因) it is not this place
            if before and _is_kanji_ch(before) and before not in _PLACE_SUFFIX:
                continue
            if after and _is_kanji_ch(after) and not name.endswith(("町", "村", "地区")) and after not in _AREA_AFTER:
                continue
            if _HONORIFIC_RE.match(original, e):
                continue  # 中野さん
            found.append((s, e, name))
    if not found and not names:
        for m in _FALLBACK_AREA_RE.finditer(original):
            g = m.group(1) or m.group(2)
            if g and g not in _AREA_STOP and not g.endswith(("市役所", "役所")):
                found.append((m.start(), m.end(), g))
    if not found:
        return None

    def rank(item):
        s, e, name = item
        municipal = name.endswith(("県", "市", "郡", "都", "府", "道"))
        return (municipal, -len(name), s)

    return sorted(found, key=rank)[0][2]


def _span(doc: _Doc, start: int, end: int) -> Span:
    text = doc.text[start:end]
    if start < doc.base:
        return Span(text, -1, -1)
    s, e = doc.norm.span_to_original(start, end)
    if s >= 0:
        return Span(doc.norm.original[s:e], s, e)
    return Span(text, -1, -1)


def analyze(text: str, context: Sequence[str] = (), towns: Iterable[str] = ()) -> Analysis:
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
        if [d for d in despair if d.weight >= 1.0] and means:
            raise_to(2, "suicide", despair + means)
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
        selfharm_now = [h for h in selfharm_now if sent_of(h) not in cut_ok]
        if selfharm_now:
            raise_to(2, "selfharm", selfharm_now)
        # overdose split over messages: 薬 ... 全部/大量 ... 飲む
        if not dose_q and (pill_toks or "od" in doc.text) and ((lemmas | surfaces) & _PILL_QTY or _PILL_QTY_RE.search(doc.hira)) \
                and ("飲む" in lemmas or "のむ" in surfaces or "飲ん" in doc.text):
            if not any(h.target == "metaphor" for h in hits):
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

    # ------------------------------------------------------------------ intents
    intents: list[str] = []
    for key in INTENT_KEYS:
        if any(in_text(h) for h in get("intent", key)):
            intents.append(key)
    if "ask_phone" in intents and any(h.key in ("電話", "電話したい", "電話できる") for h in get("intent", "ask_phone")) \
            and not any(h.key in ("電話番号", "連絡先", "tel", "番号を教える", "電話で相談") for h in get("intent", "ask_phone")):
        intents.remove("ask_phone")

    # ------------------------------------------------------------------ patterns
    ntext = doc.text[base:]
    patterns: list[str] = []
    elder_age = len(_AGE_RE.findall(ntext))
    if "hikikomori" in fkeys and ("kaigo" in fkeys or "8050" in ntext or elder_age
                                  or re.search(r"年金暮らし|高齢の(親|父|母)|年老いた|老いた(親|父|母)", ntext)):
        patterns.append("8050")
    young = "ヤングケアラー" in ntext or bool(_YOUNG_RE.search(ntext) and _CARE_RE.search(ntext))
    if ("kaigo" in fkeys and "kosodate" in fkeys and not young) or "ダブルケア" in ntext:
        patterns.append("double_care")
    if "ヤングケアラー" in ntext or (_YOUNG_RE.search(ntext) and _CARE_RE.search(ntext)):
        patterns.append("young_carer")
    if _GOMI_RE.search(ntext):
        patterns.append("gomi_yashiki")
    if _TATO_RE.search(ntext):
        patterns.append("tato_shiiku")
    if "老老介護" in ntext or "老々介護" in ntext or ("kaigo" in fkeys and elder_age >= 2):
        patterns.append("roro_kaigo")

    # ------------------------------------------------------------------ handoff
    reasons: list[str] = []
    if level >= 1:
        reasons.append("risk")
    if "asks_person" in intents:
        reasons.append("asks_person")
    if len(fkeys) >= 2:
        household = any(in_text(h) for h in get("household", "household")
                        if h.key not in ("私", "自分", "わたし", "僕", "俺", "おれ", "うち"))
        last_sentence = re.split(r"[。\n!！]", ntext.strip(" 。\n"))[-1] if ntext.strip() else ""
        question = bool(_QUESTION_END_RE.search(last_sentence)) and len(re.findall(r"[。\n!！?？]", ntext.strip(" 。\n"))) <= 1
        if household or patterns or not question:
            reasons.append("entangled")
    if "entangled" not in reasons and set(patterns) & {"8050", "double_care", "young_carer"}:
        reasons.append("entangled")  # named household patterns are multi-field by definition
    area = _find_area(text or "", towns)
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
    )
