"""Hacker News stories and comments through the Algolia search API.

The connector pages ``search_by_date`` (newest first) and slices the time window on
``created_at_i`` so that no slice goes past Algolia's hard stop of 1000 hits per query,
whatever the page. Story and comment text arrive as HTML with entities: the mention's
``text`` is clean text, the HTML stays in ``raw``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from social_listen.connectors._html import html_to_text
from social_listen.connectors._native import native_search
from social_listen.connectors._parts import part_query, run_parts
from social_listen.connectors._slicing import TimeSlicer, TimeWindow
from social_listen.connectors._timeparse import parse_timestamp
from social_listen.connectors.base import HTTPConnector
from social_listen.connectors.pagination import PageNumberPaginator
from social_listen.core import (
    Author,
    Capabilities,
    Limits,
    Mention,
    Metrics,
    Page,
    Query,
    RequestSpec,
    SourceState,
)

__all__ = ["HackerNewsConnector", "parse_hn_hit"]

# Platform facts (https://hn.algolia.com/api, checked 2026-11): no auth; about 10,000
# requests per hour per IP; ``hitsPerPage`` up to 1000; a query serves at most 1000 hits
# whatever the page (``nbPages`` stops there while ``nbHits`` keeps the true count).
HN_API = "https://hn.algolia.com"
HN_SEARCH_PATH = "/api/v1/search_by_date"
HN_RESULT_CAP = 1000
HN_MAX_PAGE_SIZE = 1000
HN_DEFAULT_TAGS = "(story,comment)"  # comma = AND, parentheses = OR
HN_ITEM_URL = "https://news.ycombinator.com/item?id={id}"
HN_USER_URL = "https://news.ycombinator.com/user?id={user}"
HN_FIRST_POST = datetime(2006, 10, 1, tzinfo=UTC)


def parse_hn_hit(hit: Mapping[str, Any], *, source: str = "hackernews") -> Mention:
    """Map one Algolia hit (story or comment) to a mention, field by field.

    Args:
        hit: One element of ``hits`` in a ``search``/``search_by_date`` response.
        source: The ``Mention.source`` to store.

    Raises:
        KeyError: The hit has no ``objectID``.
        ValueError: The hit has no usable creation time.

    Examples:
        >>> m = parse_hn_hit({"objectID": "1", "author": "pg", "created_at_i": 1160418111,
        ...                   "title": "Y Combinator", "_tags": ["story"], "points": 57})
        >>> m.native_id, m.author.handle, m.metrics.score, m.url
        ('1', 'pg', 57, 'https://news.ycombinator.com/item?id=1')
    """
    object_id = str(hit["objectID"])
    created = _created(hit)
    tags = [str(tag) for tag in hit.get("_tags") or []]
    kind = "comment" if "comment" in tags else "story" if "story" in tags else (tags[0] if tags else "item")
    html = hit.get("comment_text") or hit.get("story_text") or ""
    author_name = hit.get("author")
    link = hit.get("url") or None
    extras: dict[str, Any] = {"kind": kind, "tags": tuple(tags)}
    for key in ("story_title", "story_url"):
        if hit.get(key):
            extras[key] = hit[key]
    if link:
        extras["story_url"] = link
    return Mention(
        source=source,
        native_id=object_id,
        url=HN_ITEM_URL.format(id=object_id),
        title=hit.get("title") or None,
        text=html_to_text(html) if html else "",
        author=Author(handle=author_name, url=HN_USER_URL.format(user=author_name)) if author_name else None,
        created_at=created,
        metrics=Metrics(score=_int(hit.get("points")), replies=_count(hit.get("num_comments"))),
        parent_id=_id(hit.get("parent_id")),
        thread_id=_id(hit.get("story_id")) or (object_id if kind == "story" else None),
        links=(link,) if link else (),
        extras=extras,
        raw=dict(hit),
    )


class HackerNewsConnector(HTTPConnector):
    """Stories and comments from Hacker News (Algolia ``search_by_date``).

    Args:
        tags: Algolia ``tags`` filter (default ``"(story,comment)"``: stories or comments).
        page_size: Hits per page (at most 1000).
        base_url: The API root (tests point it at a fake).
        limits: Overlap, text caps and the future-date skew.
        now: The clock.

    Examples:
        >>> from social_listen.core import Query, SourceState
        >>> flow = HackerNewsConnector().fetch_page(Query(text="acme"), cursor=None, state=SourceState())
        >>> request = next(flow)
        >>> request.url, dict(request.params)["tags"]
        ('https://hn.algolia.com/api/v1/search_by_date', '(story,comment)')
    """

    name = "hackernews"
    capabilities = Capabilities(
        since_until=True,
        order="newest_first",
        max_page_size=HN_MAX_PAGE_SIZE,
        result_cap=HN_RESULT_CAP,
        auth="none",
    )
    base_url = HN_API
    path = HN_SEARCH_PATH
    items_path = "hits"
    paginator = PageNumberPaginator(base=0, total_pages_path="nbPages")
    page_size = 100
    page_size_param = "hitsPerPage"
    slicer = TimeSlicer(result_cap=HN_RESULT_CAP, earliest=HN_FIRST_POST)

    def __init__(
        self,
        *,
        tags: str = HN_DEFAULT_TAGS,
        page_size: int | None = None,
        base_url: str | None = None,
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(base_url=base_url, page_size=page_size, limits=limits, now=now)
        if self.page_size is not None:
            self.page_size = max(1, min(self.page_size, HN_MAX_PAGE_SIZE))
        self.tags = tags

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Sequence[tuple[str, Any]]:
        """``query``, ``tags`` and the window as ``numericFilters`` on ``created_at_i``."""
        filters = []
        if window.since is not None:
            filters.append(f"created_at_i>={window.since_epoch}")
        if window.until is not None:
            # until is exclusive; the epoch is rounded up so a fractional bound loses nothing.
            until = window.until_epoch
            assert until is not None
            if window.until.timestamp() > until:
                until += 1
            filters.append(f"created_at_i<{until}")
        params: list[tuple[str, Any]] = [("query", query.text), ("tags", self.tags)]
        if filters:
            params.append(("numericFilters", ",".join(filters)))
        return params

    def total_hits(self, body: Any) -> int | None:
        """``nbHits``: the true number of matches, past the 1000-hit cap."""
        total = body.get("nbHits") if isinstance(body, dict) else None
        return total if isinstance(total, int) and not isinstance(total, bool) else None

    def parse_item(self, item: Any) -> Mention | None:
        """Map one hit (see :func:`parse_hn_hit`)."""
        return parse_hn_hit(item, source=self.name)

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """Fetch one page; one native search per query branch Algolia cannot OR."""
        search = native_search(query, self.name)

        def part(
            native: str, inner: str | None, part_state: SourceState
        ) -> Generator[RequestSpec, httpx.Response, Page]:
            sub = part_query(query, native, source=self.name)
            return HTTPConnector.fetch_page(self, sub, cursor=inner, state=part_state)

        return (
            yield from run_parts(
                search.queries,
                part,
                query=query,
                cursor=cursor,
                state=state,
                connector=self,
                keep=search.matches,
                notes=search.notes,
            )
        )


def _created(hit: Mapping[str, Any]) -> datetime:
    stamp = hit.get("created_at_i")
    created = parse_timestamp(stamp) if isinstance(stamp, int) and not isinstance(stamp, bool) else None
    if created is None:
        created = parse_timestamp(hit.get("created_at"))
    if created is None:
        raise ValueError("hit has no usable created_at_i or created_at")
    return created


def _id(value: Any) -> str | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    return str(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    number = _int(value)
    return None if number is None else max(number, 0)
