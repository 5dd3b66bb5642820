"""HTTPConnector: the sans-I/O flow, incremental window, skips, auth and error handling."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Generator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from social_listen.connectors import (
    AuthFlow,
    HTTPConnector,
    LinkHeaderPaginator,
    PageNumberPaginator,
    SkipItem,
    TimeSlicer,
    TimeWindow,
)
from social_listen.core import (
    AuthError,
    Capabilities,
    ConfigError,
    Limits,
    Mention,
    Page,
    PaginationLoop,
    ParseError,
    PlatformError,
    Query,
    RateLimitInfo,
    RequestSpec,
    SourceState,
)
from social_listen.testing import FakePlatform, FakeRequest

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _item(i: int, *, minutes_ago: int | None = None, **extra: Any) -> dict[str, Any]:
    ts = NOW - timedelta(minutes=minutes_ago if minutes_ago is not None else i)
    return {"id": i, "body": f"post {i}", "ts": int(ts.timestamp()), **extra}


class ForumConnector(HTTPConnector):
    """A small forum API: page-numbered, newest first, items under ``results``."""

    name = "forum"
    capabilities = Capabilities(since_until=True, order="newest_first")
    base_url = "https://forum.example"
    path = "/api/search"
    items_path = "results"
    paginator = PageNumberPaginator(base=1, has_more_path="has_more")
    page_size = 3
    page_size_param = "limit"

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Mapping[str, Any] | Sequence[tuple[str, Any]]:
        return {"q": query.text, "after": window.since_epoch, "before": window.until_epoch}

    def parse_item(self, item: Any) -> Mention | None:
        if item.get("deleted"):
            raise SkipItem("deleted")
        if item.get("ad"):
            return None
        return Mention(
            source=self.name,
            native_id=item["id"],
            text=item["body"],
            title=item.get("title"),
            created_at=datetime.fromtimestamp(item["ts"], UTC),
        )


def connector(**kwargs: Any) -> ForumConnector:
    return ForumConnector(now=lambda: NOW, **kwargs)


def drive(
    flow: Generator[RequestSpec, httpx.Response, Page], responses: list[httpx.Response]
) -> tuple[list[RequestSpec], Page]:
    """Run a flow by hand, answering each request with the next response."""
    requests: list[RequestSpec] = []
    try:
        request = next(flow)
        for response in responses:
            requests.append(request)
            request = flow.send(response)
    except StopIteration as stop:
        return requests, stop.value
    raise AssertionError("the flow asked for more requests than the test answered")


def ok(items: list[dict[str, Any]], *, has_more: bool = False) -> httpx.Response:
    return httpx.Response(200, json={"results": items, "has_more": has_more})


def test_first_request_carries_params_page_and_page_size() -> None:
    flow = connector().fetch_page(Query(text="acme"), cursor=None, state=SourceState())
    spec = next(flow)
    assert isinstance(spec, RequestSpec)
    assert spec.url == "https://forum.example/api/search"
    assert dict(spec.params) == {"q": "acme", "limit": 3, "page": 1}
    assert spec.expect == "json"


def test_pages_chain_until_has_more_is_false_and_state_finishes() -> None:
    c = connector()
    query = Query(text="acme")
    _, first = drive(
        c.fetch_page(query, cursor=None, state=SourceState()), [ok([_item(1), _item(2)], has_more=True)]
    )
    assert [m.native_id for m in first.mentions] == ["1", "2"]
    assert first.next_cursor is not None
    assert first.state.cursor == first.next_cursor
    assert first.state.watermark is None  # not promoted until the run ends
    requests, second = drive(
        c.fetch_page(query, cursor=first.next_cursor, state=first.state), [ok([_item(3)])]
    )
    assert dict(requests[0].params)["page"] == 2
    assert second.done
    assert second.state.cursor is None
    assert second.state.watermark == NOW - timedelta(minutes=1)
    assert second.state.boundary_ids == frozenset({"1"})
    assert second.requests == 1


def test_cursor_and_state_round_trip_through_json() -> None:
    c = connector()
    _, page = drive(
        c.fetch_page(Query(text="acme"), cursor=None, state=SourceState()), [ok([_item(1)], has_more=True)]
    )
    restored = SourceState.model_validate_json(page.state.model_dump_json())
    assert restored == page.state
    assert restored.cursor is not None
    json.loads(restored.cursor)  # the cursor is plain JSON text
    requests, _ = drive(c.fetch_page(Query(text="acme"), cursor=restored.cursor, state=restored), [ok([])])
    assert dict(requests[0].params)["page"] == 2


@pytest.mark.reliability(17)
def test_incremental_run_starts_at_watermark_minus_overlap() -> None:
    c = connector(limits=Limits(overlap=timedelta(minutes=10)))
    watermark = NOW - timedelta(hours=1)
    state = SourceState(watermark=watermark, boundary_ids=frozenset({"7"}))
    spec = next(c.fetch_page(Query(text="acme"), cursor=None, state=state))
    assert dict(spec.params)["after"] == int((watermark - timedelta(minutes=10)).timestamp())


@pytest.mark.reliability(17)
def test_explicit_since_is_kept_when_later_than_the_incremental_start() -> None:
    since = NOW - timedelta(minutes=5)
    state = SourceState(watermark=NOW - timedelta(hours=1))
    spec = next(connector().fetch_page(Query(text="acme", since=since), cursor=None, state=state))
    assert dict(spec.params)["after"] == int(since.timestamp())


@pytest.mark.reliability(17)
def test_late_items_inside_overlap_are_kept_and_boundary_ids_dropped() -> None:
    watermark = NOW - timedelta(minutes=30)
    state = SourceState(watermark=watermark, boundary_ids=frozenset({"30"}))
    items = [
        _item(20, minutes_ago=20),  # new
        _item(30, minutes_ago=30),  # exactly at the watermark, already seen
        _item(31, minutes_ago=30),  # at the watermark, not seen: a late arrival
        _item(35, minutes_ago=35),  # inside the overlap: late item, kept (the store dedups)
        _item(90, minutes_ago=90),  # older than watermark - overlap: dropped, paging stops
    ]
    _, page = drive(
        connector().fetch_page(Query(text="acme"), cursor=None, state=state), [ok(items, has_more=True)]
    )
    assert [m.native_id for m in page.mentions] == ["20", "31", "35"]
    assert page.done  # reached the start of the window on a newest-first platform
    assert page.state.watermark == NOW - timedelta(minutes=20)


@pytest.mark.reliability(18)
def test_future_dates_are_flagged_and_the_watermark_is_clamped() -> None:
    future = _item(1)
    future["ts"] = int(datetime(2099, 1, 1, tzinfo=UTC).timestamp())
    _, page = drive(
        connector().fetch_page(Query(text="acme"), cursor=None, state=SourceState()), [ok([future, _item(2)])]
    )
    flagged = {m.native_id: m.flags for m in page.mentions}
    assert "date_future" in flagged["1"]
    assert "date_future" not in flagged["2"]
    assert page.state.watermark == NOW + Limits().future_skew


@pytest.mark.reliability(13)
def test_invalid_items_are_skipped_and_counted_with_reasons() -> None:
    items = [_item(1), {"id": 2, "body": "no timestamp"}, _item(3, deleted=True), _item(4, ad=True), _item(5)]
    _, page = drive(connector().fetch_page(Query(text="acme"), cursor=None, state=SourceState()), [ok(items)])
    assert [m.native_id for m in page.mentions] == ["1", "5"]
    reasons = {s.item_id: s.reason for s in page.skipped}
    assert reasons == {"2": "invalid_item", "3": "deleted", "4": "ignored"}
    invalid = next(s for s in page.skipped if s.item_id == "2")
    assert "ts" in invalid.detail


@pytest.mark.reliability(13)
def test_ids_as_int_or_string_both_become_strings() -> None:
    items = [_item(1), {**_item(2), "id": "2"}]
    _, page = drive(connector().fetch_page(Query(text="acme"), cursor=None, state=SourceState()), [ok(items)])
    assert [m.native_id for m in page.mentions] == ["1", "2"]


@pytest.mark.reliability(13)
def test_page_fails_only_past_the_skip_threshold() -> None:
    bad = [{"id": i} for i in range(3)]
    with pytest.raises(ParseError, match="3 of 4 items failed"):
        drive(
            connector().fetch_page(Query(text="acme"), cursor=None, state=SourceState()),
            [ok([*bad, _item(9)])],
        )
    lenient = connector(limits=Limits(skip_threshold=0.9))
    _, page = drive(
        lenient.fetch_page(Query(text="acme"), cursor=None, state=SourceState()), [ok([*bad, _item(9)])]
    )
    assert len(page.skipped) == 3
    assert [m.native_id for m in page.mentions] == ["9"]


@pytest.mark.reliability(13)
def test_missing_items_path_is_a_parse_error_and_error_body_a_platform_error() -> None:
    c = connector()
    with pytest.raises(ParseError, match="results"):
        drive(
            c.fetch_page(Query(text="a"), cursor=None, state=SourceState()),
            [httpx.Response(200, json={"x": 1})],
        )
    with pytest.raises(PlatformError, match="query too long"):
        drive(
            c.fetch_page(Query(text="a"), cursor=None, state=SourceState()),
            [httpx.Response(200, json={"error": {"message": "query too long"}})],
        )
    with pytest.raises(PlatformError, match="HTTP 400: bad site"):
        drive(
            c.fetch_page(Query(text="a"), cursor=None, state=SourceState()),
            [httpx.Response(400, json={"error_id": 400, "error_message": "bad site"})],
        )


@pytest.mark.reliability(12)
def test_hostile_json_body_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        drive(
            connector().fetch_page(Query(text="a"), cursor=None, state=SourceState()),
            [httpx.Response(200, content=b'{"results": [NaN]}')],
        )


def test_text_is_capped_and_flagged() -> None:
    c = connector(limits=Limits(max_text_chars=10))
    _, page = drive(
        c.fetch_page(Query(text="a"), cursor=None, state=SourceState()),
        [ok([{**_item(1), "body": "x" * 50, "title": "t" * 50}])],
    )
    mention = page.mentions[0]
    assert mention.text == "x" * 10
    assert mention.title == "t" * 10
    assert "text_truncated" in mention.flags


def test_empty_page_stops_cleanly() -> None:
    _, page = drive(
        connector().fetch_page(Query(text="a"), cursor=None, state=SourceState()), [ok([], has_more=True)]
    )
    assert page.done
    assert page.mentions == ()
    assert page.state.cursor is None


def test_not_modified_is_an_empty_finished_page() -> None:
    _, page = drive(
        connector().fetch_page(Query(text="a"), cursor=None, state=SourceState()), [httpx.Response(304)]
    )
    assert page.done
    assert page.mentions == ()


@pytest.mark.reliability(14)
def test_repeated_page_token_raises_pagination_loop() -> None:
    class StuckPaginator(PageNumberPaginator):
        def next_token(self, page: Any) -> str | None:
            return "2"  # the platform keeps pointing at page 2

    c = connector(paginator=StuckPaginator())
    query = Query(text="a")
    _, first = drive(c.fetch_page(query, cursor=None, state=SourceState()), [ok([_item(1)])])
    with pytest.raises(PaginationLoop, match="repeats"):
        drive(c.fetch_page(query, cursor=first.next_cursor, state=first.state), [ok([_item(2)])])


def test_foreign_cursor_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cursor"):
        next(connector().fetch_page(Query(text="a"), cursor="not-json", state=SourceState()))


def test_connector_without_a_name_is_a_config_error() -> None:
    class Nameless(HTTPConnector):
        pass

    with pytest.raises(ConfigError, match="name"):
        Nameless()


class TokenForum(ForumConnector):
    """A forum behind a bearer token that expires; refresh_auth fetches a new one."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.token = "expired"
        self.refreshes = 0

    def auth_headers(self) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def refresh_auth(self) -> AuthFlow:
        self.refreshes += 1
        response = yield RequestSpec(method="POST", url="https://forum.example/oauth/token")
        self.token = response.json()["access_token"]
        return True


