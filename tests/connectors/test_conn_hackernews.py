"""Hacker News (Algolia): field mapping, slicing past the 1000-hit cap, resume, incremental runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from open_conn_support import Collector, Crash, FakeAlgolia, drive, fixture

from social_listen.connectors.hackernews import HackerNewsConnector, parse_hn_hit
from social_listen.core import Query, SourceState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


def _hit(i: int, when: datetime) -> dict[str, Any]:
    return {
        "objectID": str(100_000 + i),
        "title": f"acme story {i}",
        "author": f"u{i}",
        "points": i % 50,
        "num_comments": i % 7,
        "created_at_i": int(when.timestamp()),
        "created_at": when.isoformat(),
        "_tags": ["story"],
        "url": None,
        "story_text": None,
    }


def test_fixture_hits_are_mapped_field_by_field() -> None:
    body = fixture("hackernews_search_by_date.json")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    page = drive(
        HackerNewsConnector(now=_clock),
        Query(text="acme", since=NOW - timedelta(days=3)),
        handler,
        state=SourceState(),
    )
    comment, ask, story = page.mentions
    assert comment.source == "hackernews"
    assert comment.native_id == "39000003"
    assert comment.url == "https://news.ycombinator.com/item?id=39000003"
    assert comment.title is None
    assert comment.text == "I switched from Acme last year & it's been fine.\n\nSee https://example.com/acme"
    assert comment.author is not None
    assert comment.author.handle == "jdoe"
    assert comment.author.url == "https://news.ycombinator.com/user?id=jdoe"
    assert comment.created_at == datetime(2026, 2, 28, 11, 58, 20, tzinfo=UTC)
    assert comment.metrics.score is None
    assert comment.metrics.replies is None
    assert comment.parent_id == "39000002"
    assert comment.thread_id == "39000001"
    assert comment.extras["kind"] == "comment"
    assert comment.extras["story_title"] == "Acme raises prices again"
    assert comment.extras["story_url"] == "https://news.example.com/acme-prices"
    assert "<i>Acme</i>" in comment.raw["comment_text"]  # the HTML is kept in raw
    assert comment.query == "acme"

    assert ask.title == "Ask HN: Acme alternatives?"
    assert ask.text == 'Is anyone still using Acme? "Support" stopped answering.'
    assert ask.links == ()  # url is null for Ask HN
    assert (ask.metrics.score, ask.metrics.replies) == (41, 12)
    assert ask.extras["kind"] == "story"
    assert ask.thread_id == "39000002"
    assert ask.parent_id is None

    assert story.links == ("https://news.example.com/acme-prices",)
    assert story.text == ""
    assert (story.metrics.score, story.metrics.replies) == (512, 230)
    assert story.created_at == datetime.fromtimestamp(1772272800, UTC)
    assert page.done


def test_first_request_asks_stories_and_comments_in_the_window() -> None:
    connector = HackerNewsConnector(now=_clock)
    query = Query(text="acme", since=datetime(2026, 2, 1, tzinfo=UTC), until=datetime(2026, 2, 2, tzinfo=UTC))
    request = next(connector.fetch_page(query, cursor=None, state=SourceState()))
    params = dict(request.params)
    assert request.url == "https://hn.algolia.com/api/v1/search_by_date"
    assert params["query"] == "acme"
    assert params["tags"] == "(story,comment)"
    assert params["numericFilters"] == "created_at_i>=1769904000,created_at_i<1769990400"
    assert params["hitsPerPage"] == 100
    assert params["page"] == 0


def test_parse_falls_back_to_iso_created_at_and_rejects_hits_without_time() -> None:
    m = parse_hn_hit({"objectID": 5, "created_at": "2026-01-01T00:00:00.000Z", "_tags": ["story"]})
    assert m.created_at == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="created_at"):
        parse_hn_hit({"objectID": 5, "created_at": "soon"})


@pytest.mark.reliability(15)
@pytest.mark.reliability(16)
def test_2600_items_past_the_cap_resume_after_a_crash_exactly_once() -> None:
    start = NOW - timedelta(days=10)
    hits = [_hit(i, start + timedelta(seconds=300 * i)) for i in range(2600)]
    hits += [_hit(3000 + i, start + timedelta(seconds=300 * 1000)) for i in range(5)]  # same second
    fake = FakeAlgolia(hits)
    connector = HackerNewsConnector(now=_clock, page_size=200)
    collector = Collector(connector, Query(text="acme", since=start), fake)
    with pytest.raises(Crash):
        collector.run(crash_after=9)
    assert 0 < len(collector.ids) < 2605
    collector.run()
    assert collector.ids == {h["objectID"] for h in hits}
    assert len(collector.delivered) == len(hits)  # no item committed twice
    assert not any(p.truncated for p in collector.pages)
    assert any("resliced" in p.notes for p in collector.pages)
    assert all(int(r.url.params["page"]) < 5 for r in fake.requests)  # 5 pages of 200 = the cap


@pytest.mark.reliability(15)
def test_a_one_second_slice_over_the_cap_is_marked_truncated() -> None:
    when = NOW - timedelta(hours=1)
    fake = FakeAlgolia([_hit(i, when) for i in range(1200)])
    collector = Collector(
        HackerNewsConnector(now=_clock, page_size=500),
        Query(text="acme", since=when - timedelta(hours=1)),
        fake,
    )
    collector.run()
    last = collector.pages[-1]
    assert last.truncated
    assert any(note.startswith("cap_hit:") for note in last.notes)
    assert len(collector.ids) == 1000


@pytest.mark.reliability(17)
def test_incremental_run_requeries_the_overlap_and_absorbs_late_items() -> None:
    hits = [_hit(i, NOW - timedelta(minutes=60 - i)) for i in range(30)]
    fake = FakeAlgolia(hits)
    collector = Collector(
        HackerNewsConnector(now=_clock), Query(text="acme", since=NOW - timedelta(days=1)), fake
    )
    collector.run()
    watermark = collector.checkpointer.load_state("k").watermark  # type: ignore[union-attr]
    assert watermark == datetime.fromtimestamp(hits[-1]["created_at_i"], UTC)
    # A late item indexed after the run, dated 5 minutes before the watermark, and a new one.
    fake.hits.insert(0, _hit(500, watermark - timedelta(minutes=5)))
    fake.hits.insert(0, _hit(501, watermark + timedelta(minutes=1)))
    fake.hits.sort(key=lambda h: -h["created_at_i"])
    collector.run()
    numeric = fake.requests[-1].url.params["numericFilters"]
    assert numeric.startswith(f"created_at_i>={int((watermark - timedelta(minutes=10)).timestamp())}")
    assert collector.ids == {h["objectID"] for h in hits} | {"100500", "100501"}
    # the 10 items of the overlap (the boundary item excluded) come again; the store dedups them
    assert len(collector.delivered) == 32 + 10


@pytest.mark.reliability(18)
def test_future_dated_hit_is_flagged_and_clamps_the_watermark() -> None:
    fake = FakeAlgolia([_hit(1, NOW - timedelta(minutes=1))])
    future = _hit(2, datetime(2099, 1, 1, tzinfo=UTC))
    fake.hits.insert(0, future)
    connector = HackerNewsConnector(now=_clock)
    query = Query(text="acme", since=NOW - timedelta(hours=1), until=datetime(2100, 1, 1, tzinfo=UTC))
    page = drive(connector, query, fake, state=SourceState())
    flagged = {m.native_id: m.flags for m in page.mentions}
    assert "date_future" in flagged["100002"]
    assert "date_future" not in flagged["100001"]
    assert page.state.watermark == NOW + timedelta(days=1)


def test_or_query_runs_one_search_per_variant_under_one_cursor() -> None:
    hits = [_hit(1, NOW - timedelta(minutes=1))]
    hits[0]["title"] = "acme corp news"
    hits.append({**_hit(2, NOW - timedelta(minutes=2)), "title": "akme typo"})
    fake = FakeAlgolia(hits)
    collector = Collector(
        HackerNewsConnector(now=_clock), Query(text="acme OR akme", since=NOW - timedelta(hours=1)), fake
    )
    collector.run()
    assert [r.url.params["query"] for r in fake.requests] == ["acme", "akme"]
    assert collector.ids == {"100001", "100002"}
    assert all(m.query == "acme OR akme" for m in collector.checkpointer.mentions.values())


def test_the_full_query_is_enforced_locally_after_the_platform_search() -> None:
    hits = [_hit(1, NOW - timedelta(minutes=1)), _hit(2, NOW - timedelta(minutes=2))]
    hits[1]["title"] = "acme story jobs"
    fake = FakeAlgolia(hits)
    page = drive(
        HackerNewsConnector(now=_clock),
        Query(text="acme -jobs", since=NOW - timedelta(hours=1)),
        fake,
        state=SourceState(),
    )
    assert [r.url.params["query"] for r in fake.requests] == ["acme"]  # negations are not searched
    assert [m.native_id for m in page.mentions] == ["100001"]


@pytest.mark.reliability(16)
def test_resume_in_a_new_process_from_the_sqlite_store(tmp_path: Path) -> None:
    from social_listen.store import SQLiteStore

    start = NOW - timedelta(days=10)
    hits = [_hit(i, start + timedelta(seconds=300 * i)) for i in range(2600)]
    query = Query(text="acme", since=start)
    store = SQLiteStore(tmp_path / "mentions.db")
    first = Collector(
        HackerNewsConnector(now=_clock, page_size=200), query, FakeAlgolia(hits), checkpointer=store
    )
    with pytest.raises(Crash):
        first.run(crash_after=8)
    committed = store.count()
    store.close()
    assert 0 < committed < 2600

    reopened = SQLiteStore(tmp_path / "mentions.db")  # a new process: only the file survives
    second = Collector(
        HackerNewsConnector(now=_clock, page_size=200), query, FakeAlgolia(hits), checkpointer=reopened
    )
    second.run()
    assert reopened.count() == 2600
    assert len(first.delivered) + len(second.delivered) == 2600  # nothing committed twice
    assert {m.native_id for m in reopened.iter_mentions()} == {h["objectID"] for h in hits}
    reopened.close()
