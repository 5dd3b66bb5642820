"""The sans-I/O core both clients drive: the run of pages and every retry decision.

:func:`run_pages` is a generator that yields :class:`~social_listen.core.RequestSpec` objects
(the client answers each with a final response) and ``(page, state_after)`` tuples (the
client hands them to the caller), with cursor-loop and page-cap detection; :class:`Runtime`
holds the decisions around one exchange (parking, pacing, which statuses are retried, what to
raise when retries run out); :class:`Collector` turns a run into a
:class:`~social_listen.core.FetchResult`. ``Client`` and ``AsyncClient`` only add the I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from datetime import datetime
from typing import Any

import httpx

from social_listen.core._checkpoint import Checkpointer
from social_listen.core._completeness import Completeness, FetchResult
from social_listen.core._errors import (
    PaginationLoop,
    RateLimited,
    SocialListenError,
    SourceError,
    SourceUnavailable,
)
from social_listen.core._http import check_content_type
from social_listen.core._limits import Limits
from social_listen.core._models import Mention, Query
from social_listen.core._redact import redact
from social_listen.core._retry import Pacer, RetryableFailure, RetryPolicy, parse_retry_after
from social_listen.core._source import RequestSpec, Source
from social_listen.core._state import Page, RateLimitInfo, SourceState

__all__ = ["Collector", "RunEvent", "Runtime", "Tally", "default_source_key", "run_pages", "start_state"]

logger = logging.getLogger(__name__)

RunEvent = RequestSpec | tuple[Page, SourceState]
"""What :func:`run_pages` yields: a request to answer, or a page with the state after it."""

_RETRIED_STATUSES = frozenset({408, 429})


def default_source_key(source: Source, query: Query) -> str:
    """The checkpoint key of a collection: ``"<connector>:<query label>"``."""
    return f"{source.name}:{query.label}"


def start_state(state: SourceState | None, checkpointer: Checkpointer | None, source_key: str) -> SourceState:
    """The state a run starts from: the given one, else the checkpointer's, else empty."""
    if state is not None:
        return state
    if checkpointer is not None:
        loaded = checkpointer.load_state(source_key)
        if loaded is not None:
            return loaded
    return SourceState()


class Tally:
    """The mutable completeness record of one run, updated as requests and pages happen."""

    def __init__(self, source: str, query: str, *, started_at: datetime) -> None:
        self.record = Completeness(source=source, query=query, started_at=started_at)

    def count(self, **deltas: float) -> None:
        """Add to numeric counters."""
        self.record = self.record.count(**deltas)


def _drive_flow(
    source: Source, flow: Generator[RequestSpec, httpx.Response, Page]
) -> Generator[RequestSpec, httpx.Response, Page]:
    """Run one ``fetch_page`` flow, wrapping connector bugs into ``SourceError``."""
    status: int | None = None
    try:
        request = next(flow)
        while True:
            if not isinstance(request, RequestSpec):
                raise SourceError(
                    f"the connector yielded {type(request).__name__}, not a RequestSpec",
                    source=source.name,
                    hint="fetch_page must yield RequestSpec objects",
                )
            response = yield request
            status = response.status_code
            request = flow.send(response)
    except StopIteration as stop:
        page = stop.value
        if not isinstance(page, Page):
            raise SourceError(
                f"fetch_page returned {type(page).__name__}, not a Page", source=source.name
            ) from None
        return page
    except SocialListenError:
        raise
    except Exception as exc:
        after = f" after HTTP {status}" if status is not None else ""
        raise SourceError(
            f"the connector failed{after}: {type(exc).__name__}: {redact(str(exc))}",
            source=source.name,
            hint="a response the connector does not handle; report it to the connector's author",
        ) from exc
    finally:
        flow.close()


def run_pages(
    source: Source, query: Query, *, state: SourceState, max_pages: int
) -> Generator[RunEvent, httpx.Response | None, None]:
    """The page loop of a run, sans I/O.

    Starts from ``state.cursor``; after each page yields ``(page, state_after)`` with
    ``state_after = page.state.with_cursor(page.next_cursor)``; stops when a page has no next
    cursor.

    Raises:
        PaginationLoop: A next cursor repeats one of this run (that page is not yielded, so
            the checkpoint never points into the loop), or ``max_pages`` pages were fetched
            and there are more.
    """
    cursor = state.cursor
    seen: set[str] = {cursor} if cursor is not None else set()
    pages = 0
    while True:
        flow = source.fetch_page(query, cursor=cursor, state=state)
        page = yield from _drive_flow(source, flow)
        pages += 1
        if page.next_cursor is not None and page.next_cursor in seen:
            raise PaginationLoop(f"the cursor {redact(page.next_cursor)[:60]!r} repeated", source=source.name)
        state = page.state.with_cursor(page.next_cursor)
        yield page, state
        if page.next_cursor is None:
            return
        if pages >= max_pages:
            raise PaginationLoop(
                f"the page cap of {max_pages} pages per run was reached",
                source=source.name,
                hint="the next run resumes from the checkpoint; raise max_pages to fetch more per run",
            )
        seen.add(page.next_cursor)
        cursor = page.next_cursor


