"""A per-chunk memo for text transforms that never reach across whitespace.

Posts repeat their words: when a transform of a text equals the transform of each of its
space-separated chunks joined again, one dictionary lookup per chunk is several times cheaper
than running the transform over every character. The query matcher folds chunks through it,
the enrichment cleans and folds chunks through it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["CHUNK_CACHE_LONGEST", "CHUNK_CACHE_MAX_ENTRIES", "ChunkCache"]

K = TypeVar("K", str, bytes)
V = TypeVar("V")

CHUNK_CACHE_LONGEST = 48
"""Longer chunks (URLs, long hashtags) are rarely seen twice: computed, not kept."""

CHUNK_CACHE_MAX_ENTRIES = 50_000
"""Chunks kept before a cache is cleared."""


class ChunkCache(dict[K, V], Generic[K, V]):
    """``compute(chunk)`` once per distinct short chunk; ``cache[chunk]`` is the lookup.

    Bounded: at most ``max_entries`` chunks of at most ``longest`` characters (or bytes); the
    whole cache is cleared when full (cheaper than LRU bookkeeping on every hit, and a hit
    stays one C-level dict lookup).

    Args:
        compute: The transform of one chunk.
        longest: Chunks longer than this are computed each time and not kept.
        max_entries: How many chunks are kept before the cache is cleared.

    Examples:
        >>> upper = ChunkCache(str.upper)
        >>> " ".join(map(upper.__getitem__, "to be or not to be".split(" ")))
        'TO BE OR NOT TO BE'
        >>> len(upper)
        4
    """

    def __init__(
        self,
        compute: Callable[[K], V],
        *,
        longest: int = CHUNK_CACHE_LONGEST,
        max_entries: int = CHUNK_CACHE_MAX_ENTRIES,
    ) -> None:
        super().__init__()
        self._compute: Callable[[K], V] = compute
        self._longest = longest
        self._max_entries = max_entries

    def __missing__(self, chunk: K) -> V:
        value = self._compute(chunk)
        if len(chunk) <= self._longest:
            if len(self) >= self._max_entries:
                self.clear()
            self[chunk] = value
        return value
