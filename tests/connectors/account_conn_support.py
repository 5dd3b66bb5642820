"""Test support for the account connectors: fakes with auth, and secret-leak checks."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Clock:
    """A settable clock."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:  # year 0: the platform sorts it first
        return datetime.min.replace(tzinfo=UTC)


def assert_no_secret(secret: str, *, logs: str, objects: Iterable[Any] = ()) -> None:
    """The planted secret is in no log line, no str() and no repr() of the given objects."""
    assert secret not in logs, "secret leaked into the logs"
    for obj in objects:
        assert secret not in repr(obj), f"secret leaked into repr of {type(obj).__name__}"
        assert secret not in str(obj), f"secret leaked into str of {type(obj).__name__}"


def debug_logs(caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "social_listen"):
        logging.getLogger(name).setLevel(logging.DEBUG)


def bluesky_post(index: int, when: datetime, *, text: str = "acme post") -> dict[str, Any]:
    did = f"did:plc:testuser{index:016d}"
    return {
        "uri": f"at://{did}/app.bsky.feed.post/3lpost{index:06d}",
        "cid": f"test-cid-{index}",
        "author": {"did": did, "handle": f"user{index}.test", "displayName": f"User {index}"},
        "record": {"$type": "app.bsky.feed.post", "text": f"{text} {index}", "createdAt": iso(when)},
        "replyCount": 0,
        "repostCount": 0,
        "likeCount": index,
        "quoteCount": 0,
        "indexedAt": iso(when),
    }


class FakeBluesky:
    """createSession / refreshSession / searchPosts with bearer checks and a result cap."""

    def __init__(
        self,
        posts: list[dict[str, Any]] | None = None,
        *,
        password: str = "test-app-password",
        cap: int = 10_000,
        page_size_max: int = 100,
    ) -> None:
        self.posts = posts or []
        self.password = password
        self.cap = cap
        self.page_size_max = page_size_max
        self.creates = 0
        self.refreshes = 0
        self.searches = 0
        self.generation = 0
        self.valid_access: set[str] = set()
        self.valid_refresh: set[str] = set()
        self.force_status: list[tuple[int, dict[str, Any]]] = []
        self.requests: list[httpx.Request] = []

    def _issue(self) -> dict[str, Any]:
        self.generation += 1
        access, refresh = f"test-access-jwt-{self.generation}", f"test-refresh-jwt-{self.generation}"
        self.valid_access = {access}
        self.valid_refresh = {refresh}
        return {
            "did": "did:plc:testlistener00000000000",
            "handle": "listener.test",
            "accessJwt": access,
            "refreshJwt": refresh,
            "active": True,
        }

    def expire_access(self) -> None:
        self.valid_access = set()

    def revoke_refresh(self) -> None:
        self.valid_refresh = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if path.endswith("com.atproto.server.createSession"):
            self.creates += 1
            body = json.loads(request.content)
            if body.get("password") != self.password:
                return httpx.Response(
                    401, json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
                )
            return httpx.Response(200, json=self._issue())
        if path.endswith("com.atproto.server.refreshSession"):
            self.refreshes += 1
            if bearer not in self.valid_refresh:
                return httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"})
            return httpx.Response(200, json=self._issue())
        assert path.endswith("app.bsky.feed.searchPosts"), path
        self.searches += 1
        if self.force_status:
            status, body = self.force_status.pop(0)
            return httpx.Response(status, json=body)
        if bearer not in self.valid_access:
            return httpx.Response(401, json={"error": "ExpiredToken", "message": "Token has expired"})
        params = request.url.params
        since = parse_iso(params["since"]) if "since" in params else None
        until = parse_iso(params["until"]) if "until" in params else None
        words = params.get("q", "").lower().split()

        def sort_at(post: dict[str, Any]) -> datetime:
            return min(parse_iso(post["record"]["createdAt"]), parse_iso(post["indexedAt"]))

        selected = [
            p
            for p in self.posts
            if all(w in p["record"]["text"].lower() for w in words)
            and (since is None or sort_at(p) >= since)
            and (until is None or sort_at(p) < until)
        ]
        selected.sort(key=lambda p: (sort_at(p), p["uri"]), reverse=True)
        offset = int(params.get("cursor", "0"))
        limit = min(int(params.get("limit", "25")), self.page_size_max)
        end = min(offset + limit, len(selected), self.cap)
        page = selected[offset:end] if offset < self.cap else []
        body: dict[str, Any] = {"posts": page, "hitsTotal": len(selected)}
        if end < min(len(selected), self.cap):
            body["cursor"] = str(end)
        headers = {"ratelimit-limit": "3000", "ratelimit-remaining": "2999", "ratelimit-reset": "1800000000"}
        return httpx.Response(200, json=body, headers=headers)


