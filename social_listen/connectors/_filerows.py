"""Rows of imported files (JSONL objects, CSV records) to mentions, through a field mapping.

A mapping says which column or dotted path fills which :class:`~social_listen.core.Mention`
field (``{"text": "full_text", "author.handle": "user.screen_name"}``). Values are converted
tolerantly (``"1,234"`` counts, ``"true"`` flags, comma- or space-separated lists, ISO/RFC 822/
epoch dates); a row that cannot make a mention raises :class:`BadRow`, which the importers
count with its line number.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from social_listen.connectors._timeparse import parse_timestamp
from social_listen.core import Author, Limits, Mention, Metrics, Query

__all__ = [
    "DEFAULT_FIELD_MAPPING",
    "MAPPING_TARGETS",
    "BadRow",
    "as_count",
    "as_flag",
    "as_integer",
    "as_items",
    "as_text",
    "in_window",
    "row_to_mention",
]

DEFAULT_FIELD_MAPPING: Mapping[str, str] = {
    "native_id": "id",
    "text": "text",
    "title": "title",
    "url": "url",
    "created_at": "created_at",
    "language": "language",
    "author.handle": "author",
}
"""Mention field -> column (CSV) or dotted path (JSONL) used when no mapping overrides it."""

MAPPING_TARGETS = frozenset(
    {
        "source",
        "native_id",
        "text",
        "title",
        "url",
        "created_at",
        "edited_at",
        "language",
        "parent_id",
        "thread_id",
        "channel",
        "hashtags",
        "links",
        "mentioned_handles",
        "author.handle",
        "author.name",
        "author.id",
        "author.url",
        "author.followers",
        "author.verified",
        *(f"metrics.{name}" for name in ("likes", "shares", "replies", "quotes", "views", "score")),
    }
)
"""The Mention fields a mapping may fill."""

_TRUE = frozenset({"1", "true", "yes", "y", "t"})


class BadRow(ValueError):
    """A row that cannot become a mention; skipped and counted with its line number."""


def row_to_mention(
    value: Callable[[str], Any],
    *,
    raw: Any,
    source: str,
    query: Query,
    now: datetime,
    limits: Limits,
    extras: Mapping[str, Any],
) -> Mention:
    """Build a mention from ``value(target)``, the row's value for each mapped field.

    Args:
        value: Returns the row's value for a Mention field (``None`` when unmapped or empty).
        raw: The row, stored as ``Mention.raw``.
        source: ``Mention.source`` when the row does not map one.
        query: The query, whose label is stored.
        now: The collection time (and the reference for ``date_future``).
        limits: Text cap and future-date skew.
        extras: Stored as ``Mention.extras``.

    Raises:
        BadRow: No usable ``created_at``, or a value of the wrong kind.
    """
    created_raw = value("created_at")
    created = parse_timestamp(created_raw)
    if created is None:
        raise BadRow(f"unparseable or missing created_at {str(created_raw)[:40]!r}")
    text = as_text(value("text"))
    title = as_text(value("title"))
    flags: set[str] = set()
    if len(text) > limits.max_text_chars:
        text, flags = text[: limits.max_text_chars], {"text_truncated"}
    native_id = as_text(value("native_id"))
    if not native_id:
        digest = hashlib.sha256(f"{created.isoformat()}\x00{title}\x00{text}".encode()).hexdigest()
        native_id = f"sha256:{digest[:32]}"
    if created > now + limits.future_skew:
        flags.add("date_future")
    handle = as_text(value("author.handle"))
    author = None
    if handle:
        author = Author(
            handle=handle,
            name=as_text(value("author.name")) or None,
            id=as_text(value("author.id")) or None,
            url=as_text(value("author.url")) or None,
            followers=as_count(value("author.followers")),
            verified=as_flag(value("author.verified")),
        )
    metrics = Metrics(
        **{
            name: as_count(value(f"metrics.{name}"))
            for name in ("likes", "shares", "replies", "quotes", "views")
        },
        score=as_integer(value("metrics.score")),
    )
    edited = value("edited_at")
    return Mention(
        source=as_text(value("source")) or source,
        native_id=native_id,
        url=as_text(value("url")) or None,
        title=title or None,
        text=text,
        author=author,
        created_at=created,
        edited_at=parse_timestamp(edited) if edited is not None else None,
        collected_at=now,
        language=as_text(value("language")) or None,
        metrics=metrics,
        parent_id=as_text(value("parent_id")) or None,
        thread_id=as_text(value("thread_id")) or None,
        channel=as_text(value("channel")) or None,
        query=query.label,
        hashtags=as_items(value("hashtags")),
        links=as_items(value("links")),
        mentioned_handles=as_items(value("mentioned_handles")),
        flags=frozenset(flags),
        extras=dict(extras),
        raw=raw,
    )


def as_text(value: Any) -> str:
    """Text of a scalar (numbers as JSON); ``""`` for ``None``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raise BadRow(f"expected text, got {type(value).__name__}")


def as_integer(value: Any) -> int | None:
    """An integer from a number or text such as ``"1,234"``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(float(str(value).replace(",", "").replace("_", "")))
    except ValueError as exc:
        raise BadRow(f"not a number: {str(value)[:20]!r}") from exc


def as_count(value: Any) -> int | None:
    """A non-negative count (negative values become 0)."""
    number = as_integer(value)
    return None if number is None else max(number, 0)


def as_flag(value: Any) -> bool | None:
    """A boolean from ``true``/``1``/``yes``... (anything else is ``False``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE


def as_items(value: Any) -> tuple[str, ...]:
    """Items of a JSON list, or of comma/space-separated text."""
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(item) for item in value if item not in (None, ""))
    return tuple(str(value).replace(",", " ").split())


def in_window(mention: Mention, query: Query) -> bool:
    """True when the mention's ``created_at`` is inside ``[query.since, query.until)``."""
    if query.since is not None and mention.created_at < query.since:
        return False
    return not (query.until is not None and mention.created_at >= query.until)