class Runtime:
    """The decisions around one exchange, shared by the sync and async clients.

    Args:
        limits: Caps, timeouts, retry bounds.
        clock: Monotonic clock.
        now: Wall clock.
        random: Uniform ``[0, 1)`` source for jitter.
    """

    def __init__(
        self,
        *,
        limits: Limits,
        clock: Callable[[], float],
        now: Callable[[], datetime],
        random: Callable[[], float],
    ) -> None:
        self.limits = limits
        self.now = now
        self.policy = RetryPolicy(limits=limits, clock=clock, random=random)
        self.pacer = Pacer(cap=limits.retry_after_cap, clock=clock, now=now)

    def retry_options(self, tally: Tally) -> dict[str, Any]:
        """Tenacity options for one exchange, counting retries and waits into ``tally``."""

        def on_retry(failure: RetryableFailure, wait: float) -> None:
            rate_limited = 1 if failure.status == 429 or failure.retry_after is not None else 0
            tally.count(retries=1, waited_seconds=wait, rate_limit_waits=rate_limited)

        return self.policy.tenacity_options(on_retry=on_retry)

    def pacing_delay(self, source: Source, tally: Tally) -> float:
        """Seconds to wait before the next request to ``source`` (counted as a wait).

        Raises:
            RateLimited: The source is parked, or must wait longer than the cap.
        """
        delay = self.pacer.delay(source.name)
        if delay > 0:
            tally.count(rate_limit_waits=1, waited_seconds=delay)
        return delay

    def _rate_limit_info(self, source: Source, response: httpx.Response) -> RateLimitInfo | None:
        hook = getattr(source, "rate_limit", None)
        if not callable(hook):
            return None
        try:
            info = hook(response)
        except Exception as exc:  # a dialect parser must not break the run
            logger.warning("rate_limit hook of %s failed: %s", source.name, redact(repr(exc)))
            return None
        return info if isinstance(info, RateLimitInfo) else None

    def accept(self, source: Source, spec: RequestSpec, response: httpx.Response) -> httpx.Response:
        """Judge a final response: pace from it, retry it, park on it, or pass it on.

        Raises:
            RetryableFailure: 408, 429 and 5xx (with the server's wait, when it gave one).
            RateLimited: The server asked for a wait over the cap (the source is parked).
            UnexpectedContentType: A 2xx body of the wrong type.
        """
        info = self._rate_limit_info(source, response)
        if info is not None:
            self.pacer.observe(source.name, info)
        status = response.status_code
        if status in _RETRIED_STATUSES or status >= 500:
            wait = parse_retry_after(response.headers, now=self.now())
            if wait is None and info is not None:
                wait = info.retry_after if info.retry_after is not None else self.pacer.reset_wait(info)
            if wait is not None and wait > self.limits.retry_after_cap:
                raise self.pacer.park(source.name, wait, why=f"HTTP {status} asked to wait {wait:.0f}s")
            raise RetryableFailure(f"HTTP {status}", retry_after=wait, status=status)
        check_content_type(response, expect=spec.expect, source=source.name)
        return response

    def give_up(self, source: Source, failure: RetryableFailure) -> SourceError:
        """The error once retries are exhausted: ``RateLimited`` for 429, else unavailable."""
        attempts = self.limits.max_attempts
        if failure.status == 429:
            return self.pacer.park(
                source.name, failure.retry_after or 0.0, why="still rate limited (HTTP 429) after retrying"
            )
        return SourceUnavailable(
            f"{failure.reason} (gave up after at most {attempts} attempts)", source=source.name
        )


class Collector:
    """Collects one run into a :class:`FetchResult`: dedup, state, completeness, error."""

    def __init__(
        self,
        source: Source,
        query: Query,
        *,
        source_key: str,
        state: SourceState,
        now: Callable[[], datetime],
    ) -> None:
        self.source = source.name
        self.source_key = source_key
        self.state = state
        self.now = now
        self.tally = Tally(source.name, query.label, started_at=now())
        self.mentions: dict[tuple[str, str], Mention] = {}
        self.error: SocialListenError | None = None

    def commit(self, page: Page, state_after: SourceState, *, checkpointer: Checkpointer | None) -> None:
        """Commit a page through ``checkpointer`` (when given), then record it."""
        if checkpointer is not None:
            checkpointer.commit_page(page, state_after, source_key=self.source_key)
        self.add(page, state_after)

    def add(self, page: Page, state_after: SourceState) -> None:
        """Record a committed page."""
        fresh = 0
        for mention in page.mentions:
            if mention.key not in self.mentions:
                self.mentions[mention.key] = mention
                fresh += 1
        self.tally.record = self.tally.record.add_page(
            page, items=fresh, duplicates=len(page.mentions) - fresh
        )
        self.state = state_after

    def fail(self, error: SocialListenError) -> None:
        """Record the error that stopped the run."""
        self.error = error
        self.tally.record = self.tally.record.with_error(error)
        if not isinstance(error, RateLimited):
            logger.warning("run of %s stopped: %s", self.source_key, redact(str(error)))

    def result(self) -> FetchResult:
        """The run's result."""
        return FetchResult(
            source=self.source,
            source_key=self.source_key,
            mentions=tuple(self.mentions.values()),
            state=self.state,
            completeness=self.tally.record.finish(self.now()),
            error=self.error,
        )
