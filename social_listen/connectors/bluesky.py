"""Bluesky post search (``app.bsky.feed.searchPosts``) with a cached app-password session.

Search needs a session: the connector logs in with an app password
(``com.atproto.server.createSession``) once, keeps the session in a
:class:`~social_listen.connectors.SessionCache` (never in ``SourceState``), refreshes it with
``com.atproto.server.refreshSession`` before the access token expires, and logs in again only
when the refresh token is refused; a refused login pauses logins for a cool-down instead of
retrying (reliability row 19). Results page by ``cursor``; past the ~10k results one query
serves, the window is sliced by ``until`` = the oldest time reached (row 15). A post's sort
time is ``min(createdAt, indexedAt)`` because ``createdAt`` is set by the client (posts dated
year 0 or 2099 exist), and facets (links, mentions, hashtags) use UTF-8 byte offsets.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from social_listen.connectors._account import read_rate_limit
from social_listen.connectors._atproto import facet_entities, parse_bluesky_post, parse_post_record, post_url
from social_listen.connectors._credentials import plain_option, resolve_secret
from social_listen.connectors._native import native_search
from social_listen.connectors._parts import part_query, run_parts
from social_listen.connectors._session_cache import (
    SessionCache,
    SessionRecord,
    StoredSession,
    default_session_cache,
)
from social_listen.connectors._slicing import TimeSlicer, TimeWindow
from social_listen.connectors._timeparse import parse_timestamp
from social_listen.connectors.base import AuthFlow, HTTPConnector
from social_listen.connectors.pagination import CursorPaginator
from social_listen.core import (
    AuthError,
    Capabilities,
    ConfigError,
    Limits,
    Mention,
    Page,
    PlatformError,
    Query,
    RateLimited,
    RateLimitInfo,
    RequestSpec,
    SourceState,
)

__all__ = [
    "BlueskyConnector",
    "facet_entities",
    "parse_bluesky_post",
    "parse_post_record",
    "post_url",
]

logger = logging.getLogger(__name__)

# Platform facts (checked 2026-11):
# https://docs.bsky.app/docs/api/app-bsky-feed-search-posts - q, sort=latest, since (inclusive)
#   and until (exclusive) on sortAt, lang, author, domain, tag, mentions, url, limit 1..100,
#   cursor; output {cursor, hitsTotal, posts[]}; anonymous calls are refused (403).
# https://docs.bsky.app/docs/api/com-atproto-server-create-session and refresh-session.
# https://docs.bsky.app/docs/advanced-guides/rate-limits - createSession: 30 per 5 minutes and
#   300 per day per account; ratelimit-* headers, reset in epoch seconds.
# https://docs.bsky.app/docs/advanced-guides/post-richtext - facet byteStart/byteEnd are UTF-8.
BLUESKY_SERVICE = "https://bsky.social"
SEARCH_PATH = "/xrpc/app.bsky.feed.searchPosts"
CREATE_SESSION_PATH = "/xrpc/com.atproto.server.createSession"
REFRESH_SESSION_PATH = "/xrpc/com.atproto.server.refreshSession"
BLUESKY_RESULT_CAP = 10_000
BLUESKY_MAX_PAGE_SIZE = 100
BLUESKY_LAUNCH = datetime(2023, 2, 1, tzinfo=UTC)
# The reference PDS issues access tokens for 2 hours and refresh tokens for 90 days; a token's
# own ``exp`` claim wins when it can be read.
ACCESS_LIFETIME = timedelta(hours=2)
REFRESH_LIFETIME = timedelta(days=90)
LOGIN_COOLDOWN = timedelta(minutes=15)
_SEARCH_OPTIONS = ("author", "domain", "tag", "mentions", "url")


def _jwt_expiry(token: str) -> datetime | None:
    """The ``exp`` claim of a JWT, ``None`` when the token is opaque."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    exp = payload.get("exp") if isinstance(payload, dict) else None
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        return None
    return parse_timestamp(float(exp))


