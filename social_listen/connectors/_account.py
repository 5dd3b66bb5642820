"""Helpers shared by the account connectors: response hooks, rate-limit dialects, local matching.

:func:`observe_responses` runs a ``fetch_page`` flow and lets a connector look at (or replace)
each response before the flow sees it: YouTube turns a 403 ``quotaExceeded`` into
``QuotaExceeded``, X collects ``includes.users``, Reddit counts listing items. The rate-limit
readers turn each platform's headers into :class:`~social_listen.core.RateLimitInfo`, with
epoch resets corrected for clock skew with the ``Date`` header (reliability row 6).
:func:`query_matcher` is the client-side filter for sources that cannot search (Jetstream,
Telegram): the shared local matcher, keeping everything for a query without terms.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from typing import Literal, TypeVar

import httpx

from social_listen.connectors._native import local_matcher
from social_listen.core import Mention, Query, RateLimitInfo, RequestSpec, parse_reset

__all__ = ["header_number", "observe_responses", "query_matcher", "read_rate_limit"]

R = TypeVar("R")

ResponseHook = Callable[[RequestSpec, httpx.Response], httpx.Response]
"""Sees each ``(request, response)``; returns the response the flow gets (or raises)."""


def observe_responses(
    flow: Generator[RequestSpec, httpx.Response, R],
    hook: ResponseHook,
    *,
    before: Callable[[RequestSpec], None] | None = None,
    user_supplied: bool = False,
) -> Generator[RequestSpec, httpx.Response, R]:
    """Run ``flow``, passing every response through ``hook`` first.

    Args:
        flow: A sans-I/O flow (``fetch_page`` or an auth sub-flow).
        hook: Called with the request and its response before the flow receives it.
        before: Called with each request before it is sent; raising stops the flow there
            (budgets refuse a request that would exceed them).
        user_supplied: Mark every request ``user_supplied`` (hosts from the user's options)
            so the egress guard checks them.

    Returns:
        What ``flow`` returns.
    """
    try:
        request = next(flow)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    while True:
        if user_supplied and not request.user_supplied:
            request = request.model_copy(update={"user_supplied": True})
        if before is not None:
            before(request)
        response = yield request
        response = hook(request, response)
        try:
            request = flow.send(response)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


def header_number(response: httpx.Response, name: str) -> float | None:
    """A header as a finite number (``"598.0"`` included), ``None`` when absent or absurd."""
    raw = response.headers.get(name)
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 <= value < 1e12 else None


def read_rate_limit(
    response: httpx.Response,
    *,
    limit: str | None,
    remaining: str,
    reset: str,
    reset_kind: Literal["seconds", "epoch"],
    used: str | None = None,
    now: datetime | None = None,
) -> RateLimitInfo | None:
    """Read one platform's rate-limit headers.

    Args:
        response: The response.
        limit: Header with the window's size (``None`` when the platform sends ``used``).
        remaining: Header with the requests left.
        reset: Header with the reset time.
        reset_kind: ``"seconds"`` until the reset (Reddit, floats allowed) or an ``"epoch"``
            time in seconds (Bluesky, X), corrected for skew with the ``Date`` header.
        used: Header with the requests used (Reddit), to derive the limit.
        now: The current time.

    Returns:
        The signals, or ``None`` when the response has none of the headers.

    Examples:
        >>> r = httpx.Response(200, headers={"x-ratelimit-remaining": "598.0",
        ...     "x-ratelimit-used": "2", "x-ratelimit-reset": "30"})
        >>> info = read_rate_limit(r, limit=None, used="x-ratelimit-used",
        ...     remaining="x-ratelimit-remaining", reset="x-ratelimit-reset", reset_kind="seconds",
        ...     now=datetime(2026, 1, 1, tzinfo=UTC))
        >>> info.limit, info.remaining, info.reset_at.isoformat()
        (600.0, 598.0, '2026-01-01T00:00:30+00:00')
    """
    current = now or datetime.now(UTC)
    left = header_number(response, remaining)
    size = header_number(response, limit) if limit else None
    spent = header_number(response, used) if used else None
    if size is None and spent is not None and left is not None:
        size = spent + left
    raw_reset = response.headers.get(reset)
    reset_at = (
        parse_reset(raw_reset, kind=reset_kind, date_header=response.headers.get("date"), now=current)
        if raw_reset is not None and header_number(response, reset) is not None
        else None
    )
    if left is None and size is None and reset_at is None:
        return None
    return RateLimitInfo(limit=size, remaining=left, reset_at=reset_at)


def query_matcher(query: Query, platform: str) -> Callable[[Mention], bool]:
    """A local filter with the query's semantics, for sources that cannot search.

    :func:`~social_listen.connectors._native.local_matcher` (the compiled matcher of
    :mod:`social_listen.query`, else the query's plain terms), keeping everything when the
    query has no terms.

    Examples:
        >>> from datetime import datetime, UTC
        >>> keep = query_matcher(Query(text='acme OR "acme corp"'), "telegram")
        >>> keep(Mention(source="t", native_id="1", text="I love ACME!",
        ...              created_at=datetime(2026, 1, 1, tzinfo=UTC)))
        True
    """
    return local_matcher(query, platform) or _keep_all


def _keep_all(mention: Mention) -> bool:
    return True
