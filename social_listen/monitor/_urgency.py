"""Urgency 0-100: how soon a human should look at a mention, with the reasons.

A weighted sum of signals, each in [0, 1], times its weight (the weights are the points a
signal can add; they need not sum to 100, the total is capped at 100). Every signal that adds
points is listed in ``Score.reasons`` with its points, and the inputs are recorded, so the
number can be audited and reproduced. Time-dependent signals use an explicit ``now`` (the
pipeline passes the mention's collection time by default), never the wall clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from social_listen.core import ConfigError, Mention, Score
from social_listen.monitor._trusted import trusted_builder

__all__ = ["UrgencyModel", "UrgencyWeights"]

# Scores are valid by construction (a float value, a str method, plain inputs): no validation.
_score = trusted_builder(Score, value=0.0, method="urgency-v1", inputs={}, reasons=())


@dataclass(frozen=True)
class UrgencyWeights:
    """Points each signal can add (the signal is scaled to [0, 1] first).

    Attributes:
        negative: ``max(0, -sentiment)``: how negative the post is.
        targeted_negative: ``max(0, -targeted_score)``: negative about the brand itself.
        influence: ``influence / 100``.
        complaint: 1 when the intent includes ``complaint``.
        crisis: 1 when the intent includes ``crisis``.
        unanswered_question: 1 for a ``question`` with no replies.
        reply_velocity: ``min(1, replies per hour / velocity_ref)``.
        recency: ``exp(-age_hours / recency_hours)``.
    """

    negative: float = 20.0
    targeted_negative: float = 10.0
    influence: float = 20.0
    complaint: float = 15.0
    crisis: float = 35.0
    unanswered_question: float = 10.0
    reply_velocity: float = 10.0
    recency: float = 10.0


@dataclass(frozen=True)
class UrgencyModel:
    """Computes urgency from a mention whose sentiment, intent and influence are set.

    Attributes:
        weights: Points per signal.
        velocity_ref: Replies per hour that count as the full reply-velocity signal.
        recency_hours: Time constant of the recency decay.
        min_age_hours: Ages below this count as this (avoids dividing by ~0 for brand-new posts).

    Examples:
        >>> from datetime import datetime, UTC
        >>> from social_listen.core import Mention, Intent
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> m = Mention(source="x", native_id="1", text="", created_at=t, collected_at=t,
        ...             intent=Intent(labels=("crisis",), method="m"))
        >>> s = UrgencyModel().score(m, now=t)
        >>> s.value, s.reasons
        (45.0, ('crisis intent (+35.0)', 'recent: 0.0 h old (+10.0)'))
    """

    weights: UrgencyWeights = UrgencyWeights()
    velocity_ref: float = 20.0
    recency_hours: float = 24.0
    min_age_hours: float = 0.25

    def __post_init__(self) -> None:
        if self.velocity_ref <= 0 or self.recency_hours <= 0 or self.min_age_hours <= 0:
            raise ConfigError("velocity_ref, recency_hours and min_age_hours must be positive")
        if any(v < 0 for v in vars(self.weights).values()):
            raise ConfigError("urgency weights must be >= 0")

    def score(self, mention: Mention, *, now: datetime | None = None) -> Score:
        """The urgency of one mention at ``now`` (default: its collection time)."""
        sentiment = mention.sentiment
        return self.score_signals(
            sentiment=sentiment.score if sentiment else 0.0,
            targeted=sentiment.targeted_score if sentiment else None,
            labels=mention.intent.labels if mention.intent else (),
            influence=mention.influence.value if mention.influence else 0.0,
            replies=mention.metrics.replies or 0,
            created_at=mention.created_at,
            now=now or mention.collected_at,
        )

    def score_signals(
        self,
        *,
        sentiment: float,
        targeted: float | None,
        labels: Iterable[str],
        influence: float,
        replies: int,
        created_at: datetime,
        now: datetime,
    ) -> Score:
        """The urgency from a mention's parts (the pipeline scores before it builds the mention).

        Args:
            sentiment: The compound sentiment (0 when unknown).
            targeted: The brand-targeted sentiment, if any.
            labels: The intent labels.
            influence: The author influence, 0-100.
            replies: Replies so far.
            created_at: When the mention was posted.
            now: The clock.
        """
        w = self.weights
        age_h = max(0.0, (now - created_at).total_seconds() / 3600.0)
        labels = set(labels)
        # Reasons are formatted only for signals that add points (>= 0.05). A signal that is
        # zero adds 0.0 to the total (exactly nothing), so it is skipped; the others are added
        # in the documented order, which keeps the float total the same.
        reasons: list[str] = []
        total = 0.0
        if sentiment < 0.0:  # max(0, -sentiment) > 0
            points = w.negative * -sentiment
            total += points
            if points >= 0.05:
                reasons.append(f"negative sentiment {sentiment:.2f} (+{points:.1f})")
        if targeted is not None and targeted < 0.0:
            points = w.targeted_negative * -targeted
            total += points
            if points >= 0.05:
                reasons.append(f"negative about the brand {targeted:.2f} (+{points:.1f})")
        points = w.influence * influence / 100.0
        total += points
        if points >= 0.05:
            reasons.append(f"influential author ({influence:.0f}/100) (+{points:.1f})")
        if "complaint" in labels:
            points = w.complaint
            total += points
            if points >= 0.05:
                reasons.append(f"complaint (+{points:.1f})")
        if "crisis" in labels:
            points = w.crisis
            total += points
            if points >= 0.05:
                reasons.append(f"crisis intent (+{points:.1f})")
        if replies == 0 and "question" in labels:
            points = w.unanswered_question
            total += points
            if points >= 0.05:
                reasons.append(f"unanswered question (+{points:.1f})")
        velocity = replies / max(age_h, self.min_age_hours)
        if replies:
            points = w.reply_velocity * min(1.0, velocity / self.velocity_ref)
            total += points
            if points >= 0.05:
                reasons.append(f"replies {velocity:.1f}/h (+{points:.1f})")
        points = w.recency * math.exp(-age_h / self.recency_hours)
        total += points
        if points >= 0.05:
            reasons.append(f"recent: {age_h:.1f} h old (+{points:.1f})")
        return _score(
            value=round(min(100.0, total), 2),
            method="urgency-v1",
            inputs={
                "sentiment": sentiment,
                "targeted_sentiment": targeted,
                "influence": influence,
                "intent": ",".join(sorted(labels)),
                "replies": replies,
                "age_hours": round(age_h, 3),
            },
            reasons=tuple(reasons),
        )