class BlueskyConnector(HTTPConnector):
    """Bluesky posts from ``app.bsky.feed.searchPosts``, logged in with an app password.

    Args:
        identifier: The account handle or email (or ``SOCIAL_LISTEN_BLUESKY_IDENTIFIER``).
        app_password: An app password, never the account password (or
            ``SOCIAL_LISTEN_BLUESKY_APP_PASSWORD``).
        session_cache: Where the session is kept between runs (default: the per-user file
            cache, mode 0600; pass ``MemorySessionCache()`` to keep it in the process).
        base_url: The service to log in to and search (default ``https://bsky.social``).
        result_cap: Results one query serves before the platform stops (about 10k).
        page_size: Posts per page (at most 100).
        environ: The environment to read credentials from (default ``os.environ``).
        limits: Overlap, text caps and the future-date skew.
        now: The clock.

    Examples:
        >>> from social_listen.connectors import MemorySessionCache
        >>> c = BlueskyConnector(identifier="alice.test", app_password="test-app-password",
        ...                      session_cache=MemorySessionCache())
        >>> next(c.fetch_page(Query(text="acme"), cursor=None, state=SourceState())).url
        'https://bsky.social/xrpc/com.atproto.server.createSession'
    """

    name = "bluesky"
    capabilities = Capabilities(
        since_until=True,
        order="newest_first",
        max_page_size=BLUESKY_MAX_PAGE_SIZE,
        result_cap=BLUESKY_RESULT_CAP,
        auth="session",
    )
    base_url = BLUESKY_SERVICE
    path = SEARCH_PATH
    items_path = "posts"
    paginator = CursorPaginator(cursor_path="cursor", cursor_param="cursor")
    page_size = BLUESKY_MAX_PAGE_SIZE
    page_size_param = "limit"
    forbidden_hint = (
        "Bluesky refuses anonymous search: check the app password, and that the account is "
        "not suspended or taken down"
    )

    def __init__(
        self,
        *,
        identifier: str | None = None,
        app_password: str | SecretStr | None = None,
        session_cache: SessionCache | None = None,
        base_url: str | None = None,
        result_cap: int = BLUESKY_RESULT_CAP,
        page_size: int | None = None,
        environ: Mapping[str, str] | None = None,
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(base_url=base_url, page_size=page_size, limits=limits, now=now)
        if self.page_size is not None:
            self.page_size = max(1, min(self.page_size, BLUESKY_MAX_PAGE_SIZE))
        how = "create an app password under Settings > Privacy and security > App passwords"
        found = plain_option(identifier, connector=self.name, field="identifier", environ=environ)
        if not found:
            raise ConfigError(
                "the Bluesky identifier (handle or email) is missing",
                source=self.name,
                hint="pass identifier=... or set SOCIAL_LISTEN_BLUESKY_IDENTIFIER",
            )
        self.identifier = found
        secret = resolve_secret(
            app_password, connector=self.name, field="app_password", environ=environ, how_to_get=how
        )
        assert secret is not None
        self._app_password = secret
        self._cache = session_cache
        self._session: StoredSession | None = None
        # The slice counts the new mentions it kept, which run below what the platform served
        # (the boundary post comes again after each shrink, skipped posts): treat 90% of the
        # cap as reached, which costs at most one extra request per slice.
        self.slicer = TimeSlicer(
            result_cap=max(1, int(result_cap * 0.9)),
            min_width=timedelta(milliseconds=1),
            earliest=BLUESKY_LAUNCH,
        )

    def __repr__(self) -> str:
        return f"BlueskyConnector(identifier={self.identifier!r}, base_url={self.base_url!r})"

    @property
    def session_cache(self) -> SessionCache:
        """The cache the session lives in."""
        if self._cache is None:
            self._cache = default_session_cache()
        return self._cache

    @property
    def cache_key(self) -> str:
        """The session's key in the cache: service and account."""
        return f"{self.base_url.rstrip('/')}|{self.identifier}"

    # ---------------------------------------------------------------- the request hooks

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Sequence[tuple[str, Any]]:
        """``q``, ``sort=latest``, the window as ``since``/``until``, language and options."""
        params: list[tuple[str, Any]] = [("q", query.text), ("sort", "latest")]
        if window.since is not None:
            params.append(("since", _iso_ms(window.since)))
        if window.until is not None:
            params.append(("until", _iso_ms(window.until)))
        if len(query.languages) == 1:
            params.append(("lang", query.languages[0]))
        options = query.options_for(self.name)
        params.extend((key, str(options[key])) for key in _SEARCH_OPTIONS if options.get(key))
        return params

    def auth_headers(self) -> Mapping[str, str]:
        """The session's access token as a Bearer header."""
        if self._session is None:
            return {}
        return {"Authorization": f"Bearer {self._session.access_token.get_secret_value()}"}

    def parse_item(self, item: Any) -> Mention | None:
        """Map one post (see :func:`parse_bluesky_post`)."""
        return parse_bluesky_post(item, source=self.name)

    def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
        """``ratelimit-limit/remaining/reset`` (reset in epoch seconds)."""
        return read_rate_limit(
            response,
            limit="ratelimit-limit",
            remaining="ratelimit-remaining",
            reset="ratelimit-reset",
            reset_kind="epoch",
            now=self.now(),
        )

    def refresh_auth(self) -> AuthFlow:
        """After a 401: refresh the session (log in again only if the refresh is refused)."""
        yield from self._session_flow(force_refresh=True)
        return True

    # ---------------------------------------------------------------- the flow

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """Make sure a fresh session exists, then fetch one page of the search."""
        session_requests = yield from self._session_flow()
        search = native_search(query, self.name)

        def part(
            native: str, inner: str | None, part_state: SourceState
        ) -> Generator[RequestSpec, httpx.Response, Page]:
            sub = part_query(query, native, source=self.name)
            return HTTPConnector.fetch_page(self, sub, cursor=inner, state=part_state)

        page = yield from run_parts(
            search.queries,
            part,
            query=query,
            cursor=cursor,
            state=state,
            connector=self,
            keep=search.matches,
            notes=search.notes,
        )
        if session_requests:
            page = page.model_copy(update={"requests": page.requests + session_requests})
        return page

    # ---------------------------------------------------------------- sessions

    def _session_flow(self, *, force_refresh: bool = False) -> Generator[RequestSpec, httpx.Response, int]:
        """Have a session with a valid access token; returns the requests it made."""
        now = self.now()
        record = self.session_cache.load(self.cache_key) or SessionRecord()
        session = record.session
        if session is not None and not force_refresh and session.access_valid(now):
            self._session = session
            return 0
        requests = 0
        if session is not None and session.refresh_valid(now):
            response = yield RequestSpec(
                method="POST",
                url=self.base_url.rstrip("/") + REFRESH_SESSION_PATH,
                headers={"Authorization": f"Bearer {session.refresh_token.get_secret_value()}"},
            )
            requests += 1
            if response.status_code == 200:
                self._store(self._session_from(response, created_at=session.created_at, refreshed=True))
                logger.debug("bluesky session refreshed for %s", self.identifier)
                return requests
            self._raise_for_limits(response, what="refreshSession")
            # Refresh tokens are single-use: another process sharing the cache may have
            # refreshed first. Take its session rather than logging in again.
            latest = self.session_cache.load(self.cache_key)
            if (
                latest is not None
                and latest.session is not None
                and latest.session.refresh_token != session.refresh_token
                and latest.session.access_valid(self.now())
            ):
                self._session = latest.session
                return requests
            logger.info("bluesky refresh token refused (HTTP %s); logging in again", response.status_code)
        requests += yield from self._login(record)
        return requests

    def _login(self, record: SessionRecord) -> Generator[RequestSpec, httpx.Response, int]:
        now = self.now()
        if record.login_blocked_until is not None and now < record.login_blocked_until:
            raise AuthError(
                f"logins are paused until {record.login_blocked_until.isoformat()} after: "
                f"{record.login_error or 'a refused login'}",
                source=self.name,
                hint="fix the identifier or app password, then wait for the pause to end "
                "(or remove this account's entry from the session cache)",
            )
        response = yield RequestSpec(
            method="POST",
            url=self.base_url.rstrip("/") + CREATE_SESSION_PATH,
            json_body={"identifier": self.identifier, "password": self._app_password.get_secret_value()},
        )
        if response.status_code == 200:
            self._store(self._session_from(response, created_at=self.now(), refreshed=False))
            logger.info("bluesky session created for %s", self.identifier)
            return 1
        if response.status_code == 429:
            reset = self.rate_limit(response)
            until = reset.reset_at if reset is not None and reset.reset_at is not None else None
            self._block(record, until or now + LOGIN_COOLDOWN, "createSession was rate limited (429)")
            raise RateLimited(
                "Bluesky is rate limiting logins (createSession)", source=self.name, reset_at=until
            )
        if response.status_code in (400, 401):
            error = _xrpc_error(response)
            self._block(record, now + LOGIN_COOLDOWN, f"the login was refused ({error})")
            raise AuthError(
                f"Bluesky refused the login for {self.identifier!r} ({error})",
                source=self.name,
                hint="check the identifier and use an app password (Settings > Privacy and "
                f"security > App passwords); logins pause for {LOGIN_COOLDOWN} to avoid a lockout",
            )
        raise PlatformError(
            f"createSession answered HTTP {response.status_code} ({_xrpc_error(response)})",
            source=self.name,
            hint="the service may be down; run again later",
        )

    def _raise_for_limits(self, response: httpx.Response, *, what: str) -> None:
        if response.status_code == 429:
            info = self.rate_limit(response)
            raise RateLimited(
                f"Bluesky is rate limiting {what}",
                source=self.name,
                reset_at=info.reset_at if info is not None else None,
            )
        if response.status_code >= 500:
            raise PlatformError(
                f"{what} answered HTTP {response.status_code}",
                source=self.name,
                hint="the service may be down; run again later",
            )

    def _block(self, record: SessionRecord, until: datetime, reason: str) -> None:
        self.session_cache.save(
            self.cache_key,
            record.model_copy(update={"session": None, "login_blocked_until": until, "login_error": reason}),
        )

    def _session_from(
        self, response: httpx.Response, *, created_at: datetime, refreshed: bool
    ) -> StoredSession:
        try:
            body = response.json()
            access, refresh = str(body["accessJwt"]), str(body["refreshJwt"])
        except (ValueError, KeyError, TypeError):
            raise PlatformError(
                "the session response has no accessJwt/refreshJwt",
                source=self.name,
                hint="the service may have changed its API",
            ) from None
        now = self.now()
        return StoredSession(
            did=str(body.get("did") or ""),
            handle=str(body.get("handle") or ""),
            access_token=SecretStr(access),
            refresh_token=SecretStr(refresh),
            access_expires_at=_jwt_expiry(access) or now + ACCESS_LIFETIME,
            refresh_expires_at=_jwt_expiry(refresh) or now + REFRESH_LIFETIME,
            created_at=created_at,
            refreshed_at=now if refreshed else None,
        )

    def _store(self, session: StoredSession) -> None:
        self._session = session
        self.session_cache.save(self.cache_key, SessionRecord(session=session))


def _xrpc_error(response: httpx.Response) -> str:
    """``error: message`` of an XRPC error body, short and without secrets."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    parts = [str(body[k])[:120] for k in ("error", "message") if isinstance(body.get(k), str)]
    return ": ".join(parts) or f"HTTP {response.status_code}"


def _iso_ms(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
