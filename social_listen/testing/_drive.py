"""Driving sans-I/O connector flows without a client, for tests and embedders.

:func:`run_page` runs one ``fetch_page`` flow, answering each
:class:`~social_listen.core.RequestSpec` with a function (often a
:class:`~social_listen.testing.FakePlatform` through an ``httpx.Client`` on its transport);
:func:`run_pages` chains pages until the run is done. No retries, no pacing, no egress guard:
that is the clients' job; these helpers show exactly what the connector does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from social_listen.core import Page, Query, RequestSpec, Source, SourceState

__all__ = ["PageRun", "Sender", "run_page", "run_pages", "transport_sender"]

Sender = Callable[[object], httpx.Response]
"""Answers one yielded request (normally a ``RequestSpec``) with a response."""


@dataclass(frozen=True)
class PageRun:
    """One page of a driven run: what was yielded and the page returned.

    Attributes:
        requests: Everything the flow yielded (``RequestSpec`` objects for a sound connector).
        page: The returned page.
    """

    requests: tuple[object, ...]
    page: Page


def transport_sender(transport: httpx.BaseTransport) -> Sender:
    """A sender that builds each ``RequestSpec`` with an ``httpx.Client`` and sends it.

    Args:
        transport: Usually ``FakePlatform.transport()``.
    """
    client = httpx.Client(transport=transport, headers={"User-Agent": "social-listen-tests"})

    def send(spec: object) -> httpx.Response:
        if not isinstance(spec, RequestSpec):
            raise TypeError(f"the flow yielded {type(spec).__name__}, not a RequestSpec")
        return client.send(spec.build(client))

    return send


def run_page(
    source: Source,
    query: Query,
    *,
    cursor: str | None,
    state: SourceState,
    send: Sender,
    max_requests: int = 50,
) -> PageRun:
    """Run one ``fetch_page`` flow to its ``Page``.

    Args:
        source: The connector.
        query: What to collect.
        cursor: The page cursor.
        state: The state the page starts from.
        send: Answers each yielded request.
        max_requests: Fail when a single page asks for more requests than this.

    Raises:
        AssertionError: The flow asked for more than ``max_requests`` requests.
    """
    flow = source.fetch_page(query, cursor=cursor, state=state)
    yielded: list[object] = []
    try:
        request: object = next(flow)
        while True:
            yielded.append(request)
            if len(yielded) > max_requests:
                flow.close()
                raise AssertionError(f"one page asked for more than {max_requests} requests")
            request = flow.send(send(request))
    except StopIteration as stop:
        page = stop.value
    if not isinstance(page, Page):
        raise AssertionError(f"fetch_page returned {type(page).__name__}, not a Page")
    return PageRun(requests=tuple(yielded), page=page)


def run_pages(
    source: Source,
    query: Query,
    *,
    send: Sender,
    state: SourceState | None = None,
    cursor: str | None = None,
    max_pages: int = 200,
) -> list[PageRun]:
    """Run pages until the run is done (``next_cursor`` is ``None``).

    Args:
        source: The connector.
        query: What to collect.
        send: Answers each yielded request.
        state: The starting state (a fresh one by default).
        cursor: Start from this cursor (defaults to ``state.cursor``, to resume).
        max_pages: Fail when the run is longer than this.

    Raises:
        AssertionError: The run did not finish within ``max_pages`` pages.

    Examples:
        >>> from social_listen.testing import FakePlatform  # doctest: +SKIP
        >>> runs = run_pages(connector, Query(text="acme"),  # doctest: +SKIP
        ...                  send=transport_sender(platform.transport()))
    """
    state = state or SourceState()
    cursor = cursor if cursor is not None else state.cursor
    runs: list[PageRun] = []
    for _ in range(max_pages):
        run = run_page(source, query, cursor=cursor, state=state, send=send)
        runs.append(run)
        state, cursor = run.page.state, run.page.next_cursor
        if cursor is None:
            return runs
    raise AssertionError(f"the run did not finish within {max_pages} pages")
