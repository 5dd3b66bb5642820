"""Glob matching (``*`` any run, ``?`` one character) that never backtracks.

A pattern is split at ``*`` into segments; the first segment is anchored at the start, the
last at the end, and each middle segment is found at its leftmost place after the previous
one. Leftmost placement is always safe for globs, so the work is one left-to-right pass over
the text per segment: ``a*a*a*a*a*b`` against a megabyte of ``a`` stays linear, unlike a
backtracking regular expression.
"""

from __future__ import annotations

__all__ = ["glob_match", "literal_chunks"]


def _find(text: str, segment: str, start: int, end: int) -> int:
    """Leftmost index >= start where ``segment`` (with ``?`` wildcards) fits before ``end``."""
    if "?" not in segment:
        return text.find(segment, start, end)
    # Anchor on the longest literal piece so the scan uses str.find, then check the rest.
    pieces = segment.split("?")
    best = max(range(len(pieces)), key=lambda i: len(pieces[i]))
    piece = pieces[best]
    offset = sum(len(p) + 1 for p in pieces[:best])
    last = end - len(segment)
    if not piece:
        return start if start <= last else -1
    position = start
    while position <= last:
        hit = text.find(piece, position + offset, last + offset + len(piece))
        if hit == -1:
            return -1
        candidate = hit - offset
        if _fits(text, segment, candidate):
            return candidate
        position = candidate + 1
    return -1


def _fits(text: str, segment: str, at: int) -> bool:
    if at < 0 or at + len(segment) > len(text):
        return False
    return all(p in ("?", c) for p, c in zip(segment, text[at : at + len(segment)], strict=True))


def glob_match(pattern: str, text: str) -> bool:
    """True when ``text`` as a whole matches the glob ``pattern``.

    Args:
        pattern: ``*`` matches any run of characters (also none), ``?`` exactly one.
        text: The text to test (usually one word).

    Examples:
        >>> glob_match("acme*", "acmecorp"), glob_match("a?me", "acme"), glob_match("*corp", "acme")
        (True, True, False)
        >>> glob_match("a*a*a*a*a*b", "a" * 100_000)
        False
    """
    segments = pattern.split("*")
    if len(segments) == 1:
        return len(text) == len(pattern) and _fits(text, pattern, 0)
    first, last = segments[0], segments[-1]
    if len(first) + len(last) > len(text):
        return False
    if not _fits(text, first, 0) or not _fits(text, last, len(text) - len(last)):
        return False
    position = len(first)
    end = len(text) - len(last)
    for segment in segments[1:-1]:
        if not segment:
            continue
        hit = _find(text, segment, position, end)
        if hit == -1:
            return False
        position = hit + len(segment)
    return True


def literal_chunks(pattern: str) -> list[str]:
    """The literal pieces of a glob, in order (``"ac?e*corp"`` -> ``["ac", "e", "corp"]``)."""
    return [chunk for chunk in pattern.replace("?", "*").split("*")]
