from __future__ import annotations

import doctest
import importlib
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from social_listen.core import ConfigError, Mention, Page, SourceState
from social_listen.listener import (
    add_terms,
    cluster_stories,
    compare_brands,
    complaints_by_theme,
    cooccurrence_network,
    detect_spikes,
    emerging_terms,
    explain_spike,
    find_spikes,
    share_of_voice,
    themes,
    time_series,
    top,
    wilson_interval,
)
from social_listen.store import Filter, SQLiteStore
from tests.listener.listener_support import DAYS, SPIKE_AT, SPIKE_AUTHOR, START, generate

END = START + timedelta(days=DAYS)
MODULES = [
    "_data",
    "_buckets",
    "_timeseries",
    "_share",
    "_top",
    "_themes",
    "_network",
    "_stories",
    "_explain",
    "_compare",
]


@pytest.fixture(scope="module")
def mentions() -> list[Mention]:
    return generate()


@pytest.fixture(scope="module")
def store(mentions: list[Mention], tmp_path_factory: pytest.TempPathFactory) -> SQLiteStore:
    s = SQLiteStore(tmp_path_factory.mktemp("listen") / "m.db")
    for i in range(0, len(mentions), 500):
        s.commit_page(Page(mentions=tuple(mentions[i : i + 500])), SourceState(), source_key="t")
    return s


