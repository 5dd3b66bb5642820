"""The Example Forum connector: a JSON search API with page numbers and a ``has_more`` flag.

The API (fictional, shaped like many forum APIs)::

    GET https://forum.example/api/v2/search?q=acme&since=1767225600&per_page=25&page=1
    {"posts": [{"id": 91, "body": "<p>I like <b>Acme</b></p>", "author": {"name": "ann"},
                "created": "2026-01-01T10:00:00Z", "likes": 3, "url": "https://forum.example/p/91"}],
     "has_more": true}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from social_listen.connectors import HTTPConnector, PageNumberPaginator, SkipItem, TimeWindow, html_to_text
from social_listen.core import Author, Capabilities, Mention, Metrics, Query, RateLimitInfo, SourceState


class ExampleForumConnector(HTTPConnector):
    """Search posts on the Example Forum."""

    name = "example-forum"
    capabilities = Capabilities(since_until=True, order="newest_first", max_page_size=100)
    base_url = "https://forum.example"
    path = "/api/v2/search"
    items_path = "posts"
    paginator = PageNumberPaginator(base=1, has_more_path="has_more")
    page_size = 25
    page_size_param = "per_page"

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Mapping[str, Any] | Sequence[tuple[str, Any]]:
        return {"q": query.text, "since": window.since_epoch, "until": window.until_epoch}

    def parse_item(self, item: Any) -> Mention | None:
        if item.get("deleted"):
            raise SkipItem("deleted")
        return Mention(
            source=self.name,
            native_id=str(item["id"]),
            url=item.get("url"),
            text=html_to_text(item["body"]),
            author=Author(handle=item["author"]["name"]),
            created_at=datetime.fromisoformat(item["created"]),
            metrics=Metrics(likes=item.get("likes")),
            raw=item,
        )

    def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
        remaining = response.headers.get("X-Forum-Remaining")
        return RateLimitInfo(remaining=float(remaining)) if remaining is not None else None
