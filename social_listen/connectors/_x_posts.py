"""X API v2 posts as mentions: the post, its author from ``includes.users``, its entities.

Fields follow the data dictionary (https://docs.x.com/x-api/fundamentals/data-dictionary):
``public_metrics`` become the mention's metrics (``impression_count`` as views), the author
comes from the ``author_id`` expansion, and ``entities`` give expanded links, hashtags and
mentioned usernames. ``lang`` ``"und"`` (undetermined) is no language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from social_listen.connectors._timeparse import parse_timestamp
from social_listen.core import Author, Mention, Metrics

__all__ = ["parse_x_post"]


def parse_x_post(
    post: Mapping[str, Any], *, users: Mapping[str, Mapping[str, Any]] | None = None, source: str = "x"
) -> Mention:
    """Map one post of ``data[]`` (and its author from ``includes.users``) to a mention.

    Raises:
        KeyError: ``id`` or ``created_at`` is missing.

    Examples:
        >>> m = parse_x_post({"id": "1", "text": "acme!", "author_id": "9", "lang": "en",
        ...     "created_at": "2026-11-20T10:00:00.000Z",
        ...     "public_metrics": {"like_count": 3, "retweet_count": 1, "reply_count": 0,
        ...                        "quote_count": 0, "impression_count": 50}},
        ...     users={"9": {"id": "9", "username": "fan", "name": "Fan"}})
        >>> m.url, m.author.handle, m.metrics.views
        ('https://x.com/fan/status/1', 'fan', 50)
    """
    post_id = str(post["id"])
    created = parse_timestamp(post["created_at"])
    if created is None:
        raise ValueError("created_at is not a time")
    author_id = post.get("author_id") if isinstance(post.get("author_id"), str) else None
    user = (users or {}).get(author_id or "", {})
    username = user.get("username") if isinstance(user.get("username"), str) else None
    user_metrics = _obj(user.get("public_metrics"))
    metrics = _obj(post.get("public_metrics"))
    entities = _obj(post.get("entities"))
    links = tuple(
        u["expanded_url"]
        for u in entities.get("urls") or ()
        if isinstance(u, dict) and isinstance(u.get("expanded_url"), str)
    )
    tags = tuple(
        h["tag"]
        for h in entities.get("hashtags") or ()
        if isinstance(h, dict) and isinstance(h.get("tag"), str)
    )
    handles = tuple(
        m["username"]
        for m in entities.get("mentions") or ()
        if isinstance(m, dict) and isinstance(m.get("username"), str)
    )
    referenced = [r for r in post.get("referenced_tweets") or () if isinstance(r, dict)]
    parent = next((str(r["id"]) for r in referenced if r.get("type") == "replied_to" and r.get("id")), None)
    author = None
    if author_id is not None:
        author = Author(
            handle=username or author_id,
            name=user.get("name") if isinstance(user.get("name"), str) else None,
            id=author_id,
            url=f"https://x.com/{username}" if username else None,
            followers=_count(user_metrics.get("followers_count")),
            verified=user.get("verified") if isinstance(user.get("verified"), bool) else None,
        )
    return Mention(
        source=source,
        native_id=post_id,
        url=f"https://x.com/{username or 'i/web'}/status/{post_id}",
        text=post.get("text") if isinstance(post.get("text"), str) else "",
        author=author,
        created_at=created,
        language=post.get("lang")
        if isinstance(post.get("lang"), str) and post.get("lang") != "und"
        else None,
        metrics=Metrics(
            likes=_count(metrics.get("like_count")),
            shares=_count(metrics.get("retweet_count")),
            replies=_count(metrics.get("reply_count")),
            quotes=_count(metrics.get("quote_count")),
            views=_count(metrics.get("impression_count")),
        ),
        parent_id=parent,
        thread_id=post.get("conversation_id") if isinstance(post.get("conversation_id"), str) else None,
        links=links,
        hashtags=tags,
        mentioned_handles=handles,
        extras={"referenced": tuple((str(r.get("type")), str(r.get("id"))) for r in referenced)},
        raw=dict(post),
    )


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _lst(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _count(value: Any) -> int | None:
    return max(value, 0) if isinstance(value, int) and not isinstance(value, bool) else None
