"""Lemmy posts and comments found by the search API of one or several instances.

Each instance is asked ``/api/v3/search`` newest first (``sort=New``) and paged by number
until the items are older than the window; a response carrying ``next_page`` (newer
servers) is followed by ``page_cursor`` instead. Identity is the ActivityPub id ``ap_id``,
so a post federated to two instances is one mention. Lemmy 0.18 sends times without a zone
(UTC), 0.19 and later with one: both are read.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from social_listen.connectors._native import native_search
from social_listen.connectors._parts import (
    inspect_responses,
    instance_urls,
    part_query,
    run_parts,
    tag_mentions,
)
from social_listen.connectors._slicing import TimeWindow
from social_listen.connectors._timeparse import parse_timestamp
from social_listen.connectors.base import HTTPConnector
from social_listen.connectors.pagination import PageResponse, Paginator, Params, get_path
from social_listen.core import (
    Author,
    Capabilities,
    ConfigError,
    Limits,
    Mention,
    Metrics,
    Page,
    ParseError,
    Query,
    RequestSpec,
    SourceState,
)

__all__ = ["LemmyConnector", "LemmyPaginator", "parse_lemmy_comment", "parse_lemmy_post"]

# Platform facts (https://join-lemmy.org/api/classes/LemmyHttp.html#search and
# https://join-lemmy.org/docs/contributors/04-api.html, checked 2026-11): public reads need no
# auth; ``limit`` <= 50; rate limits are set per instance (429 when exceeded); search has no
# date filter, so newest-first paging stops at the window's start; the API changed between
# 0.18 (naive UTC times), 0.19 (zoned times, ``page_cursor`` on listings) and 1.0.
LEMMY_SEARCH_PATH = "/api/v3/search"
LEMMY_MAX_LIMIT = 50
DEFAULT_LOOKBACK = timedelta(days=30)  # first run without since: no date filter to stop at
LemmyType = Literal["Posts", "Comments"]


class LemmyPaginator(Paginator):
    """Page numbers (``page=1, 2, ...``), or ``page_cursor`` when the server sends ``next_page``.

    Expects (0.19)::

        {"posts": [...], "next_page": "Pa46c"}   -> next request: page_cursor=Pa46c

    or (0.18, and search on 0.19)::

        {"posts": [...]}                          -> next request: page=2, until an empty page

    Examples:
        >>> LemmyPaginator().prepare(None, url="https://l.test/api/v3/search", params=[])
        ('https://l.test/api/v3/search', [('page', 1)])
        >>> LemmyPaginator().prepare("c:Pa46c", url="https://l.test/api/v3/search", params=[])[1]
        [('page_cursor', 'Pa46c')]
    """

    def __init__(self, *, items_key: str = "posts") -> None:
        self.items_key = items_key

    def prepare(self, token: str | None, *, url: str, params: Params) -> tuple[str, Params]:
        """Add ``page`` or ``page_cursor``."""
        kept = [(k, v) for k, v in params if k not in ("page", "page_cursor")]
        if token is not None and token.startswith("c:"):
            return url, [*kept, ("page_cursor", token[2:])]
        number = 1 if token is None else int(token) if token.isdigit() else 0
        if number < 1:
            raise ParseError(f"bad Lemmy page token {token!r}")
        return url, [*kept, ("page", number)]

    def next_token(self, page: PageResponse) -> str | None:
        """``c:<next_page>`` when given, else the next number; ``None`` after an empty page."""
        if not page.items:
            return None
        cursor = get_path(page.body, "next_page", None)
        if isinstance(cursor, str) and cursor:
            return f"c:{cursor}"
        if page.token is not None and page.token.startswith("c:"):
            return None  # cursor paging ended
        return str((int(page.token) if page.token else 1) + 1)


def _person(creator: Mapping[str, Any]) -> Author:
    actor = str(creator.get("actor_id") or "")
    host = urlsplit(actor).hostname or ""
    name = str(creator["name"])
    return Author(
        handle=f"{name}@{host}" if host else name,
        name=creator.get("display_name") or None,
        id=actor or None,
        url=actor or None,
    )


def _community(community: Mapping[str, Any] | None) -> str | None:
    if not community:
        return None
    host = urlsplit(str(community.get("actor_id") or "")).hostname
    return f"{community['name']}@{host}" if host else str(community["name"])


def _time(value: Any) -> datetime:
    parsed = parse_timestamp(value)
    if parsed is None:
        raise ValueError(f"unusable time {str(value)[:40]!r}")
    return parsed


def parse_lemmy_post(view: Mapping[str, Any], *, instance: str, source: str = "lemmy") -> Mention:
    """Map one ``post_view`` of a search response to a mention, field by field.

    Args:
        view: One element of ``posts``: ``post``, ``creator``, ``community``, ``counts``.
        instance: The instance that served it (kept in extras with its local id).
        source: The ``Mention.source`` to store.

    Examples:
        >>> m = parse_lemmy_post({"post": {"id": 1, "name": "Hi", "ap_id": "https://a.test/post/1",
        ...     "published": "2023-06-20T12:00:00"}, "creator": {"name": "x", "actor_id": "https://a.test/u/x"},
        ...     "counts": {"score": 3, "comments": 1}}, instance="https://b.test")
        >>> m.native_id, m.author.handle, m.created_at.isoformat()
        ('https://a.test/post/1', 'x@a.test', '2023-06-20T12:00:00+00:00')
    """
    post = view["post"]
    counts = view.get("counts") or {}
    link = post.get("url") or None
    updated = post.get("updated")
    return Mention(
        source=source,
        native_id=str(post["ap_id"]),
        url=str(post["ap_id"]),
        title=post.get("name") or None,
        text=post.get("body") or "",
        author=_person(view["creator"]),
        created_at=_time(post["published"]),
        edited_at=_time(updated) if updated else None,
        metrics=Metrics(
            score=counts.get("score"), replies=counts.get("comments"), likes=counts.get("upvotes")
        ),
        channel=_community(view.get("community")),
        links=(link,) if link else (),
        extras={
            "kind": "post",
            "instance": instance,
            "local_id": post.get("id"),
            "downvotes": counts.get("downvotes"),
            "nsfw": post.get("nsfw"),
            "language_id": post.get("language_id"),
            "community_title": (view.get("community") or {}).get("title"),
        },
        raw=dict(view),
    )


def parse_lemmy_comment(view: Mapping[str, Any], *, instance: str, source: str = "lemmy") -> Mention:
    """Map one ``comment_view`` (``comment``, ``creator``, ``post``, ``community``, ``counts``).

    The thread is the post's ``ap_id``; ``path`` (``0.12.34``) is kept in extras.
    """
    comment = view["comment"]
    counts = view.get("counts") or {}
    post = view.get("post") or {}
    updated = comment.get("updated")
    return Mention(
        source=source,
        native_id=str(comment["ap_id"]),
        url=str(comment["ap_id"]),
        title=post.get("name") or None,
        text=comment.get("content") or "",
        author=_person(view["creator"]),
        created_at=_time(comment["published"]),
        edited_at=_time(updated) if updated else None,
        metrics=Metrics(
            score=counts.get("score"), replies=counts.get("child_count"), likes=counts.get("upvotes")
        ),
        thread_id=post.get("ap_id"),
        channel=_community(view.get("community")),
        extras={
            "kind": "comment",
            "instance": instance,
            "local_id": comment.get("id"),
            "path": comment.get("path"),
            "downvotes": counts.get("downvotes"),
        },
        raw=dict(view),
    )


class LemmyConnector(HTTPConnector):
    """Posts (or comments) matching a query on one or several Lemmy instances.

    Args:
        instances: Instance host names or https URLs (each is searched; user-supplied hosts
            are checked by the egress guard).
        type_: ``"Posts"`` or ``"Comments"``.
        lookback: How far back a first run without ``since`` goes (``None``: to the start of
            the timeline); later runs start at the watermark.
        page_size: Items per page (at most 50).
        limits: Overlap, text caps and the future-date skew.
        now: The clock.

    Examples:
        >>> from social_listen.core import Query, SourceState
        >>> conn = LemmyConnector(instances=["lemmy.example"])
        >>> request = next(conn.fetch_page(Query(text="acme"), cursor=None, state=SourceState()))
        >>> request.url, request.user_supplied, dict(request.params)["sort"]
        ('https://lemmy.example/api/v3/search', True, 'New')
    """

    name = "lemmy"
    capabilities = Capabilities(since_until=False, order="newest_first", max_page_size=LEMMY_MAX_LIMIT)
    path = LEMMY_SEARCH_PATH
    items_path = "posts"
    page_size = 20
    page_size_param = "limit"

    def __init__(
        self,
        *,
        instances: Sequence[str],
        type_: LemmyType = "Posts",
        page_size: int | None = None,
        lookback: timedelta | None = DEFAULT_LOOKBACK,
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(page_size=page_size, limits=limits, now=now)
        self.lookback = lookback
        self.instances = instance_urls(instances, source=self.name, platform="Lemmy")
        if type_ not in ("Posts", "Comments"):
            raise ConfigError(f"type_ must be Posts or Comments, not {type_!r}", source=self.name)
        self.type_ = type_
        self.items_path = "posts" if type_ == "Posts" else "comments"
        self.paginator = LemmyPaginator(items_key=self.items_path)
        self.page_size = max(1, min(self.page_size or 20, LEMMY_MAX_LIMIT))
        self.base_url = self.instances[0]

    def build_url(self, query: Query, *, state: SourceState) -> str:
        """The search endpoint of the instance of the current part."""
        return str(query.options_for(self.name).get("_instance", self.base_url)) + self.path

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Sequence[tuple[str, Any]]:
        """``q``, ``type_``, ``sort=New`` and ``listing_type=All`` (search has no date filter)."""
        return [("q", query.text), ("type_", self.type_), ("sort", "New"), ("listing_type", "All")]

    def parse_item(self, item: Any) -> Mention | None:
        """Map one post or comment view (the serving instance is set per part afterwards)."""
        if self.type_ == "Comments":
            return parse_lemmy_comment(item, instance=self.base_url, source=self.name)
        return parse_lemmy_post(item, instance=self.base_url, source=self.name)

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """Fetch one page; each instance and native search is one part of the run."""
        search = native_search(query, self.name)
        if query.since is None and state.watermark is None and cursor is None and self.lookback is not None:
            # No date filter on the platform: a first run without ``since`` would page to the
            # beginning of the timeline.
            query = query.model_copy(update={"since": self.now() - self.lookback})
        parts = [(instance, native) for instance in self.instances for native in search.queries]

        def part(
            spec: tuple[str, str], inner: str | None, part_state: SourceState
        ) -> Generator[RequestSpec, httpx.Response, Page]:
            instance, native = spec
            sub = part_query(query, native, source=self.name, _instance=instance)
            flow = HTTPConnector.fetch_page(self, sub, cursor=inner, state=part_state)
            page = yield from inspect_responses(flow, user_supplied=True)
            return tag_mentions(page, instance=instance)

        page = yield from run_parts(
            parts,
            part,
            query=query,
            cursor=cursor,
            state=state,
            connector=self,
            keep=search.matches,
            notes=search.notes,
        )
        return page
