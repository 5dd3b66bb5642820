"""Alert rules as code, and the engine that evaluates them live or over stored history.

Per-mention rules look at one enriched mention (a negative mention from an influential author,
crisis intent, high urgency, a query match). Window rules look at event-time buckets of the
stream (a volume spike, a sentiment dip, a competitor's sudden campaign). The
:class:`AlertEngine` feeds mentions in event-time order through every rule, applies cool-downs,
and gives each alert a dedup key, so running it over a stored week (``replay``) fires exactly
what running it live over that week fired.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from social_listen.core import Mention
from social_listen.monitor._sinks import Alert
from social_listen.store import Filter, MentionStore

__all__ = [
    "AlertEngine",
    "AlertRule",
    "CrisisIntent",
    "NegativeInfluencer",
    "QueryMatch",
    "SentimentDip",
    "SpikeScorer",
    "UrgencyAbove",
    "VolumeSpike",
    "WindowRule",
    "replay",
]


@runtime_checkable
class AlertRule(Protocol):
    """A per-mention rule: returns an alert for a mention that should reach a human."""

    name: str
    cooldown: timedelta

    def check(self, mention: Mention) -> Alert | None:
        """The alert this mention fires, or ``None``."""
        ...


class SpikeScorer(Protocol):
    """What a volume rule needs of a spike detector: an online ``update`` per bucket."""

    def update(self, value: float, at: datetime) -> object:
        """Score the newest value (a float, or an object with a ``score`` attribute)."""
        ...


@runtime_checkable
class WindowRule(Protocol):
    """A rule over event-time buckets of the stream."""

    name: str
    cooldown: timedelta
    bucket: timedelta

    def close_bucket(self, start: datetime, mentions: Sequence[Mention]) -> Alert | None:
        """Called once per bucket, in time order, with the bucket's mentions (maybe none)."""
        ...


def _preview(text: str, limit: int = 140) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _mention_alert(
    rule: str, mention: Mention, title: str, *, severity: str, details: dict[str, object]
) -> Alert:
    return Alert(
        rule=rule,
        title=title,
        summary=_preview(mention.text or mention.title or ""),
        fired_at=mention.created_at,
        mention=mention,
        dedup_key=f"{rule}:{mention.source}:{mention.native_id}",
        severity=severity,
        details=details,
    )


@dataclass(frozen=True)
class NegativeInfluencer:
    """A negative mention from an influential author.

    Args:
        name: The rule's name.
        min_influence: Author influence (0-100) at or above which the author counts.
        max_sentiment: Sentiment (brand-targeted when available) at or below which it is negative.
        brands: Only mentions of these brands (empty: any).
        cooldown: Minimum time between two alerts of this rule for the same author.
    """

    name: str = "negative-influencer"
    min_influence: float = 60.0
    max_sentiment: float = -0.3
    brands: tuple[str, ...] = ()
    cooldown: timedelta = timedelta(0)

    def check(self, mention: Mention) -> Alert | None:
        """Fire for negative mentions by influential authors."""
        if mention.sentiment is None or mention.influence is None:
            return None
        if self.brands and not set(self.brands) & set(mention.brands):
            return None
        score = mention.sentiment.targeted_score
        score = mention.sentiment.score if score is None else score
        if mention.influence.value < self.min_influence or score > self.max_sentiment:
            return None
        who = mention.author.handle if mention.author else "unknown"
        return _mention_alert(
            self.name,
            mention,
            f"Negative mention by influential {who} (influence {mention.influence.value:.0f})",
            severity="critical",
            details={"sentiment": score, "influence": mention.influence.value},
        )


@dataclass(frozen=True)
class CrisisIntent:
    """A mention whose intent includes one of ``labels`` (crisis by default)."""

    name: str = "crisis"
    labels: tuple[str, ...] = ("crisis",)
    brands: tuple[str, ...] = ()
    cooldown: timedelta = timedelta(0)

    def check(self, mention: Mention) -> Alert | None:
        """Fire for mentions with a matching intent label."""
        if mention.intent is None or not set(self.labels) & set(mention.intent.labels):
            return None
        if self.brands and not set(self.brands) & set(mention.brands):
            return None
        hit = sorted(set(self.labels) & set(mention.intent.labels))
        return _mention_alert(
            self.name,
            mention,
            f"{', '.join(hit).capitalize()} mention on {mention.source}",
            severity="critical",
            details={"labels": hit},
        )


@dataclass(frozen=True)
class UrgencyAbove:
    """A mention whose urgency score is at or above ``threshold``."""

    name: str = "urgent"
    threshold: float = 70.0
    cooldown: timedelta = timedelta(0)

    def check(self, mention: Mention) -> Alert | None:
        """Fire for urgent mentions, listing the urgency reasons."""
        if mention.urgency is None or mention.urgency.value < self.threshold:
            return None
        return _mention_alert(
            self.name,
            mention,
            f"Urgent mention ({mention.urgency.value:.0f}): {', '.join(mention.urgency.reasons[:3])}",
            severity="warning",
            details={"urgency": mention.urgency.value, "reasons": list(mention.urgency.reasons)},
        )


