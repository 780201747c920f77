"""Lexicon rules, part 4: the welfare fields the lexicon finds in this message (not in the
earlier ones), leaving out what is past, a metaphor or a negated mention, and the fields a
risk implies (suicide → kokoro, DV → josei, a child at risk → kosodate, ...)."""
from __future__ import annotations

import re

from .doc import Hit, _overlaps, _span
from .handoff import _AGE_RE, _CARE_RE, _YOUNG_RE
from .result import FIELD_KEYS, FIELD_THRESHOLD, FieldTag
from .rule_reading import Reading
from .rules_danger import WORKPLACE_RE

_CLINIC_ONLY = frozenset({"精神科", "心療内科", "通院", "治療", "服薬", "カウンセリング", "カウンセラー", "薬を飲む"})
_SUBJECT_RE = re.compile(r"(?:[(（][^)）]{0,6}[)）])?(?:が|は)")
_VIOLENT_TARGETS = frozenset({"violence", "weapon", "threat_kill", "hiding", "sexual", "child_now", "exposure", "neglect_child",
                              "cue_assault_now", "cue_threat_now", "cue_child_danger"})


def _lexicon_fields(r: Reading) -> tuple[dict[str, float], dict[str, list[Hit]]]:
    scores: dict[str, float] = {}
    ev: dict[str, list[Hit]] = {}
    past_reasons = bool(r.resolved and r.past_markers)
    longer = [h for h in r.hits if h.category in ("field", "intent") and h.end - h.start >= 3]
    for key in FIELD_KEYS:
        fh = [h for h in r.get("field", key) if r.in_text(h)]
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
            if past_reasons and any(r.clause_of(p) == r.clause_of(h) for p in r.past_markers):
                continue
            if any(_overlaps(h.start, h.end, a, b) for a, b in r.metaphor_spans):
                continue
            if r.past_sents and r.sent_of(h) in r.past_sents:
                continue  # 前の夫のDVで離婚しました。今は落ち着いてます
            if key in ("kokoro", "josei") and any(_overlaps(h.start, h.end, m0, m1) for m0, m1, why in r.mention_reasons
                                                  if why != "info"):
                continue  # 自殺なんて考えたこともない: the negated mention is not the topic
            seen_keys.add(h.key)
            kept.append(h)
        if kept:
            scores[key] = sum(h.weight for h in kept)
            ev[key] = sorted(kept, key=lambda h: h.start)
    # ages of 70+ (81の夫, 80近い両親, 80過ぎの叔母) make care evidence count
    ages = [m for m in _AGE_RE.finditer(r.doc.text) if m.start() >= r.base]
    if ages and ("kaigo" in scores or len(ages) >= 2):
        scores["kaigo"] = scores.get("kaigo", 0.0) + min(0.6 * len(ages), 1.0)
        ev.setdefault("kaigo", []).extend(Hit("field", "kaigo", 0.6, m.start(), m.end(), 0, 0, m.group(0)) for m in ages[:2])
    return scores, ev


def read_fields(r: Reading, child_words: list[Hit], elder_words: list[Hit]) -> list[FieldTag]:
    """`child_words` / `elder_words`: those the danger rules read (none when they did not run)."""
    scores, ev = _lexicon_fields(r)
    doc, kinds = r.doc, r.kinds

    def boost(key: str, hs: list[Hit]) -> None:
        scores[key] = max(scores.get(key, 0.0), 0.0) + FIELD_THRESHOLD
        ev.setdefault(key, [])
        for h in hs:
            if h not in ev[key]:
                ev[key].append(h)

    risk_ev = r.evidence
    if r.level >= 1:
        if "suicide" in kinds or "selfharm" in kinds:
            boost("kokoro", risk_ev)
        if "dv" in kinds:
            boost("josei", risk_ev)
        vsents = {r.sent_of(h) for h in risk_ev if h.target in _VIOLENT_TARGETS}
        subject_child = ("suicide" in kinds or "selfharm" in kinds) and any(
            r.in_text(c) and _SUBJECT_RE.match(doc.text, c.end) for c in child_words)
        if "child" in kinds or subject_child or any(r.in_text(c) and r.sent_of(c) in vsents for c in child_words):
            boost("kosodate", [c for c in child_words][:2] or risk_ev)
        if "elder" in kinds and elder_words:
            boost("kaigo", risk_ev)
        if "no_food" in kinds:
            boost("konkyu", risk_ev)
        if kinds and ("violence" in kinds or "dv" in kinds) and WORKPLACE_RE.search(doc.text[r.base:]):
            boost("shuro", [h for h in risk_ev if h.target in _VIOLENT_TARGETS][:2])

    if "kokoro" in scores and scores.get("shogai", 0.0) >= FIELD_THRESHOLD \
            and not (r.level and ("suicide" in kinds or "selfharm" in kinds)):
        if all(h.key in _CLINIC_ONLY for h in ev.get("kokoro", [])):
            del scores["kokoro"]
    fields = [FieldTag(k, round(v, 2), [_span(doc, h.start, h.end) for h in ev.get(k, [])])
              for k, v in scores.items() if v >= FIELD_THRESHOLD - 1e-9]
    fields.sort(key=lambda f: (-f.score, FIELD_KEYS.index(f.key)))
    text = doc.text[r.base:]
    if ("ヤングケアラー" in text or (_YOUNG_RE.search(text) and _CARE_RE.search(text))) \
            and "kosodate" not in {f.key for f in fields}:
        fields.append(FieldTag("kosodate", FIELD_THRESHOLD, [_span(doc, m.start() + r.base, m.end() + r.base)
                                                            for m in _YOUNG_RE.finditer(text)][:1]))
    return fields
