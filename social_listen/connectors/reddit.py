"""Reddit search and subreddit listings through the OAuth API, with an app-only token.

Reddit blocks anonymous JSON, so the connector gets an application-only OAuth2 token
(client credentials) and renews it before it expires or after a 401. Reddit search has no
date-range filter and listings stop near 1000 items, so incremental collection polls
``sort=new`` newest first until it reaches the previous watermark (minus the overlap), split
by subreddit so each listing stays under the cap. When a listing ends at the cap before the
watermark, the items in between cannot be reached through the API: the page is marked
``truncated`` with a ``cap_hit:reddit:<part>`` note (backfill past the cap is impossible; poll
more often or split by more subreddits). ``X-Ratelimit-*`` headers (floats, reset in seconds)
drive pacing, and every request carries the descriptive User-Agent Reddit requires.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from social_listen._version import __version__
from social_listen.connectors._account import observe_responses, query_matcher, read_rate_limit
from social_listen.connectors._credentials import plain_option, resolve_secret
from social_listen.connectors._native import native_search
from social_listen.connectors._parts import part_query, run_parts
from social_listen.connectors._slicing import TimeWindow
from social_listen.connectors._timeparse import parse_timestamp
from social_listen.connectors.base import AuthFlow, HTTPConnector, SkipItem
from social_listen.connectors.pagination import AfterFullnamePaginator
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
    RateLimitInfo,
    RequestSpec,
    SourceState,
    register_secret,
)

__all__ = ["RedditConnector", "parse_reddit_thing"]

logger = logging.getLogger(__name__)

# Platform facts (checked 2026-11):
# https://github.com/reddit-archive/reddit/wiki/OAuth2 - application-only OAuth: POST
#   www.reddit.com/api/v1/access_token, HTTP Basic client_id:client_secret,
#   grant_type=client_credentials -> {access_token, token_type, expires_in (s), scope}.
# https://www.reddit.com/dev/api/#GET_search and #GET_new - q, sort=new, t, restrict_sr,
#   limit <= 100, after/before fullnames; Listing {kind, data{after, before, children[]}}.
# https://support.reddithelp.com/hc/en-us/articles/16160319875092 - 100 queries per minute
#   per OAuth client id; X-Ratelimit-Used/Remaining/Reset (seconds, Remaining may be "598.0").
# https://github.com/reddit-archive/reddit/wiki/API - unique descriptive User-Agent
#   "<platform>:<app ID>:<version> (by /u/<username>)"; listings stop near 1000 items.
REDDIT_API = "https://oauth.reddit.com"
REDDIT_TOKEN_URL = "https://www.reddit.com/api/v1/access_token"  # noqa: S105 - a URL
REDDIT_LISTING_CAP = 1000
REDDIT_MAX_PAGE_SIZE = 100
TOKEN_MARGIN = timedelta(minutes=1)
# A listing that ends after this share of the cap ended because of the cap (removed posts
# still count against it, so it seldom serves exactly 1000).
CAP_SHARE = 0.9
_DEFAULT_USER_AGENT = f"python:social-listen:{__version__} (social_listen reddit connector)"


def parse_reddit_thing(child: Mapping[str, Any], *, source: str = "reddit") -> Mention:
    """Map one listing child (``{"kind": "t3"|"t1", "data": {...}}``) to a mention.

    Link posts (``t3``) keep title, self text and the linked URL; comments (``t1``) keep the
    body, their parent and the post they belong to. Identity is the fullname (``t3_abc``).

    Raises:
        SkipItem: The child is not a post or a comment.
        KeyError: ``name`` or ``created_utc`` is missing.

    Examples:
        >>> m = parse_reddit_thing({"kind": "t3", "data": {"id": "abc", "name": "t3_abc",
        ...     "title": "Acme?", "selftext": "", "author": "u1", "subreddit": "acme",
        ...     "created_utc": 1700000000.0, "score": 5, "num_comments": 2,
        ...     "permalink": "/r/acme/comments/abc/acme/", "url": "https://acme.example/"}})
        >>> m.native_id, m.channel, m.links, m.metrics.score
        ('t3_abc', 'acme', ('https://acme.example/',), 5)
    """
    kind = child.get("kind")
    data = child.get("data")
    if kind not in ("t1", "t3") or not isinstance(data, dict):
        raise SkipItem("not_a_post", f"kind {kind!r}")
    name = str(data["name"])
    created = parse_timestamp(data["created_utc"])
    if created is None:
        raise ValueError("created_utc is not a time")
    permalink = data.get("permalink")
    url = f"https://www.reddit.com{permalink}" if isinstance(permalink, str) and permalink else None
    author_name = data.get("author")
    author = None
    if isinstance(author_name, str) and author_name and author_name != "[deleted]":
        author = Author(
            handle=author_name,
            id=data.get("author_fullname") if isinstance(data.get("author_fullname"), str) else None,
            url=f"https://www.reddit.com/user/{author_name}",
        )
    subreddit = data.get("subreddit") if isinstance(data.get("subreddit"), str) else None
    extras: dict[str, Any] = {"kind": kind, "id": data.get("id")}
    for key in ("subreddit_name_prefixed", "over_18", "upvote_ratio", "link_flair_text", "is_self", "domain"):
        if data.get(key) is not None:
            extras[key] = data[key]
    if kind == "t3":
        link = data.get("url") if isinstance(data.get("url"), str) else None
        is_self = bool(data.get("is_self")) or (link is not None and url is not None and link == url)
        return Mention(
            source=source,
            native_id=name,
            url=url,
            title=data.get("title") if isinstance(data.get("title"), str) else None,
            text=data.get("selftext") if isinstance(data.get("selftext"), str) else "",
            author=author,
            created_at=created,
            metrics=Metrics(score=_int(data.get("score")), replies=_count(data.get("num_comments"))),
            thread_id=name,
            channel=subreddit,
            links=(link,) if link and not is_self else (),
            extras=extras,
            raw=dict(child),
        )
    return Mention(
        source=source,
        native_id=name,
        url=url,
        title=data.get("link_title") if isinstance(data.get("link_title"), str) else None,
        text=data.get("body") if isinstance(data.get("body"), str) else "",
        author=author,
        created_at=created,
        metrics=Metrics(score=_int(data.get("score"))),
        parent_id=data.get("parent_id") if isinstance(data.get("parent_id"), str) else None,
        thread_id=data.get("link_id") if isinstance(data.get("link_id"), str) else None,
        channel=subreddit,
        extras=extras,
        raw=dict(child),
    )


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    number = _int(value)
    return None if number is None else max(number, 0)


class RedditConnector(HTTPConnector):
    """Reddit posts from search or subreddit listings, newest first.

    Args:
        client_id: The OAuth app's client id (or ``SOCIAL_LISTEN_REDDIT_CLIENT_ID``).
        client_secret: The app's secret (or ``SOCIAL_LISTEN_REDDIT_CLIENT_SECRET``).
        user_agent: ``<platform>:<app id>:<version> (by /u/<username>)`` (or
            ``SOCIAL_LISTEN_REDDIT_USER_AGENT``); Reddit throttles generic agents.
        subreddits: Split the collection by these subreddits (each its own listing under the
            ~1000-item cap); empty searches all of Reddit.
        listing: ``"search"`` (``/search`` or ``/r/<sub>/search``) or ``"new"``
            (``/r/<sub>/new`` filtered locally with the query; needs ``subreddits``).
        base_url: The API root (tests point it at a fake).
        token_url: The token endpoint.
        listing_cap: Items a listing serves before it stops (about 1000).
        page_size: Items per page (at most 100).
        environ: The environment to read credentials from.
        limits: Overlap, text caps and the future-date skew.
        now: The clock.

    Examples:
        >>> c = RedditConnector(client_id="test-client", client_secret="test-secret",
        ...                     user_agent="python:acme-listener:1.0 (by /u/acme)")
        >>> next(c.fetch_page(Query(text="acme"), cursor=None, state=SourceState())).url
        'https://www.reddit.com/api/v1/access_token'
    """

    name = "reddit"
    capabilities = Capabilities(
        since_until=False,
        order="newest_first",
        max_page_size=REDDIT_MAX_PAGE_SIZE,
        result_cap=REDDIT_LISTING_CAP,
        auth="oauth",
    )
    base_url = REDDIT_API
    path = "/search"
    items_path = "data.children"
    paginator = AfterFullnamePaginator()
    page_size = REDDIT_MAX_PAGE_SIZE
    page_size_param = "limit"
    forbidden_hint = (
        "Reddit refused access: check that the app is approved for API access and that the "
        "subreddit is not private or quarantined"
    )

    def __init__(
        self,
        *,
        client_id: str | SecretStr | None = None,
        client_secret: str | SecretStr | None = None,
        user_agent: str | None = None,
        subreddits: Sequence[str] = (),
        listing: Literal["search", "new"] = "search",
        base_url: str | None = None,
        token_url: str = REDDIT_TOKEN_URL,
        listing_cap: int = REDDIT_LISTING_CAP,
        page_size: int | None = None,
        environ: Mapping[str, str] | None = None,
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(base_url=base_url, page_size=page_size, limits=limits, now=now)
        if self.page_size is not None:
            self.page_size = max(1, min(self.page_size, REDDIT_MAX_PAGE_SIZE))
        how = "create a 'script' or 'web' app at https://www.reddit.com/prefs/apps"
        found_id = resolve_secret(
            client_id, connector=self.name, field="client_id", environ=environ, how_to_get=how
        )
        found_secret = resolve_secret(
            client_secret, connector=self.name, field="client_secret", environ=environ, how_to_get=how
        )
        assert found_id is not None
        assert found_secret is not None
        self._client_id, self._client_secret = found_id, found_secret
        agent = plain_option(user_agent, connector=self.name, field="user_agent", environ=environ)
        if agent is None:
            logger.warning(
                "reddit: no user_agent given; Reddit throttles generic agents: "
                "pass user_agent='<platform>:<app id>:<version> (by /u/<username>)'"
            )
        self.user_agent = agent or _DEFAULT_USER_AGENT
        self.default_headers = {"User-Agent": self.user_agent}
        self.subreddits = tuple(
            s.strip().removeprefix("r/").removeprefix("/r/") for s in subreddits if s.strip()
        )
        if listing not in ("search", "new"):
            raise ConfigError(f"listing must be 'search' or 'new', not {listing!r}", source=self.name)
        if listing == "new" and not self.subreddits:
            raise ConfigError("listing='new' needs subreddits=[...]", source=self.name)
        self.listing = listing
        self.token_url = token_url
        self.listing_cap = listing_cap
        self._token: SecretStr | None = None
        self._token_expires: datetime | None = None

    def __repr__(self) -> str:
        return f"RedditConnector(subreddits={self.subreddits!r}, listing={self.listing!r})"

    # ---------------------------------------------------------------- the request hooks

    def build_url(self, query: Query, *, state: SourceState) -> str:
        """``/search``, ``/r/<sub>/search`` or ``/r/<sub>/new`` for the current part."""
        subreddit = query.options_for(self.name).get("subreddit")
        root = self.base_url.rstrip("/")
        if not subreddit:
            return root + "/search"
        return f"{root}/r/{subreddit}/{'new' if self.listing == 'new' else 'search'}"

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Sequence[tuple[str, Any]]:
        """``q``, ``sort=new``, ``t=all``, ``restrict_sr`` and ``raw_json=1`` (no HTML entities)."""
        params: list[tuple[str, Any]] = [("raw_json", 1)]
        if self.listing == "new":
            return params
        params += [("q", query.text), ("sort", "new"), ("t", "all"), ("type", "link")]
        if query.options_for(self.name).get("subreddit"):
            params.append(("restrict_sr", 1))
        return params

    def auth_headers(self) -> Mapping[str, str]:
        """The app-only token as a Bearer header."""
        return {"Authorization": f"bearer {self._token.get_secret_value()}"} if self._token else {}

    def parse_item(self, item: Any) -> Mention | None:
        """Map one listing child (see :func:`parse_reddit_thing`)."""
        return parse_reddit_thing(item, source=self.name)

    def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
        """``X-Ratelimit-Used/Remaining/Reset`` (floats; reset in seconds)."""
        return read_rate_limit(
            response,
            limit=None,
            used="x-ratelimit-used",
            remaining="x-ratelimit-remaining",
            reset="x-ratelimit-reset",
            reset_kind="seconds",
            now=self.now(),
        )

    def refresh_auth(self) -> AuthFlow:
        """After a 401: get a new app-only token (the request is retried once)."""
        yield from self._token_flow(force=True)
        return True

    # ---------------------------------------------------------------- the flow

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """Have a token, then fetch one page of the current part (subreddit x native query)."""
        token_requests = yield from self._token_flow()
        if self.listing == "new":
            parts: list[tuple[str, str | None]] = [("", sub) for sub in self.subreddits]
            keep = query_matcher(query, self.name)
            notes: tuple[str, ...] = ()
        else:
            search = native_search(query, self.name)
            subs: Sequence[str | None] = self.subreddits or (None,)
            parts = [(native, sub) for sub in subs for native in search.queries]
            keep = search.matches  # type: ignore[assignment]
            notes = search.notes

        def part(
            spec: tuple[str, str | None], inner: str | None, part_state: SourceState
        ) -> Generator[RequestSpec, httpx.Response, Page]:
            native, subreddit = spec
            sub = part_query(query, native or query.text, source=self.name, subreddit=subreddit)
            return self._part_page(sub, query, cursor=inner, state=part_state, label=subreddit or "all")

        page = yield from run_parts(
            parts,
            part,
            query=query,
            cursor=cursor,
            state=state,
            connector=self,
            keep=keep,
            notes=notes,
        )
        if token_requests:
            page = page.model_copy(update={"requests": page.requests + token_requests})
        return page

    def _part_page(
        self, sub: Query, query: Query, *, cursor: str | None, state: SourceState, label: str
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """One page of one listing, counting what the listing served to detect its cap."""
        served, oldest = 0, None
        inner = cursor
        if cursor is not None and cursor.startswith("n="):
            head, _, inner_text = cursor.partition(";")
            served = int(head[2:]) if head[2:].isdigit() else 0
            inner = inner_text or None
        seen: dict[str, Any] = {"served": 0, "oldest": None, "after": None}

        def hook(request: RequestSpec, response: httpx.Response) -> httpx.Response:
            if response.status_code == 200 and request.url.startswith(self.base_url.rstrip("/")):
                try:
                    body = response.json()
                    children = body["data"]["children"]
                    seen["after"] = body["data"].get("after")
                except (ValueError, KeyError, TypeError):
                    return response
                seen["served"] += len(children) if isinstance(children, list) else 0
                for child in children if isinstance(children, list) else ():
                    stamp = child.get("data", {}).get("created_utc") if isinstance(child, dict) else None
                    when = parse_timestamp(stamp) if isinstance(stamp, int | float) else None
                    if when is not None and (seen["oldest"] is None or when < seen["oldest"]):
                        seen["oldest"] = when
            return response

        page = yield from observe_responses(
            HTTPConnector.fetch_page(self, sub, cursor=inner, state=state), hook
        )
        served += seen["served"]
        oldest = seen["oldest"]
        if page.next_cursor is not None:
            return page.model_copy(update={"next_cursor": f"n={served};{page.next_cursor}"})
        since = query.since
        incremental = state.since(self.limits.overlap)
        if incremental is not None and (since is None or incremental > since):
            since = incremental
        reached = since is not None and oldest is not None and oldest < since
        if not reached and seen["after"] is None and served >= self.listing_cap * CAP_SHARE:
            logger.warning(
                "reddit: the %s listing stopped at its cap (%d items) before reaching %s",
                label,
                served,
                since.isoformat() if since else "the beginning",
            )
            return page.model_copy(
                update={"truncated": True, "notes": (*page.notes, f"cap_hit:reddit:{label}")}
            )
        return page

    # ---------------------------------------------------------------- the token

    def _token_flow(self, *, force: bool = False) -> Generator[RequestSpec, httpx.Response, int]:
        now = self.now()
        if not force and self._token is not None and self._token_expires and now < self._token_expires:
            return 0
        basic = base64.b64encode(
            f"{self._client_id.get_secret_value()}:{self._client_secret.get_secret_value()}".encode()
        ).decode("ascii")
        response = yield RequestSpec(
            method="POST",
            url=self.token_url,
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": self.user_agent,
            },
            content=b"grant_type=client_credentials",
        )
        if response.status_code in (400, 401, 403):
            raise AuthError(
                f"Reddit refused the app credentials (HTTP {response.status_code})",
                source=self.name,
                hint="check client_id and client_secret at https://www.reddit.com/prefs/apps "
                "and that the app is approved for API access",
            )
        try:
            body = response.json()
            token = body["access_token"]
            lifetime = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise PlatformError(
                f"the token endpoint answered HTTP {response.status_code} without a token",
                source=self.name,
                hint="Reddit may be down; run again later",
            ) from None
        if not isinstance(token, str) or not token:
            raise AuthError(
                f"Reddit gave no token ({str(body.get('error', 'unknown error'))[:60]})", source=self.name
            )
        self._token = SecretStr(token)
        register_secret(self._token)
        self._token_expires = self.now() + timedelta(seconds=max(lifetime, 60.0)) - TOKEN_MARGIN
        logger.debug("reddit: new app-only token, valid for %.0f s", lifetime)
        return 1
