"""Volume, sentiment, reach, engagement and unique authors over time, with period change.

:func:`time_series` reads the summable metrics per time bucket (optionally per brand, source or
language) and per period as period totals, which the store answers from its daily rollup when
the buckets are UTC days, and the unique authors (which no rollup can add up) per bucket and
per period from the mentions; it fills empty buckets with zeros and compares the period's
totals with the previous period of the same length.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from social_listen.core import ConfigError
from social_listen.listener._buckets import bucket_aggregate, on_utc_days, per_bucket
from social_listen.listener._data import (
    MentionData,
    aggregate,
    as_store,
    distinct_authors,
    period_filter,
    period_total_form,
)
from social_listen.listener._results import TableResult
from social_listen.store import Filter, MentionStore
from social_listen.store._sql import bucket_edges
from social_listen.store._sql import zone as _zone

__all__ = ["PeriodChange", "TimePoint", "TimeSeries", "count_series", "series_of", "time_series"]

GroupBy = Literal["brand", "source", "language"]

_METRICS = (
    "count",
    "mean_sentiment",
    "count_negative",
    "count_neutral",
    "count_positive",
    "count_scored",
    "sum_reach",
    "sum_engagement",
    "distinct_authors",
)
_SUMMED = tuple(m for m in _METRICS if m != "distinct_authors")


@dataclass(frozen=True, slots=True)
class TimePoint:
    """One time bucket (of one group).

    Attributes:
        bucket: Bucket start, aware, in the requested time zone.
        group: The brand, source or language (``None`` when not grouped).
        count: Mentions.
        mean_sentiment: Mean compound sentiment of scored mentions (``None`` when none).
        negative_share: Share of scored mentions labelled negative (0 when none scored).
        neutral_share: Share labelled neutral.
        positive_share: Share labelled positive.
        reach: Sum of reach estimates.
        engagement: Sum of engagement (likes + shares + replies + quotes).
        unique_authors: Distinct author handles.
    """

    bucket: datetime
    group: str | None
    count: int
    mean_sentiment: float | None
    negative_share: float
    neutral_share: float
    positive_share: float
    reach: float
    engagement: int
    unique_authors: int


@dataclass(frozen=True, slots=True)
class PeriodChange:
    """A metric over the period against the previous period of the same length.

    ``change`` is ``current - previous``; ``pct`` is the relative change (``None`` when the
    previous value is 0 or missing).
    """

    metric: str
    group: str | None
    current: float | None
    previous: float | None
    change: float | None
    pct: float | None


@dataclass(frozen=True)
class TimeSeries(TableResult):
    """A time series: :attr:`rows` per bucket (and group), :attr:`changes` against the previous period."""

    rows: tuple[TimePoint, ...]
    changes: tuple[PeriodChange, ...]
    since: datetime
    until: datetime
    freq: str
    tz: str

    def series(self, metric: str = "count", *, group: str | None = None) -> list[tuple[datetime, Any]]:
        """``(bucket, value)`` pairs of one metric for one group (ready for ``detect_spikes``)."""
        return [(p.bucket, getattr(p, metric)) for p in self.rows if p.group == group]

    def groups(self) -> tuple[str | None, ...]:
        """The groups present, in order of first appearance."""
        return tuple(dict.fromkeys(p.group for p in self.rows))


def _starts(since: datetime, until: datetime, freq: str, tz: str) -> list[datetime]:
    """Start of every bucket of the period, aware, in the zone."""
    from social_listen.store._values import from_us

    zone_info = _zone(tz)
    edges = bucket_edges(since, until, freq, tz)
    return [from_us(e).astimezone(zone_info) for e in edges if from_us(e) < until]


def count_series(
    store: MentionStore, *, since: datetime, until: datetime, freq: str, tz: str, where: Filter | None
) -> list[tuple[datetime, int]]:
    """``(bucket, mentions)`` for every bucket of the period, zeros where empty.

    The series spike detection reads: the count alone takes the store's fastest plan (a
    brand's series reads only its tag rows), with none of :func:`time_series`'s other metrics
    or its previous period.
    """
    current = period_filter(since, until, where)
    result = aggregate(store, ("count",), by=("bucket",), freq=freq, tz=tz, where=current)
    counts = {bucket: int(count) for bucket, count in result}
    return [(start, counts.get(start, 0)) for start in _starts(since, until, freq, tz)]


def _totals(
    store: Any, where: Filter, by: tuple[str, ...], authors: Mapping[str | None, int] | None = None
) -> dict[str | None, dict[str, Any]]:
    """The period's metrics per group; unique authors from ``authors`` when already known.

    The summable metrics are asked apart from the distinct authors when the store can answer
    them as a period total (from its daily rollup); the authors always need the mentions.
    """
    counted = authors
    if counted is None and not period_total_form(_SUMMED, by, where):
        result = aggregate(store, _METRICS, by=by, where=where)
    else:
        result = aggregate(store, _SUMMED, by=by, where=where)
        if counted is None:
            counted = distinct_authors(store, where, by=by[0] if by else None)
    out: dict[str | None, dict[str, Any]] = {}
    for record in result.to_records():
        key = record.pop(by[0]) if by else None
        if counted is not None:
            record["distinct_authors"] = counted.get(key, 0)
        out[key] = record
    return out


def _point(bucket: datetime, group: str | None, r: dict[str, Any] | None) -> TimePoint:
    if r is None:
        return TimePoint(bucket, group, 0, None, 0.0, 0.0, 0.0, 0.0, 0, 0)
    scored = r["count_scored"] or 0
    return TimePoint(
        bucket=bucket,
        group=group,
        count=int(r["count"] or 0),
        mean_sentiment=r["mean_sentiment"],
        negative_share=(r["count_negative"] or 0) / scored if scored else 0.0,
        neutral_share=(r["count_neutral"] or 0) / scored if scored else 0.0,
        positive_share=(r["count_positive"] or 0) / scored if scored else 0.0,
        reach=float(r["sum_reach"] or 0.0),
        engagement=int(r["sum_engagement"] or 0),
        unique_authors=int(r["distinct_authors"] or 0),
    )


def _change(metric: str, group: str | None, current: float | None, previous: float | None) -> PeriodChange:
    if current is None or previous is None:
        return PeriodChange(metric, group, current, previous, None, None)
    pct = (current - previous) / abs(previous) if previous else None
    return PeriodChange(metric, group, current, previous, current - previous, pct)


def time_series(
    data: MentionData,
    *,
    since: datetime,
    until: datetime,
    freq: str = "day",
    tz: str = "UTC",
    by: GroupBy | None = None,
    where: Filter | None = None,
) -> TimeSeries:
    """Volume, sentiment, reach, engagement and unique authors per time bucket.

    Args:
        data: A store or mentions.
        since: Period start (inclusive, aware).
        until: Period end (exclusive, aware).
        freq: Bucket size: ``minute``, ``hour``, ``day``, ``week``, ``month``, ``quarter``,
            ``year``, optionally with a multiple (``15minute``, ``6hour``).
        tz: IANA zone the buckets are aligned in (days follow local midnight and DST).
        by: Split into one series per ``brand``, ``source`` or ``language``.
        where: Narrow the mentions further (brands, sources, languages...).

    Returns:
        A :class:`TimeSeries` with every bucket of the period (zeros where empty), and the
        change of each total against the previous period of the same length.

    Examples:
        >>> from datetime import datetime, UTC
        >>> from social_listen.core import Mention
        >>> ms = [Mention(source="x", native_id=str(i), text="hi",
        ...               created_at=datetime(2026, 1, 1 + i % 3, tzinfo=UTC)) for i in range(7)]
        >>> ts = time_series(ms, since=datetime(2026, 1, 1, tzinfo=UTC),
        ...                  until=datetime(2026, 1, 4, tzinfo=UTC))
        >>> [p.count for p in ts.rows]
        [3, 2, 2]
    """
    if by not in (None, "brand", "source", "language"):
        raise ConfigError(
            f"cannot split a time series by {by!r}", source="listener", hint="use brand, source or language"
        )
    return series_of(as_store(data), since=since, until=until, freq=freq, tz=tz, by=by, where=where)


def series_of(
    store: MentionStore,
    *,
    since: datetime,
    until: datetime,
    freq: str,
    tz: str,
    by: GroupBy | None,
    where: Filter | None,
    authors: Mapping[str | None, int] | None = None,
) -> TimeSeries:
    """:func:`time_series` on a store, given the period's unique authors per group if known.

    Args:
        store: The store.
        since: See :func:`time_series`.
        until: See :func:`time_series`.
        freq: See :func:`time_series`.
        tz: See :func:`time_series`.
        by: See :func:`time_series`.
        where: See :func:`time_series`.
        authors: Distinct authors of the period per group (``None`` when not grouped), when
            another section already counted them (the comparison does, per brand).
    """
    current = period_filter(since, until, where)
    dims: tuple[str, ...] = (by,) if by else ()
    by_key: dict[tuple[datetime, str | None], dict[str, Any]] = {}
    if period_total_form(_SUMMED, dims, current):
        # Totals the store's rollup answers (hourly per brand, daily per other value); the
        # authors need the mentions: per UTC day one day at a time (read in id order).
        result = bucket_aggregate(store, _SUMMED, by=dims, freq=freq, tz=tz, where=current)
        for record in result.to_records():
            record["distinct_authors"] = 0
            by_key[(record["bucket"], record.get(by) if by else None)] = record
        counting = ("distinct_authors",)
        if on_utc_days(current, freq=freq, tz=tz):
            seen = per_bucket(store, counting, by=dims, freq=freq, tz=tz, where=current)
        else:
            seen = aggregate(store, counting, by=("bucket", *dims), freq=freq, tz=tz, where=current)
        for bucket, *grouped, count in seen:
            found = by_key.get((bucket, grouped[0] if dims else None))
            if found is not None:
                found["distinct_authors"] = count
    else:
        result = aggregate(store, _METRICS, by=("bucket", *dims), freq=freq, tz=tz, where=current)
        for record in result.to_records():
            by_key[(record["bucket"], record.get(by) if by else None)] = record
    starts = _starts(since, until, freq, tz)
    groups = sorted({k[1] for k in by_key}, key=lambda g: (g is None, g or "")) if by else [None]
    rows = [_point(start, group, by_key.get((start, group))) for group in groups for start in starts]

    length = until - since
    now_totals = _totals(store, current, dims, authors)
    before = _totals(store, period_filter(since - length, since, where), dims)
    changes: list[PeriodChange] = []
    for group in sorted(set(now_totals) | set(before), key=lambda g: (g is None, g or "")):
        a, b = now_totals.get(group, {}), before.get(group, {})
        for metric, key in (
            ("count", "count"),
            ("mean_sentiment", "mean_sentiment"),
            ("reach", "sum_reach"),
            ("engagement", "sum_engagement"),
            ("unique_authors", "distinct_authors"),
        ):
            empty = 0 if metric != "mean_sentiment" else None
            changes.append(_change(metric, group, a.get(key, empty), b.get(key, empty)))
    return TimeSeries(rows=tuple(rows), changes=tuple(changes), since=since, until=until, freq=freq, tz=tz)
