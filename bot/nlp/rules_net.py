"""Lexicon rules, part 3: the general net for wordings no rule before it foresaw
(safety_net.scan finds danger words, amplifiers, despair and short messages)."""
from __future__ import annotations

from .doc import Hit
from .rule_reading import Reading
from .safety_net import scan

# ordinary readings the cue rules already know cancel a net hit in their sentence
_CALMING = ("cue_benign_cut", "cue_simile", "cue_benign_purpose", "cue_degree_metaphor", "cue_dose_question", "metaphor")


def apply_safety_net(r: Reading) -> None:
    if r.level >= 2 or not r.toks:
        return
    doc, toks, get, sent_of = r.doc, r.toks, r.get, r.sent_of
    n_danger, n_amps, n_despair, n_short = scan(doc.text, r.base)
    if not (n_danger or (n_short and n_despair) or "presence" in n_amps):
        return
    last_tok = len(toks) - 1
    act: list[tuple[str, Hit, bool]] = []
    for cls, s0, e0, prog in n_danger:
        t0 = min(doc.char_tok[s0], last_tok)
        t1 = max(min(doc.char_tok[max(e0 - 1, 0)], last_tok) + 1, t0 + 1)
        h = Hit("risk", "net_" + cls, 1.0, s0, e0, t0, t1, doc.text[s0:e0])
        why = r.classify(h)
        # violence told in the past tense is still a disclosure (high) unless resolved since
        if why is None or (why == "past" and cls == "violence" and sent_of(h) not in r.past_sents
                           and not any(sent_of(x) == sent_of(h) for x in get("risk", "resolved"))):
            act.append((cls, h, prog and why is None))
    calm = {sent_of(x) for c in _CALMING for x in get("risk", c)}
    peers = bool(get("risk", "peer_words"))
    mundane = bool(get("risk", "cue_mundane_farewell"))
    act = [(c, h, p) for c, h, p in act if sent_of(h) not in calm and not (c == "violence" and peers)
           and not (c == "farewell" and mundane)]
    # an urge to harm counts only towards a child or an elder named in the message
    dependant = bool(get("risk", "child_words") or get("risk", "elder_words"))
    act = [(c, h, p) for c, h, p in act if c != "harm_urge" or dependant]
    partner = bool(get("risk", "partner_words"))
    kind_of = {"suicide": "suicide", "selfharm": "selfharm", "violence": "dv" if partner else "violence",
               "threat": "dv" if partner else "violence", "person": "other", "help": "other",
               "means": "suicide", "farewell": "suicide",
               "harm_urge": "child" if get("risk", "child_words") else "elder"}
    for cls, h, _ in act:
        r.raise_to(1, kind_of[cls], [h])
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
        r.raise_to(2, act[0][0] if act and act[0][0] in ("suicide", "selfharm") else
                   kind_of.get(act[0][0], "suicide") if act else "suicide", [h for _, h, _ in act])
