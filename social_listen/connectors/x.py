"""X (Twitter) API v2 recent search, inside a spend cap checked before every request.

X bills reads per post, so the connector plans spending before it reads: at the start of each
native query it asks ``/2/tweets/counts/recent`` (no posts are read) how many posts the run
would return and stops with :class:`~social_listen.core.QuotaExceeded` when their price is
more than what the :class:`~social_listen.connectors.SpendCap` has left; and before each search
request it reserves the price of the page it asks for (``max_results``), shrinking the page to
what is affordable or stopping before the request. Queries longer than 512 characters are
split into several native queries. Incremental runs use ``since_id`` (post ids grow with time)
so no post is paid for twice. Authors come from the ``author_id`` expansion (``includes.users``).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from social_listen.connectors._account import observe_responses, read_rate_limit
from social_listen.connectors._budget import SpendCap
from social_listen.connectors._credentials import resolve_secret
from social_listen.connectors._native import native_search, plain_terms
from social_listen.connectors._parts import part_query, run_parts
from social_listen.connectors._slicing import TimeWindow
from social_listen.connectors._x_posts import parse_x_post
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
    QuotaExceeded,
    RateLimitInfo,
    RequestSpec,
    SourceState,
    register_secret,
)

__all__ = ["XConnector", "parse_x_post", "split_x_query"]

logger = logging.getLogger(__name__)

# Platform facts (checked 2026-11):
# https://docs.x.com/x-api/posts/search-recent-posts - GET /2/tweets/search/recent: query
#   (<= 512 characters), start_time/end_time (RFC 3339, last 7 days; end_time at least 10 s
#   ago), since_id, max_results 10..100, next_token; tweet.fields, expansions=author_id,
#   user.fields; response {data[], includes{users[]}, meta{newest_id, oldest_id,
#   result_count, next_token}}.
# https://docs.x.com/x-api/posts/get-count-of-recent-posts - GET /2/tweets/counts/recent:
#   {data[{start, end, tweet_count}], meta{total_tweet_count}}; reads no posts.
# https://docs.x.com/x-api/fundamentals/rate-limits - x-rate-limit-limit/remaining/reset
#   (reset in epoch seconds); https://docs.x.com/x-api/getting-started/pricing - pay per post
#   read (about $0.005 per post); https://docs.x.com/fundamentals/authentication/oauth-2-0/
#   application-only - POST /oauth2/token with the consumer key and secret.
X_API = "https://api.x.com"
SEARCH_PATH = "/2/tweets/search/recent"
COUNTS_PATH = "/2/tweets/counts/recent"
TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a path
X_MAX_QUERY = 512
X_MIN_PAGE, X_MAX_PAGE = 10, 100
X_PRICE_PER_POST = 0.005
X_RECENT_WINDOW = timedelta(days=7)
SPEND_KEY = "x_spend"
SINCE_KEY = "x_since_ids"
TWEET_FIELDS = (
    "created_at,lang,author_id,public_metrics,conversation_id,in_reply_to_user_id,referenced_tweets,entities"
)
USER_FIELDS = "username,name,public_metrics,verified,profile_image_url"


def split_x_query(terms: Sequence[str], *, limit: int = X_MAX_QUERY) -> tuple[str, ...]:
    """OR the terms together in as few native queries as fit in ``limit`` characters each.

    Phrases with spaces are quoted. A single term longer than the limit is a config error.

    Examples:
        >>> split_x_query(["acme", "acme corp", "acmeco"], limit=20)
        ('acme OR "acme corp"', 'acmeco')
    """
    chunks: list[str] = []
    current = ""
    for term in terms:
        atom = f'"{term}"' if any(ch.isspace() for ch in term) else term
        if len(atom) > limit:
            raise ConfigError(f"a query term is longer than X's {limit}-character limit", source="x")
        candidate = f"{current} OR {atom}" if current else atom
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = atom
    if current:
        chunks.append(current)
    return tuple(chunks)


class XConnector(HTTPConnector):
    """Posts from X API v2 recent search (last 7 days), within a spend cap.

    Args:
        bearer_token: An app-only bearer token (or ``SOCIAL_LISTEN_X_BEARER_TOKEN``).
        api_key: The app's consumer key (or ``SOCIAL_LISTEN_X_API_KEY``); with ``api_secret``
            the connector gets (and after a 401 renews) the bearer token itself.
        api_secret: The app's consumer secret (or ``SOCIAL_LISTEN_X_API_SECRET``).
        spend_cap_usd: The most to spend per calendar month (UTC); required unless ``budget``.
        budget: A :class:`SpendCap` to share between connectors using the same app.
        price_per_post: What one post read costs.
        preflight: Ask the counts endpoint before each native query and stop when the
            estimate does not fit in the cap (no posts are read by it).
        page_size: Posts per page (10..100).
        base_url: The API root (tests point it at a fake).
        environ: The environment to read credentials from.
        limits: Overlap, text caps and the future-date skew.
        now: The clock.

    Examples:
        >>> c = XConnector(bearer_token="test-bearer", spend_cap_usd=5)
        >>> next(c.fetch_page(Query(text="acme"), cursor=None, state=SourceState())).url
        'https://api.x.com/2/tweets/counts/recent'
    """

    name = "x"
    capabilities = Capabilities(
        since_until=True, order="newest_first", max_page_size=X_MAX_PAGE, auth="token"
    )
    base_url = X_API
    path = SEARCH_PATH
    items_path = "data"
    paginator = CursorPaginator(cursor_path="meta.next_token", cursor_param="next_token")
    page_size = X_MAX_PAGE
    forbidden_hint = (
        "X refused the request: the app must belong to a Project with access to v2 search "
        "(check the access level and that the bearer token is the app's)"
    )

    def __init__(
        self,
        *,
        bearer_token: str | SecretStr | None = None,
        api_key: str | SecretStr | None = None,
        api_secret: str | SecretStr | None = None,
        spend_cap_usd: float | None = None,
        budget: SpendCap | None = None,
        price_per_post: float = X_PRICE_PER_POST,
        preflight: bool = True,
        page_size: int | None = None,
        base_url: str | None = None,
        environ: Mapping[str, str] | None = None,
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(base_url=base_url, page_size=page_size, limits=limits, now=now)
        self.page_size = max(X_MIN_PAGE, min(self.page_size or X_MAX_PAGE, X_MAX_PAGE))
        self._consumer = (
            resolve_secret(api_key, connector=self.name, field="api_key", environ=environ, required=False),
            resolve_secret(
                api_secret, connector=self.name, field="api_secret", environ=environ, required=False
            ),
        )
        can_fetch_token = all(self._consumer)
        self._bearer = resolve_secret(
            bearer_token,
            connector=self.name,
            field="bearer_token",
            environ=environ,
            required=not can_fetch_token,
            how_to_get="copy the app's Bearer Token from the developer portal "
            "(or pass api_key and api_secret)",
        )
        if budget is None:
            if spend_cap_usd is None:
                raise ConfigError(
                    "X bills every post read: set a spend cap",
                    source=self.name,
                    hint="pass spend_cap_usd=... (per calendar month) or budget=SpendCap(...)",
                )
            budget = SpendCap(spend_cap_usd, price_per_item=price_per_post, now=self.now)
        self.budget = budget
        self.preflight = preflight
        self._users: dict[str, Mapping[str, Any]] = {}

    def __repr__(self) -> str:
        return f"XConnector(budget={self.budget!r}, preflight={self.preflight!r})"

    # ---------------------------------------------------------------- the request hooks

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Sequence[tuple[str, Any]]:
        """The native query, fields and expansions, ``since_id`` or the window, and a page size."""
        params: list[tuple[str, Any]] = [
            ("query", query.text),
            ("tweet.fields", TWEET_FIELDS),
            ("expansions", "author_id"),
            ("user.fields", USER_FIELDS),
            ("max_results", self._affordable_page()),
        ]
        return params + self._time_params(query, window)

    def _time_params(self, query: Query, window: TimeWindow) -> list[tuple[str, Any]]:
        params: list[tuple[str, Any]] = []
        since_id = query.options_for(self.name).get("since_id")
        now = self.now()
        if since_id:
            params.append(("since_id", since_id))
        else:
            earliest = now - X_RECENT_WINDOW + timedelta(minutes=1)
            start = max(window.since, earliest) if window.since is not None else earliest
            params.append(("start_time", _rfc3339(start)))
        if window.until is not None:
            params.append(("end_time", _rfc3339(min(window.until, now - timedelta(seconds=10)))))
        return params

    def _affordable_page(self) -> int:
        return max(min(self.page_size or X_MAX_PAGE, self.budget.affordable_items()), X_MIN_PAGE)

    def auth_headers(self) -> Mapping[str, str]:
        """The bearer token."""
        return {"Authorization": f"Bearer {self._bearer.get_secret_value()}"} if self._bearer else {}

    def parse_item(self, item: Any) -> Mention | None:
        """Map one post with its author from the page's ``includes.users``."""
        return parse_x_post(item, users=self._users, source=self.name)

    def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
        """``x-rate-limit-limit/remaining/reset`` (reset in epoch seconds)."""
        return read_rate_limit(
            response,
            limit="x-rate-limit-limit",
            remaining="x-rate-limit-remaining",
            reset="x-rate-limit-reset",
            reset_kind="epoch",
            now=self.now(),
        )

    def refresh_auth(self) -> AuthFlow:
        """After a 401: get a new app-only bearer token when the consumer key is known."""
        if not all(self._consumer):
            return False
        yield from self._token_flow()
        return True

    # ---------------------------------------------------------------- the flow

    def native_queries(
        self, query: Query
    ) -> tuple[tuple[str, ...], Callable[[Mention], bool] | None, tuple[str, ...]]:
        """The native queries (each at most 512 characters), the local matcher and notes."""
        search = native_search(query, self.name)
        if search.compiled:  # in X syntax by social_listen.query, which splits at 512
            return search.queries, search.matches, search.notes
        terms = plain_terms(query.text) or (query.text.strip(),)
        return split_x_query(terms), search.matches, search.notes

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """Fetch one page of the current native query; spending is checked before each request.

        Raises:
            QuotaExceeded: The estimate or the next page would go past the spend cap.
        """
        self.budget.absorb(state.extras, key=SPEND_KEY)
        extra_requests = 0
        if self._bearer is None:
            extra_requests += yield from self._token_flow()
        natives, keep, notes = self.native_queries(query)
        parts = list(enumerate(natives))

        def part(
            spec: tuple[int, str], inner: str | None, part_state: SourceState
        ) -> Generator[RequestSpec, httpx.Response, Page]:
            return self._part_page(spec, query, cursor=inner, state=part_state)

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
        snapshot = self.budget.snapshot()
        return page.model_copy(
            update={
                "state": page.state.with_extras(**{SPEND_KEY: snapshot}),
                "requests": page.requests + extra_requests,
                "notes": (*page.notes, f"spent_usd:{snapshot['used']:g}/{self.budget.limit:g}"),
            }
        )

    def _part_page(
        self, spec: tuple[int, str], query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        index, native = spec
        since_ids = dict(state.extras.get(SINCE_KEY) or {})
        since_id = since_ids.get(str(index))
        newest, inner = None, cursor
        if cursor is not None and cursor.startswith("newest="):
            head, _, inner_text = cursor.partition(";")
            newest, inner = head.removeprefix("newest=") or None, inner_text or None
        sub = part_query(query, native, source=self.name, since_id=since_id)
        requests = 0
        if inner is None and self.preflight:
            requests += yield from self._preflight(sub, state)
        seen: dict[str, Any] = {"newest": newest, "reserved": 0.0}

        def before(request: RequestSpec) -> None:
            if not request.url.endswith(SEARCH_PATH):
                return
            size = int(dict(request.params).get("max_results", 0))
            cost = self.budget.cost(size)
            self.budget.spend(cost, source=self.name, what=f"a search page of up to {size} posts")
            seen["reserved"] = cost

        def hook(request: RequestSpec, response: httpx.Response) -> httpx.Response:
            if not request.url.endswith(SEARCH_PATH):
                return response
            if response.status_code == 402:
                raise QuotaExceeded(
                    "X says the account has no credits left (402)",
                    source=self.name,
                    needed=seen["reserved"],
                    remaining=0,
                )
            if response.status_code != 200:
                self.budget.refund(seen["reserved"])
                return response
            try:
                body = response.json()
            except ValueError:
                return response
            if not isinstance(body, dict):
                return response
            meta = _obj(body.get("meta"))
            count = meta.get("result_count")
            data = _lst(body.get("data"))
            served = count if isinstance(count, int) and not isinstance(count, bool) else len(data)
            self.budget.refund(max(seen["reserved"] - self.budget.cost(served), 0.0))
            users = (
                (body.get("includes") or {}).get("users") if isinstance(body.get("includes"), dict) else None
            )
            self._users = {str(u["id"]): u for u in users or () if isinstance(u, dict) and "id" in u}
            if seen["newest"] is None and isinstance(meta.get("newest_id"), str):
                seen["newest"] = meta["newest_id"]
            if "data" not in body:  # no results: X leaves "data" out
                return httpx.Response(200, json={**body, "data": []}, request=response.request)
            return response

        page = yield from observe_responses(
            HTTPConnector.fetch_page(self, sub, cursor=inner, state=state), hook, before=before
        )
        page = page.model_copy(update={"requests": page.requests + requests})
        if page.next_cursor is not None:
            return page.model_copy(
                update={"next_cursor": f"newest={seen['newest'] or ''};{page.next_cursor}"}
            )
        if seen["newest"] is not None:
            since_ids[str(index)] = seen["newest"]
        return page.model_copy(update={"state": page.state.with_extras(**{SINCE_KEY: since_ids})})

    def _preflight(self, sub: Query, state: SourceState) -> Generator[RequestSpec, httpx.Response, int]:
        """Estimate the posts a native query returns and refuse a run the cap cannot pay."""
        since = sub.since
        incremental = state.since(self.limits.overlap)
        if incremental is not None and (since is None or incremental > since):
            since = incremental
        params: list[tuple[str, Any]] = [("query", sub.text), ("granularity", "day")]
        params += self._time_params(sub, TimeWindow(since=since, until=sub.until))
        response = yield RequestSpec(
            url=self.base_url.rstrip("/") + COUNTS_PATH, params=params, headers=dict(self.auth_headers())
        )
        if response.status_code != 200:
            logger.info(
                "x: the counts pre-flight is unavailable (HTTP %s); the cap is still checked per page",
                response.status_code,
            )
            return 1
        try:
            body = response.json()
            total = body["meta"]["total_tweet_count"]
        except (ValueError, KeyError, TypeError):
            return 1
        if not isinstance(total, int) or isinstance(total, bool):
            return 1
        estimate = self.budget.cost(total)
        logger.info("x: pre-flight estimate %d posts, %.4f USD for %r", total, estimate, sub.text[:80])
        self.budget.check(
            estimate, source=self.name, what=f"this run ({total} posts estimated by the counts endpoint)"
        )
        return 1

    def _token_flow(self) -> Generator[RequestSpec, httpx.Response, int]:
        key, secret = self._consumer
        if key is None or secret is None:
            raise AuthError("no bearer token and no consumer key to get one", source=self.name)
        basic = base64.b64encode(f"{key.get_secret_value()}:{secret.get_secret_value()}".encode()).decode(
            "ascii"
        )
        response = yield RequestSpec(
            method="POST",
            url=self.base_url.rstrip("/") + TOKEN_PATH,
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
            },
            content=b"grant_type=client_credentials",
        )
        if response.status_code in (400, 401, 403):
            raise AuthError(
                f"X refused the consumer key and secret (HTTP {response.status_code})",
                source=self.name,
                hint="check api_key and api_secret in the developer portal (Keys and tokens)",
            )
        try:
            token = response.json()["access_token"]
        except (ValueError, KeyError, TypeError):
            raise PlatformError(
                f"the token endpoint answered HTTP {response.status_code} without a token", source=self.name
            ) from None
        self._bearer = SecretStr(str(token))
        register_secret(self._bearer)
        return 1


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _lst(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
