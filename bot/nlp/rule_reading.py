"""The lexicon rules' working state for one message: its token document, the lexicon and cue
hits, how each risk hit is to be read (active, or only mentioned: negated, past, metaphor,
a question, a story), and the risk level the rules have reached so far.

One `Reading` is built per message by rules.rule_analysis and passed to each rule module
(rules_selfharm, rules_danger, rules_net, rules_fields); only `raise_to` moves the level.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from .cues import find_cues
from .doc import Hit, _build_doc, _collect_hits, _overlaps, _span
from .lexicon import load_lexicon
from .negation import _scope_negated
from .result import RiskMention
from .tokenizer import Token

_NARRATIVE_RE = re.compile(r"やつ|シーン|場面|主人公|キャラ|ラスト|結末|みんな|全員|最終回")


class Reading:
    def __init__(self, text: str, context: Sequence[str]):
        self.doc = doc = _build_doc(text, list(context))
        self.hits = hits = _collect_hits(doc, load_lexicon())
        self.toks = toks = doc.tokens
        self.base = doc.base
        self.cue_classes: set[str] = set()
        if toks:
            last_tok = len(toks) - 1
            for cls, s0, e0, txt in find_cues(doc.text, doc.hira):
                t0 = min(doc.char_tok[s0], last_tok)
                t1 = max(min(doc.char_tok[max(e0 - 1, 0)], last_tok) + 1, t0 + 1)
                hits.append(Hit("risk", "cue_" + cls, 1.0, s0, e0, t0, t1, txt))
                self.cue_classes.add(cls)
        self.by_cat: dict[tuple[str, str], list[Hit]] = {}
        for h in hits:
            self.by_cat.setdefault((h.category, h.target), []).append(h)
        self.present = {t for c, t in self.by_cat if c == "risk"}
        self.lemmas = {t.lemma for t in toks}

        self.metaphor_spans = [(h.start, h.end) for h in self.get("risk", "metaphor") + self.get("risk", "cue_degree_metaphor")]
        self.past_markers = self.get("risk", "past")
        # a resolution that is itself negated (止められない for やめられる) is not one
        if toks and self.get("risk", "resolved"):
            self.by_cat[("risk", "resolved")] = [r for r in self.get("risk", "resolved") if not _scope_negated(toks, r.t1)]
        self.resolved = bool(self.get("risk", "resolved"))
        self.media = self.get("risk", "media")
        self.define = self.get("risk", "define")

        self.mentions: list[RiskMention] = []
        self.mention_keys: set[tuple[int, int]] = set()
        self.mention_reasons: list[tuple[int, int, str]] = []
        # a resolved statement (今は落ち着いてます) makes earlier sentences told in the past tense "past"
        self.past_sents: set[int] = set()
        if self.resolved and toks:
            last_res = max(self.sent_of(r) for r in self.get("risk", "resolved"))
            sent_last: dict[int, Token] = {}
            for i, t in enumerate(toks):
                if t.pos1 not in ("補助記号", "空白", "助詞"):
                    sent_last[doc.sent[i]] = t
            for sid, t in sent_last.items():
                if sid < last_res and (t.lemma == "た" or any(self.sent_of(p) == sid for p in self.past_markers)):
                    self.past_sents.add(sid)
        self.resolved_spans = [(r.start, r.end) for r in self.get("risk", "resolved")]
        self.narrative_sents: set[int] = set()
        if self.media and toks:
            for m in _NARRATIVE_RE.finditer(doc.text):
                self.narrative_sents.add(doc.sent[min(doc.char_tok[m.start()], len(toks) - 1)])

        self.level = 0
        self.kinds: list[str] = []
        self.evidence: list[Hit] = []

    # ------------------------------------------------------------------ lookups

    def get(self, cat: str, target: str) -> list[Hit]:
        return self.by_cat.get((cat, target), [])

    def in_text(self, h: Hit) -> bool:
        """In this message, not in the earlier ones it is read with."""
        return h.start >= self.base

    def sent_of(self, h: Hit) -> int:
        return self.doc.sent[min(h.t0, len(self.toks) - 1)] if self.toks else 0

    def clause_of(self, h: Hit) -> int:
        return self.doc.clause[min(h.t0, len(self.toks) - 1)] if self.toks else 0

    # ------------------------------------------------------------------ reading a risk hit

    def negated(self, h: Hit) -> bool:
        return _scope_negated(self.toks, h.t1)

    def classify(self, h: Hit) -> str | None:
        """None if active, else the mention reason."""
        toks = self.toks
        if any(_overlaps(h.start, h.end, a, b) for a, b in self.metaphor_spans):
            return "metaphor"
        if any(h.end <= d.start <= h.end + 2 for d in self.define):
            return "question"  # ODの意味を教えて
        if _scope_negated(toks, h.t1):
            return "negated"
        if self.sent_of(h) in self.past_sents:
            return "past"
        if h.key == "死ぬ" and h.t1 < len(toks) and toks[h.t1].lemma == "た" and "仮定" not in toks[h.t1].cform:
            nxt = toks[h.t1 + 1] if h.t1 + 1 < len(toks) else None
            if nxt is None or nxt.lemma not in ("方", "ほう"):
                return "past"  # 推しが尊すぎて死んだ / 父が死んだ: not an intent
        cl = self.clause_of(h)
        for p in self.past_markers:
            if self.clause_of(p) == cl and p.start <= h.start:
                return "past"
        if self.resolved:
            for p in self.past_markers:
                if self.sent_of(p) == self.sent_of(h):
                    return "past"
        for m in self.media:
            if self.sent_of(m) == self.sent_of(h):
                return "third_party"
            if self.sent_of(m) == self.sent_of(h) - 1 and self.sent_of(h) in self.narrative_sents:
                return "third_party"
        return None

    def mention(self, h: Hit, reason: str) -> None:
        """Record a risk word that is present but not active (each span once)."""
        if (h.start, h.end) not in self.mention_keys:
            self.mention_keys.add((h.start, h.end))
            self.mention_reasons.append((h.start, h.end, reason))
            self.mentions.append(RiskMention(_span(self.doc, h.start, h.end), reason))

    def active(self, target: str, min_weight: float = 0.0) -> list[Hit]:
        out = []
        for h in self.get("risk", target):
            if h.weight < min_weight:
                continue
            reason = self.classify(h)
            if reason is None:
                out.append(h)
            else:
                self.mention(h, reason)
        return out

    # ------------------------------------------------------------------ the level

    def raise_to(self, lv: int, kind: str, ev: Iterable[Hit]) -> None:
        self.level = max(self.level, lv)
        if kind not in self.kinds:
            self.kinds.append(kind)
        for e in ev:
            if e not in self.evidence:
                self.evidence.append(e)
