"""Helpers shared by the store tests: realistic small mentions, rows as older releases wrote them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from social_listen.core import Author, Mention, Metrics
from social_listen.store._rows import derived, mention_rows
from social_listen.store._values import dumps, to_us

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def make_mention(i: int, **update: Any) -> Mention:
    """A small realistic mention number ``i``; keyword arguments override fields."""
    data: dict[str, Any] = {
        "source": "hackernews",
        "native_id": str(i),
        "text": f"Acme delivery {i} arrived late again",
        "url": f"https://news.example.com/item?id={i}",
        "author": Author(handle=f"user{i % 3}", name=f"User {i % 3}", followers=100 * i),
        "created_at": T0 + timedelta(hours=i),
        "collected_at": T0 + timedelta(days=30),
        "language": "en",
        "metrics": Metrics(likes=i, shares=1, replies=0),
        "brands": ("acme",),
        "hashtags": ("#Delivery",),
        "query": "acme",
        "raw": {"id": i, "nested": {"list": [1, 2, 3], "text": "árvíztűrő"}},
    }
    data.update(update)
    return Mention(**data)


V9_BODY_COLUMNS: tuple[str, ...] = (
    "mention_id",
    "title",
    "text",
    "url",
    "author_name",
    "author_id",
    "author_url",
    "sort_at",
    "language",
    "detected_language",
    "language_confidence",
    "brands",
    "flags",
    "links",
    "hashtags",
    "mentioned_handles",
    "terms",
    "extras",
    "derived",
    "schema_version",
    "raw",
)
"""The ``mention_bodies`` columns of schemas 1 to 9."""


def v9_rows(
    mention: Mention, mention_id: int, version: int = 1
) -> tuple[tuple[Any, ...], tuple[Any, ...], list[tuple[Any, ...]]]:
    """The rows releases with schemas 1 to 9 wrote for a mention (bodies in the old layout).

    Tests build stores "as an older release left them" with it, to check the migrations.
    """
    narrow, _, tags = mention_rows(mention, mention_id, version)
    author = mention.author
    extras = dumps(dict(mention.extras)) if mention.extras else "{}"
    body = (
        mention_id,
        mention.title,
        mention.text,
        mention.url,
        author.name if author else None,
        author.id if author else None,
        author.url if author else None,
        None if mention.sort_at is None else to_us(mention.sort_at),
        mention.language,
        mention.detected_language,
        mention.language_confidence,
        dumps(list(mention.brands)),
        dumps(sorted(mention.flags)),
        dumps(list(mention.links)),
        dumps(list(mention.hashtags)),
        dumps(list(mention.mentioned_handles)),
        dumps(list(mention.terms)),
        extras,
        dumps(derived(mention)),
        mention.schema_version,
        None if mention.raw is None else dumps(mention.raw),
    )
    return narrow, body, tags
