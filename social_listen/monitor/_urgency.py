"""Urgency 0-100: how soon a human should look at a mention, with the reasons.

A weighted sum of signals, each in [0, 1], times its weight (the weights are the points a
signal can add; they need not sum to 100, the total is capped at 100). Every signal that adds
points is listed in ``Score.reasons`` with its points, and the inputs are recorded, so the
number can be audited and reproduced. Time-dependent signals use an explicit ``now`` (the
pipeline passes the mention's collection time by default), never the wall clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from social_listen.core import ConfigError, Mention, Score

__all__ = ["UrgencyModel", "UrgencyWeights"]


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
        w = self.weights
        now = now or mention.collected_at
        age_h = max(0.0, (now - mention.created_at).total_seconds() / 3600.0)
        sentiment = mention.sentiment.score if mention.sentiment else 0.0
        targeted = mention.sentiment.targeted_score if mention.sentiment else None
        labels = set(mention.intent.labels) if mention.intent else set()
        influence = mention.influence.value if mention.influence else 0.0
        replies = mention.metrics.replies or 0
        velocity = replies / max(age_h, self.min_age_hours)
        # (points, reason builder): reasons are formatted only for signals that add points.
        parts: list[tuple[float, Callable[[], str]]] = [
            (w.negative * max(0.0, -sentiment), lambda: f"negative sentiment {sentiment:.2f}"),
            (
                w.targeted_negative * max(0.0, -(targeted or 0.0)),
                lambda: f"negative about the brand {targeted:.2f}",
            ),
            (w.influence * influence / 100.0, lambda: f"influential author ({influence:.0f}/100)"),
            (w.complaint * ("complaint" in labels), lambda: "complaint"),
            (w.crisis * ("crisis" in labels), lambda: "crisis intent"),
            (
                w.unanswered_question * ("question" in labels and replies == 0),
                lambda: "unanswered question",
            ),
            (w.reply_velocity * min(1.0, velocity / self.velocity_ref), lambda: f"replies {velocity:.1f}/h"),
            (w.recency * math.exp(-age_h / self.recency_hours), lambda: f"recent: {age_h:.1f} h old"),
        ]
        total = min(100.0, sum(points for points, _ in parts))
        reasons = tuple(f"{text()} (+{points:.1f})" for points, text in parts if points >= 0.05)
        return Score.model_construct(
            value=round(total, 2),
            method="urgency-v1",
            inputs={
                "sentiment": sentiment,
                "targeted_sentiment": targeted,
                "influence": influence,
                "intent": ",".join(sorted(labels)),
                "replies": replies,
                "age_hours": round(age_h, 3),
            },
            reasons=reasons,
        )
