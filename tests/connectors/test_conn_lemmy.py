"""Lemmy: post/comment mapping, several instances, page and cursor paging, identity by ap_id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from open_conn_support import Collector, Crash, FakeLemmy, drive, fixture

from social_listen.connectors.lemmy import LemmyConnector, parse_lemmy_comment
from social_listen.core import ConfigError, PlatformError, Query, SourceState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


def _view(i: int, when: datetime, *, origin: str = "lemmy.one.example", zoned: bool = True) -> dict[str, Any]:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%f") + ("Z" if zoned else "")
    return {
        "post": {
            "id": i,
            "name": f"acme post {i}",
            "ap_id": f"https://{origin}/post/{i}",
            "published": stamp,
        },
        "creator": {"id": 1, "name": "u", "actor_id": f"https://{origin}/u/u"},
        "community": {"id": 1, "name": "tech", "actor_id": f"https://{origin}/c/tech"},
        "counts": {"score": 1, "comments": 0, "upvotes": 1, "downvotes": 0},
    }


def test_fixture_post_is_mapped_field_by_field() -> None:
    body = fixture("lemmy_search_posts.json")
    page = drive(
        LemmyConnector(instances=["https://lemmy.example"], now=_clock),
        Query(text="acme", since=NOW - timedelta(days=3)),
        lambda request: httpx.Response(200, json=body),
        state=SourceState(),
    )
    (m,) = page.mentions
    assert m.source == "lemmy"
    assert m.native_id == "https://lemmy.other.example/post/991"
    assert m.url == "https://lemmy.other.example/post/991"
    assert m.title == "Acme finally fixed the sync bug"
    assert m.text == "After **two years** the sync bug is gone. Anyone else notice?"
    assert m.links == ("https://blog.example.org/acme-sync",)
    assert m.created_at == datetime(2026, 2, 28, 9, 30, 0, 123456, tzinfo=UTC)
    assert m.edited_at == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    assert m.author is not None
    assert m.author.handle == "sam@lemmy.other.example"
    assert m.author.name == "Sam K."
    assert m.author.id == "https://lemmy.other.example/u/sam"
    assert (m.metrics.score, m.metrics.replies, m.metrics.likes) == (143, 17, 150)
    assert m.channel == "technology@lemmy.world.example"
    assert m.extras["instance"] == "https://lemmy.example"
    assert m.extras["local_id"] == 4410022
    assert m.extras["downvotes"] == 7
    assert m.extras["community_title"] == "Technology"
    assert m.query == "acme"


def test_comment_view_is_mapped() -> None:
    view = {
        "comment": {
            "id": 9,
            "content": "acme works",
            "ap_id": "https://a.example/comment/9",
            "published": "2023-06-20T12:00:00",
            "path": "0.5.9",
        },
        "creator": {"name": "kim", "actor_id": "https://a.example/u/kim"},
        "post": {"id": 3, "name": "Thread", "ap_id": "https://a.example/post/3"},
        "community": {"name": "tech", "actor_id": "https://a.example/c/tech"},
        "counts": {"score": 4, "upvotes": 5, "downvotes": 1, "child_count": 2},
    }
    m = parse_lemmy_comment(view, instance="https://b.example")
    assert m.native_id == "https://a.example/comment/9"
    assert m.created_at == datetime(2023, 6, 20, 12, tzinfo=UTC)  # 0.18: naive times are UTC
    assert m.thread_id == "https://a.example/post/3"
    assert (m.metrics.score, m.metrics.replies, m.metrics.likes) == (4, 2, 5)
    assert m.extras["path"] == "0.5.9"


def test_request_and_instance_validation() -> None:
    conn = LemmyConnector(instances=["lemmy.example", "https://LEMMY.example/"], type_="Comments", now=_clock)
    assert conn.instances == ("https://lemmy.example",)
    request = next(conn.fetch_page(Query(text="acme"), cursor=None, state=SourceState()))
    assert request.user_supplied
    assert dict(request.params) == {
        "q": "acme",
        "type_": "Comments",
        "sort": "New",
        "listing_type": "All",
        "limit": 20,
        "page": 1,
    }
    for bad in ("file:///etc/passwd", "ftp://x.example", "https://user:pw@x.example"):
        with pytest.raises(ConfigError):
            LemmyConnector(instances=[bad])


def test_error_body_is_a_platform_error() -> None:
    with pytest.raises(PlatformError, match="couldnt_find_object"):
        drive(
            LemmyConnector(instances=["l.example"], now=_clock),
            Query(text="acme"),
            lambda r: httpx.Response(400, json={"error": "couldnt_find_object"}),
            state=SourceState(),
        )


@pytest.mark.reliability(16)
def test_2600_posts_on_two_instances_resume_after_a_crash_exactly_once() -> None:
    start = NOW - timedelta(days=30)
    one = [_view(i, start + timedelta(minutes=10 * i)) for i in range(1600)]
    two_own = [
        _view(5000 + i, start + timedelta(minutes=7 * i), origin="lemmy.two.example", zoned=False)
        for i in range(1000)
    ]
    federated = one[:300]  # the same posts seen through the second instance
    fake = FakeLemmy(
        {"lemmy.one.example": one, "lemmy.two.example": two_own + federated},
        cursor_hosts=("lemmy.two.example",),
    )
    conn = LemmyConnector(instances=["lemmy.one.example", "lemmy.two.example"], page_size=50, now=_clock)
    collector = Collector(conn, Query(text="acme", since=start), fake)
    with pytest.raises(Crash):
        collector.run(crash_after=40)
    collector.run()
    expected = {v["post"]["ap_id"] for v in one + two_own}
    assert collector.ids == expected
    assert len(expected) == 2600
    # Each item committed once per instance that served it: federated copies are one mention.
    assert len(collector.delivered) == 2600 + 300
    assert any("page_cursor" in r.url.params for r in fake.requests)


@pytest.mark.reliability(17)
def test_paging_stops_at_the_overlap_on_the_next_run() -> None:
    views = [_view(i, NOW - timedelta(minutes=200 - i)) for i in range(200)]
    fake = FakeLemmy({"lemmy.one.example": views})
    conn = LemmyConnector(instances=["lemmy.one.example"], page_size=50, now=_clock)
    collector = Collector(conn, Query(text="acme", since=NOW - timedelta(days=1)), fake)
    collector.run()
    before = len(fake.requests)
    late = _view(999, NOW - timedelta(minutes=5))  # federated late, behind the watermark
    fake.posts["lemmy.one.example"].append(late)
    fake.posts["lemmy.one.example"].sort(key=lambda v: v["post"]["published"], reverse=True)
    collector.run()
    assert len(fake.requests) - before == 1  # one page reaches past watermark - overlap
    assert late["post"]["ap_id"] in collector.ids


@pytest.mark.reliability(18)
def test_future_dated_post_is_flagged_and_clamps_the_watermark() -> None:
    views = [_view(1, NOW - timedelta(minutes=1)), _view(2, datetime(2099, 1, 1, tzinfo=UTC))]
    page = drive(
        LemmyConnector(instances=["lemmy.one.example"], now=_clock),
        Query(text="acme", since=NOW - timedelta(hours=1)),
        FakeLemmy({"lemmy.one.example": views}),
        state=SourceState(),
    )
    flags = {m.native_id.rsplit("/", 1)[1]: m.flags for m in page.mentions}
    assert "date_future" in flags["2"]
    assert "date_future" not in flags["1"]
    assert page.state.pending_watermark == NOW + timedelta(days=1)  # the run goes on to an empty page
