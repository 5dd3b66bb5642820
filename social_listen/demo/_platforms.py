"""Fake Hacker News (Algolia), Mastodon and RSS platforms serving the demo's generated posts.

Each fake is a callable ``httpx.Request -> httpx.Response`` that answers like the documented
API (the same shapes the real connectors parse), so it can back an ``httpx.MockTransport`` or
be served on loopback. Only what the demo collects is modelled: search by date with numeric
filters and paging (Algolia), tag timelines with ``max_id``/``since_id``/``min_id`` and a
``Link`` header (Mastodon), and one RSS 2.0 feed with ETag (RSS).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from email.utils import format_datetime
from html import escape
from urllib.parse import urlencode

import httpx

from social_listen.demo._scenario import DemoPost

__all__ = ["FakeHackerNews", "FakeMastodon", "FakeRSS", "demo_router"]

_NUMERIC = re.compile(r"created_at_i\s*(>=|<=|>|<)\s*(\d+)")


def _words(query: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[\w#@]+", query) if w.upper() not in {"AND", "OR", "NOT"}]


def _mentions_any(post: DemoPost, words: Sequence[str]) -> bool:
    if not words:
        return True
    text = f"{post.title or ''} {post.text}".lower()
    return any(word.lstrip("#@") in text for word in words)


class FakeHackerNews:
    """Algolia's ``/api/v1/search_by_date``: newest first, ``page``/``nbPages``, 1000-hit cap.

    Items match when they contain any word of ``query`` (a superset of Algolia's matching; the
    connector enforces the full query locally).
    """

    hit_cap = 1000

    def __init__(self, posts: Sequence[DemoPost]) -> None:
        self.posts = sorted(
            (p for p in posts if p.platform == "hackernews"), key=lambda p: p.created_at, reverse=True
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.rstrip("/") != "/api/v1/search_by_date":
            return httpx.Response(404, json={"message": "not found", "status": 404})
        params = request.url.params
        words = _words(params.get("query", ""))
        filters = params.get("numericFilters", "")
        selected = [p for p in self.posts if _mentions_any(p, words) and _numeric_ok(p, filters)]
        per_page = max(1, min(int(params.get("hitsPerPage", "20")), 1000))
        capped = selected[: self.hit_cap]
        page = int(params.get("page", "0"))
        pages = (len(capped) + per_page - 1) // per_page
        hits = [_hn_hit(p) for p in capped[page * per_page : (page + 1) * per_page]]
        body = {
            "hits": hits,
            "nbHits": len(selected),
            "page": page,
            "nbPages": pages,
            "hitsPerPage": per_page,
            "exhaustiveNbHits": True,
            "query": params.get("query", ""),
            "params": str(request.url.params),
            "processingTimeMS": 1,
        }
        return httpx.Response(200, json=body)


def _numeric_ok(post: DemoPost, filters: str) -> bool:
    stamp = int(post.created_at.timestamp())
    for op, raw in _NUMERIC.findall(filters):
        bound = int(raw)
        ok = {">": stamp > bound, ">=": stamp >= bound, "<": stamp < bound, "<=": stamp <= bound}[op]
        if not ok:
            return False
    return True


def _hn_hit(post: DemoPost) -> dict[str, object]:
    is_story = post.title is not None
    tags = ["story" if is_story else "comment", f"author_{post.author}", f"story_{post.id}"]
    return {
        "objectID": post.id,
        "title": post.title if is_story else None,
        "url": post.url if is_story else None,
        "author": post.author,
        "points": post.likes if is_story else None,
        "num_comments": post.replies if is_story else None,
        "story_text": escape(post.text) if is_story else None,
        "comment_text": None if is_story else escape(post.text),
        "story_id": None if is_story else int(post.id),
        "parent_id": None if is_story else int(post.id),
        "created_at": post.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "created_at_i": int(post.created_at.timestamp()),
        "_tags": tags,
    }


class FakeMastodon:
    """Mastodon's ``/api/v1/timelines/tag/:tag``: newest first, ``limit`` ≤ 40, id paging."""

    def __init__(self, posts: Sequence[DemoPost], *, base_url: str = "https://mastodon.demo.invalid") -> None:
        self.base_url = base_url.rstrip("/")
        self.posts = sorted(
            (p for p in posts if p.platform == "mastodon"), key=lambda p: p.created_at, reverse=True
        )
        # Instance-local ids grow with time, as Mastodon's snowflake ids do.
        self.local_id = {
            p.id: str(int(p.created_at.timestamp()) * 1000 + int(p.id) % 1000) for p in self.posts
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        prefix = "/api/v1/timelines/tag/"
        if not request.url.path.startswith(prefix):
            return httpx.Response(404, json={"error": "Record not found"})
        tag = request.url.path[len(prefix) :].lower()
        params = request.url.params
        wanted = {tag, *(t.lower() for t in params.get_list("any[]"))}
        limit = max(1, min(int(params.get("limit", "20")), 40))
        max_id, since_id, min_id = params.get("max_id"), params.get("since_id"), params.get("min_id")
        selected = [p for p in self.posts if wanted & set(self._tags(p))]
        if max_id:
            selected = [p for p in selected if int(self.local_id[p.id]) < int(max_id)]
        if since_id:
            selected = [p for p in selected if int(self.local_id[p.id]) > int(since_id)]
        if min_id:  # oldest first just above min_id, returned newest first
            above = sorted(
                (p for p in selected if int(self.local_id[p.id]) > int(min_id)), key=lambda p: p.created_at
            )
            page = list(reversed(above[:limit]))
        else:
            page = selected[:limit]
        statuses = [self._status(p) for p in page]
        headers = {}
        if page:
            base = f"{self.base_url}{request.url.path}"
            newest, oldest = self.local_id[page[0].id], self.local_id[page[-1].id]
            headers["Link"] = (
                f'<{base}?{urlencode({"limit": limit, "max_id": oldest})}>; rel="next", '
                f'<{base}?{urlencode({"limit": limit, "min_id": newest})}>; rel="prev"'
            )
        return httpx.Response(200, json=statuses, headers=headers)

    @staticmethod
    def _tags(post: DemoPost) -> list[str]:
        return sorted({*(post.tags), *([post.brand.lower()] if post.brand else [])})

    def _status(self, post: DemoPost) -> dict[str, object]:
        uri = f"{self.base_url}/users/{post.author}/statuses/{self.local_id[post.id]}"
        reply_to = self.local_id.get(post.in_reply_to) if post.in_reply_to else None
        return {
            "id": self.local_id[post.id],
            "uri": uri,
            "url": f"{self.base_url}/@{post.author}/{self.local_id[post.id]}",
            "created_at": post.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "edited_at": None,
            "in_reply_to_id": reply_to,
            "in_reply_to_account_id": None,
            "language": post.language,
            "content": f"<p>{escape(post.text)}</p>",
            "spoiler_text": "",
            "visibility": "public",
            "sensitive": False,
            "account": {
                "id": str(abs(hash(post.author)) % 10**9),
                "username": post.author,
                "acct": post.author,
                "display_name": post.author_name,
                "url": f"{self.base_url}/@{post.author}",
                "followers_count": post.followers,
                "following_count": 10,
                "statuses_count": 100,
                "bot": False,
            },
            "tags": [{"name": t, "url": f"{self.base_url}/tags/{t}"} for t in self._tags(post)],
            "mentions": [],
            "media_attachments": [],
            "reblogs_count": post.shares,
            "favourites_count": post.likes,
            "replies_count": post.replies,
            "reblog": None,
        }


class FakeRSS:
    """One RSS 2.0 feed of the newest ``max_items`` posts, with ETag and 304 Not Modified."""

    def __init__(
        self, posts: Sequence[DemoPost], *, max_items: int = 500, title: str = "Demo food news"
    ) -> None:
        self.posts = sorted(
            (p for p in posts if p.platform == "rss"), key=lambda p: p.created_at, reverse=True
        )
        self.max_items = max_items
        self.title = title

    def body(self) -> bytes:
        """The feed document."""
        items = "".join(
            "<item>"
            f"<title>{escape(p.title or p.text[:60])}</title>"
            f"<link>{escape(p.url)}</link>"
            f'<guid isPermaLink="false">demo-{p.id}</guid>'
            f"<pubDate>{format_datetime(p.created_at, usegmt=True)}</pubDate>"
            f"<author>{escape(p.author)}@example.com ({escape(p.author_name)})</author>"
            f"<description>{escape(p.text)}</description>"
            "</item>"
            for p in self.posts[: self.max_items]
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{escape(self.title)}</title><link>https://rss.demo.invalid/</link>"
            f"<description>Generated demo feed</description>{items}</channel></rss>"
        ).encode()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = self.body()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return httpx.Response(304, headers={"ETag": etag})
        return httpx.Response(
            200, content=body, headers={"Content-Type": "application/rss+xml", "ETag": etag}
        )


def demo_router(posts: Sequence[DemoPost]) -> dict[str, FakeHackerNews | FakeMastodon | FakeRSS]:
    """The three fakes keyed by the path prefix each one serves."""
    return {
        "/api/v1/search_by_date": FakeHackerNews(posts),
        "/api/v1/timelines/tag/": FakeMastodon(posts),
        "/feed.xml": FakeRSS(posts),
    }
