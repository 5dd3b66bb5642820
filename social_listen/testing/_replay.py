"""Replaying recorded JSON responses through a :class:`~social_listen.testing.FakePlatform`.

A recording pairs a request match (method, path, a subset of the query parameters) with the
response to give. Recordings come from a list, or from a directory of ``*.json`` files (read in
name order), each holding one recording or a list of them::

    {"request": {"method": "GET", "path": "/api/v1/search_by_date",
                 "params": {"query": "acme", "page": "0"}},
     "response": {"status": 200, "headers": {"X-Rate": "1"}, "json": {"hits": []}}}

Each request is answered by the first unused recording that matches it; a request that none
matches gets a 404 whose body says so, which fails the run loudly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from social_listen.testing._fake import FakePlatform, FakeRequest

__all__ = ["Recording", "load_recordings", "replay_platform"]


@dataclass(frozen=True)
class Recording:
    """One recorded exchange.

    Attributes:
        method: The request method.
        path: The request path.
        params: Query parameters the request must carry (others are ignored).
        status: The response status.
        headers: The response headers.
        body: The response body (JSON-able), used when ``text`` is ``None``.
        text: A raw text body instead of JSON.
    """

    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    text: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recording:
        """Read the ``{"request": ..., "response": ...}`` form."""
        request, response = data["request"], data.get("response", {})
        return cls(
            method=str(request.get("method", "GET")).upper(),
            path=request["path"],
            params={str(k): str(v) for k, v in request.get("params", {}).items()},
            status=int(response.get("status", 200)),
            headers=dict(response.get("headers", {})),
            body=response.get("json"),
            text=response.get("text"),
        )

    def matches(self, request: FakeRequest) -> bool:
        """True when ``request`` has this method, path and parameters."""
        return (
            request.method.upper() == self.method
            and request.path == self.path
            and all(request.params.get(k) == v for k, v in self.params.items())
        )

    def response(self) -> httpx.Response:
        """The recorded response."""
        if self.text is not None:
            return httpx.Response(self.status, headers=dict(self.headers), text=self.text)
        return httpx.Response(self.status, headers=dict(self.headers), json=self.body)


def load_recordings(source: str | Path | Iterable[Mapping[str, Any] | Recording]) -> list[Recording]:
    """Read recordings from a directory of JSON files or from a list.

    Args:
        source: A directory (its ``*.json`` files in name order), one JSON file, or an
            iterable of recordings or ``{"request": ..., "response": ...}`` mappings.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        out: list[Recording] = []
        for file in files:
            data = json.loads(file.read_text(encoding="utf-8"))
            out += [Recording.from_dict(d) for d in (data if isinstance(data, list) else [data])]
        return out
    return [r if isinstance(r, Recording) else Recording.from_dict(r) for r in source]


def replay_platform(
    source: str | Path | Iterable[Mapping[str, Any] | Recording],
    *,
    platform: FakePlatform | None = None,
    reuse: bool = False,
) -> FakePlatform:
    """A platform that answers from recordings.

    Args:
        source: What :func:`load_recordings` accepts.
        platform: Add the recordings to this platform instead of a new one.
        reuse: Let a recording answer more than once (the default serves each once, in order).

    Examples:
        >>> platform = replay_platform([{"request": {"path": "/s", "params": {"page": "1"}},
        ...                              "response": {"json": {"items": [1]}}}])
        >>> with httpx.Client(transport=platform.transport()) as client:
        ...     client.get("https://x.test/s?page=1").json(), client.get("https://x.test/s?page=1").status_code
        ({'items': [1]}, 404)
    """
    recordings = load_recordings(source)
    used = [False] * len(recordings)
    target = platform or FakePlatform(name="replay")

    def handler(request: FakeRequest) -> httpx.Response:
        for index, recording in enumerate(recordings):
            if (reuse or not used[index]) and recording.matches(request):
                used[index] = True
                return recording.response()
        return httpx.Response(
            404, json={"error": f"no recording left for {request.method} {request.path}?{request.params}"}
        )

    target.route("*", "*", handler)
    return target
