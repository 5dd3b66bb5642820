"""Mastodon: status mapping, boosts, identity across instances, Link paging, rate-limit headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from open_conn_support import Collector, Crash, FakeMastodon, drive, fixture

from social_listen.connectors.mastodon import MastodonConnector
from social_listen.core import AuthError, ConfigError, Query, SourceState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


def _status(local_id: int, n: int, when: datetime, *, origin: str = "a.example") -> dict[str, Any]:
    return {
        "id": str(local_id),
        "uri": f"https://{origin}/users/u/statuses/{n}",
        "url": f"https://{origin}/@u/{n}",
        "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "content": f"<p>acme {n}</p>",
        "account": {
            "acct": "u" if origin == "a.example" else f"u@{origin}",
            "username": "u",
            "url": f"https://{origin}/@u",
            "followers_count": 5,
        },
        "tags": [{"name": "acme", "url": f"https://{origin}/tags/acme"}],
        "mentions": [],
        "reblog": None,
        "favourites_count": 1,
        "reblogs_count": 0,
        "replies_count": 0,
    }


def test_fixture_statuses_are_mapped_field_by_field_and_boosts_linked() -> None:
    body = fixture("mastodon_tag_timeline.json")
    page = drive(
        MastodonConnector(instances=["mastodon.example"], now=_clock),
        Query(text="#acme", since=NOW - timedelta(days=2)),
        lambda request: httpx.Response(
            200,
            json=body,
            headers={
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "299",
                "X-RateLimit-Reset": "2026-03-01T12:05:00.000Z",
            },
        ),
        state=SourceState(),
    )
    status, boost = page.mentions
    assert status.source == "mastodon"
    assert status.native_id == "https://fosstodon.example/users/kai/statuses/113900000000000777"
    assert status.url == "https://fosstodon.example/@kai/113900000000000777"
    assert (
        status.text == "Day 3 with the #Acme kettle: it's loud. cc @support\n\nReview: blog.example.com/acme"
    )
    assert status.links == ("https://blog.example.com/acme",)  # hashtag and mention links left out
    assert status.title is None
    assert status.author is not None
    assert status.author.handle == "kai@fosstodon.example"
    assert status.author.name == "Kai :verified:"
    assert status.author.id == "https://fosstodon.example/users/kai"
    assert status.author.url == "https://fosstodon.example/@kai"
    assert status.author.followers == 1520
    assert status.created_at == datetime(2026, 2, 28, 11, 30, tzinfo=UTC)
    assert status.edited_at == datetime(2026, 2, 28, 11, 35, tzinfo=UTC)
    assert status.language == "en"
    assert (status.metrics.likes, status.metrics.shares, status.metrics.replies) == (30, 12, 4)
    assert status.metrics.quotes is None
    assert status.hashtags == ("acme",)
    assert status.mentioned_handles == ("support",)
    assert status.extras["instance"] == "https://mastodon.example"
    assert status.extras["local_id"] == "113900000000000002"
    assert status.extras["in_reply_to_id"] == "113899999999999990"
    assert status.extras["visibility"] == "public"
    assert status.query == "#acme"

    # The boost is the original post, with who boosted it.
    assert boost.native_id == "https://social.example.de/users/mia/statuses/55"
    assert boost.text == "Der #acme Support ist weg."
    assert boost.title == "acme rant"  # the content warning
    assert boost.language == "de"
    assert boost.author is not None
    assert boost.author.handle == "mia@social.example.de"
    assert boost.author.name is None
    assert boost.extras["boosted_by"] == "lee@mastodon.example"
    assert (
        boost.extras["boost_uri"] == "https://mastodon.example/users/lee/statuses/113900000000000001/activity"
    )
    assert boost.extras["local_id"] == "113899000000000050"
    assert boost.extras["sensitive"] is True
    assert (boost.metrics.likes, boost.metrics.shares) == (9, 7)

    assert page.rate_limit is not None
    assert page.rate_limit.reset_at == datetime(2026, 3, 1, 12, 5, tzinfo=UTC)  # ISO reset
    assert (page.rate_limit.limit, page.rate_limit.remaining) == (300, 299)
    assert page.state.extras["newest_local_ids"] == {"https://mastodon.example": "113900000000000002"}


def test_tag_timeline_request() -> None:
    conn = MastodonConnector(
        instances=["https://Mastodon.example/"],
        tags=["#Acme", "acme corp"],
        all_tags=["kettle"],
        none_tags=["ad"],
        now=_clock,
    )
    request = next(conn.fetch_page(Query(text="ignored"), cursor=None, state=SourceState()))
    assert request.url == "https://mastodon.example/api/v1/timelines/tag/acme"
    assert list(request.params) == [
        ("any[]", "acmecorp"),
        ("all[]", "kettle"),
        ("none[]", "ad"),
        ("limit", 40),
    ]
    assert request.user_supplied
    assert "Authorization" not in request.headers


def test_search_mode_sends_the_token_and_maps_statuses() -> None:
    body = fixture("mastodon_search.json")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=body if "max_id" not in request.url.params else {"statuses": []})

    conn = MastodonConnector(
        instances=["mastodon.example"], mode="search", access_token="user-token-value", now=_clock
    )
    page = drive(conn, Query(text="acme", since=NOW - timedelta(days=2)), handler, state=SourceState())
    assert seen[0].url.path == "/api/v2/search"
    assert seen[0].url.params["q"] == "acme"
    assert seen[0].url.params["type"] == "statuses"
    assert seen[0].headers["Authorization"] == "Bearer user-token-value"
    (m,) = page.mentions
    assert m.native_id == "https://mastodon.example/users/ana/statuses/113900000000000300"
    assert m.author is not None
    assert m.author.handle == "ana@mastodon.example"
    assert m.text == "Is acme down for anyone else?"
    assert "user-token-value" not in page.state.model_dump_json()


def test_configuration_errors() -> None:
    with pytest.raises(ConfigError, match="token"):
        MastodonConnector(instances=["m.example"], mode="search")
    with pytest.raises(ConfigError):
        MastodonConnector(instances=["file:///etc/passwd"])
    with pytest.raises(ConfigError):
        MastodonConnector(instances=[])


def test_instance_without_public_preview_is_an_auth_error() -> None:
    conn = MastodonConnector(instances=["m.example"], now=_clock)
    with pytest.raises(AuthError, match="authenticated"):
        drive(
            conn,
            Query(text="acme"),
            lambda r: httpx.Response(422, json={"error": "This method requires an authenticated user"}),
            state=SourceState(),
        )


@pytest.mark.reliability(16)
def test_2600_statuses_on_two_instances_resume_after_a_crash_exactly_once() -> None:
    start = NOW - timedelta(days=10)
    a = [_status(10_000 + i, i, start + timedelta(seconds=300 * i)) for i in range(1800)]
    b_own = [
        _status(90_000 + i, 5000 + i, start + timedelta(seconds=400 * i), origin="b.example")
        for i in range(800)
    ]
    # 500 of a's statuses federated to b under b's own local ids.
    b_copies = [{**s, "id": str(50_000 + i)} for i, s in enumerate(a[:500])]
    fake = FakeMastodon({"a.example": a, "b.example": b_own + b_copies})
    conn = MastodonConnector(instances=["a.example", "b.example"], tags=["acme"], page_size=100, now=_clock)
    collector = Collector(conn, Query(text="acme", since=start), fake)
    with pytest.raises(Crash):
        collector.run(crash_after=30)
    collector.run()
    expected = {s["uri"] for s in a + b_own}
    assert len(expected) == 2600
    assert collector.ids == expected  # one mention per uri, whichever instance served it
    assert len(collector.delivered) == 2600 + 500
    assert all(int(r.url.params.get("limit", "40")) <= 40 for r in fake.requests)
    assert any("max_id" in r.url.params for r in fake.requests)  # Link-header paging
    state = collector.checkpointer.load_state("k")
    assert state is not None
    assert state.extras["newest_local_ids"] == {"https://a.example": "11799", "https://b.example": "90799"}


@pytest.mark.reliability(17)
def test_late_federated_status_is_caught_by_the_overlap() -> None:
    statuses = [_status(1000 + i, i, NOW - timedelta(minutes=100 - i)) for i in range(100)]
    fake = FakeMastodon({"a.example": statuses})
    conn = MastodonConnector(instances=["a.example"], tags=["acme"], now=_clock)
    collector = Collector(conn, Query(text="acme", since=NOW - timedelta(days=1)), fake)
    collector.run()
    # A remote status arrives late: its local id is new, its created_at is 4 minutes before the watermark.
    late = _status(5000, 777, NOW - timedelta(minutes=5), origin="c.example")
    fake.statuses["a.example"].insert(0, late)
    collector.run()
    assert late["uri"] in collector.ids


@pytest.mark.reliability(18)
def test_future_dated_status_is_flagged() -> None:
    fake = FakeMastodon(
        {
            "a.example": [
                _status(2, 2, datetime(2099, 1, 1, tzinfo=UTC)),
                _status(1, 1, NOW - timedelta(minutes=1)),
            ]
        }
    )
    page = drive(
        MastodonConnector(instances=["a.example"], tags=["acme"], now=_clock),
        Query(text="acme", since=NOW - timedelta(hours=1)),
        fake,
        state=SourceState(),
    )
    flags = {m.native_id.rsplit("/", 1)[1]: m.flags for m in page.mentions}
    assert "date_future" in flags["2"]
    assert "date_future" not in flags["1"]
    assert page.state.pending_watermark == NOW + timedelta(days=1)


def test_request_spec_keeps_a_query_string_already_in_the_url() -> None:
    from social_listen.core import RequestSpec

    client = httpx.Client()
    spec = RequestSpec(
        url="https://m.example/api/v1/timelines/tag/acme?max_id=5&any%5B%5D=b", params=[("limit", 40)]
    )
    assert (
        str(spec.build(client).url)
        == "https://m.example/api/v1/timelines/tag/acme?max_id=5&any%5B%5D=b&limit=40"
    )
    assert (
        str(RequestSpec(url="https://m.example/x?max_id=5").build(client).url)
        == "https://m.example/x?max_id=5"
    )
    client.close()


def test_timeline_pages_keep_the_tag_filters_that_links_leave_out() -> None:
    statuses = [_status(100 + i, i, NOW - timedelta(minutes=i)) for i in range(60)]
    fake = FakeMastodon({"a.example": statuses})
    conn = MastodonConnector(instances=["a.example"], tags=["acme", "acmecorp"], none_tags=["ad"], now=_clock)
    collector = Collector(conn, Query(text="acme", since=NOW - timedelta(days=1)), fake)
    collector.run()
    second = fake.requests[1].url.params
    assert second["max_id"] == "120"  # from the Link header
    assert second.get_list("any[]") == ["acmecorp"]
    assert second.get_list("none[]") == ["ad"]
    assert second["limit"] == "40"
    assert len(collector.ids) == 60


def test_token_may_be_a_secret_str_and_never_shows_in_repr() -> None:
    from pydantic import SecretStr

    conn = MastodonConnector(
        instances=["m.example"], mode="search", access_token=SecretStr("tok-value"), now=_clock
    )
    request = next(conn.fetch_page(Query(text="acme"), cursor=None, state=SourceState()))
    assert request.headers["Authorization"] == "Bearer tok-value"
    assert "tok-value" not in repr(conn)
    assert "tok-value" not in repr(request)


def test_a_first_run_without_since_looks_back_30_days_by_default() -> None:
    statuses = [_status(1000 - i, i, NOW - timedelta(days=i)) for i in range(60)]
    recent = Collector(
        MastodonConnector(instances=["a.example"], tags=["acme"], now=_clock),
        Query(text="acme"),
        FakeMastodon({"a.example": statuses}),
    )
    recent.run()
    assert len(recent.ids) == 31  # days 0..30
    everything = Collector(
        MastodonConnector(instances=["a.example"], tags=["acme"], lookback=None, now=_clock),
        Query(text="acme"),
        FakeMastodon({"a.example": statuses}),
    )
    everything.run()
    assert len(everything.ids) == 60


def test_iso_reset_is_corrected_by_the_servers_date_skew() -> None:
    conn = MastodonConnector(instances=["m.example"], tags=["acme"], now=_clock)
    response = httpx.Response(
        200,
        json=[],
        headers={
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "2026-03-01T12:10:00.000Z",
            "Date": "Sun, 01 Mar 2026 12:02:00 GMT",  # the server's clock is 2 minutes ahead
        },
    )
    info = conn.rate_limit(response)
    assert info is not None
    assert info.reset_at == datetime(2026, 3, 1, 12, 8, tzinfo=UTC)
    assert info.remaining == 0
