"""The connector contract suite for the account connectors, each against its fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from account_conn_support import FakeBluesky, FakeReddit, bluesky_post, reddit_child

from social_listen.connectors import (
    BlueskyConnector,
    MemorySessionCache,
    RedditConnector,
    TelegramConnector,
    XConnector,
    YouTubeConnector,
)
from social_listen.core import Query, Source
from social_listen.testing import ConnectorContract

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
START = NOW - timedelta(days=2)


def _when(i: int) -> datetime:
    return NOW - timedelta(minutes=7 * i + 1)


class _Base(ConnectorContract):
    def make_query(self) -> Query:
        return Query(text="acme", since=START)


class _QuietBluesky(FakeBluesky):
    def __call__(self, request: httpx.Request) -> httpx.Response:
        response = super().__call__(request)
        for name in ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"):
            response.headers.pop(name, None)
        return response


class TestBlueskyContract(_Base):
    def make_connector(self) -> Source:
        return BlueskyConnector(
            identifier="listener.test",
            app_password="test-app-password",
            session_cache=MemorySessionCache(),
            page_size=10,
        )

    def _posts(self, n: int) -> list[dict[str, Any]]:
        return [bluesky_post(i, _when(i)) for i in range(n)]

    def make_platform(self) -> httpx.MockTransport:
        return httpx.MockTransport(_QuietBluesky(self._posts(27)))

    def make_empty_platform(self) -> httpx.MockTransport:
        return httpx.MockTransport(_QuietBluesky([]))

    def make_bad_item_platform(self) -> httpx.MockTransport:
        posts = self._posts(12)
        del posts[4]["author"]
        return httpx.MockTransport(_QuietBluesky(posts))


class TestRedditContract(_Base):
    def make_connector(self) -> Source:
        return RedditConnector(
            client_id="test-client-id",
            client_secret="test-client-secret",
            user_agent="python:contract:1.0 (by /u/test)",
            page_size=10,
        )

    def make_platform(self) -> httpx.MockTransport:
        return httpx.MockTransport(FakeReddit([reddit_child(i, _when(i)) for i in range(25)]))

    def make_empty_platform(self) -> httpx.MockTransport:
        return httpx.MockTransport(FakeReddit([]))

    def make_bad_item_platform(self) -> httpx.MockTransport:
        children = [reddit_child(i, _when(i)) for i in range(12)]
        children[3]["data"]["created_utc"] = -1e20  # not a time
        return httpx.MockTransport(FakeReddit(children))


def _youtube_handler(count: int, *, broken: int | None = None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("pageToken", "0"))
        size = int(request.url.params["maxResults"])
        after = request.url.params.get("publishedAfter")
        items = []
        for i in range(count):
            when = _when(i)
            if after and when < datetime.fromisoformat(after.replace("Z", "+00:00")):
                continue
            snippet: dict[str, Any] = {
                "publishedAt": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "channelId": "UCtest",
                "title": f"acme {i}",
                "description": "",
                "channelTitle": "T",
            }
            if i == broken:
                del snippet["publishedAt"]
            items.append({"id": {"kind": "youtube#video", "videoId": f"v{i}"}, "snippet": snippet})
        body: dict[str, Any] = {"items": items[start : start + size]}
        if start + size < len(items):
            body["nextPageToken"] = str(start + size)
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handler)


class TestYouTubeContract(_Base):
    def make_connector(self) -> Source:
        return YouTubeConnector(api_key="test-youtube-key", page_size=10)

    def make_platform(self) -> httpx.MockTransport:
        return _youtube_handler(25)

    def make_empty_platform(self) -> httpx.MockTransport:
        return _youtube_handler(0)

    def make_bad_item_platform(self) -> httpx.MockTransport:
        return _youtube_handler(12, broken=4)


def _x_handler(count: int, *, broken: int | None = None) -> httpx.MockTransport:
    posts = []
    for i in range(count):
        post: dict[str, Any] = {
            "id": str(2_000_000 - i),
            "text": f"acme {i}",
            "author_id": "7",
            "created_at": _when(i).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        if i == broken:
            del post["created_at"]
        posts.append(post)

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        selected = [p for p in posts if "since_id" not in params or int(p["id"]) > int(params["since_id"])]
        if request.url.path.endswith("/counts/recent"):
            return httpx.Response(200, json={"meta": {"total_tweet_count": len(selected)}})
        start = int(params.get("next_token", "0"))
        size = int(params["max_results"])
        page = selected[start : start + size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"] = page[0]["id"]
        if start + size < len(selected):
            meta["next_token"] = str(start + size)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = page
            body["includes"] = {"users": [{"id": "7", "username": "fan", "name": "Fan"}]}
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handler)


class TestXContract(_Base):
    def make_connector(self) -> Source:
        return XConnector(bearer_token="test-x-bearer", spend_cap_usd=50, page_size=10)

    def make_platform(self) -> httpx.MockTransport:
        return _x_handler(25)

    def make_empty_platform(self) -> httpx.MockTransport:
        return _x_handler(0)

    def make_bad_item_platform(self) -> httpx.MockTransport:
        return _x_handler(12, broken=4)


def _telegram_handler(count: int, *, broken: int | None = None) -> httpx.MockTransport:
    def post(i: int) -> str:
        when = "" if i == broken else f'<time datetime="{_when(count - i).isoformat()}">t</time>'
        return (
            f'<div class="tgme_widget_message js-widget_message" data-post="acme_news/{i}">'
            f'<div class="tgme_widget_message_text js-message_text">acme update {i}</div>'
            f'<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" '
            f'href="https://t.me/acme_news/{i}">{when}</a></span></div>'
        )

    def handler(request: httpx.Request) -> httpx.Response:
        before = int(request.url.params.get("before", str(count + 1)))
        ids = [i for i in range(1, count + 1) if i < before][-8:]
        html = "<html><body>" + "".join(post(i) for i in ids) + "</body></html>"
        return httpx.Response(200, text=html, headers={"content-type": "text/html; charset=utf-8"})

    return httpx.MockTransport(handler)


class TestTelegramContract(_Base):
    def make_connector(self) -> Source:
        return TelegramConnector(channels=["acme_news"])

    def make_platform(self) -> httpx.MockTransport:
        return _telegram_handler(20)

    def make_empty_platform(self) -> httpx.MockTransport:
        return _telegram_handler(0)

    def make_bad_item_platform(self) -> httpx.MockTransport:
        return _telegram_handler(12, broken=5)
