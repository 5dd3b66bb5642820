"""``Client`` and ``AsyncClient``: run sans-I/O connectors over HTTP, safely and resumably.

Both drive the same :func:`~social_listen.core._runner.run_pages` core and the same retry
and pacing decisions; they differ only in the I/O (``httpx.Client`` with
``tenacity.Retrying`` versus ``httpx.AsyncClient`` with ``tenacity.AsyncRetrying``). Every
request passes the egress guard, a deadline, body caps and manual redirects
(:mod:`~social_listen.core._http`); secrets are scrubbed from the library's and httpx's logs.
"""

from __future__ import annotations

import asyncio
import random as _random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Iterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import httpx
from tenacity import AsyncRetrying, Retrying

from social_listen._version import __version__
from social_listen.core._checkpoint import Checkpointer
from social_listen.core._completeness import FetchResult
from social_listen.core._egress import EgressGuard, GuardedAsyncTransport, GuardedTransport, Resolver
from social_listen.core._errors import ConfigError, SocialListenError
from social_listen.core._http import SendContext, send, send_async
from social_listen.core._limits import DEFAULT_LIMITS, Limits
from social_listen.core._models import Query, utcnow
from social_listen.core._redact import install_redaction
from social_listen.core._retry import RetryableFailure
from social_listen.core._runner import (
    Collector,
    RunEvent,
    Runtime,
    Tally,
    default_source_key,
    run_pages,
    start_state,
)
from social_listen.core._source import RequestSpec, Source
from social_listen.core._state import Page, SourceState

__all__ = ["AsyncClient", "Client"]

DEFAULT_USER_AGENT = f"social-listen/{__version__} (+https://pypi.org/project/social-listen/)"


def _sleep(seconds: float) -> None:
    """``time.sleep`` looked up at call time, so a patched ``time.sleep`` (test guards) applies."""
    time.sleep(seconds)


async def _async_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


class _Base:
    """What the two clients share: options, the egress guard, the runtime decisions."""

    def __init__(
        self,
        *,
        limits: Limits,
        user_agent: str | None,
        headers: Mapping[str, str] | None,
        clock: Callable[[], float],
        now: Callable[[], datetime],
        allow_hosts: Iterable[str],
        allow_networks: Iterable[str],
        proxy: str | None,
        random: Callable[[], float],
        resolver: Resolver | None,
        custom_transport: bool,
    ) -> None:
        if proxy is not None and custom_transport:
            raise ConfigError("pass either transport= or proxy=, not both")
        install_redaction()
        self.limits = limits
        self.clock = clock
        self.now = now
        self.proxy = proxy
        self.guard = EgressGuard(allow_hosts=allow_hosts, allow_networks=allow_networks, resolver=resolver)
        self.runtime = Runtime(limits=limits, clock=clock, now=now, random=random)
        self._headers = {
            "User-Agent": user_agent or DEFAULT_USER_AGENT,
            "Accept-Encoding": "gzip, deflate",
            **(headers or {}),
        }
        self._timeout = httpx.Timeout(
            connect=limits.connect_timeout,
            read=limits.read_timeout,
            write=limits.read_timeout,
            pool=limits.connect_timeout,
        )

    def _client_options(self) -> dict[str, Any]:
        return {
            "headers": self._headers,
            "timeout": self._timeout,
            "trust_env": False,
            "follow_redirects": False,
        }

    def _context(self, source: Source, tally: Tally) -> SendContext:
        return SendContext(
            limits=self.limits,
            guard=self.guard,
            clock=self.clock,
            source=source.name,
            on_send=lambda: tally.count(requests=1),
        )

    def _max_pages(self, max_pages: int | None) -> int:
        return self.limits.max_pages if max_pages is None else max_pages

    def _start_fetch(
        self,
        source: Source,
        query: Query,
        *,
        state: SourceState | None,
        checkpointer: Checkpointer | None,
        source_key: str | None,
        max_pages: int | None,
    ) -> tuple[Collector, Generator[RunEvent, Any, None]]:
        install_redaction()
        key = source_key or default_source_key(source, query)
        start = start_state(state, checkpointer, key)
        collector = Collector(source, query, source_key=key, state=start, now=self.now)
        return collector, run_pages(source, query, state=start, max_pages=self._max_pages(max_pages))

    def _start_pages(
        self, source: Source, query: Query, *, state: SourceState | None, max_pages: int | None
    ) -> tuple[Tally, Generator[RunEvent, Any, None]]:
        install_redaction()
        tally = Tally(source.name, query.label, started_at=self.now())
        return tally, run_pages(
            source, query, state=state or SourceState(), max_pages=self._max_pages(max_pages)
        )


