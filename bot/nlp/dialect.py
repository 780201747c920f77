"""Dialect endings folded to standard Japanese before matching (会津・山形・富山・関西・博多 ...).

Applied as the last normalisation step (on the normalised text, with the offset map kept), so
the lexicon, negation and risk rules see 息してない for 息してねぇ, 払えない for 払われへん,
死にたい for 死にでぇ, 川に行く for 川さ行ぐ, から for やけん.  Only endings that cannot be read
as standard Japanese in that position are rewritten; the stored original is never changed.
The same function runs over the lexicon's phrases, so lexicon and text stay in step.
"""
from __future__ import annotations

import re

_END = r"(?=[。、,!?！？\s…wｗ笑😭😢🥲]|$)"
_A_TO_E = str.maketrans("わかがさたなばまらざだぱ", "えけげせてねべめれぜでぺ")

# (pattern, replacement); replacement may be a function of the match
_RULES: list[tuple[str, object]] = [
    # English mixed into a Japanese message (lower-cased by normalisation)
    (r"\bright now\b", "今"),
    (r"\b(?:i )?(?:want to|wanna) (?:die|kill myself)\b|\bkill myself\b|\bsuicidal\b", "死にたい"),
    (r"\b(?:i )?(?:want to|wanna) disappear\b", "消えたい"),
    (r"\bi can'?t (?:go on|do this|take (?:it|this)|anymore)(?: anymore)?\b", "もう無理"),
    (r"\bmy (?:husband|boyfriend|bf)\b", "夫が"),
    (r"\b(?:is |keeps )?(?:hitting|beating|choking|kicking) me\b", "殴ってる"),
    (r"\bhelp me\b", "助けて"),
    # 関西 あらへん (= ない)
    (r"あらへん", "ない"),
    # 富山 だちかん (= だめ) would otherwise be read as 痴漢
    (r"だちかん", "だめ"),
    # 関西 potential negative: 払われへん -> 払えない, 行かれへん -> 行けない
    (r"([わかがさたなばまら])れへん", lambda m: m.group(1).translate(_A_TO_E) + "ない"),
    (r"せえへん|せーへん|しいひん", "しない"),
    (r"(?<=[えけげせてねべめれでぜかがさたまばらわ])へん(?=[。、,!?！？\sねわでのかよやけ…]|$)", "ない"),
    # 東北 ねぇ/ねえ after a verb form: 息してねぇ -> 息してない, 生ぎてだぐねぇ -> 生きてたくない
    (r"(?<=[てでらかまさくぐたわ])ね[ぇえー](?!ちゃん)", "ない"),
    (r"(?<=[てでらかまさくたわ])ねず" + _END, "ない"),
    # 死にでぇ / 死にてぇ / 死にてー -> 死にたい
    (r"(?<=[にきびみりちし])[でて][ぇえー]", "たい"),
    (r"(?<=て)だぐ(?=な)", "たく"),
    (r"(?<=[て])たぐ(?=な)", "たく"),
    # 東北 voiced consonants in a few verbs: 生ぎ -> 生き, 行ぐ -> 行く
    (r"(?<=[生行書聞歩働泣置着])ぎ", "き"),
    (r"(?<=[生行書聞歩働泣置着])ぐ", "く"),
    # 東北 direction さ: 川さ行ぐ -> 川に行く
    (r"(?<=[\u4e00-\u9fff])さ(?=[行来入飛戻帰出向い])", "に"),
    # 西日本 progressive とる/よる: 叩かれとる -> 叩かれている, 集めとる -> 集めている
    (r"(?<=[めれけえてねべげせでぜきびちいじっし])と(?=[るっりらろ])", "てお"),
    # reason / concession conjunctions
    (r"(?<=[ぁ-ん])(?:やけん|じゃけん|だけん)", "だから"),
    (r"(?<=[ぁ-んー])けん(?=[、,。!?！？\s…]|$)", "から"),
    (r"けんど|けんじょ|げんじょ|げんちょ", "けど"),
    # sentence-final particles that carry no content
    (r"(?<=[い])がいちゃ" + _END, ""),
    (r"(?<=[いるた])が[やい]?ちゃ" + _END, ""),
    (r"(?<=[いるたんだ])っちゃん?" + _END, ""),
    (r"(?<=[るうすつぬぶ])ちゃ" + _END, ""),
    (r"だっちゃ" + _END, "だ"),
    (r"だず" + _END, "だ"),
    (r"(?<=[いるうくすつぬぶむた])ず" + _END, ""),
    (r"だべ(?=[。、,!?！？\sかな…]|$)", "だ"),
    (r"(?<=[うくぐすつぬぶむるい])べ(?=[。、,!?！？\sかな…]|$)", ""),
    (r"(?<=[ぁ-ん])がや" + _END, ""),
    # 関西 copula や at the end after a noun/adjective stem: 無理や -> 無理だ
    (r"(?<=[\u4e00-\u9fff])や(?=ねん|[。!?！？\s]|$)", "だ"),
    (r"ねん" + _END, ""),
    # 九州 desiderative たか (= たい) after a stem whose past tense could not be read here:
    # 死にたか -> 死にたい, 行きたか -> 行きたい (書いたか / 見たか stay: they can be past questions)
    (r"(?<=[にきりちびぎ])たか(?=けん|から|ー|[。、!?！？\s…]|$)", "たい"),
    # 博多 きつか -> きつい
    (r"(きつ|よ|さびし|さみし|かなし|悲し|寂し|苦し|くるし|つら|辛|痛|えら|しんど|こわ|怖)か(?=けん|から|っちゃ|[。、!?！？\s]|$)", lambda m: m.group(1) + "い"),
]
_COMPILED = [(re.compile(p), r) for p, r in _RULES]
# one cheap test before trying the rules one by one
_TRIGGER = re.compile(r"right now|want|wanna|kill|suicid|can'?t|husband|boyfriend|\bbf\b| me\b|あらへん|ちかん|へん|ひん|ね[ぇえー]|ねず|[でて][ぇえー]|だぐ|たぐ|[生行書聞歩働泣置着][ぎぐ]|さ[行来入飛戻帰出向い]"
                      r"|と[るっりらろ]|けん|げんじょ|げんちょ|ちゃ|だず|ず|べ|がや|や|ねん|か(?=けん|から|っちゃ|ー|[。、!?！？\s…]|$)")


def standardise(text: str, offs: list[int]) -> tuple[str, list[int]]:
    """Rewrite dialect endings; offs (index in the original for each character) follows the edits:
    every replacement character maps to the first original character of what it replaced."""
    if not _TRIGGER.search(text):
        return text, offs
    for rx, rep in _COMPILED:
        if not rx.search(text):
            continue
        out: list[str] = []
        new_offs: list[int] = []
        pos = 0
        for m in rx.finditer(text):
            s, e = m.span()
            out.append(text[pos:s])
            new_offs.extend(offs[pos:s])
            r = rep(m) if callable(rep) else m.expand(rep)
            out.append(r)
            anchor = offs[s] if s < len(offs) else (offs[-1] if offs else 0)
            new_offs.extend([anchor] * len(r))
            pos = e
        out.append(text[pos:])
        new_offs.extend(offs[pos:])
        text, offs = "".join(out), new_offs
    return text, offs
