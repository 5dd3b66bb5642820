"""The MentionStore contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from store_support import T0, make_mention

from social_listen.core import (
    Author,
    Checkpointer,
    Intent,
    InvalidFilter,
    Metrics,
    Page,
    Score,
    Sentiment,
    SourceState,
    utcnow,
)
from social_listen.store import Filter, MentionStore


def commit(store: Any, mentions: list[Any], *, key: str = "hn:acme", cursor: str | None = None) -> None:
    store.commit_page(Page(mentions=tuple(mentions)), SourceState(cursor=cursor), source_key=key)


def test_store_satisfies_the_protocols(store: Any) -> None:
    assert isinstance(store, MentionStore)
    assert isinstance(store, Checkpointer)


def test_commit_page_roundtrips_mentions_and_state(store: Any) -> None:
    mentions = [make_mention(i) for i in range(5)]
    state = SourceState(cursor="page-2", extras={"etag": "abc"})
    store.commit_page(Page(mentions=tuple(mentions)), state, source_key="hn:acme")
    assert store.load_state("hn:acme") == state
    assert store.load_state("other") is None
    assert store.get("hackernews", "3") == mentions[3]
    assert list(store.iter_mentions()) == mentions
    assert store.get("hackernews", "3").raw == {"id": 3, "nested": {"list": [1, 2, 3], "text": "árvíztűrő"}}


@pytest.mark.reliability(33)
def test_nul_characters_in_stored_fields_are_replaced_alike_on_both_backends(store: Any) -> None:
    # PostgreSQL text cannot hold NUL: one in a channel, a hashtag or a term failed the whole page.
    odd = make_mention(
        1,
        native_id="n\x001",
        channel="c\x00",
        author=Author(handle="ann\x00"),
        hashtags=("#a\x00",),
        terms=("t\x00",),
        intent=Intent(labels=("complaint\x00",), method="m"),
        title="t\x00",
    )
    commit(store, [make_mention(0), odd])
    got = store.get("hackernews", "n\ufffd1")
    assert got is not None
    assert (got.channel, got.author.handle, got.hashtags, got.terms) == (
        "c\ufffd",
        "ann\ufffd",
        ("#a\ufffd",),
        ("t\ufffd",),
    )
    assert got.intent is not None
    assert got.intent.labels == ("complaint\ufffd",)
    assert got.title == "t\ufffd"
    assert store.count(Filter(terms=("t\ufffd",))) == 1
    commit(store, [odd])  # the same post again: still one mention, no new version
    store.upsert_enrichment([odd.model_copy(update={"terms": ("u\x00",)})])
    assert store.count() == 2
    assert store.versions("hackernews", "n\ufffd1") == []
    assert store.get("hackernews", "n\ufffd1").terms == ("u\ufffd",)


@pytest.mark.reliability(33)
def test_redelivery_is_a_noop_and_metrics_refresh(store: Any) -> None:
    commit(store, [make_mention(i) for i in range(4)])
    commit(store, [make_mention(i) for i in range(4)])
    assert store.count() == 4
    assert store.versions("hackernews", "1") == []
    from social_listen.core import Metrics

    commit(store, [make_mention(1, metrics=Metrics(likes=99, shares=1, replies=0))])
    assert store.get("hackernews", "1").metrics.likes == 99
    assert store.versions("hackernews", "1") == []


@pytest.mark.reliability(33)
def test_edit_becomes_a_version_of_the_same_mention(store: Any) -> None:
    original = make_mention(1)
    commit(store, [original])
    edited = make_mention(1, text="Acme fixed my delivery", edited_at=T0 + timedelta(days=2))
    commit(store, [edited])
    assert store.count() == 1
    assert store.get("hackernews", "1").text == "Acme fixed my delivery"
    history = store.versions("hackernews", "1")
    assert [(v.version, v.text) for v in history] == [(1, original.text)]
    # A late redelivery of the old content neither adds a version nor reverts the edit.
    commit(store, [original])
    assert store.get("hackernews", "1").text == "Acme fixed my delivery"
    assert len(store.versions("hackernews", "1")) == 1
    # The same key twice in one page: the last delivery wins, once.
    commit(store, [make_mention(2), make_mention(2, text="second", edited_at=T0 + timedelta(days=3))])
    assert store.count() == 2
    assert store.get("hackernews", "2").text == "second"


def test_filters_narrow_by_each_field(store: Any) -> None:
    mentions = [
        make_mention(0, language="en", brands=("acme",)),
        make_mention(1, source="mastodon", language="hu", brands=("globex",)),
        make_mention(2, language="ro", sentiment=Sentiment(score=-0.8, label="negative", method="t")),
        make_mention(3, author=Author(handle="carol"), url="https://blog.example.org/x"),
    ]
    commit(store, mentions)

    def ids(**kw: Any) -> list[str]:
        return [m.native_id for m in store.iter_mentions(Filter(**kw))]

    assert ids(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3)) == ["1", "2"]
    assert ids(sources=("mastodon",)) == ["1"]
    assert ids(brands=("globex",)) == ["1"]
    assert ids(languages=("hu", "ro")) == ["1", "2"]
    assert ids(sentiment_labels=("negative",)) == ["2"]
    assert ids(authors=("carol",)) == ["3"]
    assert ids(domains=("blog.example.org",)) == ["3"]
    assert ids(statuses=("new",)) == ["0", "1", "2", "3"]
    assert ids(statuses=("closed",)) == []
    assert ids(queries=("acme",), brands=("acme",), languages=("en",)) == ["0", "3"]
    assert store.count(Filter(sources=("hackernews",))) == 3


def test_full_text_uses_snowball_stems_per_language(store: Any) -> None:
    commit(
        store,
        [
            make_mention(0, text="Deliveries keep arriving late", language="en"),
            make_mention(1, text="A szállítások mindig késnek", language="hu"),
            make_mention(2, text="Livrările întârzie mereu, problemele continuă", language="ro"),
            make_mention(3, text="Nothing to see here", language="en"),
        ],
    )

    def found(text: str, **kw: Any) -> list[str]:
        return [m.native_id for m in store.iter_mentions(Filter(text=text, **kw))]

    assert found("delivery") == ["0"]
    assert found("late deliveries") == ["0"]
    assert found("szállítás") == ["1"]
    assert found("problema") == ["2"]
    assert found("livrare", languages=("ro",)) == []  # a different stem: livrar vs livrăr
    assert found("livrările") == ["2"]
    assert found("!!!") == []


@pytest.mark.reliability(34)
def test_hostile_filter_values_are_data_not_sql(store: Any) -> None:
    commit(
        store,
        [
            make_mention(0, text="100% sure"),
            make_mention(1, text="1000 sure"),
            make_mention(2, text="snake_case and more", author=Author(handle="x'); DROP TABLE mentions; --")),
        ],
    )
    assert [m.native_id for m in store.iter_mentions(Filter(contains="100%"))] == ["0"]
    assert [m.native_id for m in store.iter_mentions(Filter(contains="e_c"))] == ["2"]
    assert [m.native_id for m in store.iter_mentions(Filter(contains="_"))] == ["2"]
    hostile = "x'); DROP TABLE mentions; --"
    assert [m.native_id for m in store.iter_mentions(Filter(authors=(hostile,)))] == ["2"]
    for text in ('"sure" OR *', "NEAR(sure 1000)", "sure AND NOT x", "body:sure", "')--", "sure*"):
        list(store.iter_mentions(Filter(text=text)))
    assert store.count() == 3
    with pytest.raises(InvalidFilter):
        list(store.iter_mentions(order_by="ts; DROP TABLE mentions"))
    with pytest.raises(InvalidFilter):
        list(store.iter_mentions(order_by="text"))
    with pytest.raises(InvalidFilter):
        store.aggregate(("count; DROP TABLE x",))
    with pytest.raises(InvalidFilter):
        store.aggregate(("count",), by=("m.text",))
    with pytest.raises(InvalidFilter):
        store.aggregate(("count",), by=("brand",), order_by=("-text",))
    with pytest.raises(InvalidFilter):
        store.aggregate(("count",), by=("bucket",), freq="fortnight")
    with pytest.raises(InvalidFilter):
        store.aggregate(("count",), by=("bucket",), tz="Mars/Olympus")
    assert store.count() == 3


def test_iter_mentions_streams_in_batches_and_orders(store: Any) -> None:
    mentions = [make_mention(i, metrics={"likes": (i * 7) % 10}) for i in range(23)]
    commit(store, mentions)
    assert [m.native_id for m in store.iter_mentions(batch_size=4)] == [str(i) for i in range(23)]
    assert [m.native_id for m in store.iter_mentions(order_by="-time", limit=5, batch_size=2)] == [
        "22", "21", "20", "19", "18",
    ]  # fmt: skip
    by_engagement = [m.metrics.engagement for m in store.iter_mentions(order_by="-engagement", batch_size=3)]
    assert by_engagement == sorted(by_engagement, reverse=True)
    assert len(by_engagement) == 23
    urgency = list(store.iter_mentions(order_by="-urgency", batch_size=5))
    assert len(urgency) == 23


def test_sorted_reads_of_one_tag_value_equal_the_mentions_plan(store: Any) -> None:
    # A period plus one brand (term, intent) takes its ids from that tag's rows; naming every
    # source as well keeps the plan over the mentions, which must give the same pages.
    mentions = [
        make_mention(
            i,
            source=("hackernews", "reddit")[i % 2],
            metrics={"likes": (i * 7) % 5},
            brands=(("acme",), ("acme", "globex"), ("globex",))[i % 3],
            terms=("late",) if i % 4 else (),
            intent=Intent(labels=("complaint",), method="t") if i % 5 else None,
        )
        for i in range(40)
    ]
    commit(store, mentions)
    store.upsert_enrichment(
        [_enriched(i, score=(i % 7) / 7 - 0.5, label="neutral", terms=("late",)) for i in range(0, 40, 3)]
    )
    commit(store, [mentions[5].model_copy(update={"metrics": Metrics(likes=50)})])  # a metric refresh
    since, until = T0 + timedelta(hours=3), T0 + timedelta(hours=35)
    for field, value in (
        ("brands", "acme"),
        ("brands", "globex"),
        ("terms", "late"),
        ("intents", "complaint"),
    ):
        flt = Filter(since=since, until=until, **{field: (value,)})
        plain = flt.model_copy(update={"sources": ("hackernews", "reddit")})
        for key in (
            "time",
            "-time",
            "engagement",
            "-engagement",
            "reach",
            "-reach",
            "-sentiment",
            "sentiment",
        ):
            got = [m.native_id for m in store.iter_mentions(flt, order_by=key, batch_size=4)]
            want = [m.native_id for m in store.iter_mentions(plain, order_by=key, batch_size=4)]
            assert got == want, (field, value, key)
            assert len(got) > 5
        top3 = [m.native_id for m in store.iter_mentions(flt, order_by="-engagement", limit=3)]
        assert top3 == [m.native_id for m in store.iter_mentions(plain, order_by="-engagement", limit=3)]


def _enriched(i: int, *, score: float, label: str, terms: tuple[str, ...], lang: str = "en") -> Any:
    return make_mention(i).model_copy(
        update={
            "sentiment": Sentiment(score=score, label=label, method="test"),
            "intent": Intent(labels=("complaint",), method="test"),
            "reach": Score(value=10.0 * i, method="test"),
            "urgency": Score(value=0.5, method="test", reasons=("negative", "influential")),
            "terms": terms,
            "detected_language": lang,
        }
    )


def test_upsert_enrichment_writes_derived_fields_without_versions(store: Any) -> None:
    commit(store, [make_mention(i) for i in range(3)])
    enriched = [_enriched(i, score=-0.5, label="negative", terms=("deliveri", "late")) for i in range(2)]
    assert store.upsert_enrichment([*enriched, make_mention(99)]) == 2
    got = store.get("hackernews", "1")
    assert got.sentiment == enriched[1].sentiment
    assert got.urgency.reasons == ("negative", "influential")
    assert got.terms == ("deliveri", "late")
    assert store.versions("hackernews", "1") == []
    terms = store.aggregate(("count",), by=("term",), order_by=("-count", "term"))
    assert terms.to_records() == [{"term": "deliveri", "count": 2}, {"term": "late", "count": 2}]
    assert store.count(Filter(intents=("complaint",))) == 2
    assert store.count(Filter(min_urgency=0.4)) == 2


def test_aggregate_by_day_and_brand_in_a_time_zone(store: Any) -> None:
    tz = ZoneInfo("Europe/Bucharest")
    mentions = []
    for i in range(60):
        created = datetime(2026, 3, 27, 20, tzinfo=UTC) + timedelta(hours=2 * i)
        brand = ("acme",) if i % 3 else ("acme", "globex")
        score = ((i % 5) - 2) / 2
        label = "negative" if score < 0 else "positive" if score > 0 else "neutral"
        sentiment = Sentiment(score=score, label=label, method="t")
        mentions.append(make_mention(i, created_at=created, brands=brand, sentiment=sentiment))
    commit(store, mentions)
    result = store.aggregate(
        ("count", "mean_sentiment", "count_negative", "distinct_authors"),
        by=("bucket", "brand"),
        freq="day",
        tz="Europe/Bucharest",
    )
    expected: dict[tuple[Any, str], list[Any]] = {}
    for m in mentions:
        local = m.created_at.astimezone(tz)
        day = datetime(local.year, local.month, local.day, tzinfo=tz)
        for brand in m.brands:
            expected.setdefault((day, brand), []).append(m)
    rows = result.to_records()
    assert len(rows) == len(expected)
    for row in rows:
        group = expected[(row["bucket"], row["brand"])]
        assert row["bucket"].tzinfo is not None
        assert row["count"] == len(group)
        assert row["mean_sentiment"] == pytest.approx(sum(m.sentiment.score for m in group) / len(group))
        assert row["count_negative"] == sum(m.sentiment.label == "negative" for m in group)
        assert row["distinct_authors"] == len({m.author.handle for m in group})
    # The DST change (2026-03-29 in Bucharest) gives a 23-hour day: buckets follow local midnight.
    assert {r["bucket"].hour for r in rows} == {0}


def test_aggregate_top_n_order_and_hourly_buckets(store: Any) -> None:
    mentions = [
        make_mention(i, author=Author(handle=f"a{i % 4}"), created_at=T0 + timedelta(minutes=25 * i))
        for i in range(40)
    ]
    commit(store, mentions)
    top = store.aggregate(("count", "sum_likes"), by=("author",), order_by=("-sum_likes",), top=2)
    assert top.columns == ("author", "count", "sum_likes")
    assert [r[0] for r in top] == ["a3", "a2"]
    assert top.rows[0][2] == sum(i for i in range(40) if i % 4 == 3)
    hourly = store.aggregate(("count",), by=("bucket",), freq="hour", tz="Asia/Kathmandu")
    assert sum(hourly.column("count")) == 40
    assert all(b.minute == 0 for b in hourly.column("bucket"))
    fifteen = store.aggregate(("count",), by=("bucket",), freq="15minute")
    assert sum(fifteen.column("count")) == 40
    where = Filter(since=T0, until=T0 + timedelta(hours=2))
    assert store.aggregate(("count",), where=where).rows == ((5,),)
    assert store.aggregate(("count",), by=("bucket",), where=Filter(sources=("none",))).rows == ()
    assert store.aggregate(("count", "mean_engagement"), by=("hashtag",)).to_records() == [
        {"hashtag": "delivery", "count": 40, "mean_engagement": pytest.approx(sum(range(1, 41)) / 40)}
    ]


def test_delete_event_removes_and_tombstones(store: Any) -> None:
    commit(store, [make_mention(i) for i in range(3)])
    assert store.delete("hackernews", "1") is True
    assert store.get("hackernews", "1") is None
    commit(store, [make_mention(1)])  # redelivered by an overlapping run
    assert store.get("hackernews", "1") is None
    assert store.delete("hackernews", "7") is False
    commit(store, [make_mention(7)])
    assert store.get("hackernews", "7") is None
    assert store.count() == 2


def test_erase_author_removes_everything(store: Any) -> None:
    commit(store, [make_mention(i, text=f"Acme parcel {i} lost") for i in range(6)])
    commit(store, [make_mention(0, text="Acme parcel found", edited_at=T0 + timedelta(days=1))])
    store.upsert_enrichment([_enriched(0, score=0.1, label="neutral", terms=("parcel",))])
    assert store.count(Filter(text="parcel")) == 6
    erased = store.erase_author("user0")
    assert erased == 2  # mentions 0 and 3
    assert store.count(Filter(authors=("user0",))) == 0
    assert store.count(Filter(text="parcel")) == 4
    assert store.versions("hackernews", "0") == []
    assert store.aggregate(("count",), by=("term",)).rows == ()
    commit(store, [make_mention(3)])
    assert store.get("hackernews", "3") is None


def test_purge_and_retention(store: Any) -> None:
    from social_listen.store import RetentionPolicy

    old = [make_mention(i, collected_at=T0) for i in range(3)]
    new = [make_mention(i, collected_at=T0 + timedelta(days=40)) for i in range(3, 5)]
    other = [make_mention(i, source="rss", collected_at=T0) for i in range(5, 7)]
    commit(store, old + new + other)
    assert store.purge(older_than=T0 + timedelta(days=1), source="hackernews") == 3
    assert store.count() == 4
    policy = RetentionPolicy(max_age=timedelta(days=365), per_source={"rss": timedelta(days=5)})
    assert store.apply_retention(policy, now=T0 + timedelta(days=41)) == 2
    assert [m.native_id for m in store.iter_mentions()] == ["3", "4"]
    commit(store, [make_mention(0, collected_at=T0)])  # purged, not tombstoned: it may come back
    assert store.count() == 3
    with pytest.raises(InvalidFilter):
        store.purge()


def test_outbox_rows_commit_with_the_page_and_deduplicate(store: Any) -> None:
    from social_listen.store import OutboxItem

    item = OutboxItem(
        rule="negative-influencer", sink="webhook", source="hackernews", native_id="1", payload={"x": 1}
    )
    store.commit_page(Page(mentions=(make_mention(1),)), SourceState(), source_key="k", outbox=[item])
    store.commit_page(Page(mentions=(make_mention(1),)), SourceState(), source_key="k", outbox=[item])
    assert store.outbox.counts() == {"pending": 1}
    now = utcnow() + timedelta(seconds=1)
    claimed = store.outbox.claim(worker="w1", now=now)
    assert [(m.rule, m.native_id, m.payload) for m in claimed] == [("negative-influencer", "1", {"x": 1})]
    assert store.outbox.claim(worker="w2", now=now) == []  # claimed by w1
    assert store.outbox.mark_failed(claimed[0].id, error="503", retry_at=now + timedelta(minutes=1)) is False
    assert store.outbox.claim(worker="w2", now=now) == []  # not due yet
    again = store.outbox.claim(worker="w2", now=now + timedelta(minutes=2))
    assert [m.attempts for m in again] == [1]
    assert store.outbox.mark_failed(again[0].id, error="503", retry_at=now, max_attempts=2) is True
    assert [m.id for m in store.outbox.dead_letters()] == [claimed[0].id]
    store.outbox.requeue(claimed[0].id, now=now)
    third = store.outbox.claim(worker="w3", now=now + timedelta(minutes=3))
    store.outbox.mark_sent(third[0].id, now=now)
    assert store.outbox.counts() == {"sent": 1}
    assert store.outbox.add([item, OutboxItem(rule="spike", payload={"n": 5})], now=now) == 1


def test_commit_page_stamps_outbox_rows_with_the_callers_clock(store: Any) -> None:
    from social_listen.store import OutboxItem

    at = datetime(2026, 2, 3, 4, 5, 6, 789, tzinfo=UTC)  # long before the real clock
    item = OutboxItem(rule="spike", source="hackernews", native_id="1", payload={})
    store.commit_page(Page(mentions=(make_mention(1),)), SourceState(), source_key="k", outbox=[item], now=at)
    assert store.outbox.claim(worker="w", now=at - timedelta(microseconds=1)) == []  # not due before it
    claimed = store.outbox.claim(worker="w", now=at)
    assert [m.created_at for m in claimed] == [at]


def test_a_failed_commit_leaves_no_outbox_row_and_no_mention(store: Any) -> None:
    from social_listen.core import LeaseLost
    from social_listen.store import OutboxItem

    store.leases.register(["k"])
    lease = store.leases.acquire(holder="a", ttl=timedelta(seconds=30), now=T0)
    store.leases.acquire(holder="b", now=T0 + timedelta(minutes=1))  # a's lease expired; b takes over
    with pytest.raises(LeaseLost):
        store.commit_page(
            Page(mentions=(make_mention(1),)),
            SourceState(cursor="2"),
            source_key="k",
            outbox=[OutboxItem(rule="r", source="hackernews", native_id="1")],
            lease=lease,
        )
    assert store.count() == 0
    assert store.load_state("k") is None
    assert store.outbox.counts() == {}


def test_leases_expire_fence_and_rotate(store: Any) -> None:
    from social_listen.core import LeaseLost

    assert store.leases.register(["a", "b"]) == 2
    assert store.leases.register(["a", "c"]) == 1
    first = store.leases.acquire(holder="c1", ttl=timedelta(seconds=10), now=T0)
    second = store.leases.acquire(holder="c2", ttl=timedelta(seconds=10), now=T0)
    third = store.leases.acquire(holder="c2", ttl=timedelta(seconds=10), now=T0)
    assert {first.source_key, second.source_key, third.source_key} == {"a", "b", "c"}
    assert store.leases.acquire(holder="c3", now=T0 + timedelta(seconds=5)) is None
    renewed = store.leases.renew(first, ttl=timedelta(seconds=60), now=T0 + timedelta(seconds=5))
    taken = store.leases.acquire(holder="c3", now=T0 + timedelta(seconds=11))
    assert taken is not None
    assert taken.source_key != first.source_key
    store.commit_page(Page(), SourceState(cursor="x"), source_key=renewed.source_key, lease=renewed)
    with pytest.raises(LeaseLost):
        store.leases.renew(second if taken.source_key == second.source_key else third)
    store.leases.release(renewed, done=True)
    status = store.leases.status()
    assert status[renewed.source_key][1] is True
    assert (
        store.leases.acquire(holder="c4", source_keys=[renewed.source_key], now=T0 + timedelta(hours=1))
        is None
    )


def test_rate_budgets_are_shared_token_buckets(store: Any) -> None:
    take = store.leases.take_budget
    assert take("hn-token", cost=3, capacity=5, refill_per_second=1, now=T0) == 0.0
    assert take("hn-token", cost=2, capacity=5, refill_per_second=1, now=T0) == 0.0
    assert take("hn-token", cost=2, capacity=5, refill_per_second=1, now=T0) == pytest.approx(2.0)
    assert take("hn-token", cost=2, capacity=5, refill_per_second=1, now=T0 + timedelta(seconds=2)) == 0.0
    assert take("other", cost=5, capacity=5, refill_per_second=1, now=T0) == 0.0


def test_tag_series_match_the_general_path(store: Any) -> None:
    mentions = [
        make_mention(
            i,
            created_at=T0 + timedelta(hours=5 * i),
            brands=("acme",) if i % 2 else ("acme", "globex"),
            sentiment=Sentiment(score=(i % 3 - 1) / 2, label="neutral", method="t"),
        )
        for i in range(50)
    ]
    commit(store, mentions)
    kw: dict[str, Any] = {"by": ("bucket", "brand"), "freq": "week", "tz": "America/New_York"}
    fast = store.aggregate(("count", "mean_sentiment"), **kw)
    joined = store.aggregate(("count", "mean_sentiment"), where=Filter(sources=("hackernews",)), **kw)
    assert fast.rows == joined.rows
    assert sum(fast.column("count")) == 75
    only = store.aggregate(("count",), where=Filter(brands=("globex",)), **kw)
    assert sum(only.column("count")) == 25
    assert set(only.column("brand")) == {"globex"}


def test_tag_tables_match_the_general_path(store: Any) -> None:
    mentions = [
        make_mention(
            i,
            brands=("acme",) if i % 2 else ("acme", "globex"),
            terms=("late", "box") if i % 3 else ("late",),
            intent=Intent(labels=("complaint",), method="t") if i % 4 == 0 else None,
            sentiment=Sentiment(score=(i % 3 - 1) / 2, label="neutral", method="t"),
        )
        for i in range(40)
    ]
    commit(store, mentions)
    metrics = ("count", "mean_sentiment")
    until = T0 + timedelta(hours=30)
    for where in (
        Filter(brands=("acme", "globex"), until=until),
        Filter(brands=("globex",), intents=("complaint",)),
        Filter(brands=("acme",), terms=("box",), since=T0 + timedelta(hours=3)),
    ):
        tagged = store.aggregate(metrics, by=("brand", "term"), where=where)
        general = store.aggregate(
            metrics, by=("brand", "term"), where=where.model_copy(update={"sources": ("hackernews",)})
        )
        assert tagged.rows == general.rows
        expected: dict[tuple[str, str], int] = {}
        for m in store.iter_mentions(where):
            for brand in set(m.brands) & set(where.brands):
                for term in m.terms:
                    if not where.terms or term in where.terms:
                        expected[(brand, term)] = expected.get((brand, term), 0) + 1
        assert {(b, t): c for b, t, c, _ in tagged} == expected
    for where in (
        Filter(brands=("globex",), since=T0 + timedelta(hours=5), until=until),
        Filter(intents=("x",)),
    ):
        assert store.count(where) == len(list(store.iter_mentions(where)))
    assert store.count(Filter(brands=("globex",), until=until)) == 15  # i = 0, 2, ... 28
