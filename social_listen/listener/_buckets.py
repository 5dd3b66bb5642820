"""Time-bucketed aggregates asked the way the store's daily rollup can answer them.

The store's rollup keeps hourly totals per brand and daily totals per value of a few
dimensions (sources, languages...). A series split by such a dimension on UTC days is asked
as one period total per bucket (:func:`per_bucket`), which the rollup answers; any other
series is one bucketed request (:func:`bucket_aggregate` chooses). :func:`utc_day_parts`
cuts a period at UTC midnights so that the whole days go to the rollup and only the partial
edge days are read from the mentions.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from social_listen.core import ConfigError
from social_listen.listener._data import aggregate, period_total_form
from social_listen.store import AggregateResult, Filter, MentionStore

__all__ = ["bucket_aggregate", "on_utc_days", "per_bucket", "splits_into_days", "utc_day_parts"]

_DAY_US = 86_400_000_000
_MAX_SPLIT_BUCKETS = 400  # beyond this many buckets, one request per bucket costs more than it saves


def utc_day_parts(where: Filter) -> list[tuple[Filter, bool]]:
    """The period cut at UTC midnights: its whole days (``True``) and its partial edges.

    A rollup request reads its partial edge days from the mentions: asking several questions
    of the whole days apart lets one pass over the edges serve all of them.

    Args:
        where: The filter whose ``since`` and ``until`` are cut; its other fields are kept.

    Returns:
        ``(filter, whole_days)`` pairs in time order: the partial first day (if any), the
        whole UTC days, the partial last day (if any). A period without both bounds, or
        holding no whole UTC day, is ``[(where, False)]``.

    Examples:
        >>> from datetime import datetime, UTC
        >>> where = Filter(since=datetime(2026, 1, 1, 14, tzinfo=UTC), until=datetime(2026, 1, 4, tzinfo=UTC))
        >>> for part, whole in utc_day_parts(where):
        ...     print(part.since.isoformat(), part.until.isoformat(), whole)
        2026-01-01T14:00:00+00:00 2026-01-02T00:00:00+00:00 False
        2026-01-02T00:00:00+00:00 2026-01-04T00:00:00+00:00 True
    """
    from social_listen.store._values import from_us, to_us

    since, until = where.since, where.until
    if since is None or until is None:
        return [(where, False)]
    first = -(-to_us(since) // _DAY_US) * _DAY_US
    last = to_us(until) // _DAY_US * _DAY_US
    if first >= last:
        return [(where, False)]
    parts = [(where.model_copy(update={"since": from_us(first), "until": from_us(last)}), True)]
    if to_us(since) < first:
        parts.insert(0, (where.model_copy(update={"until": from_us(first)}), False))
    if last < to_us(until):
        parts.append((where.model_copy(update={"since": from_us(last)}), False))
    return parts


def on_utc_days(where: Filter, *, freq: str, tz: str) -> bool:
    """Whether every bucket edge of the period is a UTC midnight (a rollup day's edge).

    Args:
        where: The filter whose ``since`` and ``until`` are the period.
        freq: Bucket size, as ``MentionStore.aggregate`` takes it (``day``, ``week``...).
        tz: IANA zone the buckets are aligned in.

    Returns:
        ``True`` when the period has both bounds, at most 400 buckets, and each bucket
        edge falls on a UTC midnight.

    Examples:
        >>> from datetime import datetime, UTC
        >>> where = Filter(since=datetime(2026, 1, 1, tzinfo=UTC), until=datetime(2026, 1, 8, tzinfo=UTC))
        >>> on_utc_days(where, freq="day", tz="UTC"), on_utc_days(where, freq="day", tz="Europe/Bucharest")
        (True, False)
    """
    from social_listen.store._sql import bucket_edges

    if where.since is None or where.until is None:
        return False
    edges = bucket_edges(where.since, where.until, freq, tz)
    return len(edges) <= _MAX_SPLIT_BUCKETS and all(edge % _DAY_US == 0 for edge in edges)


def splits_into_days(
    metrics: tuple[str, ...], by: tuple[str, ...], where: Filter, *, freq: str, tz: str
) -> bool:
    """Whether :func:`bucket_aggregate` asks one period total per bucket (see there).

    Args:
        metrics: The metrics asked.
        by: The dimensions besides the bucket.
        where: The filter, with the period.
        freq: Bucket size.
        tz: IANA zone of the buckets.

    Returns:
        ``True`` when each bucket's request is a period total the rollup answers
        (:func:`~social_listen.listener._data.period_total_form`), split by a dimension other
        than ``brand``, and the buckets are whole UTC days (:func:`on_utc_days`).

    Examples:
        >>> from datetime import datetime, UTC
        >>> where = Filter(since=datetime(2026, 1, 1, tzinfo=UTC), until=datetime(2026, 1, 8, tzinfo=UTC))
        >>> splits_into_days(("count",), ("source",), where, freq="day", tz="UTC")
        True
        >>> splits_into_days(("count",), ("brand",), where, freq="day", tz="UTC")
        False
    """
    if not period_total_form(metrics, by, where) or all(dim == "brand" for dim in by):
        return False  # (a bucketed series per brand is itself a rollup request: hourly totals)
    return on_utc_days(where, freq=freq, tz=tz)


def bucket_aggregate(
    store: MentionStore,
    metrics: tuple[str, ...],
    *,
    by: tuple[str, ...],
    where: Filter,
    freq: str,
    tz: str,
) -> AggregateResult:
    """``aggregate(metrics, by=("bucket", *by), ...)``, as one period total per bucket when it can.

    A series per brand (or of all mentions) is one bucketed request: the store answers it
    from the rollup's hourly totals. Split by another dimension (a source...), the rollup keeps
    only daily totals per value: when every bucket edge is a UTC midnight (days, weeks, months
    in UTC) and each bucket's request is a period total (:func:`splits_into_days`), one
    request per bucket lets the store answer from them; otherwise one bucketed request reads
    the mentions. The rows are the same either way: bucket order, then group order; empty
    buckets absent.

    Args:
        store: The store.
        metrics: The metrics, as ``MentionStore.aggregate`` takes them.
        by: The dimensions besides the bucket.
        where: The filter; ``since`` and ``until`` are needed for the per-bucket form.
        freq: Bucket size.
        tz: IANA zone of the buckets.

    Returns:
        The rows of ``("bucket", *by, *metrics)``, buckets aware in ``tz``.

    Examples:
        >>> from datetime import datetime, UTC
        >>> from social_listen.core import Mention
        >>> from social_listen.listener._data import as_store
        >>> day = [datetime(2026, 1, d, tzinfo=UTC) for d in (1, 2, 3)]
        >>> ms = [Mention(source=s, native_id=str(i), created_at=day[i]) for i, s in enumerate("xxy")]
        >>> store = as_store(ms)
        >>> where = Filter(since=datetime(2026, 1, 1, tzinfo=UTC), until=datetime(2026, 1, 4, tzinfo=UTC))
        >>> [(b.day, s, n) for b, s, n in bucket_aggregate(store, ("count",), by=("source",), where=where,
        ...                                                  freq="day", tz="UTC")]
        [(1, 'x', 1), (2, 'x', 1), (3, 'y', 1)]
    """
    if not splits_into_days(metrics, by, where, freq=freq, tz=tz):
        return aggregate(store, metrics, by=("bucket", *by), freq=freq, tz=tz, where=where)
    return per_bucket(store, metrics, by=by, where=where, freq=freq, tz=tz)


def per_bucket(
    store: MentionStore,
    metrics: tuple[str, ...],
    *,
    by: tuple[str, ...],
    where: Filter,
    freq: str,
    tz: str,
) -> AggregateResult:
    """``aggregate(metrics, by=("bucket", *by), ...)`` asked as one request per bucket.

    Each bucket's request is clipped to the period; the bucket keeps its start as label.

    Args:
        store: The store.
        metrics: The metrics, as ``MentionStore.aggregate`` takes them.
        by: The dimensions besides the bucket.
        where: The filter; needs ``since`` and ``until``.
        freq: Bucket size.
        tz: IANA zone of the buckets.

    Returns:
        The rows of ``("bucket", *by, *metrics)``, as one bucketed request gives them:
        bucket order, then group order, groups without mentions absent.

    Raises:
        ConfigError: ``where`` lacks ``since`` or ``until``.

    Examples:
        >>> from datetime import datetime, UTC
        >>> from social_listen.core import Mention
        >>> from social_listen.listener._data import as_store
        >>> day = [datetime(2026, 1, d, tzinfo=UTC) for d in (1, 1, 2)]
        >>> store = as_store([Mention(source="x", native_id=str(i), created_at=day[i]) for i in range(3)])
        >>> where = Filter(since=datetime(2026, 1, 1, tzinfo=UTC), until=datetime(2026, 1, 4, tzinfo=UTC))
        >>> [(b.day, n) for b, n in per_bucket(store, ("count",), by=(), where=where, freq="day", tz="UTC")]
        [(1, 2), (2, 1)]
    """
    from social_listen.store._sql import bucket_edges
    from social_listen.store._sql import zone as _zone
    from social_listen.store._values import from_us

    since, until = where.since, where.until
    if since is None or until is None:
        raise ConfigError("per_bucket needs since and until", source="listener")
    zone_info = _zone(tz)
    asked = metrics if "count" in metrics else (*metrics, "count")
    rows: list[tuple[Any, ...]] = []
    for start, end in pairwise(bucket_edges(since, until, freq, tz)):
        low, high = max(from_us(start), since), min(from_us(end), until)
        if low >= high:
            continue
        part = aggregate(store, asked, by=by, where=where.model_copy(update={"since": low, "until": high}))
        count_at = part.columns.index("count")
        bucket = from_us(start).astimezone(zone_info)
        for row in part.rows:
            if row[count_at]:
                rows.append((bucket, *row[: len(by) + len(metrics)]))
    return AggregateResult(columns=("bucket", *by, *metrics), rows=tuple(rows))
