"""Test support for the open connectors: drive flows through MockTransport, crash and resume."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from social_listen.core import MemoryCheckpointer, Page, Query, SourceState

Handler = Callable[[httpx.Request], httpx.Response]


class Crash(Exception):
    """Raised to simulate a process dying between a fetch and its commit."""


def drive(
    connector: Any, query: Query, handler: Handler | None, *, state: SourceState, cursor: str | None = None
) -> Page:
    """Run one fetch_page flow to its Page, answering each request with ``handler``."""
    flow = connector.fetch_page(query, cursor=cursor, state=state)
    client = httpx.Client(transport=httpx.MockTransport(handler or _no_requests))
    try:
        spec = next(flow)
        while True:
            response = client.send(spec.build(client))
            response.read()
            spec = flow.send(response)
    except StopIteration as stop:
        page = stop.value
        assert isinstance(page, Page)
        return page
    finally:
        client.close()


def _no_requests(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected request {request.url}")


class Collector:
    """Collects page by page into a MemoryCheckpointer and records every committed delivery."""

    def __init__(self, connector: Any, query: Query, handler: Handler | None, *, key: str = "k") -> None:
        self.connector = connector
        self.query = query
        self.handler = handler
        self.key = key
        self.checkpointer = MemoryCheckpointer()
        self.delivered: list[tuple[str, str]] = []
        self.pages: list[Page] = []

    def run(self, *, crash_after: int | None = None, max_pages: int = 10_000) -> None:
        """One run from the committed state; ``crash_after`` pages are committed, then one is lost."""
        state = self.checkpointer.load_state(self.key) or SourceState()
        cursor = state.cursor
        for committed in range(max_pages):
            page = drive(self.connector, self.query, self.handler, state=state, cursor=cursor)
            if crash_after is not None and committed >= crash_after:
                raise Crash  # fetched but never committed
            self.checkpointer.commit_page(page, page.state, source_key=self.key)
            self.delivered.extend(m.key for m in page.mentions)
            self.pages.append(page)
            state, cursor = page.state, page.next_cursor
            if page.done:
                return
        raise AssertionError("the run did not finish")

    @property
    def ids(self) -> set[str]:
        return {native_id for _, native_id in self.checkpointer.mentions}