@pytest.mark.reliability(8)
def test_401_refreshes_once_and_retries_with_the_new_token() -> None:
    c = TokenForum(now=lambda: NOW)
    requests, page = drive(
        c.fetch_page(Query(text="a"), cursor=None, state=SourceState()),
        [httpx.Response(401), httpx.Response(200, json={"access_token": "fresh"}), ok([_item(1)])],
    )
    assert [r.method for r in requests] == ["GET", "POST", "GET"]
    assert requests[0].headers["Authorization"] == "Bearer expired"
    assert requests[2].headers["Authorization"] == "Bearer fresh"
    assert [m.native_id for m in page.mentions] == ["1"]
    assert page.requests == 3
    assert c.refreshes == 1


@pytest.mark.reliability(8)
def test_401_after_refresh_is_an_auth_error_with_no_second_refresh() -> None:
    c = TokenForum(now=lambda: NOW)
    with pytest.raises(AuthError, match="401"):
        drive(
            c.fetch_page(Query(text="a"), cursor=None, state=SourceState()),
            [httpx.Response(401), httpx.Response(200, json={"access_token": "x"}), httpx.Response(401)],
        )
    assert c.refreshes == 1


@pytest.mark.reliability(8)
def test_401_without_refresh_support_is_an_auth_error() -> None:
    flow = connector().fetch_page(Query(text="a"), cursor=None, state=SourceState())
    next(flow)
    with pytest.raises(AuthError, match="401"):
        flow.send(httpx.Response(401))


