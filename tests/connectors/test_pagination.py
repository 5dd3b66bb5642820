"""Paginators: each strategy against the response shape it documents, and loop detection."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from social_listen.connectors import (
    AfterFullnamePaginator,
    CursorPaginator,
    LinkHeaderPaginator,
    MaxIdPaginator,
    MinIdPaginator,
    PageHistory,
    PageNumberPaginator,
    PageResponse,
    SinglePage,
    get_path,
)
from social_listen.core import PaginationLoop, ParseError, PlatformError

URL = "https://api.example/search"


def page(
    body: Any,
    *,
    token: str | None = None,
    items: list[Any] | None = None,
    headers: dict[str, str] | None = None,
    url: str = URL,
) -> PageResponse:
    response = httpx.Response(200, json=body, headers=headers or {})
    found = items if items is not None else (body.get("items", [1]) if isinstance(body, dict) else body)
    return PageResponse(response=response, body=body, items=found, token=token, url=url)


def test_get_path_follows_keys_and_list_indexes() -> None:
    body = {"data": {"children": [{"data": {"name": "t3_a"}}]}}
    assert get_path(body, "data.children.0.data.name") == "t3_a"
    assert get_path(body, "") is body
    assert get_path(body, "data.missing", None) is None
    assert get_path(body, "data.children.5", "d") == "d"
    with pytest.raises(KeyError):
        get_path(body, "data.nope")


def test_single_page_never_continues() -> None:
    p = SinglePage()
    assert p.prepare(None, url=URL, params=[("q", "a")]) == (URL, [("q", "a")])
    assert p.next_page(page({"items": [1, 2]})) is None


def test_cursor_paginator_bluesky_and_x_shapes() -> None:
    # https://docs.bsky.app/docs/api/app-bsky-feed-search-posts
    bsky = CursorPaginator()
    assert bsky.prepare(None, url=URL, params=[("q", "a")]) == (URL, [("q", "a")])
    assert bsky.next_page(page({"posts": [1], "cursor": "25"}, items=[1])) == "25"
    assert bsky.prepare("25", url=URL, params=[("q", "a"), ("cursor", "old")])[1] == [
        ("q", "a"),
        ("cursor", "25"),
    ]
    assert bsky.next_page(page({"posts": [1]}, items=[1])) is None
    assert bsky.next_page(page({"posts": [1], "cursor": ""}, items=[1])) is None  # empty cursor ends
    assert bsky.next_page(page({"posts": [], "cursor": "26"}, items=[])) is None  # empty page ends
    # https://docs.x.com/x-api/posts/search/introduction (meta.next_token)
    x = CursorPaginator(cursor_path="meta.next_token", cursor_param="next_token")
    assert x.next_page(page({"data": [1], "meta": {"next_token": "b26v89c19zqg8o3fr5qw"}}, items=[1])) == (
        "b26v89c19zqg8o3fr5qw"
    )
    with pytest.raises(ParseError, match="not a string"):
        x.next_page(page({"meta": {"next_token": {"x": 1}}}, items=[1]))


def test_after_fullname_paginator_reddit_listing() -> None:
    # https://www.reddit.com/dev/api/#listings
    reddit = AfterFullnamePaginator()
    listing = {"kind": "Listing", "data": {"after": "t3_1abcde", "children": [{"kind": "t3", "data": {}}]}}
    assert reddit.next_page(page(listing, items=listing["data"]["children"])) == "t3_1abcde"
    assert reddit.prepare("t3_1abcde", url=URL, params=[("q", "acme"), ("limit", 100)])[1] == [
        ("q", "acme"),
        ("limit", 100),
        ("after", "t3_1abcde"),
    ]
    end = {"kind": "Listing", "data": {"after": None, "children": [{}]}}
    assert reddit.next_page(page(end, items=[{}])) is None
    with pytest.raises(ParseError, match="not a fullname"):
        reddit.next_page(page({"data": {"after": "../../etc"}}, items=[{}]))


def test_page_number_zero_based_with_total_pages_hn() -> None:
    # https://hn.algolia.com/api : page is 0-based, nbPages the count
    hn = PageNumberPaginator(base=0, total_pages_path="nbPages")
    assert hn.prepare(None, url=URL, params=[("query", "acme")])[1] == [("query", "acme"), ("page", 0)]
    assert hn.next_page(page({"hits": [1], "nbPages": 3}, items=[1])) == "1"
    assert hn.next_page(page({"hits": [1], "nbPages": 3}, token="1", items=[1])) == "2"
    assert hn.next_page(page({"hits": [1], "nbPages": 3}, token="2", items=[1])) is None
    with pytest.raises(ParseError, match="page count"):
        hn.next_page(page({"hits": [1]}, items=[1]))


def test_page_number_one_based_with_has_more_stack_exchange() -> None:
    # https://api.stackexchange.com/docs/paging
    se = PageNumberPaginator(base=1, has_more_path="has_more")
    assert se.prepare(None, url=URL, params=[])[1] == [("page", 1)]
    assert se.next_page(page({"items": [1], "has_more": True})) == "2"
    assert se.next_page(page({"items": [1], "has_more": False}, token="2")) is None
    with pytest.raises(ParseError, match="not a page number"):
        se.prepare("abc", url=URL, params=[])


def test_page_number_without_signals_stops_on_empty_or_max_page() -> None:
    lemmy = PageNumberPaginator(base=1, max_page=3)
    assert lemmy.next_page(page({"posts": [1]}, items=[1])) == "2"
    assert lemmy.next_page(page({"posts": [1]}, token="3", items=[1])) is None
    assert lemmy.next_page(page({"posts": []}, items=[])) is None
    with pytest.raises(ValueError, match="base"):
        PageNumberPaginator(base=2)


def test_link_header_paginator_mastodon() -> None:
    # https://docs.joinmastodon.org/api/guidelines/#pagination
    link = (
        '<https://m.example/api/v1/timelines/tag/acme?max_id=1099>; rel="next", '
        '<https://m.example/api/v1/timelines/tag/acme?min_id=1130>; rel="prev"'
    )
    base = "https://m.example/api/v1/timelines/tag/acme"
    p = LinkHeaderPaginator()
    nxt = p.next_page(page([{"id": "1130"}], headers={"Link": link}, url=base))
    assert nxt == "https://m.example/api/v1/timelines/tag/acme?max_id=1099"
    assert p.prepare(nxt, url=base, params=[("limit", 40)]) == (nxt, [])
    assert p.prepare(None, url=base, params=[("limit", 40)]) == (base, [("limit", 40)])
    assert p.next_page(page([{"id": "1"}], url=base)) is None  # no Link header
    relative = p.next_page(
        page([{"id": "1"}], headers={"Link": '</api/v1/x?max_id=5>; rel="next"'}, url=base)
    )
    assert relative == "https://m.example/api/v1/x?max_id=5"
    with pytest.raises(PlatformError, match="another origin"):
        p.prepare("https://evil.example/steal", url=base, params=[])


def test_max_id_and_min_id_paginators() -> None:
    statuses = [{"id": "1130"}, {"id": "1120"}, {"id": "1099"}]
    older = MaxIdPaginator()
    assert older.next_page(page(statuses)) == "1099"
    assert older.prepare("1099", url=URL, params=[("limit", 40)])[1] == [("limit", 40), ("max_id", "1099")]
    assert older.prepare(None, url=URL, params=[])[1] == []
    newer = MinIdPaginator()
    assert newer.next_page(page(statuses)) == "1130"
    assert MinIdPaginator(newest_first=False).next_page(page(statuses)) == "1099"
    with pytest.raises(ParseError, match="no usable id"):
        older.next_page(page([{"uri": "x"}]))


@pytest.mark.reliability(14)
def test_page_history_detects_same_token_and_cycles() -> None:
    h = PageHistory().advance("A")
    with pytest.raises(PaginationLoop, match="1 pages ago"):
        h.advance("A")
    h = h.advance("B")
    with pytest.raises(PaginationLoop, match="2 pages ago"):
        h.advance("A")
    assert h.pages == 2


@pytest.mark.reliability(14)
def test_page_history_enforces_an_optional_page_cap_and_survives_json() -> None:
    h = PageHistory()
    for token in ("1", "2"):
        h = h.advance(token, max_pages=4)
    restored = PageHistory.model_validate_json(h.model_dump_json())
    with pytest.raises(PaginationLoop, match="page cap of 3"):
        restored.advance("3", max_pages=3)
    with pytest.raises(PaginationLoop, match="repeats"):
        restored.advance("1", max_pages=10)


@pytest.mark.reliability(14)
def test_page_history_window_is_bounded() -> None:
    h = PageHistory()
    for i in range(100):
        h = h.advance(str(i))
    assert len(h.recent) == PageHistory.WINDOW
    assert h.pages == 100
