"""A typo-aware edit distance: the slips people really make cost less than other edits.

Plain edit distance treats "seperate" (a vowel swapped) like "desperate" (a new word). Here a
vowel for a vowel, c/k/s/z/q confusions and adding or dropping a doubled letter cost 0.5;
swapping two adjacent letters and adding or dropping a vowel cost 0.75; anything else costs 1.
The allowance grows with the word's length (:func:`typo_budget`). It is used by the automatic
fuzzy terms (``brand~``) that brand profiles generate; ``word~1`` and ``word~2`` keep plain
edit distance (with adjacent swaps) for users who want exactly that.
"""

from __future__ import annotations

__all__ = ["AUTO_MAX_EDITS", "typo_budget", "typo_distance"]

AUTO_MAX_EDITS = 2
"""Most single edits an automatic fuzzy match may contain, whatever they cost."""

_VOWELS = frozenset("aeiouy")
_CHEAP_PAIRS = frozenset({frozenset("ck"), frozenset("cs"), frozenset("sz"), frozenset("kq")})


def typo_budget(word: str) -> float:
    """The typo cost allowed for a word: 0 under 5 letters, 1 up to 6, 1.5 up to 8, then 2.

    Examples:
        >>> typo_budget("ikea"), typo_budget("globex"), typo_budget("initech"), typo_budget("volkswagen")
        (0.0, 1.0, 1.5, 2.0)
    """
    length = len(word)
    if length < 5:
        return 0.0
    if length < 7:
        return 1.0
    return 1.5 if length < 9 else 2.0


def _indel(word: str, index: int) -> float:
    char = word[index]
    if (index > 0 and word[index - 1] == char) or (index + 1 < len(word) and word[index + 1] == char):
        return 0.5
    return 0.75 if char in _VOWELS else 1.0


def _substitution(a: str, b: str) -> float:
    if a == b:
        return 0.0
    if a in _VOWELS and b in _VOWELS:
        return 0.5
    return 0.5 if frozenset((a, b)) in _CHEAP_PAIRS else 1.0


def typo_distance(candidate: str, word: str) -> float:
    """The typo-weighted distance from ``candidate`` to ``word`` (see the module docs).

    Examples:
        >>> typo_distance("seperate", "separate"), typo_distance("acess", "access")
        (0.5, 0.5)
        >>> typo_distance("desperate", "separate")
        2.25
    """
    n, m = len(candidate), len(word)
    previous2: list[float] = []
    previous = [0.0] * (m + 1)
    for j in range(1, m + 1):
        previous[j] = previous[j - 1] + _indel(word, j - 1)
    for i in range(1, n + 1):
        current = [previous[0] + _indel(candidate, i - 1)] + [0.0] * m
        x = candidate[i - 1]
        cost_x = _indel(candidate, i - 1)
        for j in range(1, m + 1):
            y = word[j - 1]
            value = min(
                previous[j] + cost_x,
                current[j - 1] + _indel(word, j - 1),
                previous[j - 1] + _substitution(x, y),
            )
            if i > 1 and j > 1 and x != y and x == word[j - 2] and candidate[i - 2] == y:
                value = min(value, previous2[j - 2] + 0.75)
            current[j] = value
        previous2, previous = previous, current
    return previous[m]
