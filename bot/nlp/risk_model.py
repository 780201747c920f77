"""Combination of risk cues into a level, over the current message and its context.

The cue classes (bot/nlp/cues.py, lexicon.yaml ``cues``) are scored together rather than
sentence by sentence:

    suicidal  = ideation | finality (楽になる, 全部終わり) | farewell
    acting    = means | plan | time (same or next sentence) | at a dangerous place
    emergency = suicidal x acting
              | despair/weak finality x (means | place)
              | two farewell cues, one of them strong (今までありがとう + もう会えない)
              | a stockpiled means x a time (薬ためてある + 今夜にしよう)
              | plan x farewell (準備はできた + 手紙を置いた)
              | self-harm, ligature or overdose in progress
              | a person not breathing / unconscious / drowning (with a person named)
              | a child left in a car, or alone by water with no parent around
              | strangling now, or a threat of arson/killing now, against a named person
              | affairs put in order (部屋を片付けた, 鍵はポストに) x despair x no answer
    high      = ideation alone, or a strong farewell alone

Ordinary readings cancel a cue: a farewell with a reason (引っ越すので), means bought for a
purpose (キャンプ用のロープ), relief from an illness (風邪が楽になる), a cut finger while
cooking, a simile (息してないみたいに寝てる).  Negation, metaphor, media and past are
handled by the analyzer's classification of each hit (``active``).
"""
from __future__ import annotations

from typing import Callable, Iterable


def apply_cues(active: Callable[[str], list], get: Callable[[str, str], list], sent_of: Callable[[object], int],
               raise_to: Callable[[int, str, Iterable], None], *, ideation: list, despair: list,
               child_words: list, elder_words: list, people: bool, partner: bool = False,
               unreachable: list = ()) -> None:
    def cue(cls: str) -> list:
        return active("cue_" + cls)

    def raw(cls: str) -> list:
        return get("risk", "cue_" + cls)

    def sents(hs: list) -> set[int]:
        return {sent_of(h) for h in hs}

    def near(a: list, b: list, d: int = 1) -> bool:
        sb = sents(b)
        return any(abs(s - t) <= d for s in sents(a) for t in sb)

    benign = sents(raw("benign_purpose"))
    mundane = bool(raw("mundane_farewell"))
    illness = sents(raw("illness"))

    farewell = [] if mundane else cue("farewell")
    farewell_weak = [] if mundane else cue("farewell_weak")
    finality = [h for h in cue("finality") if sent_of(h) not in illness]
    ideation_x = cue("ideation_extra")
    weak = cue("finality_weak")
    dose = sents(raw("dose_question"))
    means = [h for h in cue("means") if sent_of(h) not in benign and sent_of(h) not in dose]
    place = cue("place")
    when = cue("when")
    plan = cue("plan")

    suicidal = ideation + ideation_x + finality + farewell
    if ideation_x:
        raise_to(1, "suicide", ideation_x)
    if farewell:
        raise_to(1, "suicide", farewell)
    acting_any = means + place + plan
    if suicidal and (acting_any or near(suicidal, when)):
        raise_to(2, "suicide", suicidal + acting_any + [w for w in when if near([w], suicidal)])
    if (weak or despair) and (means or place):
        raise_to(2, "suicide", weak + despair + means + place)
    if weak and when and near(weak, when, 0) and (means or farewell or farewell_weak):
        raise_to(2, "suicide", weak + when)
    if farewell and len({h.key for h in farewell + farewell_weak}) >= 2:
        raise_to(2, "suicide", farewell + farewell_weak)
    if means and when and near(means, when):
        raise_to(2, "suicide", means + when)
    if plan and (farewell or farewell_weak):
        raise_to(2, "suicide", plan + farewell + farewell_weak)
    # someone tired of it all who has put their affairs in order and no longer answers
    if plan and (weak or despair or suicidal) and unreachable:
        raise_to(2, "suicide", plan + weak + list(unreachable))

    cut_ok = sents(raw("benign_cut"))
    progress = [h for h in cue("in_progress") if sent_of(h) not in cut_ok]
    if progress:
        raise_to(2, "selfharm", progress)

    simile = raw("simile")
    danger = [h for h in cue("person_danger")
              if not any(sent_of(s) == sent_of(h) and 0 <= s.start - h.end <= 4 for s in simile)]
    if danger and (people or child_words or elder_words):
        raise_to(2, "child" if child_words and not elder_words else "elder" if elder_words else "other", danger)

    # strangling now, or a threat of arson / killing made now against a named person
    assault = cue("assault_now")
    if assault and (people or partner):
        raise_to(2, "dv" if partner else "violence", assault)
    threat = cue("threat_now")
    if threat and (people or partner):
        raise_to(2, "dv" if partner else "violence", threat)

    child_danger = cue("child_danger")
    if child_danger and child_words:
        car = [h for h in child_danger if "車" in h.key or "くるま" in h.key]
        alone = [h for h in child_danger if h not in car]
        if car or len(alone) >= 2:
            raise_to(2, "child", child_danger)
