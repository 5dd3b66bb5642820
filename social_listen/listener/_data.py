"""Where listener functions get their data: a store, or mentions loaded into an in-memory one.

Every analysis accepts a :class:`~social_listen.store.MentionStore` (the work runs in its SQL
through :meth:`~social_listen.store.MentionStore.aggregate`) or any iterable of
:class:`~social_listen.core.Mention` objects, which :func:`as_store` loads into an in-memory
SQLite store first, so both paths run the same SQL (one implementation). Ranges are explicit:
``since`` inclusive, ``until`` exclusive, both timezone-aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeAlias

from social_listen.core import ConfigError, Mention, Page, SourceState
from social_listen.listener._terms import extract_terms
from social_listen.store import AggregateResult, Filter, MentionStore, SQLiteStore

__all__ = [
    "SUMMABLE",
    "BrandLike",
    "MentionData",
    "add_terms",
    "aggregate",
    "as_store",
    "brand_names",
    "distinct_authors",
    "filter_field",
    "newest",
    "period_filter",
    "period_total_form",
]

MentionData: TypeAlias = MentionStore | Iterable[Mention]
"""A store, or mentions (a list, a generator) to analyse in an in-memory store."""

_BATCH = 5000
_TAG_DIMS = frozenset(("brand", "term", "hashtag", "link", "intent"))
_ORDER_FREE = frozenset(
    (
        "count",
        "count_scored",
        "count_negative",
        "count_neutral",
        "count_positive",
        "distinct_authors",
        "sum_engagement",
        "sum_likes",
        "sum_shares",
        "sum_views",
        "max_influence",
        "max_urgency",
        "first_at",
        "last_at",
    )
)
_FIRST_WINDOW = timedelta(days=1)

SUMMABLE = frozenset(
    (
        "count",
        "count_scored",
        "count_negative",
        "count_neutral",
        "count_positive",
        "mean_sentiment",
        "sum_reach",
        "mean_reach",
        "sum_engagement",
        "mean_engagement",
        "max_influence",
    )
)
"""Metrics a store can combine from per-day partial totals (its daily rollup keeps them)."""

_FILTER_FIELDS = {
    "author": "authors",
    "brand": "brands",
    "domain": "domains",
    "intent": "intents",
    "language": "languages",
    "query": "queries",
    "sentiment_label": "sentiment_labels",
    "source": "sources",
    "term": "terms",
}  # dimension -> the Filter field that restricts it (the store's rollup keeps the same map)
_FEW_VALUED = frozenset(("source", "language", "domain", "sentiment_label", "term", "hashtag", "intent"))
"""Dimensions with few values per day (not authors, links or queries): the rollup's period totals."""


class BrandLike(Protocol):
    """Anything with a brand ``name`` and ``competitors`` (a ``BrandProfile`` qualifies)."""

    @property
    def name(self) -> str: ...

    @property
    def competitors(self) -> tuple[str, ...]: ...


def as_store(data: MentionData) -> MentionStore:
    """The store to query: ``data`` itself, or its mentions loaded into in-memory SQLite.

    Args:
        data: A store (returned as it is), one mention, or an iterable of mentions (read once,
            stored in pages of 5,000).

    Returns:
        The store, or a new in-memory :class:`~social_listen.store.SQLiteStore` holding the
        mentions.

    Raises:
        ConfigError: An item of ``data`` is not a :class:`~social_listen.core.Mention`.

    Examples:
        >>> from datetime import datetime, UTC
        >>> m = Mention(source="x", native_id="1", text="hi", created_at=datetime(2026, 1, 1, tzinfo=UTC))
        >>> as_store([m]).count()
        1
    """
    if isinstance(data, MentionStore):
        return data
    if isinstance(data, Mention):
        data = [data]
    store = SQLiteStore(":memory:")
    batch: list[Mention] = []
    for mention in data:
        if not isinstance(mention, Mention):
            raise ConfigError(
                f"expected Mention objects, got {type(mention).__name__}",
                source="listener",
                hint="pass a MentionStore or an iterable of Mention",
            )
        batch.append(mention)
        if len(batch) >= _BATCH:
            store.commit_page(Page(mentions=tuple(batch)), SourceState(), source_key="listener:memory")
            batch = []
    store.commit_page(Page(mentions=tuple(batch)), SourceState(), source_key="listener:memory")
    return store


