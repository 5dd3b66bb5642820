"""``FakePlatform``: a route table that answers like a platform, for tests and demos.

Routes match a method and a path (with ``{name}`` placeholders) and answer with a handler, a
fixed response or a list of responses served in turn. Every request is logged in
:attr:`FakePlatform.calls`. The same platform plugs into httpx as a ``MockTransport``
(:meth:`FakePlatform.transport`) or runs as a real HTTP server on loopback
(:meth:`FakePlatform.serve`). :func:`paged_listing` and :func:`cursor_listing` build handlers
that page through a list of items the way search APIs do, with a per-query result cap.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = [
    "Call",
    "FakePlatform",
    "FakeRequest",
    "Handler",
    "Route",
    "cursor_listing",
    "paged_listing",
]


@dataclass(frozen=True)
class FakeRequest:
    """A request as a route handler sees it.

    Attributes:
        method: The HTTP method.
        path: The URL path.
        params: The query parameters (repeated keys kept).
        headers: The request headers.
        path_params: Values of the route's ``{name}`` placeholders.
        content: The raw body.
        request: The underlying ``httpx.Request``.
    """

    method: str
    path: str
    params: httpx.QueryParams
    headers: httpx.Headers
    path_params: Mapping[str, str]
    content: bytes
    request: httpx.Request

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.content)


Reply = httpx.Response | Mapping[str, Any] | list[Any] | str | bytes
"""What a handler may return: a response, or a body (JSON for mappings and lists)."""

Handler = Callable[[FakeRequest], Reply]
"""A route handler."""


@dataclass(frozen=True)
class Call:
    """One request the platform received.

    Attributes:
        method: The HTTP method.
        path: The URL path.
        params: The query parameters.
        headers: The request headers.
        status: The status code answered.
    """

    method: str
    path: str
    params: httpx.QueryParams
    headers: httpx.Headers
    status: int


def _to_response(reply: Reply) -> httpx.Response:
    if isinstance(reply, httpx.Response):
        return reply
    if isinstance(reply, (Mapping, list)):
        return httpx.Response(200, json=reply)
    if isinstance(reply, str):
        return httpx.Response(200, text=reply)
    return httpx.Response(200, content=reply)


def _unread(response: httpx.Response) -> httpx.Response:
    """A copy of a response built from bytes whose body is an unread stream again.

    ``httpx.Response(json=...)`` reads its body at once, and a pre-read body cannot be
    streamed (``iter_raw`` raises ``StreamConsumed``). Handlers that return their own
    streaming responses are passed through unchanged.
    """
    if not isinstance(response.stream, httpx.ByteStream):
        return response
    raw = b"".join(response.stream)  # the raw bytes, still encoded if Content-Encoding says so
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(raw),
        extensions=response.extensions,
    )


def _compile(path: str) -> re.Pattern[str]:
    if path == "*":
        return re.compile(r"^.*$")
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
    return re.compile(f"^{pattern}$")


@dataclass
class Route:
    """A method and path pattern with what to answer.

    Attributes:
        method: HTTP method (``"GET"``), or ``"*"`` for any.
        path: Path with optional ``{name}`` placeholders, or ``"*"`` for any path.
        handler: Called for each matching request.
        responses: Replies served in turn (the last one repeats) when there is no handler.
        hits: How many requests the route answered.
    """

    method: str
    path: str
    handler: Handler | None = None
    responses: list[Reply] = field(default_factory=list)
    hits: int = 0

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        self._pattern = _compile(self.path)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The placeholder values when the route matches, else ``None``."""
        if self.method not in ("*", method.upper()):
            return None
        found = self._pattern.match(path)
        return None if found is None else found.groupdict()

    def answer(self, request: FakeRequest) -> httpx.Response:
        """The response to a matching request."""
        self.hits += 1
        if self.handler is not None:
            return _to_response(self.handler(request))
        if not self.responses:
            return httpx.Response(
                500, json={"error": f"route {self.method} {self.path} has nothing to serve"}
            )
        reply = self.responses[min(self.hits - 1, len(self.responses) - 1)]
        return _to_response(reply)


