"""Period totals asked per bucket, newest-first windows, and the authors counted beside them."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, timedelta

import pytest

from social_listen.core import Mention
from social_listen.listener import as_store, explain_spike, time_series, top
from social_listen.listener._buckets import bucket_aggregate, per_bucket, utc_day_parts
from social_listen.listener._data import _FILTER_FIELDS, newest, period_filter
from social_listen.store import Filter, MentionStore
from tests.listener.listener_support import DAYS, SPIKE_AT, START, generate

END = START + timedelta(days=DAYS)


@pytest.fixture(scope="module")
def mentions() -> list[Mention]:
    return generate()


@pytest.fixture(scope="module")
def store(mentions: list[Mention]) -> MentionStore:
    return as_store(mentions)


def _exact(rows: tuple[tuple[object, ...], ...]) -> list[tuple[object, ...]]:
    """Rows with float means rounded (a sum read in another order may differ in the last bit)."""
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows]


@pytest.mark.parametrize("start_hour", [0, 7])
def test_per_bucket_rows_equal_one_bucketed_request(store: MentionStore, start_hour: int) -> None:
    # A period starting mid-day clips its first bucket; the bucket keeps its start as label.
    where = period_filter(START + timedelta(hours=start_hour), END, brands=("acme",))
    metrics = ("count", "sum_reach", "count_negative", "mean_sentiment")
    split = per_bucket(store, metrics, by=("source",), where=where, freq="day", tz="UTC")
    one = store.aggregate(metrics, by=("bucket", "source", "brand"), freq="day", where=where)
    assert split.columns == ("bucket", "source", *metrics)
    assert _exact(split.rows) == _exact(tuple((r[0], r[1], *r[3:]) for r in one.rows))
    assert len(split.rows) >= DAYS * 4  # every day has the four everyday sources (and a spike gdelt)


def test_bucket_aggregate_is_the_bucketed_request_in_any_zone(store: MentionStore) -> None:
    where = period_filter(START, END, brands=("acme", "rival"))
    for tz in ("UTC", "Europe/Bucharest"):
        got = bucket_aggregate(store, ("count", "sum_reach"), by=("brand",), where=where, freq="day", tz=tz)
        want = store.aggregate(("count", "sum_reach"), by=("bucket", "brand"), freq="day", tz=tz, where=where)
        assert got.rows == want.rows


@pytest.mark.parametrize("limit", [5, 300, 5000])
def test_newest_equals_the_newest_of_the_whole_period(store: MentionStore, limit: int) -> None:
    # 5 fit in the last day, 300 need wider windows, 5000 are more than the period holds.
    where = Filter(since=START, until=END, brands=("acme",), terms=("late",))
    got = [m.key for m in newest(store, where, limit=limit)]
    want = [m.key for m in store.iter_mentions(where, order_by="-time", limit=limit)]
    assert got == want
    assert len(got) == min(limit, store.count(where))


def test_daily_unique_authors_and_previous_period_count_every_author_once(
    store: MentionStore, mentions: list[Mention]
) -> None:
    since = START + timedelta(days=7)
    series = time_series(store, since=since, until=END, where=Filter(brands=("acme",)))
    authors: dict[str, set[str]] = defaultdict(set)
    before: set[str] = set()
    for m in mentions:
        if "acme" in m.brands and m.author is not None:
            at = m.effective_time.astimezone(UTC)
            if since <= at < END:
                authors[at.date().isoformat()].add(m.author.handle)
            elif since - timedelta(days=7) <= at < since:
                before.add(m.author.handle)
    assert {p.bucket.date().isoformat(): p.unique_authors for p in series.rows} == {
        d: len(a) for d, a in authors.items()
    }
    change = next(c for c in series.changes if c.metric == "unique_authors")
    assert change.current == len(set().union(*authors.values()))
    assert change.previous == len(before)


def test_top_sources_count_each_sources_authors(store: MentionStore, mentions: list[Mention]) -> None:
    result = top(store, "source", since=START, until=END, where=Filter(brands=("rival",)))
    authors: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for m in mentions:
        if "rival" in m.brands and m.author is not None:
            authors[m.source].add(m.author.handle)
            counts[m.source] += 1
    assert [(r.value, r.count, r.authors) for r in result.rows] == sorted(
        ((s, counts[s], len(a)) for s, a in authors.items()), key=lambda r: (-r[1], r[0])
    )


def test_utc_day_parts_cut_a_period_at_midnights() -> None:
    where = Filter(since=START + timedelta(hours=14), until=START + timedelta(days=3, hours=9))
    parts = [(p.since, p.until, whole) for p, whole in utc_day_parts(where)]
    assert parts == [
        (START + timedelta(hours=14), START + timedelta(days=1), False),
        (START + timedelta(days=1), START + timedelta(days=3), True),
        (START + timedelta(days=3), START + timedelta(days=3, hours=9), False),
    ]
    short = Filter(since=START + timedelta(hours=1), until=START + timedelta(hours=5))
    assert [whole for _, whole in utc_day_parts(short)] == [False]


def test_spike_baseline_counts_with_partial_edge_days_equal_a_python_count(
    store: MentionStore, mentions: list[Mention]
) -> None:
    # The baseline starts and ends mid-day: whole days come from the rollup, edges from rows.
    b_since, b_until = START + timedelta(hours=14), SPIKE_AT
    explanation = explain_spike(
        store,
        spike_since=SPIKE_AT,
        spike_until=SPIKE_AT + timedelta(hours=1),
        baseline_since=b_since,
        baseline_until=b_until,
        n=50,
        where=Filter(brands=("acme",)),
    )
    baseline = [
        m for m in mentions if "acme" in m.brands and b_since <= m.effective_time.astimezone(UTC) < b_until
    ]
    values = {
        "term": lambda m: set(m.terms),
        "source": lambda m: {m.source},
        "language": lambda m: {m.language},
        "sentiment_label": lambda m: {m.sentiment.label} if m.sentiment else set(),
    }
    assert explanation.baseline_mentions == len(baseline)
    checked = 0
    for driver in explanation.rows:
        if driver.dimension in values:
            expected = sum(1 for m in baseline if driver.value in values[driver.dimension](m))
            assert driver.baseline_count == expected, driver
            checked += expected > 0
    assert checked >= 3  # the brand's own term, English and negative are in the baseline too


def test_filter_fields_are_filter_fields_and_agree_with_the_rollups_map() -> None:
    # The listener narrows a dimension by the same Filter field the store's rollup reads.
    from social_listen.listener._data import filter_field
    from social_listen.store._rollup import _KIND_FILTER

    assert set(_FILTER_FIELDS.values()) <= set(Filter.model_fields)
    assert {kind: filter_field(kind) for kind in _KIND_FILTER} == _KIND_FILTER
    assert filter_field("hashtag") is None
    assert filter_field("link") is None


@pytest.fixture(scope="module")
def queried(mentions: list[Mention]) -> MentionStore:
    """The mentions with query labels (the generated ones have none)."""
    return as_store([m.model_copy(update={"query": f"q{i % 3}"}) for i, m in enumerate(mentions)])


@pytest.mark.parametrize("dimension", sorted(_FILTER_FIELDS))
def test_spike_counts_narrowed_to_the_wanted_values_equal_the_whole_grouping(
    queried: MentionStore, dimension: str
) -> None:
    # Narrowing the filter to the values asked (even where it already restricts the same
    # field) must not change their counts: a tag filter restricts the grouped tags the same way.
    from social_listen.listener._explain import _counts

    where = period_filter(START, END, brands=("acme",), intents=("complaint",))
    rows = queried.aggregate(("count",), by=(dimension,), where=where)
    whole = {str(v): int(c) for v, c in rows if v is not None}
    wanted = (*sorted(whole)[:3], "no-such-value")
    assert whole
    assert _counts(queried, dimension, where, wanted) == {v: whole[v] for v in wanted if v in whole}
