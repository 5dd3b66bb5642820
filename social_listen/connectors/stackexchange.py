"""Stack Exchange questions (Stack Overflow and the other sites) through ``search/advanced``.

Questions are paged newest first with ``page``/``has_more``; the body's ``backoff`` field
(seconds to wait before the next call) and ``quota_remaining`` are reported on each page's
rate-limit info, a ``throttle_violation`` error becomes :class:`~social_listen.core.RateLimited`
with the ban's end, and responses arrive gzip-compressed (httpx decodes them). Anonymous
callers may not page past page 25, so the window is re-cut below the oldest question reached.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

import httpx
from pydantic import SecretStr

from social_listen.connectors._html import html_to_text
from social_listen.connectors._native import native_search
from social_listen.connectors._parts import inspect_responses, part_query, run_parts
from social_listen.connectors._slicing import TimeSlicer, TimeWindow
from social_listen.connectors._timeparse import parse_timestamp
from social_listen.connectors.base import HTTPConnector
from social_listen.connectors.pagination import PageNumberPaginator
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
    RateLimited,
    RateLimitInfo,
    RequestSpec,
    SourceState,
)
from social_listen.core._json import load_json

__all__ = ["StackExchangeConnector", "parse_se_question"]

# Platform facts (https://api.stackexchange.com/docs/advanced-search,
# https://api.stackexchange.com/docs/throttle, https://api.stackexchange.com/docs/paging,
# checked 2026-11): no auth needed (300 requests/day per IP; 10,000 with a free app key,
# which is not a secret); pagesize <= 100; anonymous calls may not ask past page 25; the body's
# ``backoff`` must be honoured before the next call to the same method; ``throttle_violation``
# (error 502) bans the IP for the seconds in the message; responses are gzip-compressed.
SE_API = "https://api.stackexchange.com"
SE_SEARCH_PATH = "/2.3/search/advanced"
SE_MAX_PAGE_SIZE = 100
SE_ANONYMOUS_MAX_PAGE = 25
SE_DEFAULT_SITE = "stackoverflow"
SE_FILTER = "withbody"  # a built-in filter: the default fields plus ``body``
_SECONDS_RE = re.compile(r"(\d{1,9})\s*seconds?")


def parse_se_question(item: Mapping[str, Any], *, site: str, source: str = "stackexchange") -> Mention:
    """Map one question of a ``search/advanced`` response to a mention, field by field.

    Args:
        item: One element of ``items``.
        site: The site the question belongs to (``"stackoverflow"``); part of the id.
        source: The ``Mention.source`` to store.

    Examples:
        >>> m = parse_se_question({"question_id": 1, "title": "A &amp; B", "creation_date": 1700000000,
        ...                        "link": "https://stackoverflow.com/q/1"}, site="stackoverflow")
        >>> m.native_id, m.title
        ('stackoverflow/1', 'A & B')
    """
    question_id = item["question_id"]
    created = parse_timestamp(item["creation_date"])
    if created is None or isinstance(question_id, bool):
        raise ValueError("question without a usable question_id or creation_date")
    owner = item.get("owner") or {}
    name = html.unescape(owner["display_name"]) if owner.get("display_name") else None
    author = None
    if name:
        author = Author(
            handle=name,
            name=name,
            id=str(owner["user_id"]) if owner.get("user_id") is not None else None,
            url=owner.get("link"),
        )
    edited = item.get("last_edit_date")
    extras: dict[str, Any] = {
        "is_answered": item.get("is_answered"),
        "accepted_answer_id": item.get("accepted_answer_id"),
        "last_activity_date": item.get("last_activity_date"),
        "owner_reputation": owner.get("reputation"),
        "owner_type": owner.get("user_type"),
    }
    return Mention(
        source=source,
        native_id=f"{site}/{question_id}",
        url=item.get("link"),
        title=html.unescape(item["title"]) if item.get("title") else None,
        text=html_to_text(item["body"]) if item.get("body") else "",
        author=author,
        created_at=created,
        edited_at=parse_timestamp(edited) if edited is not None else None,
        metrics=Metrics(
            score=item.get("score"),
            replies=item.get("answer_count"),
            views=item.get("view_count"),
        ),
        channel=site,
        hashtags=tuple(str(tag) for tag in item.get("tags") or ()),
        extras={k: v for k, v in extras.items() if v is not None},
        raw=dict(item),
    )


class StackExchangeConnector(HTTPConnector):
    """Questions from one or several Stack Exchange sites (``search/advanced``).

    Args:
        sites: Site API names (``"stackoverflow"``, ``"superuser"``); each is searched.
        key: An optional app key (raises the daily quota to 10,000 and lifts the page-25 stop).
        page_size: Questions per page (at most 100).
        base_url: The API root (tests point it at a fake).
        limits: Overlap, text caps and the future-date skew.
        now: The clock.

    Examples:
        >>> from social_listen.core import Query, SourceState
        >>> conn = StackExchangeConnector(sites=["superuser"])
        >>> request = next(conn.fetch_page(Query(text="acme"), cursor=None, state=SourceState()))
        >>> dict(request.params)["site"], dict(request.params)["sort"]
        ('superuser', 'creation')
    """

    name = "stackexchange"
    capabilities = Capabilities(
        since_until=True,
        order="newest_first",
        max_page_size=SE_MAX_PAGE_SIZE,
        result_cap=SE_ANONYMOUS_MAX_PAGE * SE_MAX_PAGE_SIZE,
        auth="optional",
    )
    base_url = SE_API
    path = SE_SEARCH_PATH
    items_path = "items"
    page_size = SE_MAX_PAGE_SIZE
    page_size_param = "pagesize"
    default_headers = MappingProxyType({"Accept-Encoding": "gzip"})

    def __init__(
        self,
        *,
        sites: Sequence[str] = (SE_DEFAULT_SITE,),
        key: str | SecretStr | None = None,
        page_size: int | None = None,
        base_url: str | None = None,
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(base_url=base_url, page_size=page_size, limits=limits, now=now)
        if isinstance(sites, str):
            sites = (sites,)
        if not sites or not all(re.fullmatch(r"[a-z0-9.\-]{2,60}", s) for s in sites):
            raise ConfigError(f"invalid Stack Exchange site names: {list(sites)}", source=self.name)
        self.sites = tuple(sites)
        self.key = key.get_secret_value() if isinstance(key, SecretStr) else key
        size = max(1, min(self.page_size or SE_MAX_PAGE_SIZE, SE_MAX_PAGE_SIZE))
        self.page_size = size
        max_page = None if key else SE_ANONYMOUS_MAX_PAGE
        self.paginator = PageNumberPaginator(base=1, has_more_path="has_more", max_page=max_page)
        # Without a key the platform stops at page 25: continue below the oldest question.
        self.slicer = TimeSlicer(result_cap=(max_page or 10**9) * size)

    def build_params(
        self, query: Query, *, cursor: str | None, state: SourceState, window: TimeWindow
    ) -> Sequence[tuple[str, Any]]:
        """``q``, ``site``, newest-first by creation, and the window as from/to dates."""
        site = query.options_for(self.name).get("_site", self.sites[0])
        params: list[tuple[str, Any]] = [
            ("q", query.text),
            ("site", site),
            ("sort", "creation"),
            ("order", "desc"),
            ("filter", SE_FILTER),
        ]
        if window.since is not None:
            params.append(("fromdate", window.since_epoch))
        if window.until is not None and window.until_epoch is not None:
            # todate is inclusive on the platform; the window's end is exclusive.
            params.append(
                ("todate", window.until_epoch - (0 if window.until.timestamp() > window.until_epoch else 1))
            )
        if self.key:
            params.append(("key", self.key))
        return params

    def parse_item(self, item: Any) -> Mention | None:
        """Map one question (see :func:`parse_se_question`); the site comes from the link."""
        return parse_se_question(item, site=_site_of(item, self.sites), source=self.name)

    def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
        """``backoff`` (seconds), ``quota_remaining`` and ``quota_max`` from the body.

        With a ``backoff``, ``remaining`` is 0 until ``reset_at`` (now + backoff) so the runner
        waits; otherwise ``remaining``/``limit`` are the daily quota (also noted on the page).
        """
        try:
            body = load_json(response.content, source=self.name)
        except ParseError:  # an unreadable body simply has no signals
            return None
        if not isinstance(body, dict):
            return None
        backoff, remaining, limit = body.get("backoff"), body.get("quota_remaining"), body.get("quota_max")
        if backoff is None and remaining is None:
            return None
        wait = _number(backoff)
        if wait is not None and wait > 0:
            # The runner paces from remaining/reset_at: nothing may be sent before the backoff ends.
            return RateLimitInfo(
                limit=_number(limit),
                remaining=0,
                reset_at=self.now() + timedelta(seconds=wait),
                retry_after=wait,
            )
        return RateLimitInfo(limit=_number(limit), remaining=_number(remaining))

    def _check(self, response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        try:
            body = load_json(response.content, source=self.name)
        except ParseError:  # left to the base's generic error
            return
        if isinstance(body, dict) and body.get("error_name") == "throttle_violation":
            message = str(body.get("error_message") or "")
            found = _SECONDS_RE.search(message)
            reset_at = self.now() + timedelta(seconds=int(found.group(1))) if found else None
            raise RateLimited(f"throttle violation: {message[:160]}", source=self.name, reset_at=reset_at)

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """Fetch one page; each site and native search is one part of the run."""
        search = native_search(query, self.name)
        parts = [(site, native) for site in self.sites for native in search.queries]
        quotas: list[int] = []

        def check(response: httpx.Response) -> None:
            self._check(response)
            quota = _quota_remaining(response)
            if quota is not None:
                quotas.append(quota)

        def part(
            spec: tuple[str, str], inner: str | None, part_state: SourceState
        ) -> Generator[RequestSpec, httpx.Response, Page]:
            site, native = spec
            sub = part_query(query, native, source=self.name, _site=site)
            return inspect_responses(
                HTTPConnector.fetch_page(self, sub, cursor=inner, state=part_state), check
            )

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
        if quotas:
            page = page.model_copy(update={"notes": (*page.notes, f"quota_remaining:{quotas[-1]}")})
        return page


def _quota_remaining(response: httpx.Response) -> int | None:
    if response.status_code >= 300:
        return None
    try:
        body = load_json(response.content)
    except ParseError:
        return None
    value = body.get("quota_remaining") if isinstance(body, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _site_of(item: Mapping[str, Any], sites: Sequence[str]) -> str:
    link = str(item.get("link") or "")
    for site in sites:
        if f"//{site}." in link or f".{site}." in link or f"//{site}/" in link:
            return site
    return sites[0] if len(sites) == 1 else (link.split("/")[2] if link.count("/") > 2 else sites[0])


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
