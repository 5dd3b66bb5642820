"""Top lists: authors, sources, domains, links, hashtags, terms and languages, ranked in SQL.

:func:`top` is one aggregate with ``ORDER BY ... LIMIT``: count, reach, engagement, mean
sentiment and highest influence per value (period totals, which the store can read from its
daily rollup), ranked by the metric asked for; the distinct authors of the ``n`` values kept
are counted after, narrowed to them where the filter can name them (of one brand's sources,
domains and hashtags, the store counts them from its rollup's (value, author) pairs).
Influencers are ``top(data, "author", by="reach")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from social_listen.core import ConfigError
from social_listen.listener._data import MentionData, aggregate, as_store, distinct_authors, period_filter
from social_listen.listener._results import TableResult
from social_listen.store import Filter, MentionStore

__all__ = ["TopList", "TopRow", "top", "top_of"]

Dimension = Literal["author", "source", "domain", "link", "hashtag", "term", "language", "brand", "intent"]
RankBy = Literal["count", "reach", "engagement", "influence", "authors"]
_RANK = {
    "count": "count",
    "reach": "sum_reach",
    "engagement": "sum_engagement",
    "influence": "max_influence",
    "authors": "distinct_authors",
}
_METRICS = ("count", "sum_reach", "sum_engagement", "mean_sentiment", "distinct_authors", "max_influence")
_TOTALS = tuple(m for m in _METRICS if m != "distinct_authors")


@dataclass(frozen=True, slots=True)
class TopRow:
    """One value of a top list.

    Attributes:
        rank: 1-based rank.
        value: The author handle, source, domain, link, hashtag, term, language...
        count: Mentions with this value.
        share: count / all mentions in the period.
        reach: Sum of reach.
        engagement: Sum of engagement.
        mean_sentiment: Mean sentiment (``None`` when none scored).
        authors: Distinct authors.
        max_influence: Highest influence score among the mentions.
    """

    rank: int
    value: str
    count: int
    share: float
    reach: float
    engagement: int
    mean_sentiment: float | None
    authors: int
    max_influence: float | None


@dataclass(frozen=True)
class TopList(TableResult):
    """A ranked list of values of one dimension."""

    rows: tuple[TopRow, ...]
    dimension: str
    ranked_by: str
    total: int


def top(
    data: MentionData,
    dimension: Dimension,
    *,
    since: datetime,
    until: datetime,
    n: int = 10,
    by: RankBy = "count",
    where: Filter | None = None,
) -> TopList:
    """The top ``n`` values of a dimension in a period.

    Args:
        data: A store or mentions.
        dimension: ``author``, ``source``, ``domain``, ``link``, ``hashtag``, ``term``,
            ``language``, ``brand`` or ``intent``.
        since: Period start (inclusive).
        until: Period end (exclusive).
        n: How many values.
        by: Rank by ``count``, ``reach``, ``engagement``, ``influence`` or ``authors``; ties
            break by count then value, so the order is deterministic.
        where: Narrow the mentions further.

    Returns:
        A :class:`TopList`.

    Examples:
        >>> from datetime import datetime, UTC
        >>> from social_listen.core import Author, Mention
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> ms = [Mention(source="x", native_id=str(i), author=Author(handle="ana" if i else "bob"),
        ...               created_at=t) for i in range(3)]
        >>> [(r.value, r.count) for r in top(ms, "author", since=t, until=datetime(2026, 1, 2, tzinfo=UTC))]
        [('ana', 2), ('bob', 1)]
    """
    if by not in _RANK:
        raise ConfigError(f"cannot rank by {by!r}", source="listener", hint=f"use one of {', '.join(_RANK)}")
    if n < 1:
        raise ConfigError("n must be at least 1", source="listener")
    store = as_store(data)
    flt = period_filter(since, until, where)
    return top_of(store, dimension, flt, total=store.count(flt), n=n, by=by)


def top_of(
    store: MentionStore, dimension: Dimension, flt: Filter, *, total: int, n: int = 10, by: RankBy = "count"
) -> TopList:
    """The top list of a period whose mention count is already known (see :func:`top`).

    Args:
        store: The store.
        dimension: See :func:`top`.
        flt: The period and narrowing (``since`` and ``until`` set).
        total: Mentions matching ``flt`` (the denominator of each row's share).
        n: See :func:`top`.
        by: See :func:`top`.
    """
    order = [f"-{_RANK[by]}"] + (["-count"] if by != "count" else []) + [dimension]
    rows = []
    if by == "authors":
        result = aggregate(store, _METRICS, by=(dimension,), where=flt, order_by=order, top=n)
        present = [r for r in result if r[0] is not None]
    else:
        totals = aggregate(store, _TOTALS, by=(dimension,), where=flt, order_by=order, top=n)
        kept = [r for r in totals if r[0] is not None]
        authors = distinct_authors(store, flt, by=dimension, values=[str(r[0]) for r in kept])
        present = [(*r[:5], authors.get(str(r[0]), 0), r[5]) for r in kept]
    for rank, (value, count, reach, engagement, sentiment, authors_n, influence) in enumerate(
        present, start=1
    ):
        rows.append(
            TopRow(
                rank=rank,
                value=str(value),
                count=int(count),
                share=count / total if total else 0.0,
                reach=float(reach or 0.0),
                engagement=int(engagement or 0),
                mean_sentiment=sentiment,
                authors=int(authors_n or 0),
                max_influence=influence,
            )
        )
    return TopList(rows=tuple(rows), dimension=dimension, ranked_by=by, total=total)
