"""Story clustering: reposts, quotes, syndicated articles and cross-posts grouped into stories.

Each mention's text is normalized (case, URLs, @handles, ``RT`` prefixes and punctuation
removed) and cut into word 3-shingles; a 32-permutation MinHash signature split into 8 bands
of 4 rows (locality-sensitive hashing) proposes candidate pairs with Jaccard similarity around
0.6 and above. Each candidate pair is then verified with rapidfuzz: ``fuzz.ratio`` at or above
``threshold`` (edits, truncation), or ``fuzz.token_set_ratio`` at or above it when the shorter
text is at least half the longer one (a repost with a comment added). Mentions sharing an
article link (a URL with a path, query and fragment ignored) join the same story too.
Union-find merges the pairs; every member keeps its provenance (source, id, url, author, time).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from social_listen.core import ConfigError, Mention
from social_listen.listener._data import MentionData, as_store, period_filter
from social_listen.listener._results import TableResult
from social_listen.store import Filter

__all__ = ["Stories", "Story", "StoryMember", "cluster_stories", "normalize_story_text"]

_PERMUTATIONS = 32
_BANDS = 8
_ROWS = _PERMUTATIONS // _BANDS
_PRIME = (1 << 61) - 1
_COEFFS = tuple(
    (
        int.from_bytes(hashlib.blake2b(f"a{i}".encode(), digest_size=8).digest(), "big") % _PRIME | 1,
        int.from_bytes(hashlib.blake2b(f"b{i}".encode(), digest_size=8).digest(), "big") % _PRIME,
    )
    for i in range(_PERMUTATIONS)
)
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@[\w.]+")
_RT = re.compile(r"^\s*(rt|via)\b[:\s]*", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w]+")


def normalize_story_text(text: str) -> str:
    """Text reduced to what identifies a story: words, lower case, no URLs or handles.

    Examples:
        >>> normalize_story_text("RT @acme: Acme RECALLS toasters! https://t.co/x")
        'acme recalls toasters'
    """
    text = _URL.sub(" ", text)
    text = _RT.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def _signature(text: str) -> tuple[int, ...] | None:
    words = text.split()
    if not words:
        return None
    shingles = {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}
    hashes = [int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") for s in shingles]
    return tuple(min((a * h + b) % _PRIME for h in hashes) for a, b in _COEFFS)


def _article_link(mention: Mention) -> str | None:
    for url in (*mention.links, mention.url):
        if not url:
            continue
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        if parts.netloc and parts.path.strip("/") and mention.source not in parts.netloc:
            host = parts.netloc.lower().removeprefix("www.")
            return f"{host}/{parts.path.strip('/')}"
    return None


@dataclass(frozen=True, slots=True)
class StoryMember:
    """One copy of a story, with its provenance."""

    source: str
    native_id: str
    url: str | None
    author: str | None
    created_at: datetime
    engagement: int


@dataclass(frozen=True, slots=True)
class Story:
    """A group of near-duplicate mentions.

    Attributes:
        story_id: ``source:native_id`` of the earliest copy (stable across runs).
        headline: The earliest copy's text (truncated to 280 characters).
        size: How many mentions.
        sources: Distinct sources, sorted.
        first_at: Earliest copy's time.
        last_at: Latest copy's time.
        engagement: Sum of the copies' engagement.
        reach: Sum of the copies' reach estimates.
        members: Every copy, earliest first.
    """

    story_id: str
    headline: str
    size: int
    sources: tuple[str, ...]
    first_at: datetime
    last_at: datetime
    engagement: int
    reach: float
    members: tuple[StoryMember, ...]


@dataclass(frozen=True)
class Stories(TableResult):
    """Stories of a period, biggest first; :attr:`mentions` vs :attr:`unique_stories`."""

    rows: tuple[Story, ...]
    mentions: int
    unique_stories: int


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def _same_story(a: str, b: str, cutoff: float) -> bool:
    from rapidfuzz import fuzz

    if fuzz.ratio(a, b, score_cutoff=cutoff):
        return True
    short, long = sorted((len(a), len(b)))
    return long > 0 and short / long >= 0.5 and bool(fuzz.token_set_ratio(a, b, score_cutoff=cutoff))


def cluster_stories(
    data: MentionData,
    *,
    since: datetime,
    until: datetime,
    threshold: float = 0.85,
    by_link: bool = True,
    max_mentions: int = 50_000,
    min_size: int = 1,
    where: Filter | None = None,
) -> Stories:
    """Group near-duplicate mentions and cross-posts into stories.

    Args:
        data: A store or mentions.
        since: Period start (inclusive).
        until: Period end (exclusive).
        threshold: Similarity (0-1) two texts need to be one story (rapidfuzz verification).
        by_link: Also group mentions that share an article link.
        max_mentions: Cluster at most this many mentions (the most engaging ones).
        min_size: Only return stories with at least this many copies.
        where: Narrow the mentions.

    Returns:
        :class:`Stories`, biggest first (ties: earliest first). ``mentions`` counts every
        copy clustered, ``unique_stories`` the stories (before ``min_size``).

    Examples:
        >>> from datetime import datetime, UTC
        >>> from social_listen.core import Mention
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> texts = ["Acme recalls 10,000 toasters after fires",
        ...          "RT @news: Acme recalls 10,000 toasters after fires", "I love my new Acme kettle"]
        >>> ms = [Mention(source="x", native_id=str(i), text=s, created_at=t) for i, s in enumerate(texts)]
        >>> s = cluster_stories(ms, since=t, until=datetime(2026, 1, 2, tzinfo=UTC))
        >>> s.mentions, s.unique_stories, s.rows[0].size
        (3, 2, 2)
    """
    if not 0.0 < threshold <= 1.0:
        raise ConfigError("threshold must be in (0, 1]", source="listener")
    store = as_store(data)
    flt = period_filter(since, until, where)
    # One batch: each batch query ranks every mention of the period again.
    mentions = list(
        store.iter_mentions(flt, order_by="-engagement", limit=max_mentions, batch_size=max(1, max_mentions))
    )
    mentions.sort(key=lambda m: (m.effective_time, m.source, m.native_id))
    texts = [normalize_story_text(f"{m.title or ''} {m.text}") for m in mentions]
    uf = _UnionFind(len(mentions))
    buckets: dict[tuple[int, tuple[int, ...]], list[int]] = defaultdict(list)
    exact: dict[str, int] = {}
    cutoff = threshold * 100.0
    for i, text in enumerate(texts):
        if not text:
            continue
        if text in exact:
            uf.union(exact[text], i)
            continue
        exact[text] = i
        signature = _signature(text)
        if signature is None:
            continue
        candidates: set[int] = set()
        for band in range(_BANDS):
            key = (band, signature[band * _ROWS : (band + 1) * _ROWS])
            candidates.update(buckets[key])
            buckets[key].append(i)
        for j in sorted(candidates):
            if uf.find(i) != uf.find(j) and _same_story(texts[j], text, cutoff):
                uf.union(j, i)
    if by_link:
        first_with_link: dict[str, int] = {}
        for i, m in enumerate(mentions):
            link = _article_link(m)
            if link is not None:
                uf.union(first_with_link.setdefault(link, i), i)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(mentions)):
        groups[uf.find(i)].append(i)
    stories = []
    for members in groups.values():
        copies = [mentions[i] for i in members]
        first = copies[0]
        stories.append(
            Story(
                story_id=f"{first.source}:{first.native_id}",
                headline=(f"{first.title}\n{first.text}" if first.title else first.text)[:280],
                size=len(copies),
                sources=tuple(sorted({m.source for m in copies})),
                first_at=first.effective_time,
                last_at=max(m.effective_time for m in copies),
                engagement=sum(m.metrics.engagement for m in copies),
                reach=sum(m.reach.value for m in copies if m.reach),
                members=tuple(
                    StoryMember(
                        m.source,
                        m.native_id,
                        m.url,
                        m.author.handle if m.author else None,
                        m.effective_time,
                        m.metrics.engagement,
                    )
                    for m in copies
                ),
            )
        )
    stories.sort(key=lambda s: (-s.size, s.first_at, s.story_id))
    kept = tuple(s for s in stories if s.size >= min_size)
    return Stories(rows=kept, mentions=len(mentions), unique_stories=len(stories))