@pytest.mark.parametrize("name", MODULES)
def test_doctests_pass(name: str) -> None:
    module = importlib.import_module(f"social_listen.listener.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


def test_store_and_iterable_give_identical_results(mentions: list[Mention], tmp_path: Path) -> None:
    subset = [m for m in mentions if m.created_at >= SPIKE_AT - timedelta(days=1)]
    store = SQLiteStore(tmp_path / "parity.db")
    store.commit_page(Page(mentions=tuple(subset)), SourceState(), source_key="t")
    calls = [
        lambda d: time_series(d, since=START, until=END, freq="day", by="brand"),
        lambda d: share_of_voice(
            d, brands=["acme", "rival", "other"], since=START, until=END, measure="reach"
        ),
        lambda d: top(d, "author", since=START, until=END, by="reach"),
        lambda d: themes(d, since=START, until=END, exclude=("acm",)),
        lambda d: emerging_terms(d, since=SPIKE_AT, until=SPIKE_AT + timedelta(hours=1), min_count=2),
        lambda d: explain_spike(
            d,
            spike_since=SPIKE_AT,
            spike_until=SPIKE_AT + timedelta(hours=1),
            baseline_since=SPIKE_AT - timedelta(days=1),
            baseline_until=SPIKE_AT,
        ),
        lambda d: cluster_stories(d, since=SPIKE_AT, until=SPIKE_AT + timedelta(hours=1)),
        lambda d: compare_brands(d, brands=["acme", "rival"], since=START, until=END),
        lambda d: cooccurrence_network(d, since=START, until=END),
    ]
    for call in calls:
        from_store = call(store).to_records()
        assert from_store, call
        assert call(iter(subset)).to_records() == from_store


def test_planted_theme_ranks_first_with_examples_and_sentiment(store: SQLiteStore) -> None:
    found = themes(store, since=START, until=END, exclude=("acm",), where=Filter(brands=("acme",)))
    first = found.rows[0]
    assert first.label == "late delivery"
    assert first.is_phrase
    assert first.collocation_g2 > 10.83
    assert first.mean_sentiment is not None
    assert first.mean_sentiment < -0.5
    assert first.negative_share == 1.0
    assert len(first.examples) == 3
    assert all("late delivery" in ex.text.lower() for ex in first.examples)
    # the words of the phrase are folded into it, not listed again
    assert "late" not in [t.term for t in found.rows]
    assert "deliveri" not in [t.term for t in found.rows]
    complaints = complaints_by_theme(store, since=START, until=END, exclude=("acm",))
    assert complaints.rows[0].label == "late delivery"
    assert complaints.subset == "complaint"
    assert complaints.total < found.total


def test_planted_spike_is_found_once_and_its_cause_ranked_first(store: SQLiteStore) -> None:
    spikes = find_spikes(
        store, since=START + timedelta(days=7), until=END, freq="hour", where=Filter(brands=("acme",))
    )
    assert [s.at for s in spikes] == [SPIKE_AT]
    explanation = spikes[0].explanation
    assert explanation.spike_mentions > 80
    top_driver = explanation.rows[0]
    assert (top_driver.dimension, top_driver.value) in {
        ("term", "recal"),
        ("term", "batteri"),
        ("term", "fire"),
        ("term", "batteri fire"),
        ("term", "fire recal"),
        ("source", "gdelt"),
    }
    term = explanation.top("term")
    assert term is not None
    assert term.value in {"recal", "batteri", "fire", "batteri fire", "fire recal"}
    assert term.baseline_count == 0
    assert term.label in {"recall", "battery", "fire", "battery fire", "fire recall"}
    author = explanation.top("author")
    assert author is not None
    assert author.value == SPIKE_AUTHOR
    source = explanation.top("source")
    assert source is not None
    assert source.value == "gdelt"
    assert explanation.sentiment.spike_mean is not None
    assert explanation.sentiment.baseline_mean is not None
    assert explanation.sentiment.spike_mean < explanation.sentiment.baseline_mean
    # filler words that merely grow with volume do not rank
    assert all(d.value not in {"app", "store"} for d in explanation.rows)


def test_explanation_is_deterministic(store: SQLiteStore) -> None:
    args = {
        "spike_since": SPIKE_AT,
        "spike_until": SPIKE_AT + timedelta(hours=1),
        "baseline_since": START,
        "baseline_until": SPIKE_AT,
    }
    assert explain_spike(store, **args).to_records() == explain_spike(store, **args).to_records()


def test_no_spike_without_a_planted_one() -> None:
    quiet = generate(spike=False, seed=4)
    assert (
        find_spikes(quiet, since=START + timedelta(days=7), until=END, where=Filter(brands=("acme",))) == ()
    )


def test_emerging_terms_rank_the_new_story_first(store: SQLiteStore) -> None:
    found = emerging_terms(store, since=SPIKE_AT, until=SPIKE_AT + timedelta(hours=1), baseline_since=START)
    assert found.rows[0].term in {"recal", "batteri", "fire", "batteri fire", "fire recal"}
    assert found.rows[0].baseline_count == 0
    assert found.rows[0].p_value < 1e-6
    assert [r.g2 for r in found.rows] == sorted((r.g2 for r in found.rows), reverse=True)


def test_time_series_fills_buckets_aligns_zones_and_compares_periods(store: SQLiteStore) -> None:
    ts = time_series(store, since=START + timedelta(days=7), until=END, freq="day", tz="Europe/Bucharest")
    assert len(ts.rows) == 8  # local midnights straddle the UTC period
    assert all(p.bucket.utcoffset() == timedelta(hours=2) for p in ts.rows)
    assert ts.rows[0].bucket.hour == 0
    assert sum(p.count for p in ts.rows) == store.count(Filter(since=START + timedelta(days=7), until=END))
    count = next(c for c in ts.changes if c.metric == "count" and c.group is None)
    previous = store.count(Filter(since=START, until=START + timedelta(days=7)))
    assert count.previous == previous
    assert count.change == count.current - previous  # type: ignore[operator]
    hourly = time_series(
        store, since=SPIKE_AT - timedelta(hours=3), until=SPIKE_AT + timedelta(hours=3), freq="hour"
    )
    assert [p.bucket for p in hourly.rows] == [SPIKE_AT + timedelta(hours=h) for h in range(-3, 3)]
    spike_point = hourly.rows[3]
    assert spike_point.count > 80
    assert 0.0 < spike_point.negative_share <= 1.0
    assert (
        spike_point.negative_share + spike_point.neutral_share + spike_point.positive_share
        == pytest.approx(1.0)
    )


def test_empty_buckets_are_zero() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    ms = [Mention(source="x", native_id="1", text="a", created_at=t + timedelta(days=2))]
    ts = time_series(ms, since=t, until=t + timedelta(days=4))
    assert [p.count for p in ts.rows] == [0, 0, 1, 0]
    assert ts.rows[0].mean_sentiment is None


def test_spike_detection_on_a_stored_series(store: SQLiteStore) -> None:
    ts = time_series(store, since=START, until=END, freq="hour", where=Filter(brands=("acme",)))
    result = detect_spikes(ts.series("count"), min_history=24, cooldown=24)
    assert [p.at for p in result.spikes] == [SPIKE_AT]


def test_share_of_voice_intervals_and_normalization() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    ms = []
    # platform a: lots of data, acme 80%; platform b: little data, acme 20%
    for i in range(100):
        ms.append(
            Mention(source="a", native_id=str(i), brands=("acme" if i < 80 else "rival",), created_at=t)
        )
    for i in range(10):
        ms.append(Mention(source="b", native_id=str(i), brands=("acme" if i < 2 else "rival",), created_at=t))
    sov = share_of_voice(ms, brands=["acme", "rival"], since=t, until=t + timedelta(days=1))
    acme = sov.overall()["acme"]
    assert acme.share == pytest.approx(82 / 110)
    assert (acme.low, acme.high) == pytest.approx(wilson_interval(82, 110))
    assert acme.low < acme.share < acme.high
    assert acme.normalized_share == pytest.approx((0.8 + 0.2) / 2)
    assert acme.normalized_low is not None
    assert acme.normalized_low < 0.5 < (acme.normalized_high or 0)
    per = {(r.brand, r.platform): r.share for r in sov.rows}
    assert per[("acme", "a")] == 0.8
    assert per[("acme", "b")] == 0.2
    weighted = share_of_voice(
        ms, brands=["acme", "rival"], since=t, until=t + timedelta(days=1), platform_weights={"a": 3, "b": 1}
    )
    assert weighted.overall()["acme"].normalized_share == pytest.approx((3 * 0.8 + 0.2) / 4)
    assert sum(r.share for r in sov.rows if r.platform == "*") == pytest.approx(1.0)


def test_reach_share_interval_widens_with_one_viral_day(store: SQLiteStore) -> None:
    sov = share_of_voice(store, brands=["acme", "rival", "other"], since=START, until=END, measure="reach")
    acme = sov.overall()["acme"]
    assert acme.low < acme.share < acme.high
    assert "ratio-estimator" in sov.method


def test_wilson_interval_known_values() -> None:
    low, high = wilson_interval(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12)
    assert high == pytest.approx(0.2775, abs=1e-3)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_top_lists_rank_deterministically(store: SQLiteStore) -> None:
    spike_hour = {"since": SPIKE_AT, "until": SPIKE_AT + timedelta(hours=1)}
    authors = top(store, "author", n=3, **spike_hour)
    assert authors.rows[0].value == SPIKE_AUTHOR
    assert [r.rank for r in authors.rows] == [1, 2, 3]
    sources = top(store, "source", **spike_hour)
    assert sources.rows[0].value == "gdelt"
    assert sum(r.count for r in sources.rows) == sources.total
    domains = top(store, "domain", **spike_hour)
    assert domains.rows[0].value == "news.example"
    with pytest.raises(ConfigError):
        top(store, "author", by="bogus", **spike_hour)  # type: ignore[arg-type]


def test_stories_group_copies_and_keep_provenance(store: SQLiteStore) -> None:
    stories = cluster_stories(store, since=SPIKE_AT, until=SPIKE_AT + timedelta(hours=1))
    biggest = stories.rows[0]
    assert biggest.size >= 80
    assert stories.mentions == store.count(Filter(since=SPIKE_AT, until=SPIKE_AT + timedelta(hours=1)))
    assert stories.unique_stories < stories.mentions
    assert "gdelt" in biggest.sources
    assert len({(m.source, m.native_id) for m in biggest.members}) == biggest.size
    assert all(m.url for m in biggest.members)
    no_links = cluster_stories(store, since=SPIKE_AT, until=SPIKE_AT + timedelta(hours=1), by_link=False)
    # three recall wordings stay three stories without the shared article link
    assert no_links.unique_stories > stories.unique_stories


def test_near_duplicates_across_platforms_are_one_story() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    texts = [
        ("mastodon", "Acme announces a new battery recall for the X200 toaster line, details inside"),
        (
            "bluesky",
            "RT @acmenews: Acme announces a new battery recall for the X200 toaster line, details inside!",
        ),
        ("reddit", "Acme announces new battery recall for the X200 toaster line - details inside"),
        ("reddit", "My Acme kettle is great and I would buy it again"),
    ]
    ms = [
        Mention(source=s, native_id=str(i), text=x, created_at=t + timedelta(minutes=i))
        for i, (s, x) in enumerate(texts)
    ]
    stories = cluster_stories(ms, since=t, until=t + timedelta(days=1))
    assert [s.size for s in stories.rows] == [3, 1]
    assert stories.rows[0].sources == ("bluesky", "mastodon", "reddit")
    assert stories.rows[0].story_id == "mastodon:0"


def test_cooccurrence_network_exports_gexf_and_graphml(store: SQLiteStore, tmp_path: Path) -> None:
    net = cooccurrence_network(store, since=START, until=END, exclude=("acm",))
    pairs = {(e.source, e.target) for e in net.rows}
    assert ("deliveri", "late") in pairs
    gexf = ET.fromstring(net.write(tmp_path / "terms.gexf").read_text(encoding="utf-8"))
    ns = {"g": "http://gexf.net/1.3"}
    assert len(gexf.findall(".//g:node", ns)) == len(net.nodes)
    assert len(gexf.findall(".//g:edge", ns)) == len(net.rows)
    graphml = ET.fromstring(net.write(tmp_path / "terms.graphml").read_text(encoding="utf-8"))
    assert len(graphml.findall(".//{http://graphml.graphdrawing.org/xmlns}edge")) == len(net.rows)
    with pytest.raises(ConfigError):
        net.write(tmp_path / "terms.txt")


def test_network_labels_are_xml_escaped() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    ms = [Mention(source="x", native_id=str(i), terms=("<b>&", 'a"b'), created_at=t) for i in range(3)]
    net = cooccurrence_network(ms, since=t, until=t + timedelta(days=1))
    ET.fromstring(net.to_gexf())
    ET.fromstring(net.to_graphml())


def test_compare_brands_side_by_side(store: SQLiteStore) -> None:
    result = compare_brands(store, brands=["acme", "rival", "nobody"], since=START, until=END)
    rows = {r.brand: r for r in result.rows}
    assert list(rows) == ["acme", "rival", "nobody"]
    assert rows["acme"].themes[0] == "late delivery"
    assert rows["nobody"].mentions == 0
    assert rows["nobody"].themes == ()
    assert sum(r.share for r in result.rows) == pytest.approx(1.0)
    assert rows["acme"].share_low < rows["acme"].share < rows["acme"].share_high
    assert rows["acme"].top_sources


def test_periods_must_be_aware_and_non_empty(mentions: list[Mention]) -> None:
    with pytest.raises(ConfigError):
        time_series(mentions[:5], since=END, until=START)
    with pytest.raises(ConfigError):
        top(mentions[:5], "author", since=datetime(2026, 1, 1), until=datetime(2026, 1, 2))


def test_iterables_must_hold_mentions() -> None:
    with pytest.raises(ConfigError):
        time_series([{"text": "x"}], since=START, until=END)  # type: ignore[list-item]


def test_results_convert_to_data_frames(store: SQLiteStore) -> None:
    result = top(store, "source", since=START, until=END)
    pandas = pytest.importorskip("pandas")
    frame = result.to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert next(iter(frame["value"])) == result.rows[0].value
    pytest.importorskip("polars")
    assert result.to_polars().height == len(result.rows)
    assert "<table>" in result._repr_html_()


def test_add_terms_keeps_existing_terms() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    m = Mention(source="x", native_id="1", text="late delivery", terms=("kept",), language="en", created_at=t)
    assert next(add_terms([m])).terms == ("kept",)
    assert next(add_terms([m], overwrite=True)).terms == ("late", "deliveri", "late deliveri")
