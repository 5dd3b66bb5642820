"""Share of voice against competitors, with confidence intervals and platform normalization.

Shares are computed from SQL aggregates per brand, per source and per day.

- **Mentions**: share = brand mentions / all brands' mentions; the interval is the Wilson score
  interval for a binomial proportion (good coverage for small counts and shares near 0 or 1).
- **Reach and engagement**: share = brand sum / all brands' sum; a single viral post can carry
  the whole sum, so the interval treats each day as a cluster and uses the ratio-estimator
  (delta-method) variance ``Σ_d (x_d - R·X_d)² / (n (n-1) X̄²)`` over the ``n`` days, with a
  normal approximation. With fewer than two days with data the interval is the whole [0, 1].
- **Per platform** shares use the same formulas on each source alone.
- **Normalized** share averages the per-platform shares with platform weights (equal by
  default, or e.g. each platform's audience size), so the platform we happen to collect most
  from does not decide the result; its variance is ``Σ w_s² var_s / (Σ w_s)²``.

A mention naming two brands counts for both (shares are of brand mentions, not of posts).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import NormalDist
from typing import Literal

from social_listen.core import ConfigError
from social_listen.listener._buckets import bucket_aggregate
from social_listen.listener._data import MentionData, aggregate, as_store, period_filter
from social_listen.listener._results import TableResult
from social_listen.store import Filter

__all__ = ["ShareOfVoice", "ShareRow", "share_of_voice", "wilson_interval"]

Measure = Literal["mentions", "reach", "engagement"]
_METRIC = {"mentions": "count", "reach": "sum_reach", "engagement": "sum_engagement"}
ALL_PLATFORMS = "*"


def wilson_interval(successes: float, total: float, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion.

    Examples:
        >>> [round(x, 3) for x in wilson_interval(30, 100)]
        [0.219, 0.396]
    """
    if total <= 0:
        return (0.0, 1.0)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    # rounding keeps float noise (3e-18) out of intervals that touch 0 or 1
    return (max(0.0, round(centre - half, 12)), min(1.0, round(centre + half, 12)))


def _ratio_variance(daily_brand: Mapping[str, float], daily_total: Mapping[str, float]) -> float | None:
    days = [d for d in daily_total if daily_total[d] > 0]
    n = len(days)
    if n < 2:
        return None
    total = sum(daily_total[d] for d in days)
    ratio = sum(daily_brand.get(d, 0.0) for d in days) / total
    mean_total = total / n
    resid = sum((daily_brand.get(d, 0.0) - ratio * daily_total[d]) ** 2 for d in days)
    return resid / (n * (n - 1) * mean_total * mean_total)


@dataclass(frozen=True, slots=True)
class ShareRow:
    """One brand's share on one platform (``platform == "*"``: all platforms).

    Attributes:
        brand: The brand.
        platform: The source, ``"*"`` for all sources pooled.
        value: The brand's mentions, reach or engagement.
        share: value / all brands' value, in [0, 1].
        low: Lower bound of the confidence interval.
        high: Upper bound.
        normalized_share: Platform-weighted mean of per-platform shares (``"*"`` rows only).
        normalized_low: Its lower bound.
        normalized_high: Its upper bound.
    """

    brand: str
    platform: str
    value: float
    share: float
    low: float
    high: float
    normalized_share: float | None = None
    normalized_low: float | None = None
    normalized_high: float | None = None


@dataclass(frozen=True)
class ShareOfVoice(TableResult):
    """Shares of voice per brand (pooled and per platform), one measure."""

    rows: tuple[ShareRow, ...]
    measure: str
    confidence: float
    method: str

    def overall(self) -> dict[str, ShareRow]:
        """The pooled row of each brand."""
        return {r.brand: r for r in self.rows if r.platform == ALL_PLATFORMS}


