"""One fugashi Tagger per process (unidic-lite), created lazily.

Token fields are copied out of the MeCab nodes at once: fugashi nodes go stale
after the next call to the tagger.
"""
from __future__ import annotations

import threading
from functools import lru_cache
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


# feature_raw -> (lemma, base, pos1, pos2, cform); parsing the raw CSV once per distinct
# feature string is much cheaper than building fugashi's feature tuple for every node.
_FEATURES: dict[str, tuple] = {}
_FEATURES_MAX = 300_000


def _features(raw: str, node) -> tuple:
    v = _FEATURES.get(raw)
    if v is not None:
        return v
    parts = raw.split(",", 11)
    if len(parts) >= 11 and not any('"' in p for p in parts[:11]):
        pos1, pos2, cform, lemma, base = parts[0], parts[1], parts[5], parts[7], parts[10]
    elif len(parts) >= 6 and '"' not in raw:  # unknown word: pos only
        pos1, pos2, cform, lemma, base = parts[0], parts[1], parts[5], "*", "*"
    else:
        f = node.feature
        pos1, pos2, cform, lemma, base = f.pos1, f.pos2, f.cForm or "*", f.lemma or "*", f.orthBase or "*"
    # unidic lemmas may carry a "-English" suffix (e.g. "バス-bus")
    if "-" in lemma and not lemma.startswith("-"):
        lemma = lemma.split("-", 1)[0]
    v = (None if lemma == "*" else lemma, None if base == "*" else base, pos1, pos2, cform or "*")
    if len(_FEATURES) >= _FEATURES_MAX:
        _FEATURES.clear()
    _FEATURES[raw] = v
    return v


_new = tuple.__new__  # builds the NamedTuple without its Python-level __new__


def tokenize(text: str) -> list[Token]:
    """Tokens of a normalised text. The rule stage and the feature stage both read the tokens of
    the same text; the second read is a cache hit (the list is a fresh copy each time)."""
    return list(_tokenize_cached(text))


@lru_cache(maxsize=1024)
def _tokenize_cached(text: str) -> tuple[Token, ...]:
    return tuple(_tokenize(text))


def _tokenize(text: str) -> list[Token]:
    tagger = get_tagger()
    out: list[Token] = []
    append = out.append
    find = text.find
    pos = 0
    for node in tagger(text):
        surf = node.surface
        start = find(surf, pos) if surf else pos
        if start < 0:
            start = pos + len(node.white_space)
        end = start + len(surf)
        pos = end
        lemma, base, pos1, pos2, cform = _features(node.feature_raw, node)
        append(_new(Token, (surf, lemma or surf, base or surf, pos1, pos2, cform, start, end)))
    return out