@pytest.mark.reliability(8)
def test_403_is_an_auth_error_that_says_what_to_do() -> None:
    class Scoped(ForumConnector):
        forbidden_hint = "enable the 'read' scope for the app in the forum's developer settings"

    flow = Scoped(now=lambda: NOW).fetch_page(Query(text="a"), cursor=None, state=SourceState())
    next(flow)
    with pytest.raises(AuthError) as info:
        flow.send(httpx.Response(403, json={"error": "forbidden"}))
    assert info.value.source == "forum"
    assert "read' scope" in str(info.value)


class SlicedForum(ForumConnector):
    """The forum with a 4-result cap per query and a total count in the body."""

    slicer = TimeSlicer(result_cap=4, min_width=timedelta(minutes=1))

    def total_hits(self, body: Any) -> int | None:
        value = body.get("total")
        return value if isinstance(value, int) else None


def _sliced_response(request: RequestSpec, items: list[dict[str, Any]]) -> httpx.Response:
    params = dict(request.params)
    hits = [i for i in items if params["after"] <= i["ts"] < params["before"]]
    hits.sort(key=lambda i: -i["ts"])
    page = int(params["page"])
    capped = hits[:4]
    chunk = capped[(page - 1) * 3 : page * 3]
    return httpx.Response(
        200, json={"results": chunk, "total": len(hits), "has_more": page * 3 < len(capped)}
    )


