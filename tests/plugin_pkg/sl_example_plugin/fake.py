"""A fake Example Forum for tests, built with social_listen.testing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from social_listen.testing import FakePlatform, FakeRequest, paged_listing

START = datetime(2026, 1, 10, tzinfo=UTC)


def example_posts(
    count: int, *, broken: Sequence[int] = (), deleted: Sequence[int] = ()
) -> list[dict[str, Any]]:
    """``count`` posts, newest first, one every 7 minutes before ``START``."""
    posts: list[dict[str, Any]] = []
    for i in range(count):
        post: dict[str, Any] = {
            "id": 500 + i,
            "body": f"<p>Post {i} about <b>Acme</b> &amp; friends</p>",
            "author": {"name": f"user{i % 5}"},
            "created": (START - timedelta(minutes=7 * i)).isoformat().replace("+00:00", "Z"),
            "likes": i % 4,
            "url": f"https://forum.example/p/{500 + i}",
        }
        if i in broken:
            del post["created"]
        if i in deleted:
            post["deleted"] = True
        posts.append(post)
    return posts


def _window(request: FakeRequest, post: Mapping[str, Any]) -> bool:
    if "created" not in post:
        return True
    ts = datetime.fromisoformat(post["created"]).timestamp()
    since, until = request.params.get("since"), request.params.get("until")
    return (since is None or ts >= int(since)) and (until is None or ts < int(until))


def example_forum_platform(count: int = 60, **options: Any) -> FakePlatform:
    """A fake forum serving ``count`` posts (see :func:`example_posts` for the options)."""
    platform = FakePlatform(name="example-forum")
    platform.route(
        "GET",
        "/api/v2/search",
        paged_listing(
            example_posts(count, **options),
            items_key="posts",
            size_param="per_page",
            has_more_key="has_more",
            where=_window,
        ),
    )
    return platform
