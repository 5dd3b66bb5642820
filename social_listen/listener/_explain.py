"""What changed in a spike: terms, authors, sources, languages and sentiment against a baseline.

:func:`explain_spike` compares the spike window with a baseline window dimension by dimension
in SQL. For each value (a term, an author...) it counts the mentions with it in both windows
and scores the change of its *share* of mentions with Dunning's G² (so words that merely grow
with the volume do not rank), keeping values whose share rose; ``excess`` is the number of
spike mentions beyond what the baseline share predicts. Drivers are ranked by G², ties by
dimension and value: the same data always gives the same explanation. :func:`find_spikes` runs
the detector over a stored series and explains each spike against the time before it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from social_listen.listener._buckets import utc_day_parts
from social_listen.listener._data import (
    MentionData,
    aggregate,
    as_store,
    filter_field,
    period_filter,
    period_total_form,
)
from social_listen.listener._results import TableResult
from social_listen.listener._spikes import DEFAULT_THRESHOLD, detect_spikes
from social_listen.listener._terms import term_surfaces
from social_listen.listener._themes import g_squared
from social_listen.listener._timeseries import count_series
from social_listen.store import Filter, MentionStore

__all__ = [
    "ExplainedSpike",
    "SentimentShift",
    "SpikeDriver",
    "SpikeExplanation",
    "explain_spike",
    "find_spikes",
]

DIMENSIONS = ("term", "author", "source", "language", "hashtag", "domain", "sentiment_label")
_CANDIDATES = 300
# Few values each: one pass grouped by all of them replaces a pass per dimension.
_JOINT = ("source", "language", "sentiment_label", "domain")


@dataclass(frozen=True, slots=True)
class SpikeDriver:
    """A value whose share of mentions rose in the spike.

    Attributes:
        rank: 1-based rank over all dimensions.
        dimension: ``term``, ``author``, ``source``, ``language``, ``hashtag``, ``domain`` or
            ``sentiment_label``.
        value: The term, handle, source...
        spike_count: Mentions with it in the spike window.
        baseline_count: Mentions with it in the baseline window.
        spike_share: spike_count / spike mentions.
        baseline_share: baseline_count / baseline mentions.
        excess: spike_count - baseline_share x spike mentions.
        g2: Dunning's G² of the share change.
        label: The value as written in the spike's mentions (terms are stems: "recall").
    """

    rank: int
    dimension: str
    value: str
    spike_count: int
    baseline_count: int
    spike_share: float
    baseline_share: float
    excess: float
    g2: float
    label: str = ""


@dataclass(frozen=True, slots=True)
class SentimentShift:
    """Sentiment in the spike against the baseline."""

    spike_mean: float | None
    baseline_mean: float | None
    spike_negative_share: float
    baseline_negative_share: float


@dataclass(frozen=True)
class SpikeExplanation(TableResult):
    """Ranked drivers of a spike (:attr:`rows`) with volume and sentiment context."""

    rows: tuple[SpikeDriver, ...]
    spike_mentions: int
    baseline_mentions: int
    expected_mentions: float
    sentiment: SentimentShift
    spike_since: datetime
    spike_until: datetime

    def top(self, dimension: str) -> SpikeDriver | None:
        """The strongest driver of one dimension."""
        return next((d for d in self.rows if d.dimension == dimension), None)


def _counts(
    store: MentionStore, dimension: str, flt: Filter, values: tuple[str, ...] | None
) -> dict[str, int]:
    if values is None:
        result = aggregate(
            store, ("count",), by=(dimension,), where=flt, order_by=["-count", dimension], top=_CANDIDATES
        )
        return {str(v): int(c) for v, c in result if v is not None}
    if not values:
        return {}
    field = filter_field(dimension)
    if field is not None:
        # Only the wanted values are read (an index range each) instead of every value.
        narrowed = tuple(v for v in values if not getattr(flt, field) or v in getattr(flt, field))
        if not narrowed:
            return {}
        flt = flt.model_copy(update={field: narrowed})
    wanted = set(values)
    out: Counter[str] = Counter()
    # The whole UTC days apart from the partial edges when the rollup answers them: its own
    # reading of the edges is slower than the brand's tag rows joined here.
    parts = utc_day_parts(flt) if period_total_form(("count",), (dimension,), flt) else [(flt, False)]
    for part, _ in parts:
        for v, c in aggregate(store, ("count",), by=(dimension,), where=part):
            if v is not None and str(v) in wanted:
                out[str(v)] += int(c)
    return dict(out)


def _joint_counts(
    store: MentionStore, dimensions: tuple[str, ...], flt: Filter
) -> dict[str, Counter[str | None]]:
    """Mentions per value of each dimension.

    The window's whole UTC days ask each dimension as a period total (the store's daily
    rollup answers those); its partial edge days (or a window shorter than a day) are read in
    one pass grouped by all of them.
    """
    out: dict[str, Counter[str | None]] = {d: Counter() for d in dimensions}
    if not dimensions:
        return out
    for part, whole in utc_day_parts(flt):
        if whole and all(period_total_form(("count",), (d,), part) for d in dimensions):
            for dimension in dimensions:
                for value, count in aggregate(store, ("count",), by=(dimension,), where=part):
                    out[dimension][None if value is None else str(value)] += int(count)
            continue
        for *values, count in aggregate(store, ("count",), by=dimensions, where=part):
            for dimension, value in zip(dimensions, values, strict=True):
                out[dimension][None if value is None else str(value)] += int(count)
    return out


def _ranked(counts: Counter[str | None]) -> dict[str, int]:
    """The :data:`_CANDIDATES` most frequent values, as :func:`_counts` ranks them in SQL."""
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is not None, kv[0] or ""))
    return {v: c for v, c in order[:_CANDIDATES] if v is not None}


def _sentiment(store: MentionStore, flt: Filter) -> tuple[float | None, float]:
    rows = aggregate(store, ("mean_sentiment", "count_negative", "count_scored"), where=flt).rows
    mean, negative, scored = rows[0] if rows else (None, 0, 0)
    return mean, (negative or 0) / scored if scored else 0.0


def _term_labels(store: MentionStore, flt: Filter, terms: list[str]) -> dict[str, str]:
    if not terms:
        return {}
    forms: dict[str, Counter[str]] = {t: Counter() for t in terms}
    for m in store.iter_mentions(flt.model_copy(update={"terms": tuple(terms)}), order_by="-time", limit=200):
        text = f"{m.title}\n{m.text}" if m.title else m.text
        for term, surface in term_surfaces(text, language=m.detected_language or m.language).items():
            if term in forms:
                forms[term][surface] += 1
    return {t: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for t, c in forms.items() if c}


def explain_spike(
    data: MentionData,
    *,
    spike_since: datetime,
    spike_until: datetime,
    baseline_since: datetime,
    baseline_until: datetime,
    n: int = 3,
    dimensions: tuple[str, ...] = DIMENSIONS,
    min_count: int = 2,
    where: Filter | None = None,
) -> SpikeExplanation:
    """Rank what moved in a spike window against a baseline window.

    Args:
        data: A store or mentions.
        spike_since: Spike window start (inclusive).
        spike_until: Spike window end (exclusive).
        baseline_since: Baseline window start (inclusive).
        baseline_until: Baseline window end (exclusive).
        n: How many drivers to keep per dimension (all kept drivers are ranked together).
        dimensions: Which dimensions to compare.
        min_count: Ignore values in fewer spike mentions.
        where: Narrow the mentions (a brand).

    Returns:
        A :class:`SpikeExplanation`; drivers ranked by G², ties by dimension then value.

    Examples:
        >>> from datetime import datetime, UTC, timedelta
        >>> from social_listen.core import Mention
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> base = [Mention(source="x", native_id=f"b{i}", terms=("app",), created_at=t + timedelta(hours=i))
        ...         for i in range(20)]
        >>> spike = [Mention(source="x", native_id=f"s{i}", terms=("app", "recal"),
        ...                  created_at=t + timedelta(hours=30)) for i in range(10)]
        >>> e = explain_spike(base + spike, spike_since=t + timedelta(hours=30),
        ...                   spike_until=t + timedelta(hours=31),
        ...                   baseline_since=t, baseline_until=t + timedelta(hours=24))
        >>> (e.rows[0].dimension, e.rows[0].value, e.rows[0].spike_count)
        ('term', 'recal', 10)
    """
    store = as_store(data)
    spike = period_filter(spike_since, spike_until, where)
    baseline = period_filter(baseline_since, baseline_until, where)
    n1, n2 = store.count(spike), store.count(baseline)
    drivers: list[tuple[float, str, str, int, int, float, float, float]] = []
    joint = tuple(d for d in dimensions if d in _JOINT)
    spike_joint, baseline_joint = _joint_counts(store, joint, spike), _joint_counts(store, joint, baseline)
    for dimension in dimensions:
        if dimension in joint:
            in_spike = {v: c for v, c in _ranked(spike_joint[dimension]).items() if c >= min_count}
            before = {str(v): c for v, c in baseline_joint[dimension].items() if v is not None}
        else:
            in_spike = {v: c for v, c in _counts(store, dimension, spike, None).items() if c >= min_count}
            before = _counts(store, dimension, baseline, tuple(sorted(in_spike)))
        for value, a in in_spike.items():
            b = before.get(value, 0)
            share, base_share = a / n1 if n1 else 0.0, b / n2 if n2 else 0.0
            if share <= base_share:
                continue
            g2 = g_squared(a, b, n1, n2)
            drivers.append((g2, dimension, value, a, b, share, base_share, a - base_share * n1))
    drivers.sort(key=lambda d: (-d[0], DIMENSIONS.index(d[1]) if d[1] in DIMENSIONS else 99, d[2]))
    kept: list[tuple[float, str, str, int, int, float, float, float]] = []
    per_dimension: dict[str, int] = {}
    for driver in drivers:
        if per_dimension.get(driver[1], 0) < n:
            per_dimension[driver[1]] = per_dimension.get(driver[1], 0) + 1
            kept.append(driver)
    labels = _term_labels(store, spike, [d[2] for d in kept if d[1] == "term"])
    rows = tuple(
        SpikeDriver(
            rank,
            dim,
            value,
            a,
            b,
            share,
            base_share,
            excess,
            g2,
            labels.get(value, value) if dim == "term" else value,
        )
        for rank, (g2, dim, value, a, b, share, base_share, excess) in enumerate(kept, start=1)
    )
    s_mean, s_neg = _sentiment(store, spike)
    b_mean, b_neg = _sentiment(store, baseline)
    rate = (spike_until - spike_since) / (baseline_until - baseline_since)
    return SpikeExplanation(
        rows=rows,
        spike_mentions=n1,
        baseline_mentions=n2,
        expected_mentions=n2 * rate,
        sentiment=SentimentShift(s_mean, b_mean, s_neg, b_neg),
        spike_since=spike_since,
        spike_until=spike_until,
    )


@dataclass(frozen=True, slots=True)
class ExplainedSpike:
    """A flagged bucket and its explanation."""

    at: datetime
    count: int
    expected: float | None
    score: float
    explanation: SpikeExplanation


def find_spikes(
    data: MentionData,
    *,
    since: datetime,
    until: datetime,
    freq: str = "hour",
    tz: str = "UTC",
    baseline: timedelta = timedelta(days=7),
    where: Filter | None = None,
    n_drivers: int = 3,
    **detector: Any,
) -> tuple[ExplainedSpike, ...]:
    """Detect volume spikes in a period and explain each against the time before it.

    The count series starts ``baseline`` before ``since`` so the detector has history; only
    spikes inside ``[since, until)`` are returned. Detector options (``window``,
    ``sensitivity``, ``cooldown``, ``min_history``...) pass through to :func:`detect_spikes`.
    """
    store = as_store(data)
    options = {"min_history": 24, "cooldown": 24, "threshold": DEFAULT_THRESHOLD} | detector
    points = count_series(store, since=since - baseline, until=until, freq=freq, tz=tz, where=where)
    scored = detect_spikes(points, **options)
    out = []
    for index, point in enumerate(scored.points):
        if not point.flagged or point.at is None or point.at < since:
            continue
        end = points[index + 1][0] if index + 1 < len(points) else until
        explanation = explain_spike(
            store,
            spike_since=point.at,
            spike_until=end,
            baseline_since=point.at - baseline,
            baseline_until=point.at,
            n=n_drivers,
            where=where,
        )
        out.append(ExplainedSpike(point.at, int(point.value), point.expected, point.score, explanation))
    return tuple(out)
