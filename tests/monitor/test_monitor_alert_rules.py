from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from social_listen.core import Author, Intent, Mention, Score, Sentiment
from social_listen.monitor._alerts import (
    AlertEngine,
    CrisisIntent,
    NegativeInfluencer,
    QueryMatch,
    SentimentDip,
    UrgencyAbove,
    VolumeSpike,
)

T0 = datetime(2026, 11, 16, tzinfo=UTC)


def mention(
    i: int,
    at: datetime,
    *,
    sentiment: float = 0.0,
    influence: float = 10.0,
    intent: tuple[str, ...] = (),
    urgency: float = 0.0,
    author: str = "someone",
) -> Mention:
    label = "negative" if sentiment < -0.05 else "positive" if sentiment > 0.05 else "neutral"
    return Mention(
        source="mastodon",
        native_id=str(i),
        created_at=at,
        text=f"post {i}",
        brands=("Lunaro",),
        author=Author(handle=author),
        sentiment=Sentiment(score=sentiment, label=label, method="test"),
        influence=Score(value=influence, method="test"),
        intent=Intent(labels=intent, method="test"),
        urgency=Score(value=urgency, method="test", reasons=("negative", "influential")),
    )


def test_negative_influencer_fires_once_per_mention_and_respects_thresholds() -> None:
    engine = AlertEngine([NegativeInfluencer(min_influence=60, max_sentiment=-0.3)])
    batch = [
        mention(1, T0, sentiment=-0.8, influence=90, author="critic"),
        mention(2, T0 + timedelta(minutes=1), sentiment=-0.8, influence=20),
        mention(3, T0 + timedelta(minutes=2), sentiment=0.5, influence=95),
    ]
    alerts = engine.process(batch)
    assert [a.dedup_key for a in alerts] == ["negative-influencer:mastodon:1"]
    assert alerts[0].severity == "critical"
    assert engine.process(batch) == []  # redelivery never fires again


def test_cooldown_is_per_rule_and_author() -> None:
    engine = AlertEngine([CrisisIntent(cooldown=timedelta(hours=1))])
    alerts = engine.process(
        [
            mention(1, T0, intent=("crisis",), author="a"),
            mention(2, T0 + timedelta(minutes=10), intent=("crisis",), author="a"),
            mention(3, T0 + timedelta(minutes=10), intent=("crisis",), author="b"),
            mention(4, T0 + timedelta(minutes=70), intent=("crisis",), author="a"),
        ]
    )
    assert [a.mention.native_id for a in alerts if a.mention] == ["1", "3", "4"]


def test_urgency_rule_lists_reasons() -> None:
    alerts = AlertEngine([UrgencyAbove(threshold=70)]).process(
        [mention(1, T0, urgency=85), mention(2, T0, urgency=40)]
    )
    assert len(alerts) == 1
    assert "negative" in alerts[0].title
    assert alerts[0].details["reasons"] == ["negative", "influential"]


@dataclass
class ThresholdDetector:
    """A transparent detector for tests: score 1 when the value is 3x the running mean."""

    threshold: float = 0.5

    def __post_init__(self) -> None:
        self.values: list[float] = []

    def update(self, value: float, at: datetime) -> float:
        mean = sum(self.values) / len(self.values) if self.values else value
        self.values.append(value)
        return 1.0 if len(self.values) > 3 and value >= 3 * max(mean, 1.0) else 0.0


def week(per_hour: int, spike_hour: int, spike: int, hours: int = 48) -> list[Mention]:
    out = []
    n = 0
    for hour in range(hours):
        for k in range(spike if hour == spike_hour else per_hour):
            n += 1
            out.append(mention(n, T0 + timedelta(hours=hour, minutes=k % 60)))
    return out


def test_volume_spike_fires_once_at_the_spike_and_replay_equals_live() -> None:
    mentions = week(per_hour=4, spike_hour=30, spike=40)

    def run(batches: list[list[Mention]]) -> list[str]:
        engine = AlertEngine([VolumeSpike(bucket=timedelta(hours=1), detector_factory=ThresholdDetector)])
        fired = []
        for batch in batches:
            fired += [a.dedup_key for a in engine.process(batch)]
        fired += [a.dedup_key for a in engine.flush()]
        return fired

    replayed = run([mentions])
    live = run([mentions[i : i + 7] for i in range(0, len(mentions), 7)])
    assert replayed == live == [f"volume-spike:{(T0 + timedelta(hours=30)).isoformat()}"]


def test_sentiment_dip_compares_with_the_baseline() -> None:
    mentions = []
    n = 0
    for bucket in range(6):
        score = -0.7 if bucket == 5 else 0.4
        for k in range(12):
            n += 1
            mentions.append(mention(n, T0 + timedelta(hours=6 * bucket, minutes=k), sentiment=score))
    engine = AlertEngine([SentimentDip(bucket=timedelta(hours=6), drop=0.3, min_mentions=10)])
    alerts = engine.process(mentions) + engine.flush()
    assert len(alerts) == 1
    assert alerts[0].details["mean"] < alerts[0].details["baseline"]


def test_volume_spike_with_the_listeners_default_detector() -> None:
    mentions = week(per_hour=4, spike_hour=110, spike=60, hours=168)
    engine = AlertEngine([VolumeSpike(bucket=timedelta(hours=1))])
    alerts = engine.process(mentions) + engine.flush()
    assert [a.details["bucket_start"] for a in alerts] == [(T0 + timedelta(hours=110)).isoformat()]


def test_query_match_rule_uses_the_query_language() -> None:
    rule = QueryMatch('refund AND (scam OR "never arrived")', name="refunds")
    hit = Mention(source="rss", native_id="1", created_at=T0, text="Package never arrived, I want a refund")
    miss = Mention(source="rss", native_id="2", created_at=T0, text="Asked for a refund, got it quickly")
    alerts = AlertEngine([rule]).process([hit, miss])
    assert [a.dedup_key for a in alerts] == ["refunds:rss:1"]


def test_replay_over_a_stored_week_equals_the_live_run() -> None:
    from social_listen.core import Page, SourceState
    from social_listen.monitor._alerts import replay
    from social_listen.store import SQLiteStore

    mentions = week(per_hour=4, spike_hour=30, spike=40)
    mentions[5] = mention(6, mentions[5].created_at, intent=("crisis",), author="x")
    store = SQLiteStore(":memory:")
    live = AlertEngine(
        [VolumeSpike(bucket=timedelta(hours=1), detector_factory=ThresholdDetector), CrisisIntent()]
    )
    live_keys: list[str] = []
    for i in range(0, len(mentions), 25):  # pages arrive in time order, as a collector commits them
        batch = mentions[i : i + 25]
        store.commit_page(Page(mentions=tuple(batch)), SourceState(), source_key="k")
        store.upsert_enrichment(batch)
        live_keys += [a.dedup_key for a in live.process(batch)]
    end = T0 + timedelta(hours=48)
    live_keys += [a.dedup_key for a in live.advance_to(end)]
    replayed = replay(
        [VolumeSpike(bucket=timedelta(hours=1), detector_factory=ThresholdDetector), CrisisIntent()],
        store,
        since=T0,
        until=end,
    )
    assert sorted(a.dedup_key for alerts in replayed.values() for a in alerts) == sorted(live_keys)
    assert len(replayed["crisis"]) == 1
    assert len(replayed["volume-spike"]) == 1