def aggregate(
    store: MentionStore,
    metrics: tuple[str, ...],
    *,
    by: tuple[str, ...] = (),
    where: Filter | None = None,
    **options: Any,
) -> AggregateResult:
    """``store.aggregate``, with one-value brand and intent filters also applied as groups.

    Grouping by the brand (or intent) restricted to one value gives exactly the same rows (one
    value per group) and lets the database join the tags instead of testing every candidate
    row against a list of mention ids, which is much faster in SQLite on time buckets and
    tags (terms, hashtags). Grouped by mention columns only (authors, sources...) or not at
    all, the id list is faster: SQLite reads the mentions in id order instead of seeking one
    per tag row in time order (at 1M: a brand's distinct authors 0.76 s instead of 1.17 s),
    and so is it for distinct authors per tag value (the tag join serves only the metrics a
    tag row repeats); that form is used when the metrics do not depend on the order rows are
    read in (counts, integer sums, extremes: a float sum could differ in its last bit). The
    extra columns are dropped from the result.

    Args:
        store: The store.
        metrics: Metric names, as ``MentionStore.aggregate`` takes them.
        by: Dimensions to group by (``bucket``, ``brand``, ``source``, ``term``...).
        where: Which mentions.
        **options: Passed to ``MentionStore.aggregate`` (``freq``, ``tz``, ``order_by``,
            ``top``).

    Returns:
        The store's result for exactly the ``by`` and ``metrics`` asked.

    Examples:
        >>> from datetime import datetime, UTC
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> store = as_store([Mention(source=s, native_id=str(i), brands=("acme",), created_at=t)
        ...                   for i, s in enumerate("xxy")])
        >>> aggregate(store, ("count",), by=("source",), where=Filter(brands=("acme",))).rows
        (('x', 2), ('y', 1))
    """
    if _author_rows_total(metrics, by, where):
        return store.aggregate(metrics, by=by, where=where, **options)
    joins = (
        "bucket" in by
        or (any(dim in _TAG_DIMS for dim in by) and "distinct_authors" not in metrics)
        or any(metric not in _ORDER_FREE for metric in metrics)
    )
    extra = tuple(
        dim
        for dim in ("brand", "intent")
        if joins and where is not None and len(getattr(where, _FILTER_FIELDS[dim])) == 1 and dim not in by
    )
    if not extra:
        return store.aggregate(metrics, by=by, where=where, **options)
    result = store.aggregate(metrics, by=(*by, *extra), where=where, **options)
    keep = [i for i, name in enumerate(result.columns) if name not in extra]
    return AggregateResult(
        columns=tuple(result.columns[i] for i in keep),
        rows=tuple(tuple(row[i] for i in keep) for row in result.rows),
    )


def _author_rows_total(metrics: tuple[str, ...], by: tuple[str, ...], where: Filter | None) -> bool:
    """Whether an aggregate is a period total per author of at most one brand.

    The store answers it from the rollup's author rows (one per day, brand and author) and
    the mentions of partial edge days; grouping by the brand as well would only make it group
    more rows (top authors by reach at 1M: 0.56 s instead of 0.90 s).
    """
    used = set(where.model_dump(exclude_defaults=True)) if where is not None else set()
    return (
        by == ("author",)
        and all(m in SUMMABLE for m in metrics)
        and used <= {"since", "until", "brands", "authors"}
        and (where is None or len(where.brands) <= 1)
    )


