"""The language the bot writes in: standard Japanese, やさしい日本語 or English.

Chosen per resident and kept (Resident.language): automatically when a message is written
in English, on request (「やさしい日本語で」, "English please", 「日本語で」 — typed, or from
the rich menu's ことば / Language entry, a=lang), and kept until changed. A Japanese message
with a few English words stays Japanese; a resident who chose English keeps English even
when writing a word of Japanese (going back is asked for, never guessed).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Optional

from bot.flows.actions import Action, Say, SetProfile
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.flows.state import Step
from bot.line import linemsg
from bot.wording import LANGUAGES, STANDARD, say

# Words that mark a message as English (function words and the first words of a request
# for help). Romaji words that are also English (to, no, de…) are left out: 「haha no kaigo」
# is Japanese.
ENGLISH_WORDS = frozenset("""
i i'm im me my you your he she it it's its we they them their this that what where when
why how who which is am are was were be been do does did don't can't cannot can could would
should will not have has had with about for from of in on at the an and or but if because
so very please help hello hi hey thank thanks sorry need want know speak english japanese
mother father son daughter husband wife child children family money work job house home
live living sick ill care die dying kill hurt scared afraid alone lonely tired pain feel
feeling some any there here now today tonight tomorrow yesterday anyone someone somebody
""".split())
GREETINGS = frozenset({"hello", "hi", "hey", "help"})      # English on their own
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")

# Requests, on the message as a whole (normalised: NFKC, lower case, no spaces or commas, no
# final punctuation). やさしい日本語 is checked before 日本語.
_PLEASE = (r"(?:で|に)?(?:おねがい(?:します)?|お願い(?:します)?|して(?:ください)?"
           r"|はなして(?:ください)?|話して(?:ください)?|ください|please|pls|plz)?")
REQUESTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("easy", re.compile(r"(?:やさしい|優しい|易しい|かんたんな|簡単な|easy)(?:日本語|にほんご|japanese)"
                        + _PLEASE)),
    ("en", re.compile(r"(?:(?:in)?english(?:please|pls|plz)?|(?:can|could)youspeakenglish|"
                      r"(?:please)?(?:speak|write|reply|answer)inenglish(?:please)?|英語|えいご)" + _PLEASE)),
    ("ja", re.compile(r"(?:(?:ふつうの|普通の)?(?:日本語|にほんご)|(?:in)?japanese(?:please|pls|plz)?)" + _PLEASE)),
)
REQUEST_MAX = 40          # longer messages are consultations, not requests


def _normalised(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[。.!！?？~〜ー]+$", "", re.sub(r"[\s,、]+", "", folded))


def requested(text: str) -> Optional[str]:
    """The language a short message asks for, else None."""
    if len(text) > REQUEST_MAX:
        return None
    typed = _normalised(text)
    for language, pattern in REQUESTS:
        if pattern.fullmatch(typed):
            return language
    return None


def is_english(text: str) -> bool:
    """Mostly ASCII letters and English words: at least two English words (or a greeting
    alone), English words at least 40% of the words, and Japanese characters few beside
    the letters (a place name inside an English sentence is fine)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    words = _WORD.findall(folded)
    if not words:
        return False
    letters = sum(len(w) for w in words)
    if len(_JAPANESE.findall(folded)) * 4 > letters:
        return False
    english = sum(1 for w in words if w in ENGLISH_WORDS)
    if len(words) == 1:
        return words[0] in GREETINGS
    return english >= 2 and english * 5 >= len(words) * 2


def choice(view: ResidentView, inbound: Inbound) -> tuple[str, Optional[str]]:
    """(the language to answer this event in, how it was chosen: "asked" for a request or
    the menu, "detected" for an English message, None when the kept one stays)."""
    kept = view.language if view.language in LANGUAGES else STANDARD
    if inbound.kind == "postback" and inbound.data.get("a") == "lang":
        wanted = inbound.data.get("v")
        return (wanted, "asked") if wanted in LANGUAGES and wanted is not None else (kept, "asked")
    if inbound.kind != "text" or not inbound.text:
        return kept, None
    wanted = requested(inbound.text)
    if wanted is not None:
        return wanted, "asked"
    if kept != "en" and is_english(inbound.text):
        return "en", "detected"
    return kept, None


def chooser() -> dict[str, Any]:
    """The question with the three languages as quick replies (each in its own words)."""
    return linemsg.text(say("language.choose"), [
        linemsg.quick_postback(say(f"language.label_{code}"), f"a=lang&v={code}")
        for code in LANGUAGES])


def switched(view: ResidentView, inbound: Inbound, ctx: FlowContext, language: str) -> list[Action]:
    """The answer to a request, said in `language`: kept on the resident, confirmed, and
    where the resident was asked something (the terms, an intake question) asked again in
    the new language; someone new is greeted. One Say: it all goes in the reply token."""
    if inbound.kind == "postback" and not inbound.data.get("v"):
        return [Say([chooser()])]                  # the menu entry: which language?
    keep: list[Action] = [SetProfile({"language": language})] if language != view.language else []
    followed = _again(view, inbound, ctx)
    messages = [m for a in followed if isinstance(a, Say) for m in a.messages]
    others = [a for a in followed if not isinstance(a, Say)]
    confirmed = linemsg.text(say("language.switched"))
    return keep + others + [Say([confirmed, *messages][:linemsg.MESSAGES_PER_REQUEST])]


def _again(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    from bot.flows import onboarding  # noqa: PLC0415 - onboarding leads to the whole conversation
    if view.step == Step.NEW:
        return onboarding.greet(view, inbound, ctx)
    if view.step in (Step.TERMS, Step.DECLINED):
        return [Say([onboarding.terms_message(ctx)])]
    question = {Step.RELATION: onboarding.relation_question, Step.AGE: onboarding.age_question,
                Step.AREA: onboarding.area_question}.get(view.step)
    return [Say([question()])] if question else []