class FakePlatform:
    """A route table that answers like a platform.

    Args:
        name: A label used in error bodies.

    Examples:
        >>> platform = FakePlatform()
        >>> @platform.get("/api/items/{item_id}")
        ... def item(request):
        ...     return {"id": request.path_params["item_id"]}
        >>> with httpx.Client(transport=platform.transport()) as client:
        ...     client.get("https://fake.test/api/items/7").json()
        {'id': '7'}
        >>> [(c.method, c.path) for c in platform.calls]
        [('GET', '/api/items/7')]
    """

    def __init__(self, *, name: str = "fake") -> None:
        self.name = name
        self.routes: list[Route] = []
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def route(
        self,
        method: str,
        path: str,
        handler: Handler | None = None,
        *,
        responses: Sequence[Reply] | None = None,
    ) -> Route:
        """Add a route answered by ``handler`` or by ``responses`` in turn (the last repeats).

        Args:
            method: HTTP method, or ``"*"``.
            path: Path with optional ``{name}`` placeholders.
            handler: A function of the :class:`FakeRequest`.
            responses: Replies to serve in order when there is no handler.
        """
        if (handler is None) == (responses is None):
            raise ValueError("give exactly one of handler or responses")
        new = Route(method=method, path=path, handler=handler, responses=list(responses or ()))
        self.routes.append(new)
        return new

    def get(self, path: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`route` for GET."""

        def register(handler: Handler) -> Handler:
            self.route("GET", path, handler)
            return handler

        return register

    def post(self, path: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`route` for POST."""

        def register(handler: Handler) -> Handler:
            self.route("POST", path, handler)
            return handler

        return register

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (the MockTransport handler); unknown routes get a 404."""
        path = request.url.path
        for route in self.routes:
            path_params = route.match(request.method, path)
            if path_params is not None:
                fake = FakeRequest(
                    method=request.method,
                    path=path,
                    params=request.url.params,
                    headers=request.headers,
                    path_params=path_params,
                    content=request.read(),
                    request=request,
                )
                response = route.answer(fake)
                break
        else:
            response = httpx.Response(
                404, json={"error": f"{self.name}: no route for {request.method} {path}"}
            )
        with self._lock:
            self.calls.append(
                Call(
                    method=request.method,
                    path=path,
                    params=request.url.params,
                    headers=request.headers,
                    status=response.status_code,
                )
            )
        return response

    def calls_to(self, path: str) -> list[Call]:
        """The logged calls to one path."""
        return [call for call in self.calls if call.path == path]

    def transport(self) -> httpx.MockTransport:
        """An httpx transport answering from this platform (works for sync and async clients).

        Bodies arrive as unread streams, as from a network transport, so clients that stream
        and cap bodies (``client.send(..., stream=True)``) see what they would see live.
        """
        return httpx.MockTransport(lambda request: _unread(self.handle(request)))

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve the platform over real HTTP on 127.0.0.1 with an ephemeral port.

        Yields:
            The base URL (``"http://127.0.0.1:PORT"``).

        Examples:
            >>> platform = FakePlatform()
            >>> _ = platform.route("GET", "/ping", responses=[{"ok": True}])
            >>> with platform.serve() as base_url:  # doctest: +SKIP
            ...     httpx.get(base_url + "/ping").json()
            {'ok': True}
        """
        from social_listen.testing._serve import serve_platform

        with serve_platform(self) as base_url:
            yield base_url


def _size(request: FakeRequest, size_param: str | None, default_size: int, max_size: int) -> int:
    raw = request.params.get(size_param) if size_param else None
    try:
        size = int(raw) if raw is not None else default_size
    except ValueError:
        size = default_size
    return max(1, min(size, max_size))


def _selected(
    items: Sequence[Mapping[str, Any]],
    request: FakeRequest,
    where: Callable[[FakeRequest, Mapping[str, Any]], bool] | None,
    result_cap: int | None,
) -> tuple[list[Mapping[str, Any]], int]:
    matching = [item for item in items if where is None or where(request, item)]
    reachable = matching if result_cap is None else matching[:result_cap]
    return reachable, len(matching)


def paged_listing(
    items: Sequence[Mapping[str, Any]],
    *,
    items_key: str = "items",
    page_param: str = "page",
    first_page: int = 1,
    size_param: str | None = "limit",
    default_size: int = 20,
    max_size: int = 100,
    result_cap: int | None = None,
    where: Callable[[FakeRequest, Mapping[str, Any]], bool] | None = None,
    total_key: str | None = None,
    total_pages_key: str | None = None,
    has_more_key: str | None = None,
) -> Handler:
    """A handler that pages ``items`` by page number, like most search APIs.

    Args:
        items: The items, in the order the platform lists them.
        items_key: Body key of the page's items.
        page_param: Query parameter of the page number.
        first_page: Number of the first page (0 or 1).
        size_param: Query parameter of the page size.
        default_size: Page size when the request has none.
        max_size: Largest page size served.
        result_cap: At most this many results reachable per query (HN: 1000), whatever the page.
        where: Filter ``(request, item) -> bool`` applied before the cap (query, time window).
        total_key: Body key of the number of matching items (``"nbHits"``), uncapped.
        total_pages_key: Body key of the number of reachable pages (``"nbPages"``).
        has_more_key: Body key of a "more pages" flag (``"has_more"``).

    Examples:
        >>> platform = FakePlatform()
        >>> _ = platform.route("GET", "/search", paged_listing(
        ...     [{"id": i} for i in range(5)], size_param=None, default_size=2, has_more_key="has_more"))
        >>> with httpx.Client(transport=platform.transport()) as client:
        ...     client.get("https://x.test/search", params={"page": 3}).json()
        {'items': [{'id': 4}], 'has_more': False}
    """

    def handler(request: FakeRequest) -> Reply:
        reachable, total = _selected(items, request, where, result_cap)
        size = _size(request, size_param, default_size, max_size)
        try:
            page = int(request.params.get(page_param, first_page))
        except ValueError:
            return httpx.Response(400, json={"error": f"bad {page_param}"})
        start = (page - first_page) * size
        chunk = list(reachable[start : start + size]) if start >= 0 else []
        body: dict[str, Any] = {items_key: chunk}
        if total_key:
            body[total_key] = total
        if total_pages_key:
            body[total_pages_key] = -(-len(reachable) // size)
        if has_more_key:
            body[has_more_key] = start + size < len(reachable)
        return body

    return handler


def cursor_listing(
    items: Sequence[Mapping[str, Any]],
    *,
    items_key: str = "items",
    cursor_param: str = "cursor",
    cursor_key: str = "cursor",
    size_param: str | None = "limit",
    default_size: int = 20,
    max_size: int = 100,
    result_cap: int | None = None,
    where: Callable[[FakeRequest, Mapping[str, Any]], bool] | None = None,
    total_key: str | None = None,
) -> Handler:
    """A handler that pages ``items`` with an opaque cursor in the body (Bluesky style).

    The cursor is ``"o<offset>"``; it is absent on the last page. Arguments as in
    :func:`paged_listing`.

    Examples:
        >>> platform = FakePlatform()
        >>> _ = platform.route("GET", "/feed", cursor_listing([{"id": i} for i in range(3)], default_size=2))
        >>> with httpx.Client(transport=platform.transport()) as client:
        ...     first = client.get("https://x.test/feed").json()
        ...     second = client.get("https://x.test/feed", params={"cursor": first["cursor"]}).json()
        >>> first["cursor"], second
        ('o2', {'items': [{'id': 2}]})
    """

    def handler(request: FakeRequest) -> Reply:
        reachable, total = _selected(items, request, where, result_cap)
        size = _size(request, size_param, default_size, max_size)
        raw = request.params.get(cursor_param)
        if raw is None:
            start = 0
        elif raw.startswith("o") and raw[1:].isdigit():
            start = int(raw[1:])
        else:
            return httpx.Response(400, json={"error": f"bad {cursor_param}"})
        chunk = list(reachable[start : start + size])
        body: dict[str, Any] = {items_key: chunk}
        if start + size < len(reachable):
            body[cursor_key] = f"o{start + size}"
        if total_key:
            body[total_key] = total
        return body

    return handler