def filter_field(dimension: str) -> str | None:
    """The :class:`~social_listen.store.Filter` field that restricts a dimension's values.

    Args:
        dimension: A dimension of ``aggregate``'s ``by`` (``source``, ``term``, ``brand``...).

    Returns:
        The field's name, or ``None`` for a dimension no filter field names (``hashtag``,
        ``link``, ``bucket``).

    Examples:
        >>> filter_field("sentiment_label"), filter_field("brand"), filter_field("hashtag")
        ('sentiment_labels', 'brands', None)
    """
    return _FILTER_FIELDS.get(dimension)


def distinct_authors(
    store: MentionStore, where: Filter, *, by: str | None = None, values: Sequence[str] | None = None
) -> dict[str | None, int]:
    """Distinct authors of the mentions matching ``where``, in all or per value of a dimension.

    Args:
        store: The store.
        where: Which mentions.
        by: The dimension to count per value of (``source``, ``hashtag``...); ``None``: one
            count for all, keyed ``None``.
        values: Only these values of ``by``. The filter is narrowed to them when it does not
            restrict that dimension already, so the store reads only their mentions (of one
            brand's sources, domains and hashtags it counts from its rollup's pairs).

    Returns:
        Distinct authors per value (``None``: mentions without one); values absent from
        the result have no mentions. Per ``author``, each of ``values`` counts 1.

    Examples:
        >>> from datetime import datetime, UTC
        >>> from social_listen.core import Author
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> store = as_store([Mention(source=s, native_id=str(i), author=Author(handle=h), created_at=t)
        ...                   for i, (s, h) in enumerate([("x", "ana"), ("x", "bob"), ("y", "ana")])])
        >>> distinct_authors(store, Filter()), distinct_authors(store, Filter(), by="source", values=["x"])
        ({None: 2}, {'x': 2})
    """
    if by is None:
        rows = aggregate(store, ("distinct_authors",), where=where).rows
        return {None: int(rows[0][0] or 0) if rows else 0}
    if values is None:
        result = aggregate(store, ("distinct_authors",), by=(by,), where=where)
        return {value: int(count or 0) for value, count in result}
    if not values:
        return {}
    if by == "author":
        return dict.fromkeys(values, 1)  # each author value is one author
    field = filter_field(by)
    if field is not None and not getattr(where, field):
        where = where.model_copy(update={field: tuple(values)})
    wanted = set(values)
    result = aggregate(store, ("distinct_authors",), by=(by,), where=where)
    return {str(v): int(c or 0) for v, c in result if v is not None and str(v) in wanted}


def period_total_form(metrics: tuple[str, ...], by: tuple[str, ...], where: Filter | None) -> bool:
    """Whether an aggregate is a period total the store's daily rollup can answer.

    That is: metrics that combine across days (:data:`SUMMABLE`), no time bucket, at most one
    dimension with few values per day besides ``brand``, and a filter on the period, the
    brands and that dimension only. Such requests read per-day partial totals (and the rows
    of partial edge days) instead of every mention.

    Args:
        metrics: The metrics asked.
        by: The dimensions asked.
        where: The filter (``None``: all mentions).

    Returns:
        Whether the store's rollup can answer the request.

    Examples:
        >>> period_total_form(("count", "sum_reach"), ("brand", "source"), Filter(sources=("x",)))
        True
        >>> period_total_form(("distinct_authors",), (), None)  # not a sum of daily parts
        False
        >>> period_total_form(("count",), ("author",), None)  # too many values per day
        False
    """
    used = set(where.model_dump(exclude_defaults=True)) if where is not None else set()
    others = [d for d in by if d != "brand"]
    allowed = {"since", "until", "brands", *(field for d in others if (field := filter_field(d)))}
    return (
        all(m in SUMMABLE for m in metrics)
        and len(others) <= 1
        and all(d in _FEW_VALUED for d in others)
        and used <= allowed
    )