class Client(_Base):
    """Runs connectors synchronously over ``httpx.Client`` with retries, pacing and guards.

    Args:
        limits: Timeouts, retry bounds and caps.
        transport: An httpx transport (``httpx.MockTransport`` in tests); the default one
            checks every connection with the egress guard.
        user_agent: The User-Agent sent with every request.
        headers: Extra headers sent with every request.
        sleep: How to wait (inject a recorder in tests).
        clock: Monotonic clock for deadlines, pacing and retry time.
        now: Wall clock for Retry-After dates and rate-limit resets.
        allow_hosts: Hosts the egress guard lets through without checking their addresses.
        allow_networks: Networks the egress guard lets through (``"127.0.0.0/8"`` in tests).
        proxy: An explicit proxy URL (environment proxies are never used).
        random: Uniform ``[0, 1)`` source for backoff jitter.
        resolver: DNS resolution used by the egress guard (``socket.getaddrinfo`` by
            default); the connection goes to the address it returned and was checked.

    Examples:
        >>> from social_listen import Client, MemoryCheckpointer, Query
        >>> with Client() as client:  # doctest: +SKIP
        ...     result = client.fetch(connector, Query(text="acme"), checkpointer=MemoryCheckpointer())
        ...     print(len(result.mentions), result.completeness.requests, result.ok)
    """

    def __init__(
        self,
        *,
        limits: Limits = DEFAULT_LIMITS,
        transport: httpx.BaseTransport | None = None,
        user_agent: str | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = _sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utcnow,
        allow_hosts: Iterable[str] = (),
        allow_networks: Iterable[str] = (),
        proxy: str | None = None,
        random: Callable[[], float] = _random.random,
        resolver: Resolver | None = None,
    ) -> None:
        super().__init__(
            limits=limits,
            user_agent=user_agent,
            headers=headers,
            clock=clock,
            now=now,
            allow_hosts=allow_hosts,
            allow_networks=allow_networks,
            proxy=proxy,
            random=random,
            resolver=resolver,
            custom_transport=transport is not None,
        )
        self.sleep = sleep
        self.http = httpx.Client(
            transport=transport or GuardedTransport(self.guard, proxy=proxy), **self._client_options()
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def _exchange(self, source: Source, spec: RequestSpec, tally: Tally) -> httpx.Response:
        ctx = self._context(source, tally)
        try:
            for attempt in Retrying(sleep=self.sleep, **self.runtime.retry_options(tally)):
                with attempt:
                    delay = self.runtime.pacing_delay(source, tally)
                    if delay > 0:
                        self.sleep(delay)
                    response = send(self.http, spec.build(self.http), ctx)
                    return self.runtime.accept(source, spec, response)
        except RetryableFailure as failure:
            raise self.runtime.give_up(source, failure) from failure
        raise AssertionError("unreachable")  # pragma: no cover - tenacity always returns or raises

    def _drive(
        self, run: Generator[RunEvent, Any, None], source: Source, tally: Tally
    ) -> Iterator[tuple[Page, SourceState]]:
        try:
            event = next(run)
            while True:
                if isinstance(event, RequestSpec):
                    event = run.send(self._exchange(source, event, tally))
                else:
                    yield event
                    event = run.send(None)
        except StopIteration:
            return
        finally:
            run.close()

    def iter_pages(
        self, source: Source, query: Query, *, state: SourceState | None = None, max_pages: int | None = None
    ) -> Iterator[tuple[Page, SourceState]]:
        """Fetch page by page, yielding each page with the state after it.

        Persist the state you receive to resume after a crash. Errors are raised.

        Args:
            source: The connector.
            query: What to collect.
            state: Where to start (its ``cursor`` resumes an unfinished run).
            max_pages: Page cap for this run (default ``limits.max_pages``).

        Raises:
            SourceError: Unavailable after retries, rate limited, a response that could not
                be used, a pagination loop, or a connector failure.

        Examples:
            >>> for page, state in client.iter_pages(connector, query):  # doctest: +SKIP
            ...     save(page.mentions, state)
        """
        tally, run = self._start_pages(source, query, state=state, max_pages=max_pages)
        yield from self._drive(run, source, tally)

    def fetch(
        self,
        source: Source,
        query: Query,
        *,
        state: SourceState | None = None,
        checkpointer: Checkpointer | None = None,
        source_key: str | None = None,
        max_pages: int | None = None,
    ) -> FetchResult:
        """Run a whole collection, committing each page before fetching the next.

        Args:
            source: The connector.
            query: What to collect.
            state: Where to start; ``None`` loads it from ``checkpointer``.
            checkpointer: Receives ``commit_page(page, state_after, source_key=...)``.
            source_key: The checkpoint key (default ``"<connector>:<query label>"``).
            max_pages: Page cap for this run.

        Returns:
            The mentions (deduped by key), the last committed state, the completeness
            record, and the error that stopped the run, if any (library errors are never
            raised from here).

        Examples:
            >>> result = client.fetch(connector, query, checkpointer=store)  # doctest: +SKIP
            >>> result.ok, result.completeness.pages  # doctest: +SKIP
            (True, 3)
        """
        collector, run = self._start_fetch(
            source, query, state=state, checkpointer=checkpointer, source_key=source_key, max_pages=max_pages
        )
        try:
            for page, after in self._drive(run, source, collector.tally):
                collector.commit(page, after, checkpointer=checkpointer)
        except SocialListenError as exc:
            collector.fail(exc)
        return collector.result()

    def fetch_many(
        self,
        jobs: Iterable[tuple[Source, Query]],
        *,
        checkpointer: Checkpointer | None = None,
        max_pages: int | None = None,
    ) -> list[FetchResult]:
        """Fetch several sources one after the other; one failure never hides the others.

        Args:
            jobs: ``(source, query)`` pairs.
            checkpointer: Shared checkpointer (each job has its own default key).
            max_pages: Page cap per run.

        Returns:
            One result per job, in order, each with its own error.
        """
        return [
            self.fetch(source, query, checkpointer=checkpointer, max_pages=max_pages)
            for source, query in jobs
        ]


class AsyncClient(_Base):
    """The async twin of :class:`Client` over ``httpx.AsyncClient``.

    Takes the same options, except that ``sleep`` is an async callable, plus
    ``concurrency`` (how many sources :meth:`fetch_many` runs at once).

    Examples:
        >>> async with AsyncClient() as client:  # doctest: +SKIP
        ...     results = await client.fetch_many([(hn, query), (lemmy, query)])
    """

    def __init__(
        self,
        *,
        limits: Limits = DEFAULT_LIMITS,
        transport: httpx.AsyncBaseTransport | None = None,
        user_agent: str | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], Awaitable[None]] = _async_sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utcnow,
        allow_hosts: Iterable[str] = (),
        allow_networks: Iterable[str] = (),
        proxy: str | None = None,
        random: Callable[[], float] = _random.random,
        resolver: Resolver | None = None,
        concurrency: int = 4,
    ) -> None:
        super().__init__(
            limits=limits,
            user_agent=user_agent,
            headers=headers,
            clock=clock,
            now=now,
            allow_hosts=allow_hosts,
            allow_networks=allow_networks,
            proxy=proxy,
            random=random,
            resolver=resolver,
            custom_transport=transport is not None,
        )
        if concurrency < 1:
            raise ConfigError("concurrency must be at least 1")
        self.sleep = sleep
        self.concurrency = concurrency
        self.http = httpx.AsyncClient(
            transport=transport or GuardedAsyncTransport(self.guard, proxy=proxy), **self._client_options()
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    async def close(self) -> None:
        """Close the connection pool (alias of :meth:`aclose`)."""
        await self.aclose()

    async def _exchange(self, source: Source, spec: RequestSpec, tally: Tally) -> httpx.Response:
        ctx = self._context(source, tally)
        try:
            async for attempt in AsyncRetrying(sleep=self.sleep, **self.runtime.retry_options(tally)):
                with attempt:
                    delay = self.runtime.pacing_delay(source, tally)
                    if delay > 0:
                        await self.sleep(delay)
                    response = await send_async(self.http, spec.build(self.http), ctx)
                    return self.runtime.accept(source, spec, response)
        except RetryableFailure as failure:
            raise self.runtime.give_up(source, failure) from failure
        raise AssertionError("unreachable")  # pragma: no cover - tenacity always returns or raises

    async def _drive(
        self, run: Generator[RunEvent, Any, None], source: Source, tally: Tally
    ) -> AsyncIterator[tuple[Page, SourceState]]:
        try:
            event = next(run)
            while True:
                if isinstance(event, RequestSpec):
                    event = run.send(await self._exchange(source, event, tally))
                else:
                    yield event
                    event = run.send(None)
        except StopIteration:
            return
        finally:
            run.close()

    async def iter_pages(
        self, source: Source, query: Query, *, state: SourceState | None = None, max_pages: int | None = None
    ) -> AsyncIterator[tuple[Page, SourceState]]:
        """Fetch page by page (async generator); see :meth:`Client.iter_pages`."""
        tally, run = self._start_pages(source, query, state=state, max_pages=max_pages)
        async for item in self._drive(run, source, tally):
            yield item

    async def fetch(
        self,
        source: Source,
        query: Query,
        *,
        state: SourceState | None = None,
        checkpointer: Checkpointer | None = None,
        source_key: str | None = None,
        max_pages: int | None = None,
    ) -> FetchResult:
        """Run a whole collection; see :meth:`Client.fetch`."""
        collector, run = self._start_fetch(
            source, query, state=state, checkpointer=checkpointer, source_key=source_key, max_pages=max_pages
        )
        try:
            async for page, after in self._drive(run, source, collector.tally):
                collector.commit(page, after, checkpointer=checkpointer)
        except SocialListenError as exc:
            collector.fail(exc)
        return collector.result()

    async def fetch_many(
        self,
        jobs: Iterable[tuple[Source, Query]],
        *,
        checkpointer: Checkpointer | None = None,
        max_pages: int | None = None,
    ) -> list[FetchResult]:
        """Fetch several sources concurrently (at most ``concurrency`` at once), in order.

        One failing source never hides the others: each result carries its own error.
        """
        gate = asyncio.Semaphore(self.concurrency)

        async def one(source: Source, query: Query) -> FetchResult:
            async with gate:
                return await self.fetch(source, query, checkpointer=checkpointer, max_pages=max_pages)

        return list(await asyncio.gather(*(one(source, query) for source, query in jobs)))
