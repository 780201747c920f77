"""First-character prefilter for compiled regexes.

first_chars(rx) is the set of characters a non-empty match of rx can start with, or None when
that cannot be bounded (``.``, negated classes, categories such as ``\\s``, big ranges,
back-references, case-insensitive patterns, a pattern that can match the empty string).  A
class whose set shares no character with the text cannot match it, so its scan is skipped
without changing any result.
"""
from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as _c, _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_MAX_RANGE = 512
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}


class _Unbounded(Exception):
    pass


def _in_set(items) -> set[str]:
    out: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            out.add(chr(av))
        elif op is _c.RANGE:
            lo, hi = av
            if hi - lo > _MAX_RANGE:
                raise _Unbounded
            out.update(chr(c) for c in range(lo, hi + 1))
        else:  # NEGATE, CATEGORY, CHARSET, BIGCHARSET, ...
            raise _Unbounded
    return out


def _seq(items) -> tuple[set[str], bool]:
    """(first chars, nullable) of a sequence of parsed items."""
    out: set[str] = set()
    for op, av in items:
        first, nullable = _item(op, av)
        out |= first
        if not nullable:
            return out, False
    return out, True


def _item(op, av) -> tuple[set[str], bool]:
    if op is _c.LITERAL:
        return {chr(av)}, False
    if op is _c.IN:
        return _in_set(av), False
    if op in _ZERO_WIDTH:
        return set(), True
    if op is _c.SUBPATTERN:
        return _seq(av[-1])
    if op is _c.BRANCH:
        out: set[str] = set()
        nullable = False
        for branch in av[1]:
            f, n = _seq(branch)
            out |= f
            nullable = nullable or n
        return out, nullable
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        lo, _hi, sub = av
        f, n = _seq(sub)
        return f, n or lo == 0
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _seq(av)
    raise _Unbounded  # ANY, NOT_LITERAL, GROUPREF, GROUPREF_EXISTS, ...


def first_chars(rx: re.Pattern) -> frozenset[str] | None:
    if not isinstance(rx.pattern, str) or rx.flags & re.IGNORECASE:
        return None
    try:
        first, nullable = _seq(_p.parse(rx.pattern, rx.flags))
    except (_Unbounded, Exception):
        return None
    if nullable:
        return None
    return frozenset(first)


def may_match(first: frozenset[str] | None, chars: set[str]) -> bool:
    return first is None or not first.isdisjoint(chars)
