"""The ordinary-word guard for fuzzy matches, on wordfreq's word lists.

A word a typo away from a brand is often a real word ("carter" for "career"). The guard
rejects a fuzzy match when the matched word is itself an ordinary word of the post's
language: at least ``min_zipf`` on wordfreq's Zipf scale (log10 of uses per billion words)
and no more than ``rarer_by`` below the brand's own frequency. Real misspellings of a common
word are far rarer than the word ("definately" is 100 times rarer than "definitely"), so
they pass; a rare brand name keeps every common word out. Context (a product, a handle, a
domain of the brand in the same post) lifts the guard. The lists ship inside the
``wordfreq`` wheel (no download at run time) and are loaded once per language and process.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable

from social_listen.query._normalize import fold

__all__ = [
    "DEFAULT_GUARD_LANGUAGES",
    "DEFAULT_MIN_ZIPF",
    "DEFAULT_RARER_BY",
    "common_words",
    "is_common_word",
    "is_ordinary_word",
    "zipf",
]

logger = logging.getLogger(__name__)

DEFAULT_MIN_ZIPF = 2.5
"""Zipf frequency from which a word can count as ordinary (about 1 use in 3 million words)."""

DEFAULT_RARER_BY = 2.0
"""A candidate this many Zipf points (100x) rarer than the brand is treated as a typo."""

DEFAULT_GUARD_LANGUAGES = ("en",)
"""Languages checked when the post's language is unknown."""

_LOCK = threading.Lock()
_TABLES: dict[tuple[str, float], dict[str, float]] = {}


def _table(language: str, min_zipf: float) -> dict[str, float]:
    key = (language.split("-", maxsplit=1)[0].lower(), min_zipf)
    with _LOCK:
        table = _TABLES.get(key)
        if table is None:
            table = _load(key[0], min_zipf)
            _TABLES[key] = table
        return table


def _load(language: str, min_zipf: float) -> dict[str, float]:
    import wordfreq

    freqs: dict[str, float] = {}
    if language in wordfreq.available_languages(wordlist="best"):
        # Only exact codes: wordfreq would otherwise substitute the "nearest" language.
        freqs = wordfreq.get_frequency_dict(language, wordlist="best")
    if not freqs:
        logger.info("wordfreq has no list for %r; the fuzzy guard is off for it", language)
        return {}
    threshold = 10 ** (min_zipf - 9)
    out: dict[str, float] = {}
    for word, freq in freqs.items():
        if freq >= threshold:
            folded = fold(word)
            value = math.log10(freq) + 9
            if value > out.get(folded, 0.0):
                out[folded] = value
    logger.debug("guard list %s: %d words at zipf >= %.2f", language, len(out), min_zipf)
    return out


def zipf(word: str, language: str) -> float:
    """Zipf frequency of the folded ``word`` in ``language`` (0 when unknown or rare).

    Examples:
        >>> zipf("bread", "en") > 4, zipf("braed", "en")
        (True, 0.0)
    """
    table = _table(language, 0.0)
    return table.get(fold(word), 0.0)


def common_words(language: str, *, min_zipf: float = DEFAULT_MIN_ZIPF) -> frozenset[str]:
    """The folded words of ``language`` at least as frequent as ``min_zipf``.

    Empty for a language wordfreq does not cover (the guard then lets fuzzy matches through,
    which is the behaviour of plain edit distance).

    Examples:
        >>> "bread" in common_words("en")
        True
    """
    return frozenset(_table(language, min_zipf))


def is_common_word(word: str, languages: Iterable[str], *, min_zipf: float = DEFAULT_MIN_ZIPF) -> bool:
    """True when the folded ``word`` is at least ``min_zipf`` frequent in any of ``languages``.

    Examples:
        >>> is_common_word("bread", ["en"]), is_common_word("braed", ["en"])
        (True, False)
    """
    return any(fold(word) in _table(lang, min_zipf) for lang in languages)


def is_ordinary_word(
    candidate: str,
    brand: str,
    languages: Iterable[str],
    *,
    min_zipf: float = DEFAULT_MIN_ZIPF,
    rarer_by: float = DEFAULT_RARER_BY,
) -> bool:
    """True when ``candidate`` is an ordinary word rather than a typo of ``brand``.

    Examples:
        >>> is_ordinary_word("carter", "career", ["en"])
        True
        >>> is_ordinary_word("seperate", "separate", ["en"])
        False
    """
    for language in languages:
        value = _table(language, min_zipf).get(candidate)
        if value is None:
            continue
        brand_value = _table(language, min_zipf).get(brand, 0.0)
        if value >= brand_value - rarer_by:
            return True
    return False
