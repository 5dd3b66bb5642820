"""Reach and author influence estimates that state their formula and inputs.

Platforms rarely say how many people saw a post, so reach is an estimate: the platform's view
count when it reports one; else the author's followers times a documented seen-fraction curve
(larger audiences see a smaller share of each post), plus the people who engaged and an
allowance per share; else, for articles on a known site, the site's daily audience times a
per-article share. Author influence is a 0-100 blend of log-scaled followers, log-scaled
engagement and verification. Both return a :class:`~social_listen.core.Score` whose ``method``
and ``inputs`` record how the number was obtained.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

from social_listen.core import ConfigError, Mention, Score
from social_listen.monitor._trusted import ReadOnlyDict, trusted_builder

__all__ = ["InfluenceModel", "ReachModel", "seen_fraction"]

# Scores are valid by construction (a float value, a str method, plain inputs): no validation.
_score = trusted_builder(Score, value=0.0, method="reach-v1", inputs={}, reasons=())

# Scores are frozen and depend only on a few numbers, so mentions with the same numbers (an
# author's posts without engagement, say) share one Score instead of holding equal copies:
# every enriched mention a caller keeps costs Python's garbage collector less. Each model
# keeps at most this many and starts afresh when full.
_MAX_SHARED_SCORES = 1024

_ScoreKey = tuple[int | None, ...]


def _shared(scores: dict[_ScoreKey, Score], key: _ScoreKey, score: Score) -> Score:
    if len(scores) >= _MAX_SHARED_SCORES:
        scores.clear()
    scores[key] = score
    return score


def seen_fraction(
    followers: int, *, base: float = 0.3, scale: float = 1000.0, exponent: float = 0.25
) -> float:
    """Share of an author's followers assumed to see one post: ``base * (1 + f/scale) ** -exponent``.

    With the defaults: 0 followers 0.30, 1,000 -> 0.25, 100,000 -> 0.094, 10 million -> 0.030.

    Examples:
        >>> round(seen_fraction(1000), 3)
        0.252
    """
    return float(base * (1.0 + max(0, followers) / scale) ** -exponent)


def _domain(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


@dataclass(frozen=True)
class ReachModel:
    """Estimated number of people who saw a mention (method ``reach-v1``).

    ``reach = views`` when the platform reports views; otherwise
    ``followers * seen_fraction(followers) + likes + replies + quotes + shares * share_audience``;
    when the author's followers are unknown and the URL's domain is in ``site_audience``,
    ``site_audience[domain] * article_share`` is used for the author part.

    Attributes:
        share_audience: People reached per share (a sharer's followers times their seen fraction).
        site_audience: Domain -> daily audience, for sources without followers (news, blogs).
        article_share: Share of a site's daily audience that sees one article.
        base: ``seen_fraction`` base. scale: its scale. exponent: its exponent.
    """

    share_audience: float = 40.0
    site_audience: Mapping[str, int] = field(default_factory=dict)
    article_share: float = 0.002
    base: float = 0.3
    scale: float = 1000.0
    exponent: float = 0.25

    @cached_property
    def _scores(self) -> dict[_ScoreKey, Score]:
        return {}

    def score(self, mention: Mention) -> Score:
        """The reach estimate of one mention (mentions with the same inputs share one Score)."""
        m = mention.metrics
        if m.views is not None:
            return _score(
                value=float(m.views), method="reach-v1:views", inputs={"views": m.views}, reasons=()
            )
        followers = mention.author.followers if mention.author else None
        engaged = (m.likes or 0) + (m.replies or 0) + (m.quotes or 0)
        shares = m.shares or 0
        # With followers the URL plays no part: these three numbers decide the score. (Keys hold
        # plain ints only: a bool or float equal to an int would be recorded differently.)
        if type(followers) is int and type(engaged) is int and type(shares) is int:
            key = (followers, engaged, shares)
            found = self._scores.get(key)
            if found is None:
                found = _shared(self._scores, key, self._score(mention, followers, engaged, shares))
            return found
        return self._score(mention, followers, engaged, shares)

    def _score(self, mention: Mention, followers: int | None, engaged: int, shares: int) -> Score:
        inputs: dict[str, float | int | str | bool | None] = {
            "followers": followers,
            "engaged": engaged,
            "shares": shares,
            "share_audience": self.share_audience,
        }
        if followers is not None:
            fraction = seen_fraction(followers, base=self.base, scale=self.scale, exponent=self.exponent)
            inputs["seen_fraction"] = round(fraction, 6)
            author_part = followers * fraction
            method = "reach-v1:followers"
        else:
            domain = _domain(mention.url)
            audience = self.site_audience.get(domain) if domain else None
            if audience is not None:
                inputs.update(
                    {"site": domain, "site_audience": audience, "article_share": self.article_share}
                )
                author_part = audience * self.article_share
                method = "reach-v1:site"
            else:
                author_part = 0.0
                method = "reach-v1:engagement"
        value = author_part + engaged + shares * self.share_audience
        # Read-only: equal inputs share this Score across mentions (see score).
        return _score(value=round(value, 1), method=method, inputs=ReadOnlyDict(inputs), reasons=())


@dataclass(frozen=True)
class InfluenceModel:
    """Author influence 0-100 (method ``influence-v1``).

    ``influence = 100 * (w_f * F + w_e * E + w_v * V)`` with
    ``F = min(1, log10(1 + followers) / log10(1 + followers_ref))``,
    ``E = min(1, log10(1 + engagement) / log10(1 + engagement_ref))`` (engagement of this
    mention: likes + shares + replies + quotes), ``V = 1`` for verified accounts. Weights
    are normalised to sum to 1. Unknown followers count as 0 and are recorded as ``None``.

    Attributes:
        followers_ref: Followers that earn the full follower part (10 million).
        engagement_ref: Engagement that earns the full engagement part (10,000).
        w_followers: Weight of F. w_engagement: weight of E. w_verified: weight of V.
    """

    followers_ref: int = 10_000_000
    engagement_ref: int = 10_000
    w_followers: float = 0.6
    w_engagement: float = 0.3
    w_verified: float = 0.1

    def __post_init__(self) -> None:
        weights = (self.w_followers, self.w_engagement, self.w_verified)
        if min(weights) < 0 or sum(weights) <= 0:
            raise ConfigError(f"influence weights {weights} must be >= 0 with a positive sum")
        if self.followers_ref < 1 or self.engagement_ref < 1:
            raise ConfigError("followers_ref and engagement_ref must be >= 1")

    # The model's constants in the formula, computed once (the same floats on every call).
    @cached_property
    def _followers_log(self) -> float:
        return math.log10(1 + self.followers_ref)

    @cached_property
    def _engagement_log(self) -> float:
        return math.log10(1 + self.engagement_ref)

    @cached_property
    def _weights_sum(self) -> float:
        return self.w_followers + self.w_engagement + self.w_verified

    @cached_property
    def _scores(self) -> dict[_ScoreKey, Score]:
        return {}

    def score(self, mention: Mention) -> Score:
        """The influence of a mention's author, 0-100 (the same inputs share one Score)."""
        author = mention.author
        followers = author.followers if author else None
        verified = bool(author.verified) if author else False
        m = mention.metrics
        engagement = (m.likes or 0) + (m.shares or 0) + (m.replies or 0) + (m.quotes or 0)  # m.engagement
        if (followers is not None and type(followers) is not int) or type(engagement) is not int:
            return self._score(followers, engagement, verified)
        key = (followers, engagement, int(verified))  # plain ints: see ReachModel.score
        found = self._scores.get(key)
        if found is None:
            found = _shared(self._scores, key, self._score(followers, engagement, verified))
        return found

    def _score(self, followers: int | None, engagement: int, verified: bool) -> Score:
        f = min(1.0, math.log10(1 + (followers or 0)) / self._followers_log)
        e = min(1.0, math.log10(1 + engagement) / self._engagement_log)
        value = (
            100.0
            * (self.w_followers * f + self.w_engagement * e + self.w_verified * verified)
            / self._weights_sum
        )
        return _score(
            value=round(value, 2),
            method="influence-v1",
            # Read-only: equal inputs share this Score across mentions (see score).
            inputs=ReadOnlyDict(followers=followers, engagement=engagement, verified=verified),
            reasons=(),
        )