def reddit_child(
    index: int, when: datetime, *, subreddit: str = "acmeusers", text: str = "acme"
) -> dict[str, Any]:
    return {
        "kind": "t3",
        "data": {
            "id": f"p{index:05d}",
            "name": f"t3_p{index:05d}",
            "title": f"{text} post {index}",
            "selftext": "",
            "author": f"user{index}",
            "subreddit": subreddit,
            "created_utc": when.timestamp(),
            "score": index,
            "num_comments": 0,
            "permalink": f"/r/{subreddit}/comments/p{index:05d}/x/",
            "url": f"https://www.reddit.com/r/{subreddit}/comments/p{index:05d}/x/",
            "is_self": True,
        },
    }


class FakeReddit:
    """Token endpoint, /search, /r/<sub>/search and /r/<sub>/new with the listing cap."""

    def __init__(
        self,
        children: list[dict[str, Any]] | None = None,
        *,
        client_id: str = "test-client-id",
        client_secret: str = "test-client-secret",
        cap: int = 1000,
        expires_in: int = 86400,
    ) -> None:
        self.children = children or []
        self.basic = (
            "Basic " + __import__("base64").b64encode(f"{client_id}:{client_secret}".encode()).decode()
        )
        self.cap = cap
        self.expires_in = expires_in
        self.tokens = 0
        self.listings = 0
        self.valid: set[str] = set()
        self.force_status: list[int] = []
        self.user_agents: set[str] = set()
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.user_agents.add(request.headers.get("user-agent", ""))
        if request.url.path == "/api/v1/access_token":
            self.tokens += 1
            if request.headers.get("authorization") != self.basic:
                return httpx.Response(401, json={"message": "Unauthorized", "error": 401})
            assert request.content == b"grant_type=client_credentials"
            token = f"test-reddit-token-{self.tokens}"
            self.valid = {token}
            return httpx.Response(
                200,
                json={
                    "access_token": token,
                    "token_type": "bearer",
                    "expires_in": self.expires_in,
                    "scope": "*",
                },
            )
        self.listings += 1
        self.paths.append(request.url.path)
        if self.force_status:
            return httpx.Response(self.force_status.pop(0), json={"message": "Forbidden", "error": 403})
        bearer = request.headers.get("authorization", "").removeprefix("bearer ")
        if bearer not in self.valid:
            return httpx.Response(401, json={"message": "Unauthorized", "error": 401})
        parts = request.url.path.strip("/").split("/")
        subreddit = parts[1] if parts[0] == "r" else None
        params = request.url.params
        words = params.get("q", "").lower().split()
        selected = [
            c
            for c in self.children
            if (subreddit is None or c["data"]["subreddit"] == subreddit)
            and all(w in c["data"]["title"].lower() for w in words)
        ]
        selected.sort(key=lambda c: c["data"]["created_utc"], reverse=True)
        selected = selected[: self.cap]
        start = 0
        if "after" in params:
            names = [c["data"]["name"] for c in selected]
            start = names.index(params["after"]) + 1 if params["after"] in names else len(selected)
        limit = min(int(params.get("limit", "25")), 100)
        page = selected[start : start + limit]
        after = page[-1]["data"]["name"] if page and start + limit < len(selected) else None
        headers = {"x-ratelimit-used": "3", "x-ratelimit-remaining": "597.0", "x-ratelimit-reset": "42"}
        return httpx.Response(
            200,
            json={"kind": "Listing", "data": {"after": after, "before": None, "children": page}},
            headers=headers,
        )
