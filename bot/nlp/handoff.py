"""Household patterns (8050, ダブルケア, ヤングケアラー, ごみ屋敷, 多頭飼育, 老老介護) and the
handoff decision (risk, an explicit request for a person, an entangled multi-field household)."""
from __future__ import annotations

import re
from typing import Callable

_GOMI_RE = re.compile(r"ゴミ屋敷|ごみ屋敷|ゴミ(が|で)(あふれ|溢れ|山|埋ま|いっぱい)|ごみ(が|で)(あふれ|溢れ|山|埋ま|いっぱい)|床が見えな|片付けられな|片づけられな")
_TATO_RE = re.compile(r"多頭|(猫|犬|ねこ|いぬ|ネコ|イヌ)(が|を)?(何十|数十|[2-9][0-9]|何匹も|たくさん|いっぱい|沢山)")
_AGE_RE = re.compile(r"(?<![0-9])([7-9][0-9])(代|歳|才|近く|過ぎ|すぎ|手前|の(?=私|夫|妻|父|母|祖|親|主人|旦那|兄|姉)|[)）])")
_YOUNG_RE = re.compile(r"小学生|中学生|高校生|小学校|中学校|小[1-6]|中[1-3]|高[1-3]|孫|[0-9]{1,2}歳の(子|息子|娘)")
_CARE_RE = re.compile(r"世話|介護|面倒を見|面倒見|家事|介助|看病|付き添|洗濯|料理|ご飯(を|も|とか)?(作|つく)|ご飯とか|家のこと(は|を)?全部|送り迎え")
_QUESTION_END_RE = re.compile(r"(か|の|かな|ですか|ますか|でしょうか|けど|教えて(ください)?|ください|\?|？|ある|いい)[\s。!！?？w]*$")


def find_patterns(ntext: str, fkeys: set[str]) -> list[str]:
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
    return patterns


def decide_handoff(level: int, intents: list[str], fkeys: set[str], patterns: list[str], ntext: str,
                   get: Callable[[str, str], list], in_text: Callable[[object], bool]) -> list[str]:
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
    return reasons
