"""Mastodon statuses from hashtag timelines or full-text search, on one or several instances.

One instance sees only part of the fediverse, so a query is usually run on several. Each
instance is one part of the run. Tag timelines (``/api/v1/timelines/tag/{tag}`` with
``any[]``/``all[]``/``none[]``) need no token unless the instance disabled public preview;
status search (``/api/v2/search?type=statuses``) needs a user token and finds only posts
whose authors opted in. Both are paged newest first (``max_id`` from the ``Link`` header's
next URL for timelines, from the last status for search) and stop at the window's start.
A status's identity is its ``uri``, the same on every instance, so a post seen on two
instances is one mention; the instance-local ``id`` is kept in the mention's extras and the
newest one per instance in the state's extras. Boosts are mapped to the boosted original
with ``boosted_by`` in extras.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from pydantic import SecretStr

from social_listen.connectors._html import extract_html
from social_listen.connectors._native import native_search, plain_terms
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
from social_listen.connectors.pagination import MaxIdPaginator, PageResponse
from social_listen.core import (
    AuthError,
    Author,
    Capabilities,
    ConfigError,
    Limits,
    Mention,
    Metrics,
    Page,
    Query,
    RateLimitInfo,
    RequestSpec,
    SourceState,
    parse_reset,
)

__all__ = ["MastodonConnector", "MastodonLinkPaginator", "parse_mastodon_status"]

# Platform facts (https://docs.joinmastodon.org/methods/timelines/#tag,
# https://docs.joinmastodon.org/methods/search/#v2, https://docs.joinmastodon.org/entities/Status/,
# https://docs.joinmastodon.org/api/rate-limits/, checked 2026-11): ``limit`` <= 40; ids are
# opaque strings; 300 requests per 5 minutes per account or IP with ``X-RateLimit-Limit``,
# ``-Remaining`` and ``-Reset`` (an ISO 8601 time); tag timelines page with ``Link`` headers
# (``max_id``/``min_id``); public preview may be disabled (401/422 without a token); full-text
# status search needs a user token and covers only opted-in ("indexable") public posts.
MASTODON_MAX_LIMIT = 40
DEFAULT_LOOKBACK = timedelta(days=30)  # first run without since: no date filter to stop at
MASTODON_TAG_PATH = "/api/v1/timelines/tag/{tag}"
MASTODON_SEARCH_PATH = "/api/v2/search"
Mode = Literal["tags", "search"]
_TAG_CHARS = re.compile(r"[^\w]", re.UNICODE)


class MastodonLinkPaginator(MaxIdPaginator):
    """``max_id`` from the ``Link`` header's next URL, else from the last status.

    Expects (https://docs.joinmastodon.org/api/guidelines/#pagination)::

        Link: <https://m.example/api/v1/timelines/tag/acme?max_id=1099>; rel="next",
              <https://m.example/api/v1/timelines/tag/acme?min_id=1130>; rel="prev"

    Only ``max_id`` is taken from the link and added to the connector's own parameters:
    tag timeline links leave out ``any[]``/``all[]``/``none[]``, and following them as they
    are would widen the search from the second page on.

    Examples:
        >>> MastodonLinkPaginator().prepare("1099", url="https://m.example/api", params=[("any[]", "b")])
        ('https://m.example/api', [('any[]', 'b'), ('max_id', '1099')])
    """

    def next_token(self, page: PageResponse) -> str | None:
        """The next link's ``max_id``; the last status's id when the server sent no link."""
        link = page.response.links.get("next", {}).get("url")
        if link:
            values = parse_qs(urlsplit(link).query).get("max_id")
            if values and values[0]:
                return values[0]
        if page.response.headers.get("Link") is not None and not link:
            return None  # a Link header without rel="next": the timeline has no older page
        return super().next_token(page)


def _handle(account: Mapping[str, Any]) -> str:
    """``user@host`` for every account (local accounts' ``acct`` has no host)."""
    acct = str(account.get("acct") or account["username"])
    if "@" in acct:
        return acct
    host = urlsplit(str(account.get("url") or account.get("uri") or "")).hostname
    return f"{acct}@{host}" if host else acct


def parse_mastodon_status(status: Mapping[str, Any], *, instance: str, source: str = "mastodon") -> Mention:
    """Map one Status to a mention, field by field; a boost maps to its original.

    Args:
        status: A Status entity from a timeline or search.
        instance: The instance that served it (its local ids only mean something there).
        source: The ``Mention.source`` to store.

    Examples:
        >>> m = parse_mastodon_status({"id": "7", "uri": "https://m.test/users/a/statuses/7",
        ...     "created_at": "2026-01-01T00:00:00.000Z", "content": "<p>hi &amp; bye</p>",
        ...     "account": {"acct": "a", "username": "a", "url": "https://m.test/@a"}}, instance="https://m.test")
        >>> m.native_id, m.text, m.author.handle
        ('https://m.test/users/a/statuses/7', 'hi & bye', 'a@m.test')
    """
    original = status.get("reblog") or status
    extras: dict[str, Any] = {"instance": instance, "local_id": str(original.get("id") or "")}
    if status.get("reblog"):
        extras.update(
            boosted_by=_handle(status["account"]),
            boost_uri=status.get("uri"),
            boost_local_id=str(status.get("id") or ""),
        )
    if original.get("in_reply_to_id"):
        extras["in_reply_to_id"] = str(original["in_reply_to_id"])
    for key in ("visibility", "sensitive"):
        if original.get(key) is not None:
            extras[key] = original[key]
    created = parse_timestamp(original["created_at"])
    if created is None:
        raise ValueError(f"unusable created_at {str(original['created_at'])[:40]!r}")
    edited = parse_timestamp(original["edited_at"]) if original.get("edited_at") else None
    html = extract_html(str(original.get("content") or ""))
    hashtag_urls = {str(t.get("url")) for t in original.get("tags") or ()}
    mention_urls = {str(m.get("url")) for m in original.get("mentions") or ()}
    links = tuple(link for link in html.links if link not in hashtag_urls and link not in mention_urls)
    account = original["account"]
    return Mention(
        source=source,
        native_id=str(original["uri"]),
        url=str(original.get("url") or original["uri"]),
        title=original.get("spoiler_text") or None,
        text=html.text,
        author=Author(
            handle=_handle(account),
            name=account.get("display_name") or None,
            id=account.get("uri") or account.get("url"),
            url=account.get("url"),
            followers=account.get("followers_count"),
        ),
        created_at=created,
        edited_at=edited,
        language=original.get("language") or None,
        metrics=Metrics(
            likes=original.get("favourites_count"),
            shares=original.get("reblogs_count"),
            replies=original.get("replies_count"),
        ),
        links=links,
        hashtags=tuple(str(t["name"]) for t in original.get("tags") or () if t.get("name")),
        mentioned_handles=tuple(str(m["acct"]) for m in original.get("mentions") or () if m.get("acct")),
        flags=frozenset({"text_truncated"}) if html.truncated else frozenset(),
        extras=extras,
        raw=dict(status),
    )


class MastodonConnector(HTTPConnector):
    """Statuses from Mastodon hashtag timelines or status search on several instances.

    Args:
        instances: Instance host names or https URLs (user-supplied: checked by the egress guard).
        mode: ``"tags"`` (hashtag timelines, no token needed) or ``"search"`` (needs ``access_token``).
        tags: Hashtags to follow (default: the query's terms, ``#`` and spaces removed); the first
            is the timeline, the others go in ``any[]``.
        all_tags: Hashtags every status must also carry (``all[]``).
        none_tags: Hashtags to exclude (``none[]``).
        access_token: A user token (search mode, or instances without public preview), as text
            or ``SecretStr``. It is sent as a header and never stored in the state.
        lookback: How far back a first run without ``since`` goes (``None``: to the start of
            the timeline); later runs start at the watermark.
        page_size: Statuses per page (at most 40).
        limits: Overlap, text caps and the future-date skew.
        now: The clock.

    Examples:
        >>> from social_listen.core import Query, SourceState
        >>> conn = MastodonConnector(instances=["mastodon.example"], tags=["acme", "acmecorp"])
        >>> request = next(conn.fetch_page(Query(text="acme"), cursor=None, state=SourceState()))
        >>> request.url, request.params[0]
        ('https://mastodon.example/api/v1/timelines/tag/acme', ('any[]', 'acmecorp'))
    """

    name = "mastodon"
    capabilities = Capabilities(since_until=False, order="newest_first", max_page_size=MASTODON_MAX_LIMIT)
    page_size = MASTODON_MAX_LIMIT
    page_size_param = "limit"
    forbidden_hint = "this instance refuses anonymous reads; pass access_token=..."

    def __init__(
        self,
        *,
        instances: Sequence[str],
        mode: Mode = "tags",
        tags: Sequence[str] = (),
        all_tags: Sequence[str] = (),
        none_tags: Sequence[str] = (),
        access_token: str | SecretStr | None = None,
        page_size: int | None = None,
        lookback: timedelta | None = DEFAULT_LOOKBACK,
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(page_size=page_size, limits=limits, now=now)
        self.lookback = lookback
        self.instances = instance_urls(instances, source=self.name, platform="Mastodon")
        if mode not in ("tags", "search"):
            raise ConfigError(f"mode must be 'tags' or 'search', not {mode!r}", source=self.name)
        if mode == "search" and not access_token:
            raise ConfigError(
                "status search needs a user access token",
                source=self.name,
                hint="pass access_token=... or use mode='tags' (hashtag timelines need none)",
            )
        self.base_url = self.instances[0]
        self.mode = mode
        self.tags = tuple(t for t in (_tag(x) for x in tags) if t)
        self.all_tags = tuple(t for t in (_tag(x) for x in all_tags) if t)
        self.none_tags = tuple(t for t in (_tag(x) for x in none_tags) if t)
        self._token = access_token.get_secret_value() if isinstance(access_token, SecretStr) else access_token
        self.items_path = "statuses" if mode == "search" else ""
        self.paginator = MaxIdPaginator() if mode == "search" else MastodonLinkPaginator()
        self.page_size = max(1, min(self.page_size or MASTODON_MAX_LIMIT, MASTODON_MAX_LIMIT))

    def __repr__(self) -> str:
        return f"MastodonConnector(instances={list(self.instances)!r}, mode={self.mode!r})"

    def auth_headers(self) -> Mapping[str, str]:
        """``Authorization: Bearer`` when a token was given."""
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    def _options(self, query: Query) -> Mapping[str, Any]:
        return query.options_for(self.name)

    def build_url(self, query: Query, *, state: SourceState) -> str:
        """The tag timeline of the part's first tag, or the search endpoint, on its instance."""
        options = self._options(query)
        instance = str(options.get("_instance", self.base_url))
        if self.mode == "search":
            return instance + MASTODON_SEARCH_PATH
        return instance + MASTODON_TAG_PATH.format(tag=quote(str(options["_tags"][0]), safe=""))

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Sequence[tuple[str, Any]]:
        """``any[]``/``all[]``/``none[]`` for timelines; ``q``/``type``/``resolve`` for search."""
        if self.mode == "search":
            return [("q", query.text), ("type", "statuses"), ("resolve", "false")]
        tags = self._options(query)["_tags"]
        params: list[tuple[str, Any]] = [("any[]", t) for t in tags[1:]]
        params += [("all[]", t) for t in self.all_tags]
        params += [("none[]", t) for t in self.none_tags]
        return params

    def parse_item(self, item: Any) -> Mention | None:
        """Map one status (see :func:`parse_mastodon_status`); the instance is set per part."""
        return parse_mastodon_status(item, instance=self.base_url, source=self.name)

    def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
        """``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (an ISO 8601 server time).

        The reset time is corrected by the skew between the response's ``Date`` and our clock.
        """
        headers = response.headers
        if "X-RateLimit-Remaining" not in headers and "X-RateLimit-Reset" not in headers:
            return None
        return RateLimitInfo(
            limit=_float(headers.get("X-RateLimit-Limit")),
            remaining=_float(headers.get("X-RateLimit-Remaining")),
            reset_at=parse_reset(
                headers.get("X-RateLimit-Reset"), kind="iso", date_header=headers.get("Date"), now=self.now()
            ),
        )

    def _check(self, response: httpx.Response) -> None:
        if response.status_code == 422 or (response.status_code == 401 and not self._token):
            raise AuthError(
                f"the instance requires an authenticated user ({response.status_code})",
                source=self.name,
                hint="the instance disabled public timelines; pass access_token=...",
            )

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """Fetch one page; each instance (and native search) is one part of the run."""
        search = native_search(query, self.name)
        if query.since is None and state.watermark is None and cursor is None and self.lookback is not None:
            # No date filter on the platform: a first run without ``since`` would page to the
            # beginning of the timeline.
            query = query.model_copy(update={"since": self.now() - self.lookback})
        if self.mode == "search":
            searches: list[tuple[str, ...]] = [(q,) for q in search.queries]
        else:
            tags = self.tags or tuple(t for t in (_tag(x) for x in plain_terms(query.text)) if t)
            if not tags:
                raise ConfigError(
                    "no hashtag to follow: give tags=[...] or a query with words", source=self.name
                )
            searches = [tags[:1] + tuple(dict.fromkeys(tags[1:]))]
        parts = [(instance, spec) for instance in self.instances for spec in searches]

        def part(
            spec: tuple[str, tuple[str, ...]], inner: str | None, part_state: SourceState
        ) -> Generator[RequestSpec, httpx.Response, Page]:
            instance, terms = spec
            sub = part_query(query, terms[0], source=self.name, _instance=instance, _tags=terms)
            flow = HTTPConnector.fetch_page(self, sub, cursor=inner, state=part_state)
            page = yield from inspect_responses(flow, self._check, user_supplied=True)
            tagged = tag_mentions(page, instance=instance)
            return tagged.model_copy(update={"state": _remember_newest(page, instance)})

        return (
            yield from run_parts(
                parts,
                part,
                query=query,
                cursor=cursor,
                state=state,
                connector=self,
                keep=search.matches if self.mode == "search" else None,
                notes=search.notes if self.mode == "search" else (),
            )
        )


def _remember_newest(page: Page, instance: str) -> SourceState:
    """The state with the newest instance-local id seen on ``instance`` in its extras."""
    newest: Mapping[str, str] = page.state.extras.get("newest_local_ids") or {}
    best = newest.get(instance)
    for mention in page.mentions:
        local = str(mention.extras.get("boost_local_id") or mention.extras.get("local_id") or "")
        if local and (best is None or (len(local), local) > (len(best), best)):
            best = local
    if best is None:
        return page.state
    return page.state.with_extras(newest_local_ids={**newest, instance: best})


def _tag(value: str) -> str:
    return _TAG_CHARS.sub("", value.strip().lstrip("#")).lower()


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
