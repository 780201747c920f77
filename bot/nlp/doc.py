"""The token document of a message (with its context) and the lexicon hits on it.

_build_doc normalises the context messages and the message, joins them, tokenizes once and
assigns sentence and clause ids; _collect_hits finds every lexicon phrase (lemma sequences,
indexed by their first key) and every surface/kana term on it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from .lexicon import SKIP_POS, Lexicon, Pattern
from .negation import _CLAUSE_CONJ, _SENT_END, _neg_follows
from .normalize import Normalized, normalize, to_hiragana
from .result import Span
from .tokenizer import Token, tokenize


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


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def _span(doc: _Doc, start: int, end: int) -> Span:
    text = doc.text[start:end]
    if start < doc.base:
        return Span(text, -1, -1)
    s, e = doc.norm.span_to_original(start, end)
    if s >= 0:
        return Span(doc.norm.original[s:e], s, e)
    return Span(text, -1, -1)
