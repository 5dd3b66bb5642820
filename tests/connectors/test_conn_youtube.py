from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from account_conn_support import Clock, assert_no_secret, debug_logs, load_fixture
from open_conn_support import drive

from social_listen.connectors import QuotaBudget
from social_listen.connectors.youtube import (
    YouTubeConnector,
    parse_youtube_comment_thread,
    parse_youtube_search_result,
)
from social_listen.core import AuthError, ConfigError, PlatformError, Query, QuotaExceeded, SourceState

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
KEY = "test-youtube-api-key"


class FakeYouTube:
    """search.list over numbered pages of videos, newest first."""

    def __init__(self, pages: int = 5, per_page: int = 2) -> None:
        self.pages = pages
        self.per_page = per_page
        self.requests: list[httpx.Request] = []
        self.error: tuple[int, Any] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.headers["x-goog-api-key"] == KEY
        assert "key" not in request.url.params
        if self.error is not None:
            status, body = self.error
            return httpx.Response(status, json=body)
        number = int(request.url.params.get("pageToken", "0"))
        items = []
        for i in range(self.per_page):
            index = number * self.per_page + i
            items.append(
                {
                    "kind": "youtube#searchResult",
                    "id": {"kind": "youtube#video", "videoId": f"vid{index:04d}"},
                    "snippet": {
                        "publishedAt": (NOW - timedelta(minutes=index + 1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "channelId": "UCtest",
                        "title": f"acme {index}",
                        "description": "",
                        "channelTitle": "T",
                    },
                }
            )
        body: dict[str, Any] = {"kind": "youtube#searchListResponse", "items": items}
        if number + 1 < self.pages:
            body["nextPageToken"] = str(number + 1)
        return httpx.Response(200, json=body)


def make(clock=None, **kw):
    kw.setdefault("api_key", KEY)
    return YouTubeConnector(now=clock or (lambda: NOW), **kw)


def run_all(connector, fake, state=None):
    state = state or SourceState()
    cursor = None
    pages = []
    while True:
        page = drive(connector, Query(text="acme"), fake, state=state, cursor=cursor)
        pages.append(page)
        state, cursor = page.state, page.next_cursor
        if page.done:
            return pages


def test_parse_search_result_field_by_field() -> None:
    items = load_fixture("youtube_search_list.json")["items"]
    m = parse_youtube_search_result(items[0])
    assert m.native_id == "testVideo01"
    assert m.url == "https://www.youtube.com/watch?v=testVideo01"
    assert m.title == "Acme Widget 2 review: worth it?"
    assert m.text.startswith("I used the Acme Widget 2")
    assert m.author is not None
    assert (m.author.id, m.author.name) == ("UCtestchannel000000000001", "Gadget Reviews Test")
    assert m.author.url == "https://www.youtube.com/channel/UCtestchannel000000000001"
    assert m.created_at == datetime(2026, 11, 19, 15, 30, tzinfo=UTC)
    assert m.channel == "UCtestchannel000000000001"
    assert m.extras["live"] == "none"
    page = drive(
        make(),
        Query(text="acme"),
        lambda r: httpx.Response(200, json=load_fixture("youtube_search_list.json")),
        state=SourceState(),
    )
    assert [m.native_id for m in page.mentions] == ["testVideo01"]
    assert [s.reason for s in page.skipped] == ["not_a_video"]


def test_parse_comment_thread_field_by_field() -> None:
    item = load_fixture("youtube_comment_threads.json")["items"][0]
    m = parse_youtube_comment_thread(item)
    assert m.native_id == "UgxTestThread01"
    assert m.text == "Mine broke after a week & Acme never replied"
    assert m.url == "https://www.youtube.com/watch?v=testVideo01&lc=UgxTestThread01"
    assert m.author is not None
    assert (m.author.handle, m.author.id) == ("@angrycustomer", "UCtestauthor0000000000001")
    assert m.author.url == "http://www.youtube.com/@angrycustomer"
    assert m.created_at == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)
    assert m.edited_at == datetime(2026, 11, 19, 16, 5, tzinfo=UTC)
    assert (m.metrics.likes, m.metrics.replies) == (17, 3)
    assert m.parent_id == "testVideo01"
    assert m.thread_id == "testVideo01"


def test_comment_threads_need_a_target_and_send_search_terms() -> None:
    with pytest.raises(ConfigError, match="video_id or channel_id"):
        make(mode="comments")
    connector = make(mode="comments", video_id="testVideo01")
    request = next(connector.fetch_page(Query(text="broke"), cursor=None, state=SourceState()))
    params = dict(request.params)
    assert request.url.endswith("/youtube/v3/commentThreads")
    assert (params["videoId"], params["searchTerms"], params["maxResults"]) == ("testVideo01", "broke", 100)
    assert connector.budget.used == 1  # commentThreads.list costs one unit


def test_run_stops_before_the_request_that_would_exceed_the_quota() -> None:
    fake = FakeYouTube(pages=5)
    connector = make(daily_quota=250)
    with pytest.raises(QuotaExceeded) as info:
        run_all(connector, fake)
    assert len(fake.requests) == 2  # the third search (300 > 250 units) was never sent
    assert (info.value.needed, info.value.remaining) == (100, 50)
    message = str(info.value)
    assert "100 units" in message
    assert "50 units" in message
    assert "250 units" in message
    assert "2026-11-21T08:00:00+00:00" in message  # midnight Pacific


def test_quota_used_is_carried_in_state_across_processes() -> None:
    fake = FakeYouTube(pages=1)
    pages = run_all(make(daily_quota=250), fake)
    assert pages[-1].state.extras["youtube_quota"] == {"period": "2026-11-20", "used": 100}
    assert "quota_used:100/250" in pages[-1].notes
    second = make(daily_quota=250)
    run_all(second, fake, state=pages[-1].state)
    assert second.budget.used == 200
    with pytest.raises(QuotaExceeded):
        run_all(
            make(daily_quota=250),
            fake,
            state=pages[-1].state.with_extras(youtube_quota={"period": "2026-11-20", "used": 200}),
        )
    assert len(fake.requests) == 2


def test_quota_resets_at_midnight_pacific() -> None:
    clock = Clock(datetime(2026, 11, 21, 7, 59, tzinfo=UTC))  # 23:59 in Los Angeles (PST)
    budget = QuotaBudget(100, now=clock)
    budget.spend(100, source="youtube", what="search")
    with pytest.raises(QuotaExceeded):
        budget.check(1, source="youtube", what="search")
    clock.advance(minutes=1)
    assert budget.remaining == 100
    summer = Clock(datetime(2026, 7, 1, 6, 59, tzinfo=UTC))  # 23:59 PDT
    assert QuotaBudget(1, now=summer).reset_at() == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


def test_server_quota_error_is_quota_exceeded() -> None:
    fake = FakeYouTube()
    fake.error = (403, load_fixture("youtube_quota_exceeded.json"))
    connector = make()
    with pytest.raises(QuotaExceeded, match="quotaExceeded"):
        run_all(connector, fake)
    assert connector.budget.remaining == 0


@pytest.mark.reliability(8)
def test_bad_key_and_403_are_explained() -> None:
    fake = FakeYouTube()
    fake.error = (
        400,
        {"error": {"code": 400, "message": "API key not valid.", "errors": [{"reason": "keyInvalid"}]}},
    )
    with pytest.raises(AuthError, match="keyInvalid"):
        run_all(make(), fake)
    fake.error = (403, {"error": {"code": 403, "message": "Forbidden", "errors": [{"reason": "forbidden"}]}})
    with pytest.raises(AuthError) as info:
        run_all(make(), fake)
    assert "YouTube Data API v3 is enabled" in str(info.value)
    fake.error = (403, {"error": {"code": 403, "errors": [{"reason": "commentsDisabled"}]}})
    with pytest.raises(PlatformError, match="disabled"):
        run_all(make(mode="comments", video_id="v"), fake)


@pytest.mark.reliability(28)
@pytest.mark.reliability(29)
def test_planted_secret_never_leaks(caplog) -> None:
    secret = "planted-youtube-key-31c"
    debug_logs(caplog)
    connector = make(api_key=secret)

    def handler(request: httpx.Request) -> httpx.Response:
        assert secret not in str(request.url)
        return httpx.Response(400, json={"error": {"code": 400, "errors": [{"reason": "keyInvalid"}]}})

    request = next(connector.fetch_page(Query(text="acme"), cursor=None, state=SourceState()))
    with pytest.raises(AuthError) as info:
        drive(connector, Query(text="acme"), handler, state=SourceState())
    assert_no_secret(secret, logs=caplog.text, objects=[connector, request, info.value, connector.budget])