@pytest.mark.reliability(15)
def test_slicing_bisects_over_the_cap_and_collects_everything_once() -> None:
    items = [_item(i, minutes_ago=i * 7) for i in range(1, 13)]
    c = SlicedForum(now=lambda: NOW)
    query = Query(text="a", since=NOW - timedelta(hours=2), until=NOW)
    state, cursor = SourceState(), None
    collected: list[str] = []
    notes: list[str] = []
    for _ in range(60):
        flow = c.fetch_page(query, cursor=cursor, state=state)
        request = next(flow)
        try:
            while True:
                request = flow.send(_sliced_response(request, items))
        except StopIteration as stop:
            page = stop.value
        collected += [m.native_id for m in page.mentions]
        notes += page.notes
        state, cursor = page.state, page.next_cursor
        if page.done:
            break
    assert sorted(collected, key=int) == [str(i) for i in range(1, 13)]
    assert len(collected) == len(set(collected))
    assert "resliced" in notes
    assert not page.truncated


class TagTimeline(HTTPConnector):
    """Mastodon-style: the body is a list, paging by Link header, per-tag URL."""

    name = "tags"
    capabilities = Capabilities(order="newest_first")
    base_url = "https://m.example"
    paginator = LinkHeaderPaginator()
    page_size = 2
    page_size_param = "limit"

    def build_url(self, query: Query, *, state: SourceState) -> str:
        return f"{self.base_url}/api/v1/timelines/tag/{query.text}"

    def parse_item(self, item: Any) -> Mention | None:
        return Mention(
            source=self.name, native_id=item["uri"], created_at=datetime.fromisoformat(item["created_at"])
        )


def _status(i: int) -> dict[str, Any]:
    # https://docs.joinmastodon.org/entities/Status/ (only the fields used here)
    return {
        "id": str(1000 - i),
        "uri": f"https://m.example/users/ann/statuses/{1000 - i}",
        "created_at": (NOW - timedelta(minutes=i)).isoformat(),
    }


