"""Helpers shared by the store tests: realistic small mentions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from social_listen.core import Author, Mention, Metrics

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
