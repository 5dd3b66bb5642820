"""The ordinary-word guard for fuzzy matches, on wordfreq's word lists.

A word one typo away from a brand is often a real word ("bread" for a brand "bready"). The
guard rejects a fuzzy match when the matched word is itself common in the post's language
(its wordfreq Zipf frequency is at least ``min_zipf``) unless the brand's context appears in
the same post. The lists ship inside the ``wordfreq`` wheel (no download at run time); each
language is loaded once per process, folded like the text it is compared with.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable

from social_listen.query._normalize import fold

__all__ = ["DEFAULT_GUARD_LANGUAGES", "DEFAULT_MIN_ZIPF", "common_words", "is_common_word"]

logger = logging.getLogger(__name__)

DEFAULT_MIN_ZIPF = 1.8
"""Zipf frequency (log10 of uses per billion words) from which a word counts as ordinary."""

DEFAULT_GUARD_LANGUAGES = ("en",)
"""Languages checked when the post's language is unknown."""

_LOCK = threading.Lock()
_CACHE: dict[tuple[str, float], frozenset[str]] = {}


def common_words(language: str, *, min_zipf: float = DEFAULT_MIN_ZIPF) -> frozenset[str]:
    """The folded words of ``language`` at least as frequent as ``min_zipf``.

    Returns an empty set for a language wordfreq does not cover (the guard then lets fuzzy
    matches through, which is the behaviour of plain edit distance).

    Examples:
        >>> "bread" in common_words("en")
        True
    """
    key = (language.split("-", maxsplit=1)[0].lower(), min_zipf)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        words = _load(key[0], min_zipf)
        _CACHE[key] = words
        return words


def _load(language: str, min_zipf: float) -> frozenset[str]:
    import wordfreq

    try:
        freqs = wordfreq.get_frequency_dict(language, wordlist="best")
    except (LookupError, ValueError):  # pragma: no cover - depends on wordfreq's language list
        logger.info("wordfreq has no list for %r; the fuzzy guard is off for it", language)
        return frozenset()
    threshold = 10 ** (min_zipf - 9)
    out = {fold(word) for word, freq in freqs.items() if freq >= threshold}
    logger.debug("guard list %s: %d words at zipf >= %.2f", language, len(out), min_zipf)
    return frozenset(out)


def is_common_word(word: str, languages: Iterable[str], *, min_zipf: float = DEFAULT_MIN_ZIPF) -> bool:
    """True when the folded ``word`` is ordinary in any of ``languages``.

    Examples:
        >>> is_common_word("bread", ["en"]), is_common_word("braed", ["en"])
        (True, False)
    """
    return any(word in common_words(lang, min_zipf=min_zipf) for lang in languages)


def zipf(word: str, language: str) -> float:
    """Zipf frequency of ``word`` in ``language`` (0 when unknown)."""
    import wordfreq

    freq = wordfreq.word_frequency(word, language)
    return math.log10(freq) + 9 if freq > 0 else 0.0