def test_link_header_paging_with_a_list_body_and_a_custom_url() -> None:
    c = TagTimeline(now=lambda: NOW)
    query = Query(text="acme")
    next_link = '<https://m.example/api/v1/timelines/tag/acme?limit=2&max_id=999>; rel="next"'
    requests, first = drive(
        c.fetch_page(query, cursor=None, state=SourceState()),
        [httpx.Response(200, json=[_status(0), _status(1)], headers={"Link": next_link})],
    )
    assert requests[0].url == "https://m.example/api/v1/timelines/tag/acme"
    assert dict(requests[0].params) == {"limit": 2}
    requests, second = drive(
        c.fetch_page(query, cursor=first.next_cursor, state=first.state),
        [httpx.Response(200, json=[_status(2)])],
    )
    assert requests[0].url == "https://m.example/api/v1/timelines/tag/acme?limit=2&max_id=999"
    assert list(requests[0].params) == []
    assert second.done
    assert [m.native_id for m in (*first.mentions, *second.mentions)] == [
        "https://m.example/users/ann/statuses/1000",
        "https://m.example/users/ann/statuses/999",
        "https://m.example/users/ann/statuses/998",
    ]


def test_body_that_is_not_a_list_at_the_items_path_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not a list"):
        drive(
            connector().fetch_page(Query(text="a"), cursor=None, state=SourceState()),
            [httpx.Response(200, json={"results": {"a": 1}})],
        )


def test_rate_limit_hook_result_is_on_the_page() -> None:
    class Paced(ForumConnector):
        def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
            return RateLimitInfo(remaining=float(response.headers["X-Remaining"]))

    _, page = drive(
        Paced(now=lambda: NOW).fetch_page(Query(text="a"), cursor=None, state=SourceState()),
        [httpx.Response(200, json={"results": [], "has_more": False}, headers={"X-Remaining": "41"})],
    )
    assert page.rate_limit == RateLimitInfo(remaining=41.0)


# --------------------------------------------------------------- the same flows under the clients


def _token_platform(*, grant_ok: bool = True, forbidden: bool = False) -> FakePlatform:
    platform = FakePlatform(name="forum")

    @platform.post("/oauth/token")
    def token(request: FakeRequest) -> Any:
        if not grant_ok:
            return httpx.Response(200, json={"access_token": "still-bad"})
        return {"access_token": "fresh"}

    @platform.get("/api/search")
    def search(request: FakeRequest) -> Any:
        if forbidden:
            return httpx.Response(403, json={"error": "forbidden"})
        if request.headers.get("authorization") != "Bearer fresh":
            return httpx.Response(401, json={"error": "token expired"})
        return {"results": [_item(1), _item(2)], "has_more": False}

    return platform


def _run_both(connector_factory: Any, platform_factory: Any) -> list[Any]:
    """Fetch with Client and AsyncClient; returns both FetchResults."""
    from social_listen.core import AsyncClient, Client

    with Client(transport=platform_factory().transport(), sleep=lambda s: None) as client:
        sync_result = client.fetch(connector_factory(), Query(text="acme"))

    async def nap(seconds: float) -> None:
        return None

    async def run() -> Any:
        async with AsyncClient(transport=platform_factory().transport(), sleep=nap) as client:
            return await client.fetch(connector_factory(), Query(text="acme"))

    return [sync_result, asyncio.run(run())]


@pytest.mark.reliability(8)
def test_under_both_clients_401_refreshes_once_and_the_run_succeeds() -> None:
    platforms: list[FakePlatform] = []

    def platform() -> FakePlatform:
        platforms.append(_token_platform())
        return platforms[-1]

    for result, fake in zip(_run_both(lambda: TokenForum(now=lambda: NOW), platform), platforms, strict=True):
        assert result.error is None
        assert [m.native_id for m in result.mentions] == ["1", "2"]
        assert [(c.method, c.path, c.status) for c in fake.calls] == [
            ("GET", "/api/search", 401),
            ("POST", "/oauth/token", 200),
            ("GET", "/api/search", 200),
        ]


@pytest.mark.reliability(8)
def test_under_both_clients_a_second_401_and_a_403_are_auth_errors_and_nothing_is_committed() -> None:
    for result in _run_both(lambda: TokenForum(now=lambda: NOW), lambda: _token_platform(grant_ok=False)):
        assert isinstance(result.error, AuthError)
        assert "401" in str(result.error)
        assert result.mentions == ()
        assert result.state == SourceState()
    for result in _run_both(lambda: TokenForum(now=lambda: NOW), lambda: _token_platform(forbidden=True)):
        assert isinstance(result.error, AuthError)
        assert "403" in str(result.error)
        assert result.state == SourceState()