def newest(store: MentionStore, where: Filter, *, limit: int) -> list[Mention]:
    """The ``limit`` newest mentions matching ``where`` (newest first), as ``iter_mentions``.

    Asked over the period's last day first, then a window four times longer each time it
    holds fewer than ``limit``: every mention of a window is newer than any outside it, so a
    full window's answer is the whole period's, and the store looks only at its recent rows.

    Args:
        store: The store.
        where: Which mentions; without both ``since`` and ``until``, one plain read.
        limit: How many mentions at most.

    Returns:
        The mentions, newest first.

    Examples:
        >>> from datetime import datetime, timedelta, UTC
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> store = as_store([Mention(source="x", native_id=str(d), created_at=t + timedelta(days=d))
        ...                   for d in range(10)])
        >>> [m.native_id for m in newest(store, Filter(since=t, until=t + timedelta(days=10)), limit=3)]
        ['9', '8', '7']
    """
    since, until = where.since, where.until
    if since is None or until is None:
        return list(store.iter_mentions(where, order_by="-time", limit=limit, batch_size=max(1, limit)))
    window = _FIRST_WINDOW
    while True:
        start = max(until - window, since)
        part = where.model_copy(update={"since": start})
        found = list(store.iter_mentions(part, order_by="-time", limit=limit, batch_size=max(1, limit)))
        if len(found) >= limit or start == since:
            return found
        window *= 4


def period_filter(since: datetime, until: datetime, where: Filter | None = None, **narrow: Any) -> Filter:
    """``where`` narrowed to ``[since, until)`` (and any other :class:`Filter` fields given).

    Args:
        since: Period start (inclusive, aware).
        until: Period end (exclusive, aware).
        where: The filter to narrow (``None``: all mentions).
        **narrow: More :class:`Filter` fields to set (``brands=...``); they replace ``where``'s.

    Returns:
        A new :class:`Filter`.

    Raises:
        ConfigError: A bound is naive, or ``until`` is not after ``since``.

    Examples:
        >>> from datetime import datetime, UTC
        >>> f = period_filter(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC),
        ...                   Filter(sources=("x",)), brands=("acme",))
        >>> f.sources, f.brands, f.until.day
        (('x',), ('acme',), 2)
    """
    if since.tzinfo is None or until.tzinfo is None:
        raise ConfigError("since and until must be timezone-aware", source="listener")
    if until <= since:
        raise ConfigError(f"empty period: until {until} is not after since {since}", source="listener")
    base = where or Filter()
    return base.model_copy(update={"since": since, "until": until, **narrow})


def brand_names(brand: str | BrandLike, competitors: Iterable[str] = ()) -> tuple[str, ...]:
    """The brand's name then its competitors, de-duplicated, in order.

    Args:
        brand: A brand name, or anything with ``name`` and ``competitors`` (:class:`BrandLike`).
        competitors: More competitor names, after the brand's own.

    Returns:
        The names, empty ones left out.

    Examples:
        >>> brand_names("acme", ["rival", "acme", "", "other"])
        ('acme', 'rival', 'other')
    """
    names: list[str] = []
    if isinstance(brand, str):
        names.append(brand)
    else:
        names.append(brand.name)
        names.extend(brand.competitors)
    names.extend(competitors)
    return tuple(dict.fromkeys(n for n in names if n))


def add_terms(mentions: Iterable[Mention], *, overwrite: bool = False) -> Iterator[Mention]:
    """Mentions with ``terms`` filled by :func:`extract_terms` where they are missing.

    The enrichment pipeline stores terms; use this on raw mentions before themes.

    Args:
        mentions: The mentions (read lazily).
        overwrite: Extract terms again for mentions that already have them.

    Yields:
        Each mention, a copy with ``terms`` set where they were extracted.

    Examples:
        >>> from datetime import datetime, UTC
        >>> m = Mention(source="x", native_id="1", text="late deliveries", language="en",
        ...             created_at=datetime(2026, 1, 1, tzinfo=UTC))
        >>> next(add_terms([m])).terms
        ('late', 'deliveri', 'late deliveri')
    """
    for mention in mentions:
        if mention.terms and not overwrite:
            yield mention
            continue
        text = f"{mention.title}\n{mention.text}" if mention.title else mention.text
        language = mention.detected_language or mention.language
        yield mention.model_copy(update={"terms": extract_terms(text, language=language)})
