"""Online spike detection on any series: a robust, streaming score in [0, 1] per point.

The detector decides at point *t* from data up to *t* only, so the same object serves
backtests (:func:`detect_spikes`) and live alert rules (:meth:`SpikeDetector.update`). Each
value is log-transformed (``log1p``: volume bursts are multiplicative), lightly smoothed over the
last ``smoothing`` points, and compared with the median and inter-quartile spread of the
previous ``window`` points: ``z = (x̄ - median) / max(IQR / 1.349, floor)`` (or the unsmoothed
point's z minus 2, when larger, so a one-bucket burst is not halved away). The score is
``1 - 2^-(sensitivity·z⁺ / 4)²``: 0.5 at four robust standard deviations above normal, close
to 1 far beyond. A point is flagged when its score reaches ``threshold`` (0.5) and no flag was
raised in the previous ``cooldown`` points. Median and quartiles ignore the spike itself, so
a burst does not raise its own baseline.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from social_listen.core import ConfigError
from social_listen.listener._results import TableResult

__all__ = ["SpikeDetector", "SpikeScore", "SpikeSeries", "detect_spikes"]

DEFAULT_THRESHOLD = 0.5
_Z_AT_HALF = 4.0
_SCALE_FLOOR = 0.05
_SINGLE_POINT_MARGIN = 2.0


@dataclass(frozen=True, slots=True)
class SpikeScore:
    """The detector's verdict on one point.

    Attributes:
        index: Position of the point in the series (0-based).
        at: The time given with the point (``None`` when none was given).
        value: The observed value.
        score: Anomaly score in [0, 1] (0 during warm-up and for drops).
        flagged: Whether this point raises a spike (threshold reached, not in cool-down).
        expected: The baseline level (median of the window, in the value's units).
        zscore: Robust standard deviations above the baseline (after smoothing).
    """

    index: int
    at: datetime | None
    value: float
    score: float
    flagged: bool
    expected: float | None
    zscore: float


class SpikeDetector:
    """An incremental spike detector: feed points in time order, get a score for each.

    Args:
        window: How many previous points form the baseline (default 1440: five days of
            5-minute buckets, two months of hourly ones).
        smoothing: Average the last this many points before scoring (1 = none).
        threshold: Score at or above which a point is flagged.
        sensitivity: Multiplies the z-score before scoring: 2.0 flags smaller bursts, 0.5
            only bigger ones.
        cooldown: After a flag, points in the next ``cooldown`` positions are scored but not
            flagged (default 288: a day of 5-minute buckets).
        min_history: Points needed before anything is scored.

    Examples:
        >>> detector = SpikeDetector(min_history=20)
        >>> scores = [detector.update(v) for v in [10, 12, 9, 11, 10] * 8 + [80]]
        >>> scores[-1].flagged, round(scores[-1].score, 2), round(scores[-1].expected or 0, 6)
        (True, 1.0, 10.0)
    """

    def __init__(
        self,
        *,
        window: int = 1440,
        smoothing: int = 2,
        threshold: float = DEFAULT_THRESHOLD,
        sensitivity: float = 1.0,
        cooldown: int = 288,
        min_history: int = 50,
    ) -> None:
        if window < 4 or smoothing < 1 or cooldown < 0 or min_history < 4 or min_history > window:
            raise ConfigError(
                "invalid spike detector settings",
                source="listener.spikes",
                hint="need window >= min_history >= 4, smoothing >= 1, cooldown >= 0",
            )
        if not 0.0 < threshold <= 1.0 or sensitivity <= 0.0:
            raise ConfigError(
                "threshold must be in (0, 1] and sensitivity positive", source="listener.spikes"
            )
        self.window = window
        self.smoothing = smoothing
        self.threshold = threshold
        self.sensitivity = sensitivity
        self.cooldown = cooldown
        self.min_history = min_history
        self._history: deque[float] = deque()
        self._sorted: list[float] = []
        self._recent: deque[float] = deque(maxlen=smoothing)
        self._index = 0
        self._last_flag: int | None = None

    def update(self, value: float, at: datetime | None = None) -> SpikeScore:
        """Score the next point of the series (the points must come in time order).

        Args:
            value: The observation (a count, a sum, a rate; negative values are clipped to 0).
            at: The point's time, echoed in the result.

        Returns:
            The point's :class:`SpikeScore`.
        """
        if not math.isfinite(value):
            raise ConfigError(f"spike detector got a non-finite value {value!r}", source="listener.spikes")
        x = math.log1p(max(value, 0.0))
        self._recent.append(x)
        smoothed = sum(self._recent) / len(self._recent)
        zscore, score, expected = 0.0, 0.0, None
        n = len(self._sorted)
        if n >= self.min_history:
            median = self._sorted[n // 2]
            spread = (self._sorted[(3 * n) // 4] - self._sorted[n // 4]) / 1.349
            scale = max(spread, _SCALE_FLOOR)
            # Smoothing damps noise but also halves a one-bucket burst; a burst that clears
            # the bar by _SINGLE_POINT_MARGIN more on its own counts too.
            zscore = max((smoothed - median) / scale, (x - median) / scale - _SINGLE_POINT_MARGIN)
            positive = max(zscore, 0.0) * self.sensitivity / _Z_AT_HALF
            score = 1.0 - 2.0 ** -(positive * positive)
            expected = math.expm1(median)
        in_cooldown = self._last_flag is not None and self._index - self._last_flag <= self.cooldown
        flagged = score >= self.threshold and not in_cooldown
        if flagged:
            self._last_flag = self._index
        result = SpikeScore(
            index=self._index,
            at=at,
            value=value,
            score=score,
            flagged=flagged,
            expected=expected,
            zscore=zscore,
        )
        self._remember(x)
        self._index += 1
        return result

    def _remember(self, x: float) -> None:
        self._history.append(x)
        bisect.insort(self._sorted, x)
        if len(self._history) > self.window:
            old = self._history.popleft()
            del self._sorted[bisect.bisect_left(self._sorted, old)]

    def snapshot(self) -> dict[str, Any]:
        """The detector's state as JSON-friendly data, to resume it later (alert rules)."""
        return {
            "settings": {
                "window": self.window,
                "smoothing": self.smoothing,
                "threshold": self.threshold,
                "sensitivity": self.sensitivity,
                "cooldown": self.cooldown,
                "min_history": self.min_history,
            },
            "history": list(self._history),
            "recent": list(self._recent),
            "index": self._index,
            "last_flag": self._last_flag,
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> SpikeDetector:
        """A detector restored from :meth:`snapshot`; it continues exactly where it stopped."""
        detector = cls(**data["settings"])
        for x in data["history"]:
            detector._remember(float(x))
        detector._recent.extend(float(x) for x in data["recent"])
        detector._index = int(data["index"])
        detector._last_flag = None if data["last_flag"] is None else int(data["last_flag"])
        return detector


@dataclass(frozen=True)
class SpikeSeries(TableResult):
    """Scores of a whole series, with the flagged points in :attr:`spikes`."""

    points: tuple[SpikeScore, ...]
    threshold: float
    _rows_field = "points"

    @property
    def spikes(self) -> tuple[SpikeScore, ...]:
        """The flagged points, in order."""
        return tuple(p for p in self.points if p.flagged)

    @property
    def scores(self) -> tuple[float, ...]:
        """The score of every point, in order."""
        return tuple(p.score for p in self.points)


def detect_spikes(
    series: Iterable[float] | Iterable[tuple[datetime, float]],
    *,
    window: int = 1440,
    smoothing: int = 2,
    threshold: float = DEFAULT_THRESHOLD,
    sensitivity: float = 1.0,
    cooldown: int = 288,
    min_history: int = 50,
) -> SpikeSeries:
    """Score every point of a series with :class:`SpikeDetector` (batch backtest).

    Args:
        series: Values, or ``(time, value)`` pairs, in time order. A :class:`TimeSeries`
            column works: ``[(p.start, p.count) for p in ts.rows]``.
        window: See :class:`SpikeDetector`.
        smoothing: See :class:`SpikeDetector`.
        threshold: See :class:`SpikeDetector`.
        sensitivity: See :class:`SpikeDetector`.
        cooldown: See :class:`SpikeDetector`.
        min_history: See :class:`SpikeDetector`.

    Returns:
        A :class:`SpikeSeries`; each score used only the points before and at it.

    Examples:
        >>> series = [5, 6, 5, 7, 6] * 12 + [60, 8, 6]
        >>> [p.index for p in detect_spikes(series, min_history=30).spikes]
        [60]
    """
    detector = SpikeDetector(
        window=window,
        smoothing=smoothing,
        threshold=threshold,
        sensitivity=sensitivity,
        cooldown=cooldown,
        min_history=min_history,
    )
    points: list[SpikeScore] = []
    for item in series:
        if isinstance(item, tuple):
            at, value = item
            points.append(detector.update(float(value), at))
        else:
            points.append(detector.update(float(item)))
    return SpikeSeries(points=tuple(points), threshold=threshold)
