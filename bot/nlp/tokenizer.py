"""One fugashi Tagger per process (unidic-lite), created lazily.

Token fields are copied out of the MeCab nodes at once: fugashi nodes go stale
after the next call to the tagger.
"""
from __future__ import annotations

import threading
from typing import NamedTuple

_TAGGER = None
_LOCK = threading.Lock()


class DictionaryError(RuntimeError):
    pass


class Token(NamedTuple):
    surface: str
    lemma: str
    base: str  # orthBase
    pos1: str
    pos2: str
    cform: str
    start: int  # offsets into the normalised text
    end: int


def _check_dictionary(tagger) -> None:
    try:
        info = tagger.dictionary_info
    except Exception as exc:  # pragma: no cover
        raise DictionaryError(f"cannot read fugashi dictionary info: {exc}") from exc
    paths = " ".join(str(d.get("filename", "")) for d in info)
    if "unidic_lite" not in paths.replace("-", "_"):
        raise DictionaryError(
            "bot.nlp needs the unidic-lite dictionary, but fugashi loaded: "
            f"{paths or 'unknown'}. Uninstall the 'unidic' package or install "
            "'unidic-lite' (pip install unidic-lite)."
        )


def get_tagger():
    global _TAGGER
    if _TAGGER is None:
        with _LOCK:
            if _TAGGER is None:
                try:
                    import fugashi
                    import unidic_lite
                except ImportError as exc:
                    raise DictionaryError(
                        "bot.nlp needs fugashi and unidic-lite installed: " + str(exc)
                    ) from exc
                tagger = fugashi.Tagger(f'-d "{unidic_lite.DICDIR}"')
                _check_dictionary(tagger)
                _TAGGER = tagger
    return _TAGGER


def tokenize(text: str) -> list[Token]:
    tagger = get_tagger()
    out: list[Token] = []
    pos = 0
    for node in tagger(text):
        surf = node.surface
        start = text.find(surf, pos) if surf else pos
        if start < 0:
            start = pos + len(node.white_space)
        end = start + len(surf)
        pos = end
        f = node.feature
        lemma = f.lemma or surf
        base = f.orthBase or surf
        if lemma == "*" or lemma is None:
            lemma = surf
        if base == "*" or base is None:
            base = surf
        # unidic lemmas may carry a "-English" suffix (e.g. "バス-bus")
        if "-" in lemma and not lemma.startswith("-"):
            lemma = lemma.split("-", 1)[0]
        out.append(Token(surf, lemma, base, f.pos1, f.pos2, f.cForm or "*", start, end))
    return out