@dataclass(frozen=True)
class QueryMatch:
    """A mention matching a query in the query language (``refund AND (scam OR fraud)``)."""

    query: str
    name: str = "query"
    cooldown: timedelta = timedelta(0)
    _matcher: Callable[[Mention], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from social_listen.query import parse

        object.__setattr__(self, "_matcher", parse(self.query).matches)

    def check(self, mention: Mention) -> Alert | None:
        """Fire for matching mentions."""
        if not self._matcher(mention):
            return None
        return _mention_alert(self.name, mention, f"Matched {self.query!r}", severity="info", details={})


class VolumeSpike:
    """A spike in mention volume per bucket, scored by an online spike detector.

    Args:
        name: The rule's name.
        brand: Count only mentions of this brand (``None``: all).
        bucket: The bucket width.
        threshold: Spike score in [0, 1] at or above which the rule fires (default: the
            detector's own ``threshold`` attribute, else 0.5).
        cooldown: Minimum time between two firings.
        detector_factory: Builds a fresh detector (default: the listener's ``SpikeDetector``).
        sensitivity: The default detector's sensitivity (2.0 flags smaller bursts).
        min_history: Buckets the default detector needs before it scores (its default: 50).
    """

    def __init__(
        self,
        name: str = "volume-spike",
        *,
        brand: str | None = None,
        bucket: timedelta = timedelta(hours=1),
        threshold: float | None = None,
        cooldown: timedelta = timedelta(hours=6),
        detector_factory: Callable[[], SpikeScorer] | None = None,
        sensitivity: float = 1.0,
        min_history: int | None = None,
    ) -> None:
        self.name, self.brand, self.bucket, self.cooldown = name, brand, bucket, cooldown
        if detector_factory is None:
            self._detector: SpikeScorer = _default_detector(sensitivity=sensitivity, min_history=min_history)
        else:
            self._detector = detector_factory()
        default = getattr(self._detector, "threshold", 0.5)
        self.threshold = float(default if threshold is None else threshold)

    def close_bucket(self, start: datetime, mentions: Sequence[Mention]) -> Alert | None:
        """Feed the bucket's count to the detector; fire when its score crosses the threshold."""
        count = sum(1 for m in mentions if self.brand is None or self.brand in m.brands)
        result = self._detector.update(float(count), start)
        score = float(getattr(result, "score", result))  # type: ignore[arg-type]
        if score < self.threshold:
            return None
        what = self.brand or "all mentions"
        return Alert(
            rule=self.name,
            title=f"Volume spike for {what}: {count} mentions in {self.bucket}",
            summary=f"spike score {score:.2f} for the bucket starting {start.isoformat()}",
            fired_at=start + self.bucket,
            dedup_key=f"{self.name}:{start.isoformat()}",
            severity="warning",
            details={"count": count, "score": score, "bucket_start": start.isoformat()},
        )


def _default_detector(*, sensitivity: float, min_history: int | None) -> SpikeScorer:
    from social_listen.listener import SpikeDetector

    if min_history is None:
        return SpikeDetector(sensitivity=sensitivity)
    return SpikeDetector(sensitivity=sensitivity, min_history=min_history)


class SentimentDip:
    """Mean sentiment of a bucket falls ``drop`` below the mean of the previous ``baseline`` buckets.

    Buckets with fewer than ``min_mentions`` scored mentions are not judged.
    """

    def __init__(
        self,
        name: str = "sentiment-dip",
        *,
        brand: str | None = None,
        bucket: timedelta = timedelta(hours=6),
        baseline: int = 8,
        drop: float = 0.3,
        min_mentions: int = 10,
        cooldown: timedelta = timedelta(hours=12),
    ) -> None:
        self.name, self.brand, self.bucket, self.cooldown = name, brand, bucket, cooldown
        self.drop, self.min_mentions = drop, min_mentions
        self._history: deque[float] = deque(maxlen=baseline)

    def close_bucket(self, start: datetime, mentions: Sequence[Mention]) -> Alert | None:
        """Compare the bucket's mean sentiment with the baseline."""
        scores = [
            m.sentiment.score
            for m in mentions
            if m.sentiment and (self.brand is None or self.brand in m.brands)
        ]
        if len(scores) < self.min_mentions:
            return None
        mean = math.fsum(scores) / len(scores)
        baseline = math.fsum(self._history) / len(self._history) if self._history else None
        self._history.append(mean)
        if baseline is None or baseline - mean < self.drop:
            return None
        return Alert(
            rule=self.name,
            title=f"Sentiment dip for {self.brand or 'all mentions'}: {mean:+.2f} vs {baseline:+.2f}",
            summary=f"{len(scores)} mentions in the bucket starting {start.isoformat()}",
            fired_at=start + self.bucket,
            dedup_key=f"{self.name}:{start.isoformat()}",
            severity="warning",
            details={"mean": mean, "baseline": baseline, "mentions": len(scores)},
        )


def _floor(when: datetime, width: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    seconds = width.total_seconds()
    return epoch + timedelta(seconds=math.floor((when - epoch).total_seconds() / seconds) * seconds)


class AlertEngine:
    """Evaluates rules over mentions in event-time order, with cool-downs and dedup keys.

    Feed it with :meth:`process` (live batches, in time order) and call :meth:`flush` at the
    end of a replay to close the last buckets. The same mentions in the same order give the
    same alerts, which is what makes ``replay`` trustworthy. Mentions older than a bucket
    already closed count for per-mention rules but no longer for window rules.

    Examples:
        >>> engine = AlertEngine([CrisisIntent()])
        >>> engine.process([])
        []
    """

    def __init__(self, rules: Iterable[AlertRule | WindowRule]) -> None:
        self.mention_rules: list[AlertRule] = []
        self.window_rules: list[WindowRule] = []
        for rule in rules:
            if isinstance(rule, WindowRule):
                self.window_rules.append(rule)
            else:
                self.mention_rules.append(rule)
        self._last_fired: dict[tuple[str, str], datetime] = {}
        self._open: dict[str, datetime] = {}
        self._pending: dict[str, list[Mention]] = defaultdict(list)
        self._seen: set[tuple[str, str]] = set()

    def _cooled(self, rule: str, scope: str, cooldown: timedelta, at: datetime) -> bool:
        last = self._last_fired.get((rule, scope))
        if last is not None and at - last < cooldown:
            return False
        self._last_fired[(rule, scope)] = at
        return True

    def process(self, mentions: Iterable[Mention]) -> list[Alert]:
        """Evaluate a batch of mentions (sorted here by event time); returns the alerts fired."""
        alerts: list[Alert] = []
        for mention in sorted(mentions, key=lambda m: (m.created_at, m.source, m.native_id)):
            if mention.key in self._seen:  # a redelivered mention never fires twice
                continue
            self._seen.add(mention.key)
            alerts.extend(self._advance(mention.created_at))
            for rule in self.mention_rules:
                alert = rule.check(mention)
                scope = mention.author.handle if mention.author else mention.native_id
                if alert is not None and self._cooled(rule.name, scope, rule.cooldown, alert.fired_at):
                    alerts.append(alert)
            for window_rule in self.window_rules:
                self._pending[window_rule.name].append(mention)
        return alerts

    def _advance(self, now: datetime) -> list[Alert]:
        """Close every window bucket that ended at or before ``now``."""
        alerts: list[Alert] = []
        for rule in self.window_rules:
            start = self._open.get(rule.name)
            if start is None:
                self._open[rule.name] = _floor(now, rule.bucket)
                continue
            while start + rule.bucket <= now:
                end = start + rule.bucket
                inside = [m for m in self._pending[rule.name] if start <= m.created_at < end]
                self._pending[rule.name] = [m for m in self._pending[rule.name] if m.created_at >= end]
                alert = rule.close_bucket(start, inside)
                if alert is not None and self._cooled(rule.name, "*", rule.cooldown, alert.fired_at):
                    alerts.append(alert)
                start = end
            self._open[rule.name] = start
        return alerts

    def advance_to(self, now: datetime) -> list[Alert]:
        """Close the buckets that ended by ``now`` (live: call it on each poll)."""
        return self._advance(now)

    def flush(self) -> list[Alert]:
        """Close the open buckets (the end of a replay)."""
        ends = [start + rule.bucket for rule in self.window_rules if (start := self._open.get(rule.name))]
        return self._advance(max(ends)) if ends else []


def replay(
    rules: Iterable[AlertRule | WindowRule],
    store: MentionStore,
    *,
    since: datetime,
    until: datetime,
    where: Filter | None = None,
) -> dict[str, list[Alert]]:
    """How often each rule would have fired over stored history, and the alerts themselves.

    The stored mentions of ``[since, until)`` stream through a fresh :class:`AlertEngine` in
    event-time order, exactly as the live monitor feeds them, so the firings equal a live run
    over the same period. Pass fresh rule objects: window rules keep state.

    Args:
        rules: The rules to try.
        store: Where the history is.
        since: Start of the period (inclusive).
        until: End of the period (exclusive).
        where: Further narrowing (brands, sources...); its own since/until are replaced.

    Returns:
        Rule name -> the alerts it fired (rules that never fired map to an empty list).

    Examples:
        >>> from datetime import UTC, datetime
        >>> from social_listen.store import SQLiteStore
        >>> replay([CrisisIntent()], SQLiteStore(":memory:"),
        ...        since=datetime(2026, 1, 1, tzinfo=UTC), until=datetime(2026, 1, 8, tzinfo=UTC))
        {'crisis': []}
    """
    rules = list(rules)
    engine = AlertEngine(rules)
    window = (where or Filter()).model_copy(update={"since": since, "until": until})
    fired = engine.process(store.iter_mentions(window, order_by="time"))
    fired += engine.advance_to(until)
    out: dict[str, list[Alert]] = {rule.name: [] for rule in rules}
    for alert in fired:
        out.setdefault(alert.rule, []).append(alert)
    return out
