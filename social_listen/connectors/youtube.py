"""YouTube Data API v3: video search and comment threads, inside a declared daily quota.

Every call costs quota units (``search.list`` 100, ``commentThreads.list`` 1) out of a
project's daily quota (10,000 by default), which resets at midnight Pacific time. The
connector keeps a :class:`~social_listen.connectors.QuotaBudget` and refuses to send a request
whose cost would go past it: :class:`~social_listen.core.QuotaExceeded` is raised before the
request, with the units needed and left. The units used today are recorded in the state
extras (``youtube_quota``) so the next process continues the count; share one budget object
between connectors that use the same key. The API key travels in the ``X-Goog-Api-Key``
header, never in the URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from social_listen.connectors._account import observe_responses
from social_listen.connectors._budget import QuotaBudget
from social_listen.connectors._credentials import resolve_secret
from social_listen.connectors._slicing import TimeWindow
from social_listen.connectors._timeparse import parse_timestamp
from social_listen.connectors.base import HTTPConnector, SkipItem
from social_listen.connectors.pagination import CursorPaginator
from social_listen.core import (
    AuthError,
    Author,
    Capabilities,
    ConfigError,
    Limits,
    Mention,
    Metrics,
    Page,
    PlatformError,
    Query,
    QuotaExceeded,
    RequestSpec,
    SourceState,
)

__all__ = ["YouTubeConnector", "parse_youtube_comment_thread", "parse_youtube_search_result"]

logger = logging.getLogger(__name__)

# Platform facts (checked 2026-11):
# https://developers.google.com/youtube/v3/docs/search/list - part=snippet, q, type=video,
#   order=date, publishedAfter/publishedBefore (RFC 3339), maxResults 0..50, pageToken.
# https://developers.google.com/youtube/v3/docs/commentThreads/list - videoId or
#   allThreadsRelatedToChannelId (searchTerms only narrows), order=time, maxResults 1..100.
# https://developers.google.com/youtube/v3/determine_quota_cost - search.list 100 units,
#   commentThreads.list 1 unit; default quota 10,000 units/day, reset at midnight Pacific.
# https://developers.google.com/youtube/v3/docs/errors - 403 quotaExceeded, 400 keyInvalid,
#   403 commentsDisabled, 403 forbidden.
YOUTUBE_API = "https://www.googleapis.com"
SEARCH_PATH = "/youtube/v3/search"
COMMENT_THREADS_PATH = "/youtube/v3/commentThreads"
SEARCH_COST = 100
COMMENT_THREADS_COST = 1
DEFAULT_DAILY_QUOTA = 10_000
QUOTA_KEY = "youtube_quota"
_QUOTA_REASONS = frozenset(
    {"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded"}
)
_KEY_REASONS = frozenset({"keyInvalid", "keyExpired", "accessNotConfigured", "ipRefererBlocked"})


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _count(value: Any) -> int | None:
    if isinstance(value, str) and value.isdigit():  # the API sends some counts as strings
        return int(value)
    return max(value, 0) if isinstance(value, int) and not isinstance(value, bool) else None


def parse_youtube_search_result(item: Mapping[str, Any], *, source: str = "youtube") -> Mention:
    """Map one ``search#searchResult`` (a video) to a mention.

    Raises:
        SkipItem: The result is a channel or playlist.
        KeyError: ``id`` or ``snippet`` is missing.

    Examples:
        >>> m = parse_youtube_search_result({"id": {"kind": "youtube#video", "videoId": "v1"},
        ...     "snippet": {"publishedAt": "2026-11-01T10:00:00Z", "channelId": "UC1",
        ...                 "title": "Acme review", "description": "d", "channelTitle": "Rev"}})
        >>> m.native_id, m.url, m.author.name
        ('v1', 'https://www.youtube.com/watch?v=v1', 'Rev')
    """
    ident = _obj(item["id"])
    video_id = _str(ident.get("videoId"))
    if video_id is None:
        raise SkipItem("not_a_video", str(ident.get("kind", "")))
    snippet = _obj(item["snippet"])
    created = parse_timestamp(snippet.get("publishedAt"))
    if created is None:
        raise ValueError("publishedAt is not a time")
    channel_id = _str(snippet.get("channelId"))
    return Mention(
        source=source,
        native_id=video_id,
        url=f"https://www.youtube.com/watch?v={video_id}",
        title=_str(snippet.get("title")),
        text=_str(snippet.get("description")) or "",
        author=Author(
            handle=channel_id or "unknown",
            name=_str(snippet.get("channelTitle")),
            id=channel_id,
            url=f"https://www.youtube.com/channel/{channel_id}" if channel_id else None,
        ),
        created_at=created,
        thread_id=video_id,
        channel=channel_id,
        extras={"kind": "video", "live": snippet.get("liveBroadcastContent"), "etag": item.get("etag")},
        raw=dict(item),
    )


def parse_youtube_comment_thread(item: Mapping[str, Any], *, source: str = "youtube") -> Mention:
    """Map one ``commentThread`` (its top-level comment) to a mention.

    Raises:
        KeyError: ``snippet.topLevelComment`` is missing.

    Examples:
        >>> m = parse_youtube_comment_thread({"id": "c1", "snippet": {"videoId": "v1",
        ...     "totalReplyCount": 2, "topLevelComment": {"id": "c1", "snippet": {
        ...     "textOriginal": "Acme rocks", "authorDisplayName": "@fan", "likeCount": 4,
        ...     "publishedAt": "2026-11-01T10:00:00Z", "updatedAt": "2026-11-01T10:00:00Z"}}}})
        >>> m.native_id, m.parent_id, m.metrics.likes, m.metrics.replies
        ('c1', 'v1', 4, 2)
    """
    thread = _obj(item["snippet"])
    comment = _obj(thread["topLevelComment"])
    snippet = _obj(comment.get("snippet"))
    comment_id = _str(comment.get("id")) or _str(item.get("id"))
    if comment_id is None:
        raise KeyError("id")
    created = parse_timestamp(snippet.get("publishedAt"))
    if created is None:
        raise ValueError("publishedAt is not a time")
    updated = parse_timestamp(snippet.get("updatedAt"))
    video_id = _str(thread.get("videoId")) or _str(snippet.get("videoId"))
    author_channel = _str(_obj(snippet.get("authorChannelId")).get("value"))
    display = _str(snippet.get("authorDisplayName"))
    return Mention(
        source=source,
        native_id=comment_id,
        url=f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}" if video_id else None,
        text=_str(snippet.get("textOriginal")) or _str(snippet.get("textDisplay")) or "",
        author=Author(
            handle=display or author_channel or "unknown",
            name=display,
            id=author_channel,
            url=_str(snippet.get("authorChannelUrl")),
        ),
        created_at=created,
        edited_at=updated if updated is not None and updated != created else None,
        metrics=Metrics(
            likes=_count(snippet.get("likeCount")), replies=_count(thread.get("totalReplyCount"))
        ),
        parent_id=video_id,
        thread_id=video_id,
        channel=_str(thread.get("channelId")),
        extras={"kind": "comment", "can_reply": thread.get("canReply"), "is_public": thread.get("isPublic")},
        raw=dict(item),
    )


class YouTubeConnector(HTTPConnector):
    """YouTube videos (``search.list``) or comment threads, within a daily quota budget.

    Args:
        api_key: A Data API v3 key (or ``SOCIAL_LISTEN_YOUTUBE_API_KEY``).
        mode: ``"videos"`` (search, 100 units a page) or ``"comments"`` (comment threads of
            ``video_id`` or ``channel_id``, 1 unit a page; the query only narrows them).
        video_id: The video whose comment threads to collect.
        channel_id: The channel whose comment threads (all videos) to collect.
        budget: The daily quota to stay inside (default: 10,000 units; share one object
            between connectors that use the same key).
        daily_quota: The quota when no ``budget`` is given.
        page_size: Results per page (search at most 50, comment threads at most 100).
        base_url: The API root (tests point it at a fake).
        environ: The environment to read the key from.
        limits: Overlap, text caps and the future-date skew.
        now: The clock.

    Examples:
        >>> c = YouTubeConnector(api_key="test-youtube-key", daily_quota=150)
        >>> flow = c.fetch_page(Query(text="acme"), cursor=None, state=SourceState())
        >>> next(flow).url
        'https://www.googleapis.com/youtube/v3/search'
        >>> c.budget.remaining   # the request above was charged before it was sent
        50.0
    """

    name = "youtube"
    capabilities = Capabilities(since_until=True, order="newest_first", max_page_size=50, auth="api_key")
    base_url = YOUTUBE_API
    path = SEARCH_PATH
    items_path = "items"
    paginator = CursorPaginator(cursor_path="nextPageToken", cursor_param="pageToken")
    page_size = 50
    page_size_param = "maxResults"
    forbidden_hint = (
        "YouTube refused the request: check that the YouTube Data API v3 is enabled for the "
        "key's project and that the key's restrictions allow this caller"
    )

    def __init__(
        self,
        *,
        api_key: str | SecretStr | None = None,
        mode: Literal["videos", "comments"] = "videos",
        video_id: str | None = None,
        channel_id: str | None = None,
        budget: QuotaBudget | None = None,
        daily_quota: int = DEFAULT_DAILY_QUOTA,
        page_size: int | None = None,
        base_url: str | None = None,
        environ: Mapping[str, str] | None = None,
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(base_url=base_url, page_size=page_size, limits=limits, now=now)
        key = resolve_secret(
            api_key,
            connector=self.name,
            field="api_key",
            environ=environ,
            how_to_get="create an API key in the Google Cloud console and enable YouTube Data API v3",
        )
        assert key is not None
        self._api_key = key
        if mode not in ("videos", "comments"):
            raise ConfigError(f"mode must be 'videos' or 'comments', not {mode!r}", source=self.name)
        if mode == "comments" and bool(video_id) == bool(channel_id):
            raise ConfigError(
                "comment threads need exactly one of video_id or channel_id",
                source=self.name,
                hint="YouTube cannot search all comments: pick a video or a channel",
            )
        self.mode = mode
        self.video_id = video_id
        self.channel_id = channel_id
        if mode == "comments":
            self.path = COMMENT_THREADS_PATH
        limit = 50 if mode == "videos" else 100
        self.page_size = max(1, min(page_size or limit, limit))
        self.cost = SEARCH_COST if mode == "videos" else COMMENT_THREADS_COST
        self.budget = budget or QuotaBudget(daily_quota, now=self.now)

    def __repr__(self) -> str:
        return f"YouTubeConnector(mode={self.mode!r}, budget={self.budget!r})"

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Sequence[tuple[str, Any]]:
        """Search: ``q``, ``type=video``, ``order=date`` and the window; comments: the target."""
        params: list[tuple[str, Any]] = [("part", "snippet")]
        if self.mode == "comments":
            params.append(
                ("videoId", self.video_id)
                if self.video_id
                else ("allThreadsRelatedToChannelId", self.channel_id)
            )
            params += [("order", "time"), ("textFormat", "plainText")]
            if query.text.strip() and query.text.strip() != "*":
                params.append(("searchTerms", query.text))
            return params
        params += [("q", query.text), ("type", "video"), ("order", "date")]
        if window.since is not None:
            params.append(("publishedAfter", _rfc3339(window.since)))
        if window.until is not None:
            params.append(("publishedBefore", _rfc3339(window.until)))
        if len(query.languages) == 1:
            params.append(("relevanceLanguage", query.languages[0]))
        return params

    def auth_headers(self) -> Mapping[str, str]:
        """The API key in ``X-Goog-Api-Key`` (never in the URL)."""
        return {"X-Goog-Api-Key": self._api_key.get_secret_value()}

    def parse_item(self, item: Any) -> Mention | None:
        """Map a search result or a comment thread."""
        if self.mode == "comments":
            return parse_youtube_comment_thread(item, source=self.name)
        return parse_youtube_search_result(item, source=self.name)

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """Fetch one page; each request is charged to the budget before it is sent.

        Raises:
            QuotaExceeded: The next request would go past the daily quota (or YouTube says
                the quota is spent).
        """
        self.budget.absorb(state.extras, key=QUOTA_KEY)
        what = "search.list" if self.mode == "videos" else "commentThreads.list"

        def before(request: RequestSpec) -> None:
            self.budget.spend(self.cost, source=self.name, what=f"a {what} request ({self.cost} units)")

        page = yield from observe_responses(
            HTTPConnector.fetch_page(self, query, cursor=cursor, state=state), self._check, before=before
        )
        snapshot = self.budget.snapshot()
        return page.model_copy(
            update={
                "state": page.state.with_extras(**{QUOTA_KEY: snapshot}),
                "notes": (*page.notes, f"quota_used:{snapshot['used']:g}/{self.budget.limit:g}"),
            }
        )

    def _check(self, request: RequestSpec, response: httpx.Response) -> httpx.Response:
        if response.status_code < 400:
            return response
        reason, message = _error_reason(response)
        if reason in _QUOTA_REASONS:
            self.budget.record(self.budget.remaining)  # the server's count wins: spent for today
            raise QuotaExceeded(
                f"YouTube says the quota is spent ({reason}); quota resets at "
                f"{self.budget.reset_at().isoformat()}",
                source=self.name,
                needed=self.cost,
                remaining=0,
            )
        if reason in _KEY_REASONS:
            raise AuthError(
                f"YouTube refused the API key ({reason})", source=self.name, hint=self.forbidden_hint
            )
        if reason == "commentsDisabled":
            raise PlatformError(
                "comments are disabled for this video", source=self.name, hint="collect another video"
            )
        if message:
            logger.debug("youtube error %s: %s", reason, message)
        return response


def _error_reason(response: httpx.Response) -> tuple[str | None, str | None]:
    try:
        error = _obj(_obj(response.json()).get("error"))
    except ValueError:
        return None, None
    errors = error.get("errors")
    first = _obj(errors[0]) if isinstance(errors, list) and errors else {}
    return _str(first.get("reason")), _str(error.get("message"))


def _rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