def share_of_voice(
    data: MentionData,
    *,
    brands: Sequence[str],
    since: datetime,
    until: datetime,
    measure: Measure = "mentions",
    confidence: float = 0.95,
    platform_weights: Mapping[str, float] | None = None,
    where: Filter | None = None,
    tz: str = "UTC",
) -> ShareOfVoice:
    """Each brand's share of all the brands' mentions, reach or engagement.

    Args:
        data: A store or mentions.
        brands: The brand and its competitors (values of ``Mention.brands``).
        since: Period start (inclusive).
        until: Period end (exclusive).
        measure: ``mentions``, ``reach`` or ``engagement``.
        confidence: Confidence level of the intervals.
        platform_weights: Weight of each source in the normalized share (default: equal).
        where: Narrow the mentions further.
        tz: Zone of the day clusters used by the reach/engagement intervals.

    Returns:
        A :class:`ShareOfVoice`: pooled rows (``platform="*"``, with the normalized share)
        then per-platform rows, brands in the order given.

    Examples:
        >>> from datetime import datetime, UTC
        >>> from social_listen.core import Mention
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> ms = [Mention(source="x", native_id=str(i), brands=("acme" if i < 3 else "rival",),
        ...               created_at=t) for i in range(4)]
        >>> sov = share_of_voice(ms, brands=["acme", "rival"], since=t,
        ...                      until=datetime(2026, 1, 2, tzinfo=UTC))
        >>> sov.overall()["acme"].share
        0.75
    """
    if measure not in _METRIC:
        raise ConfigError(
            f"unknown measure {measure!r}", source="listener", hint="use mentions, reach or engagement"
        )
    if not brands:
        raise ConfigError("share of voice needs at least one brand", source="listener")
    if not 0 < confidence < 1:
        raise ConfigError("confidence must be between 0 and 1", source="listener")
    store = as_store(data)
    names = tuple(dict.fromkeys(brands))
    flt = period_filter(since, until, where, brands=names)
    metric = _METRIC[measure]
    by_source: dict[str, dict[str, float]] = defaultdict(dict)
    daily: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)  # (source|*, brand) -> day -> value
    if measure == "mentions":
        for brand, source, value in aggregate(store, (metric,), by=("brand", "source"), where=flt):
            by_source[source][brand] = float(value or 0.0)
    else:
        # The period's sums per source are the sums of the daily ones: one pass serves both (a
        # period total per UTC day, from the store's daily rollup, when the days are UTC ones).
        result = bucket_aggregate(store, (metric,), by=("brand", "source"), freq="day", tz=tz, where=flt)
        for bucket, brand, source, value in result:
            by_source[source][brand] = by_source[source].get(brand, 0.0) + float(value or 0.0)
            day = bucket.isoformat()
            daily[(source, brand)][day] = daily[(source, brand)].get(day, 0.0) + float(value or 0.0)
            daily[(ALL_PLATFORMS, brand)][day] = daily[(ALL_PLATFORMS, brand)].get(day, 0.0) + float(
                value or 0.0
            )
    z = NormalDist().inv_cdf(0.5 + confidence / 2)

    def row(platform: str, values: Mapping[str, float]) -> list[tuple[ShareRow, float | None]]:
        total = sum(values.get(b, 0.0) for b in names)
        out: list[tuple[ShareRow, float | None]] = []
        day_totals: dict[str, float] = defaultdict(float)
        if measure != "mentions":
            for b in names:
                for day, v in daily.get((platform, b), {}).items():
                    day_totals[day] += v
        for b in names:
            value = values.get(b, 0.0)
            share = value / total if total else 0.0
            variance: float | None
            if measure == "mentions":
                low, high = wilson_interval(value, total, confidence=confidence)
                variance = share * (1 - share) / total if total else None
            else:
                variance = _ratio_variance(daily.get((platform, b), {}), day_totals)
                if variance is None:
                    low, high = 0.0, 1.0
                else:
                    half = z * math.sqrt(variance)
                    low, high = max(0.0, share - half), min(1.0, share + half)
            out.append((ShareRow(b, platform, value, share, low, high), variance))
        return out

    sources = sorted(by_source)
    pooled_values: dict[str, float] = defaultdict(float)
    for values in by_source.values():
        for b, v in values.items():
            pooled_values[b] += v
    per_platform = {s: row(s, by_source[s]) for s in sources}
    weights = {
        s: float((platform_weights or {}).get(s, 1.0 if platform_weights is None else 0.0)) for s in sources
    }
    weight_sum = sum(w for s, w in weights.items() if sum(by_source[s].values()) > 0)
    rows: list[ShareRow] = []
    for index, (pooled, _) in enumerate(row(ALL_PLATFORMS, pooled_values)):
        norm = norm_low = norm_high = None
        if weight_sum > 0:
            live = [s for s in sources if sum(by_source[s].values()) > 0 and weights[s] > 0]
            norm = sum(weights[s] * per_platform[s][index][0].share for s in live) / weight_sum
            variances = [per_platform[s][index][1] for s in live]
            if all(v is not None for v in variances):
                var = (
                    sum(weights[s] ** 2 * (v or 0.0) for s, v in zip(live, variances, strict=True))
                    / weight_sum**2
                )
                half = z * math.sqrt(var)
                norm_low, norm_high = max(0.0, norm - half), min(1.0, norm + half)
            else:
                norm_low, norm_high = 0.0, 1.0
        rows.append(
            ShareRow(
                pooled.brand,
                pooled.platform,
                pooled.value,
                pooled.share,
                pooled.low,
                pooled.high,
                norm,
                norm_low,
                norm_high,
            )
        )
    for s in sources:
        rows.extend(r for r, _ in per_platform[s])
    method = (
        "wilson" if measure == "mentions" else "ratio-estimator over days, normal approximation"
    ) + "; normalized = platform-weighted mean of per-platform shares"
    return ShareOfVoice(rows=tuple(rows), measure=measure, confidence=confidence, method=method)
