"""The Source protocol: sans-I/O connectors that yield requests and return pages.

A connector never sends a request or sleeps. ``fetch_page`` is a generator: it yields
:class:`RequestSpec` objects, receives ``httpx.Response`` objects, and returns a
:class:`~social_listen.core.Page`. The sync and async clients drive the same connector, and
tests drive it with hand-built responses::

    flow = connector.fetch_page(query, cursor=None, state=SourceState())
    request = next(flow)
    try:
        while True:
            request = flow.send(httpx.Response(200, json={...}))
    except StopIteration as stop:
        page = stop.value

Sources that are not HTTP (files) implement the same protocol and yield nothing.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import httpx
from pydantic import BaseModel, ConfigDict, Field

from social_listen.core._models import Query
from social_listen.core._state import Page, RateLimitInfo, SourceState

__all__ = [
    "Capabilities",
    "FetchFlow",
    "RequestSpec",
    "Source",
]


class RequestSpec(BaseModel):
    """A description of one HTTP request; the client builds and sends it.

    Attributes:
        method: HTTP method.
        url: Absolute URL without secrets in the query string (secrets go in headers).
        params: Query parameters; a sequence of pairs keeps repeated keys (``any[]``).
        headers: Extra headers (the client adds User-Agent and defaults).
        json_body: A JSON body.
        content: A raw body.
        user_supplied: True when the host came from the user (feed URL, instance), so the
            egress guard checks it even if the host is otherwise trusted.
        expect: Content types the connector can parse (``"json"``, ``"xml"``, ``"html"``,
            ``"any"``); the client refuses others with ``UnexpectedContentType``.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    method: str = "GET"
    url: str
    params: Mapping[str, Any] | Sequence[tuple[str, Any]] = Field(default_factory=dict)
    # Credentials travel in headers and login bodies: kept out of repr (reliability row 29).
    headers: Mapping[str, str] = Field(default_factory=dict, repr=False)
    json_body: Any = Field(default=None, repr=False)
    content: bytes | None = Field(default=None, repr=False)
    user_supplied: bool = False
    expect: Literal["json", "xml", "html", "text", "any"] = "json"

    def build(self, client: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        """Build the request with the client's defaults (User-Agent, base headers).

        A query string already in ``url`` (a ``Link`` header's next URL) is kept, followed
        by ``params``: httpx would otherwise replace it with ``params``, even an empty list.
        """
        params = list(self.params.items()) if isinstance(self.params, Mapping) else list(self.params)
        url = httpx.URL(self.url)
        if url.query:
            params = [*url.params.multi_items(), *params]
            url = url.copy_with(query=None)
        return client.build_request(
            self.method,
            url,
            params=params,
            headers=dict(self.headers),
            json=self.json_body,
            content=self.content,
        )


class Capabilities(BaseModel):
    """What a platform supports, so the runner can plan around it.

    Attributes:
        since_until: The platform filters by creation time on the server.
        order: The order items come in.
        max_page_size: The largest page the platform serves.
        result_cap: Items a single query can reach before the platform stops (HN: 1000).
        auth: What credentials are needed.
        streaming: True for push sources (websocket streams).
    """

    model_config = ConfigDict(frozen=True)

    since_until: bool = False
    order: Literal["newest_first", "oldest_first", "unordered"] = "newest_first"
    max_page_size: int | None = None
    result_cap: int | None = None
    auth: Literal["none", "optional", "token", "oauth", "session", "api_key"] = "none"
    streaming: bool = False


FetchFlow = Generator[RequestSpec, httpx.Response, Page]
"""The generator type of ``Source.fetch_page``."""


@runtime_checkable
class Source(Protocol):
    """What every connector provides; plain classes qualify.

    Attributes:
        name: The registry name, stored as ``Mention.source``.
        capabilities: What the platform supports.
    """

    name: str
    capabilities: Capabilities

    def fetch_page(self, query: Query, *, cursor: str | None, state: SourceState) -> FetchFlow:
        """Fetch one page: yield requests, receive responses, return the ``Page``.

        Args:
            query: What to collect.
            cursor: The page cursor (``None`` for the first page of a run).
            state: The state after the previous page, or the stored state.
        """
        ...

    def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
        """Read the platform's rate-limit headers from a response (``None`` if absent)."""
        ...
