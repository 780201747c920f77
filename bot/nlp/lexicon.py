"""Compile the YAML lexicon through the tokenizer pipeline.

Phrases become lemma sequences; each element accepts the lemma, the orthBase or
the surface of the phrase token.  Patterns are indexed by every key of their
first element, so lookup cost depends on the tokens of the message, not on the
size of the lexicon.  Surface / kana terms are compiled into one regex per layer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .normalize import normalize, to_hiragana
from .tokenizer import tokenize

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")

SKIP_POS = frozenset({"助詞", "補助記号", "空白"})
NEG_LEMMAS = frozenset({"ない", "無い", "ぬ", "ず", "ん"})
_NOUNLIKE = re.compile(r"^[\u4e00-\u9fff\u30a1-\u30fa\u30fc\u3005]{2,}$")


def is_negation(tok) -> bool:
    if tok.lemma in NEG_LEMMAS or tok.base in ("ない", "ぬ", "ん"):
        if tok.pos1 == "助動詞":
            return "仮定" not in tok.cform  # なきゃ / なければ = obligation
        if tok.pos1 == "形容詞" and tok.pos2 == "非自立可能":
            return "仮定" not in tok.cform
    return False


@dataclass(frozen=True)
class Pattern:
    pid: int
    category: str  # "field", "risk", "intent", "household"
    target: str  # field key, risk class, intent key
    weight: float
    elements: tuple[frozenset, ...]
    gaps: tuple[bool, ...]  # gaps[i]: a gap is allowed before element i
    neg: bool  # a negation must follow the match
    text: str
    simple: bool = False  # one element, no polarity: a hit on the key alone


@dataclass(frozen=True)
class Term:
    category: str
    target: str
    weight: float
    text: str


@dataclass
class Lexicon:
    index: dict[str, list[Pattern]] = field(default_factory=dict)
    surface_re: re.Pattern | None = None
    surface_terms: dict[str, list[Term]] = field(default_factory=dict)
    kana_re: re.Pattern | None = None
    kana_terms: dict[str, list[Term]] = field(default_factory=dict)
    n_patterns: int = 0


def _parse_entry(entry) -> tuple[str, float]:
    s = str(entry).strip()
    if "=" in s:
        text, _, w = s.rpartition("=")
        try:
            return text.strip(), float(w)
        except ValueError:
            return s, 1.0
    return s, 1.0


def _compile_phrase(text: str):
    elements: list[frozenset] = []
    gaps: list[bool] = []
    neg = False
    last_te = False
    segments = text.split("~")
    for si, seg in enumerate(segments):
        seg = seg.strip()
        if not seg:
            continue
        toks = tokenize(normalize(seg).text)
        content = [t for t in toks if t.pos1 not in SKIP_POS] or toks
        if len([t for t in content if t.lemma not in NEG_LEMMAS]) == 1 and len(segments) == 1:
            # short phrases keep their particles (今から, 死ぬしかない)
            content = [t for t in toks if t.pos1 != "補助記号" and t.pos1 != "空白"]
        prog = [i for i, t in enumerate(toks) if t.lemma in ("居る", "いる") and i > 0 and toks[i - 1].surface in ("て", "で")]
        last_te = bool(prog) and all(t.lemma in NEG_LEMMAS or t.pos1 in SKIP_POS for t in toks[prog[-1] + 1:])
        first = True
        for t in content:
            if len(content) == 1 and len(segments) == 1 and t.cform not in ("*", "終止形-一般") \
                    and t.surface != t.base and t.pos1 in ("動詞", "形容詞"):
                # one inflected word (死のう): match the written form only
                elements.append(frozenset({t.surface}))
            else:
                elements.append(frozenset({t.lemma, t.base, t.surface}))
            gaps.append(si > 0 and first)
            first = False
    # trailing negation -> polarity requirement
    while len(elements) > 1 and elements[-1] & {"ない", "無い", "ぬ", "ず", "ん"}:
        elements.pop()
        gaps.pop()
        neg = True
    # a trailing progressive て+いる is optional in speech (息をしていない / 息してない, 倒れている / 倒れてる)
    if neg and len(elements) > 1 and elements[-1] & {"居る", "いる"} and last_te:
        elements.pop()
        gaps.pop()
    return tuple(elements), tuple(gaps), neg


def _trie_pattern(terms: list[str]) -> str:
    """One regex for many literal terms, as a trie: (?:ab(?:c|d)?|e...).  At every node longer
    continuations are tried first, so a match is the longest term at that position (the same
    choice as an alternation sorted longest first) but without trying every term at every
    character.  A term ending in a Latin letter only ends before a non-letter."""
    trie: dict = {}
    for t in terms:
        node = trie
        for ch in t:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict, last: str) -> str:
        alts = [re.escape(ch) + build(child, ch) for ch, child in sorted(node.items()) if ch != ""]
        end = "" in node
        if end:
            tail = r"(?![a-z])" if last.isascii() and last.isalpha() else ""
        if not alts:
            return tail if end else ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if not end:
            return body
        return f"(?:{body}|{tail})" if tail else (f"(?:{body})?" if len(alts) == 1 else body + "?")

    return build(trie, "")


def _term_regex(terms: list[str]) -> re.Pattern | None:
    if not terms:
        return None
    terms = sorted(set(terms))
    ascii_start = [t for t in terms if t[0].isascii() and t[0].isalnum()]
    other = [t for t in terms if not (t[0].isascii() and t[0].isalnum())]
    parts = []
    if ascii_start:
        parts.append(r"(?<![a-z0-9])" + _trie_pattern(ascii_start))
    if other:
        # a first-character class up front lets the regex engine skip positions quickly
        first = "".join(sorted({re.escape(t[0]) for t in other}))
        parts.append(f"(?=[{first}])" + _trie_pattern(other))
    return re.compile("|".join(parts))


def _term_regex_plain(terms: list[str]) -> re.Pattern | None:
    """The straightforward alternation (longest first); kept to check the trie against."""
    if not terms:
        return None
    parts = []
    for t in sorted(set(terms), key=len, reverse=True):
        p = re.escape(t)
        if t[0].isascii() and t[0].isalnum():
            p = r"(?<![a-z0-9])" + p
        if t[-1].isascii() and t[-1].isalpha():
            p = p + r"(?![a-z])"
        parts.append(p)
    return re.compile("|".join(parts))


def _sections(data: dict):
    """Yield (category, target, section_dict)."""
    for key, sec in (data.get("fields") or {}).items():
        yield "field", key, sec
    for key, sec in (data.get("risk") or {}).items():
        yield "risk", key, sec
    for key, sec in (data.get("risk_extra") or {}).items():
        yield "risk", key, sec
    for key, sec in (data.get("intents") or {}).items():
        yield "intent", key, sec
    if data.get("household"):
        yield "household", "household", data["household"]


def compile_lexicon(data: dict) -> Lexicon:
    lex = Lexicon()
    pid = 0
    s_terms: dict[str, list[Term]] = {}
    k_terms: dict[str, list[Term]] = {}
    for category, target, sec in _sections(data):
        weights = {str(k): float(v) for k, v in (sec.get("weights") or {}).items()}
        for entry in sec.get("phrases") or []:
            text, w = _parse_entry(entry)
            elements, gaps, neg = _compile_phrase(text)
            if not elements:
                continue
            pat = Pattern(pid, category, target, w, elements, gaps, neg, text, len(elements) == 1 and not neg)
            pid += 1
            for key in elements[0]:
                lex.index.setdefault(key, []).append(pat)
        if category == "field":
            # pure kanji/katakana nouns also match as substrings: the tokenizer may split
            # them differently inside a sentence (見守り -> 見|守り) than on their own
            for entry in sec.get("phrases") or []:
                text, w = _parse_entry(entry)
                if _NOUNLIKE.match(text):
                    s_terms.setdefault(normalize(text).text, []).append(Term(category, target, w, text))
        for entry in sec.get("surface") or []:
            text, w = _parse_entry(entry)
            norm = normalize(text).text
            s_terms.setdefault(norm, []).append(Term(category, target, weights.get(text, w), text))
        for entry in sec.get("kana") or []:
            text, w = _parse_entry(entry)
            norm = to_hiragana(normalize(text).text)
            k_terms.setdefault(norm, []).append(Term(category, target, weights.get(text, w), text))
    lex.n_patterns = pid
    lex.surface_terms = s_terms
    lex.kana_terms = k_terms
    lex.surface_re = _term_regex(list(s_terms))
    lex.kana_re = _term_regex(list(k_terms))
    return lex


@lru_cache(maxsize=1)
def load_lexicon(path: str | None = None) -> Lexicon:
    p = Path(path) if path else LEXICON_PATH
    with open(p, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return compile_lexicon(data)
