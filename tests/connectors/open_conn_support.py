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

    def __init__(
        self,
        connector: Any,
        query: Query,
        handler: Handler | None,
        *,
        key: str = "k",
        checkpointer: Any = None,
    ) -> None:
        self.connector = connector
        self.query = query
        self.handler = handler
        self.key = key
        self.checkpointer = checkpointer if checkpointer is not None else MemoryCheckpointer()
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


def fixture(name: str) -> Any:
    """A JSON fixture from tests/connectors/fixtures (sources in fixtures/SOURCES.md)."""
    import json
    from pathlib import Path

    return json.loads((Path(__file__).parent / "fixtures" / name).read_text(encoding="utf-8"))


class FakeAlgolia:
    """Hacker News Algolia ``search_by_date`` with its 1000-hit stop, over a list of hits."""

    CAP = 1000

    def __init__(self, hits: list[dict[str, Any]]) -> None:
        self.hits = sorted(hits, key=lambda h: (-h["created_at_i"], str(h.get("objectID"))))
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        params = request.url.params
        assert request.url.path == "/api/v1/search_by_date"
        words = params.get("query", "").lower().split()
        selected = [h for h in self.hits if all(w in (h.get("title") or "").lower() for w in words)]
        for clause in filter(None, params.get("numericFilters", "").split(",")):
            for op in (">=", "<"):
                if op in clause:
                    field, value = clause.split(op)
                    assert field == "created_at_i"
                    bound = int(value)
                    selected = [
                        h for h in selected if (h[field] >= bound if op == ">=" else h[field] < bound)
                    ]
                    break
        per_page = int(params.get("hitsPerPage", "20"))
        page = int(params.get("page", "0"))
        reachable = selected[: self.CAP]
        pages = -(-len(reachable) // per_page)
        body = {
            "hits": reachable[page * per_page : (page + 1) * per_page],
            "nbHits": len(selected),
            "nbPages": pages,
            "page": page,
            "hitsPerPage": per_page,
        }
        return httpx.Response(200, json=body)


def gzip_json(body: Any, *, status: int = 200) -> httpx.Response:
    """A JSON response compressed with gzip, as Stack Exchange always sends."""
    import gzip
    import json

    return httpx.Response(
        status,
        content=gzip.compress(json.dumps(body).encode()),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json; charset=utf-8"},
    )


class FakeStackExchange:
    """``/2.3/search/advanced``: newest first, inclusive from/to dates, no page past 25 without a key."""

    def __init__(self, items: list[dict[str, Any]], *, quota: int = 10_000) -> None:
        self.items = sorted(items, key=lambda q: (-q["creation_date"], -q["question_id"]))
        self.quota = quota
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        p = request.url.params
        assert request.url.path == "/2.3/search/advanced"
        page, size = int(p.get("page", "1")), int(p.get("pagesize", "30"))
        if page > 25 and "key" not in p:
            return gzip_json(
                {
                    "error_id": 400,
                    "error_message": "page above 25 requires access token or app key",
                    "error_name": "bad_parameter",
                },
                status=400,
            )
        assert size <= 100
        self.quota -= 1
        words = p.get("q", "").lower().split()
        selected = [
            q
            for q in self.items
            if all(w in q["title"].lower() for w in words)
            and ("fromdate" not in p or q["creation_date"] >= int(p["fromdate"]))
            and ("todate" not in p or q["creation_date"] <= int(p["todate"]))
        ]
        chunk = selected[(page - 1) * size : page * size]
        return gzip_json(
            {
                "items": chunk,
                "has_more": page * size < len(selected),
                "quota_max": 10_000,
                "quota_remaining": self.quota,
            }
        )


class FakeLemmy:
    """``/api/v3/search`` of several instances: newest first, ``limit`` <= 50, pages or cursors."""

    def __init__(self, posts: dict[str, list[dict[str, Any]]], *, cursor_hosts: tuple[str, ...] = ()) -> None:
        self.posts = {
            host: sorted(items, key=lambda v: v["post"]["published"], reverse=True)
            for host, items in posts.items()
        }
        self.cursor_hosts = cursor_hosts
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        p = request.url.params
        assert request.url.path == "/api/v3/search"
        assert p["sort"] == "New"
        limit = int(p.get("limit", "10"))
        if limit > 50:
            return httpx.Response(400, json={"error": "couldnt_get_posts"})
        words = p["q"].lower().split()
        items = [
            v for v in self.posts[request.url.host] if all(w in v["post"]["name"].lower() for w in words)
        ]
        if request.url.host in self.cursor_hosts:
            start = int(p["page_cursor"][1:]) if "page_cursor" in p else 0
            chunk = items[start : start + limit]
            body: dict[str, Any] = {"type_": "Posts", "posts": chunk, "comments": []}
            if start + limit < len(items):
                body["next_page"] = f"P{start + limit}"
            return httpx.Response(200, json=body)
        page = int(p.get("page", "1"))
        chunk = items[(page - 1) * limit : page * limit]
        return httpx.Response(200, json={"type_": "Posts", "posts": chunk, "comments": [], "communities": []})


class FakeGDELT:
    """DOC 2.0 ``ArtList``: at most 250 articles, newest first, inside start/end datetimes."""

    CAP = 250

    def __init__(self, articles: list[dict[str, Any]]) -> None:
        self.articles = sorted(articles, key=lambda a: a["seendate"], reverse=True)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        p = request.url.params
        assert request.url.path == "/api/v2/doc/doc"
        assert (p["mode"], p["format"], p["sort"]) == ("ArtList", "json", "DateDesc")
        assert int(p["maxrecords"]) <= self.CAP
        if len(p["query"].strip('"')) < 3:
            return httpx.Response(
                200, text="The specified phrase is too short.", headers={"Content-Type": "text/html"}
            )
        start = p["startdatetime"][:8] + "T" + p["startdatetime"][8:] + "Z"
        end = p.get("enddatetime")
        stop = end[:8] + "T" + end[8:] + "Z" if end else "99999999T999999Z"
        selected = [a for a in self.articles if start <= a["seendate"] < stop]
        if not selected:
            return httpx.Response(200, text="{}", headers={"Content-Type": "application/json"})
        return httpx.Response(200, json={"articles": selected[: int(p["maxrecords"])]})


class FakeMastodon:
    """Tag timelines of several instances: newest first, ``limit`` clamped to 40, Link headers.

    ``statuses[host]`` are the instance's statuses with instance-local ids (the same ``uri``
    may appear on several instances under different ids).
    """

    MAX = 40

    def __init__(
        self, statuses: dict[str, list[dict[str, Any]]], *, reset: str = "2026-03-01T12:05:00.000Z"
    ) -> None:
        self.statuses = {h: sorted(s, key=lambda x: int(x["id"]), reverse=True) for h, s in statuses.items()}
        self.reset = reset
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        host, path, p = request.url.host, request.url.path, request.url.params
        assert path.startswith("/api/v1/timelines/tag/"), path
        tags = {path.rsplit("/", 1)[1].lower(), *p.get_list("any[]")}
        limit = min(int(p.get("limit", "20")), self.MAX)
        items = [s for s in self.statuses[host] if tags & {t["name"] for t in s["tags"]}]
        if "max_id" in p:
            items = [s for s in items if int(s["id"]) < int(p["max_id"])]
        chunk = items[:limit]
        headers = {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": str(300 - len(self.requests)),
            "X-RateLimit-Reset": self.reset,
        }
        if chunk:
            base = f"https://{host}{path}"
            headers["Link"] = (
                f'<{base}?max_id={chunk[-1]["id"]}>; rel="next", <{base}?min_id={chunk[0]["id"]}>; rel="prev"'
            )
        return httpx.Response(200, json=chunk, headers=headers)
