"""The connector contract suite for every open connector, each against its capped fake."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import httpx
from open_conn_support import FakeAlgolia, FakeGDELT, FakeLemmy, FakeMastodon, FakeStackExchange

from social_listen.connectors import (
    CSVConnector,
    GDELTConnector,
    HackerNewsConnector,
    JSONLConnector,
    LemmyConnector,
    MastodonConnector,
    RSSConnector,
    StackExchangeConnector,
)
from social_listen.core import Query, Source
from social_listen.testing import ConnectorContract

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=2)
_FILES = tempfile.TemporaryDirectory(prefix="open_conn_contract_")


def _clock() -> datetime:
    return NOW


def _when(i: int) -> datetime:
    return NOW - timedelta(minutes=7 * i + 1)


class _Base(ConnectorContract):
    def make_query(self) -> Query:
        return Query(text="acme", since=START)

    def client_options(self) -> dict[str, Any]:
        return {"allow_hosts": ["a.example", "b.example", "feeds.example", "lemmy.one.example"]}


class TestHackerNewsContract(_Base):
    def _hits(self, n: int, *, broken: bool = False) -> list[dict[str, Any]]:
        hits = [
            {
                "objectID": str(i),
                "title": f"acme {i}",
                "author": "u",
                "created_at_i": int(_when(i).timestamp()),
                "_tags": ["story"],
            }
            for i in range(n)
        ]
        if broken:
            del hits[3]["objectID"]
        return hits

    def make_connector(self) -> Source:
        return HackerNewsConnector(page_size=10, now=_clock)

    def make_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(FakeAlgolia(self._hits(35)))

    def make_empty_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(FakeAlgolia([]))

    def make_bad_item_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(FakeAlgolia(self._hits(35, broken=True)))


class TestStackExchangeContract(_Base):
    def _items(self, n: int) -> list[dict[str, Any]]:
        return [
            {
                "question_id": i,
                "title": f"acme {i}",
                "creation_date": int(_when(i).timestamp()),
                "link": f"https://stackoverflow.com/q/{i}",
                "owner": {"display_name": "u"},
            }
            for i in range(n)
        ]

    def make_connector(self) -> Source:
        return StackExchangeConnector(page_size=10, now=_clock)

    def make_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(FakeStackExchange(self._items(35)))

    def make_empty_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(FakeStackExchange([]))

    def make_bad_item_platform(self) -> httpx.BaseTransport:
        items = self._items(35)
        items[4]["creation_date"] = items[3]["creation_date"]
        del items[4]["question_id"]
        items[4]["question_id"] = True  # a boolean id is refused
        return httpx.MockTransport(FakeStackExchange(items))


class TestGDELTContract(_Base):
    min_pages: ClassVar[int] = 2

    def _articles(self, n: int) -> list[dict[str, Any]]:
        return [
            {
                "url": f"https://n.example/{i}",
                "title": f"acme {i}",
                "seendate": _when(i).strftime("%Y%m%dT%H%M%SZ"),
            }
            for i in range(n)
        ]

    def make_connector(self) -> Source:
        return GDELTConnector(now=_clock)

    def make_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(FakeGDELT(self._articles(400)))

    def make_empty_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(FakeGDELT([]))

    def make_bad_item_platform(self) -> httpx.BaseTransport:
        articles = self._articles(40)
        articles[5]["seendate"] = "20260230" + articles[5]["seendate"][8:]  # February 30
        return httpx.MockTransport(FakeGDELT(articles))


def _lemmy_views(n: int) -> list[dict[str, Any]]:
    return [
        {
            "post": {
                "id": i,
                "name": f"acme {i}",
                "ap_id": f"https://lemmy.one.example/post/{i}",
                "published": _when(i).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            },
            "creator": {"name": "u", "actor_id": "https://lemmy.one.example/u/u"},
            "counts": {"score": 1, "comments": 0},
        }
        for i in range(n)
    ]


class TestLemmyContract(_Base):
    def make_connector(self) -> Source:
        return LemmyConnector(instances=["lemmy.one.example"], page_size=10, now=_clock)

    def make_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(FakeLemmy({"lemmy.one.example": _lemmy_views(35)}))

    def make_empty_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(FakeLemmy({"lemmy.one.example": []}))

    def make_bad_item_platform(self) -> httpx.BaseTransport:
        views = _lemmy_views(35)
        del views[6]["creator"]
        return httpx.MockTransport(FakeLemmy({"lemmy.one.example": views}))


def _statuses(n: int, host: str) -> list[dict[str, Any]]:
    return [
        {
            "id": str(1000 + i),
            "uri": f"https://{host}/users/u/statuses/{i}",
            "created_at": _when(n - i).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "content": f"<p>acme {i}</p>",
            "account": {"acct": "u", "username": "u", "url": f"https://{host}/@u"},
            "tags": [{"name": "acme"}],
            "mentions": [],
        }
        for i in range(n)
    ]


class TestMastodonContract(_Base):
    def make_connector(self) -> Source:
        return MastodonConnector(
            instances=["a.example", "b.example"], tags=["acme"], page_size=10, now=_clock
        )

    def make_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(
            FakeMastodon({"a.example": _statuses(25, "a.example"), "b.example": _statuses(12, "b.example")})
        )

    def make_empty_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(FakeMastodon({"a.example": [], "b.example": []}))

    def make_empty_connector(self) -> Source:
        return MastodonConnector(instances=["a.example"], tags=["acme"], now=_clock)

    def make_bad_item_platform(self) -> httpx.BaseTransport:
        statuses = _statuses(25, "a.example")
        del statuses[3]["account"]
        return httpx.MockTransport(FakeMastodon({"a.example": statuses, "b.example": []}))


def _feed(n: int) -> bytes:
    items = "".join(
        f"<item><guid>g{i}</guid><title>acme {i}</title>"
        f"<pubDate>{_when(i).strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate></item>"
        for i in range(n)
    )
    return f'<rss version="2.0"><channel><title>F</title>{items}</channel></rss>'.encode()


class TestRSSContract(_Base):
    feeds: ClassVar[list[str]] = [f"https://feeds.example/{i}.xml" for i in range(3)]

    def make_connector(self) -> Source:
        return RSSConnector(feeds=self.feeds, now=_clock)

    def make_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(lambda request: httpx.Response(200, content=_feed(8)))

    def make_empty_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(lambda request: httpx.Response(200, content=_feed(0)))

    def make_empty_connector(self) -> Source:
        return RSSConnector(feeds=self.feeds[:1], now=_clock)

    def make_bad_item_platform(self) -> httpx.BaseTransport:
        body = _feed(8).replace(b"</channel>", b"<item><guid>empty-1</guid></item><item></item></channel>")
        return httpx.MockTransport(lambda request: httpx.Response(200, content=body))


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"id": f"r{i}", "text": f"acme {i}", "created_at": _when(i).isoformat()} for i in range(n)]


class TestJSONLContract(_Base):
    def _file(self, name: str, lines: list[str]) -> Path:
        path = Path(_FILES.name) / name
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return path

    def make_connector(self) -> Source:
        return JSONLConnector(
            self._file("ok.jsonl", [json.dumps(r) for r in _rows(25)]), page_size=10, now=_clock
        )

    def make_empty_connector(self) -> Source:
        return JSONLConnector(self._file("empty.jsonl", []), now=_clock)

    def make_bad_item_connector(self) -> Source:
        lines = [json.dumps(r) for r in _rows(12)]
        lines[4] = "{broken"
        return JSONLConnector(self._file("bad.jsonl", lines), page_size=5, now=_clock)

    def make_bad_item_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(self._no_requests)


class TestCSVContract(_Base):
    def _file(self, name: str, rows: list[dict[str, Any]], *, extra: str = "") -> Path:
        path = Path(_FILES.name) / name
        body = "id,text,created_at\n" + "".join(f"{r['id']},{r['text']},{r['created_at']}\n" for r in rows)
        path.write_text(body + extra, encoding="utf-8")
        return path

    def make_connector(self) -> Source:
        return CSVConnector(self._file("ok.csv", _rows(25)), page_size=10, now=_clock)

    def make_empty_connector(self) -> Source:
        return CSVConnector(self._file("empty.csv", []), now=_clock)

    def make_bad_item_connector(self) -> Source:
        return CSVConnector(self._file("bad.csv", _rows(12), extra="x,only-two\n"), page_size=5, now=_clock)

    def make_bad_item_platform(self) -> httpx.BaseTransport:
        return httpx.MockTransport(self._no_requests)
