"""Small hand-written sources, fake platforms, clocks and sleeps for the client tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from social_listen.core import Capabilities, Mention, Page, Query, RateLimitInfo, RequestSpec, SourceState

BASE = "https://api.example.test/items"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
QUERY = Query(text="acme")


def mention(n: int, *, source: str = "inline") -> Mention:
    return Mention(
        source=source,
        native_id=str(n),
        text=f"acme post {n}",
        created_at=T0 - timedelta(minutes=n),
    )


class PagedSource:
    """A plain connector class (no base class): ``page`` param, ``next`` cursor in the body.

    The body looks like ``{"items": [{"id": 1}, ...], "next": "2"}``.
    """

    capabilities = Capabilities()

    def __init__(self, name: str = "inline", *, url: str = BASE, expect: Any = "json") -> None:
        self.name = name
        self.url = url
        self.expect = expect
        self.crash_on: str | None = None
        self.seen_responses: list[httpx.Response] = []

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        if self.crash_on is not None and cursor == self.crash_on:
            raise RuntimeError("simulated crash")
        response = yield RequestSpec(url=self.url, params={"page": cursor or "1"}, expect=self.expect)
        self.seen_responses.append(response)
        if response.status_code == 404:
            return Page(state=state.finish_run(), notes=("not_found",))
        if response.status_code >= 400:
            raise_for = response.json()["boom"]  # an unhandled 4xx: the connector trips over it
            raise AssertionError(raise_for)
        body = json.loads(response.content)
        mentions = tuple(mention(item["id"], source=self.name) for item in body["items"])
        next_cursor = body.get("next")
        new_state = state.observe(mentions)
        if next_cursor is None:
            new_state = new_state.finish_run()
        return Page(mentions=mentions, next_cursor=next_cursor, state=new_state, requests=1)


class RateLimitedSource(PagedSource):
    """A ``PagedSource`` that reads ``X-Remaining``/``X-Reset`` (seconds) like Reddit."""

    def __init__(self, name: str = "inline", *, now: Callable[[], datetime]) -> None:
        super().__init__(name)
        self.now = now

    def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
        from social_listen.core import parse_reset

        if "x-remaining" not in response.headers:
            return None
        return RateLimitInfo(
            remaining=float(response.headers["x-remaining"]),
            reset_at=parse_reset(response.headers["x-reset"], now=self.now()),
        )


class FileSource:
    """A non-HTTP source: yields no requests."""

    name = "file"
    capabilities = Capabilities()

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        mentions = (mention(1, source="file"), mention(2, source="file"))
        return Page(mentions=mentions, state=state.observe(mentions).finish_run())
        yield  # pragma: no cover - makes this a generator


def page_body(ids: Sequence[int], next_cursor: str | None) -> dict[str, Any]:
    return {"items": [{"id": i} for i in ids], "next": next_cursor}


THREE_PAGES = {
    "1": page_body([1, 2, 3], "2"),
    "2": page_body([4, 5, 6], "3"),
    "3": page_body([7, 8, 9], None),
}


class Platform:
    """A MockTransport handler serving ``pages`` keyed by the ``page`` parameter.

    ``script`` lists responses (or exceptions) served before the pages, one per request.
    """

    def __init__(self, pages: dict[str, dict[str, Any]] | None = None) -> None:
        self.pages = pages if pages is not None else THREE_PAGES
        self.script: list[httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]] = []
        self.requests: list[httpx.Request] = []
        self.on_request: Callable[[httpx.Request], None] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.on_request is not None:
            self.on_request(request)
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, Exception):
                raise step
            if callable(step):
                return step(request)
            return step
        return httpx.Response(200, json=self.pages[request.url.params.get("page", "1")])

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


class Sleeps:
    """Records sleeps and advances a fake monotonic clock by them."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self(seconds)


def wall(sleeps: Sleeps) -> Callable[[], datetime]:
    """A wall clock that moves with the fake monotonic clock."""
    return lambda: T0 + timedelta(seconds=sleeps.now - 1000.0)


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body streamed chunk by chunk (not pre-read like ``content=``).

    ``each`` runs before each chunk (advance a fake clock); ``then`` is raised after the
    last chunk (a connection reset mid-body).
    """

    def __init__(
        self,
        chunks: Sequence[bytes],
        *,
        each: Callable[[], None] | None = None,
        then: Exception | None = None,
    ) -> None:
        self.chunks = list(chunks)
        self.each = each
        self.then = then
        self.served = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            if self.each is not None:
                self.each()
            self.served += len(chunk)
            yield chunk
        if self.then is not None:
            raise self.then

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def streamed(
    status: int, chunks: Sequence[bytes], *, headers: dict[str, str] | None = None, **kw: Any
) -> httpx.Response:
    """A streaming response with JSON content type unless ``headers`` says otherwise."""
    return httpx.Response(
        status, headers={"content-type": "application/json", **(headers or {})}, stream=Chunks(chunks, **kw)
    )
