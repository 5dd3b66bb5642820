"""Converting mentions to table rows and back.

The write path turns a :class:`~social_listen.core.Mention` into a narrow ``mentions`` row, a
``mention_bodies`` row and ``mention_tags`` rows with plain attribute access (no per-field
validation: the model was validated when it was built), which keeps ingest fast. Reads rebuild
the mention, raw payload included, with one ``model_validate``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import compress
from typing import Any

from social_listen.core import Mention

__all__ = [
    "BODY_COLUMNS",
    "MENTION_COLUMNS",
    "TAG_COLUMNS",
    "dumps",
    "from_us",
    "loads",
    "mention_from_row",
    "mention_rows",
    "null_free_groups",
    "to_us",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)

MENTION_COLUMNS: tuple[str, ...] = (
    "id",
    "source",
    "native_id",
    "ts",
    "created_at",
    "edited_at",
    "collected_at",
    "version",
    "content_hash",
    "author_handle",
    "author_followers",
    "author_verified",
    "lang",
    "query",
    "domain",
    "channel",
    "parent_id",
    "thread_id",
    "likes",
    "shares",
    "replies",
    "quotes",
    "views",
    "score",
    "engagement",
    "sentiment_score",
    "sentiment_label",
    "sentiment_targeted",
    "reach",
    "influence",
    "urgency",
)
BODY_COLUMNS: tuple[str, ...] = (
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
DERIVED_FIELDS = ("sentiment", "intent", "reach", "influence", "urgency")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


_STDLIB = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_default)

try:  # orjson (the ``speed`` extra) encodes raw payloads about five times faster
    import orjson

    _OPTIONS = orjson.OPT_NON_STR_KEYS

    def dumps(value: Any) -> str:
        """Compact JSON (non-ASCII kept, unknown types as strings)."""
        try:
            return orjson.dumps(value, default=_default, option=_OPTIONS).decode()
        except (TypeError, orjson.JSONEncodeError):  # e.g. integers beyond 64 bits
            return _STDLIB.encode(value)

    loads: Any = orjson.loads
except ImportError:  # pragma: no cover - exercised when the extra is absent

    def dumps(value: Any) -> str:
        """Compact JSON (non-ASCII kept, unknown types as strings)."""
        return _STDLIB.encode(value)

    loads = json.loads


def _list(values: Sequence[str] | frozenset[str]) -> str:
    return dumps(list(values)) if values else "[]"


def to_us(value: datetime) -> int:
    """Microseconds since the Unix epoch (exact, no float rounding)."""
    return (value - _EPOCH) // _MICRO


def from_us(value: int) -> datetime:
    """The aware UTC datetime of microseconds since the epoch."""
    return _EPOCH + timedelta(microseconds=value)


_AUTHORITY = re.compile(r".*?://([^/?#]*)", re.DOTALL)


def domain_of(url: str | None) -> str | None:
    """The lower-cased host of a URL without ``www.`` (no port, no credentials).

    Examples:
        >>> domain_of("https://user@WWW.Example.com:8443/a?b")
        'example.com'
    """
    if not url:
        return None
    found = _AUTHORITY.match(url)
    if found is None:
        return None
    host = found.group(1).rpartition("@")[2]
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host[1:]
    else:
        host = host.partition(":")[0]
    host = host.lower()
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _clean(text: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL; keep both backends identical.
    if text is not None and "\x00" in text:
        return text.replace("\x00", "\ufffd")
    return text


def derived_json(mention: Mention) -> str:
    """The derived scores as JSON (only those present)."""
    out: dict[str, Any] = {}
    sentiment = mention.sentiment
    if sentiment is not None:
        out["sentiment"] = {
            "score": sentiment.score,
            "label": sentiment.label,
            "method": sentiment.method,
            "targeted_score": sentiment.targeted_score,
        }
    for name in ("intent", "reach", "influence", "urgency"):
        value = getattr(mention, name)
        if value is not None:
            out[name] = value.model_dump(mode="json")
    return dumps(out) if out else "{}"


def tag_values(mention: Mention) -> list[tuple[str, str]]:
    """``(kind, value)`` pairs for ``mention_tags`` (deduplicated)."""
    pairs = [("brand", brand) for brand in mention.brands]
    if mention.terms:
        pairs += [("term", term) for term in mention.terms]
    if mention.hashtags:
        pairs += [("hashtag", tag.lstrip("#").lower()) for tag in mention.hashtags]
    if mention.links:
        pairs += [("link", link) for link in mention.links]
    if mention.intent is not None:
        pairs += [("intent", label) for label in mention.intent.labels]
    return list(dict.fromkeys(pairs)) if len(pairs) > 1 else pairs


TAG_COLUMNS = (
    "kind",
    "value",
    "mention_id",
    "ts",
    "sentiment_score",
    "sentiment_label",
    "reach",
    "engagement",
)


def tag_rows(pairs: list[tuple[str, str]], mention_id: int, narrow: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """``mention_tags`` rows: each pair plus the mention's time and aggregate columns."""
    facts = (mention_id, narrow[3], narrow[25], narrow[26], narrow[28], narrow[24])
    return [(kind, value, *facts) for kind, value in pairs]


def mention_rows(
    mention: Mention, mention_id: int, version: int
) -> tuple[tuple[Any, ...], tuple[Any, ...], list[tuple[Any, ...]]]:
    """The ``mentions`` row, the ``mention_bodies`` row and the ``mention_tags`` rows."""
    author = mention.author
    metrics = mention.metrics
    sentiment = mention.sentiment
    created = (mention.created_at - _EPOCH) // _MICRO
    sort_at = None if mention.sort_at is None else (mention.sort_at - _EPOCH) // _MICRO
    narrow = (
        mention_id,
        mention.source,
        mention.native_id,
        sort_at if sort_at is not None else created,
        created,
        None if mention.edited_at is None else (mention.edited_at - _EPOCH) // _MICRO,
        (mention.collected_at - _EPOCH) // _MICRO,
        version,
        mention.content_hash(),
        author.handle if author else None,
        author.followers if author else None,
        None if author is None or author.verified is None else int(author.verified),
        mention.detected_language or mention.language,
        mention.query,
        domain_of(mention.url),
        mention.channel,
        mention.parent_id,
        mention.thread_id,
        metrics.likes,
        metrics.shares,
        metrics.replies,
        metrics.quotes,
        metrics.views,
        metrics.score,
        metrics.engagement,
        sentiment.score if sentiment else None,
        sentiment.label if sentiment else None,
        sentiment.targeted_score if sentiment else None,
        mention.reach.value if mention.reach else None,
        mention.influence.value if mention.influence else None,
        mention.urgency.value if mention.urgency else None,
    )
    body = (
        mention_id,
        _clean(mention.title),
        _clean(mention.text),
        mention.url,
        author.name if author else None,
        author.id if author else None,
        author.url if author else None,
        sort_at,
        mention.language,
        mention.detected_language,
        mention.language_confidence,
        _list(mention.brands),
        _list(sorted(mention.flags)) if mention.flags else "[]",
        _list(mention.links),
        _list(mention.hashtags),
        _list(mention.mentioned_handles),
        _list(mention.terms),
        dumps(dict(mention.extras)) if mention.extras else "{}",
        derived_json(mention),
        mention.schema_version,
        None if mention.raw is None else _clean(dumps(mention.raw)),
    )
    return narrow, body, tag_rows(tag_values(mention), mention_id, narrow)


_NONE = type(None)


def null_free_groups(
    columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> list[tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
    """Split rows by which values are ``None`` and drop those columns from each group.

    Binding ``None`` through Python's ``sqlite3`` is slow (each one goes through the adapter
    lookup: about ten times the cost of binding an integer), and a mention row has a dozen of
    them. An ``INSERT`` that leaves a column out stores its default, which is ``NULL`` for every
    nullable column of the schema, so each group is inserted with only its non-``None`` columns.
    Rows of one page share a few patterns, so this costs a few ``executemany`` calls.

    Args:
        columns: The column names, in row order.
        rows: Full rows (one value per column).

    Returns:
        ``(columns, rows)`` pairs; the rows hold no ``None``.

    Examples:
        >>> null_free_groups(("a", "b"), [(1, None), (2, None), (3, 4)])
        [(('a',), [(1,), (2,)]), (('a', 'b'), [(3, 4)])]
    """
    groups: dict[tuple[type, ...], list[tuple[Any, ...]]] = {}
    for row in rows:
        key = tuple(map(type, row))
        group = groups.get(key)
        if group is None:
            groups[key] = [row]
        else:
            group.append(row)
    out: list[tuple[tuple[str, ...], list[tuple[Any, ...]]]] = []
    for key, group in groups.items():
        if _NONE not in key:
            out.append((tuple(columns), group))
            continue
        keep = [kind is not _NONE for kind in key]
        out.append((tuple(compress(columns, keep)), [tuple(compress(row, keep)) for row in group]))
    return out


_SELECT_NARROW = (
    "source",
    "native_id",
    "created_at",
    "edited_at",
    "collected_at",
    "author_handle",
    "author_followers",
    "author_verified",
    "query",
    "channel",
    "parent_id",
    "thread_id",
    "likes",
    "shares",
    "replies",
    "quotes",
    "views",
    "score",
)
_SELECT_BODY = BODY_COLUMNS[1:]
SELECT_COLUMNS = ", ".join(["m.id"] + [f"m.{c}" for c in _SELECT_NARROW] + [f"b.{c}" for c in _SELECT_BODY])
"""The column list ``mention_from_row`` expects (``m`` = mentions, ``b`` = mention_bodies)."""


def mention_from_row(row: Sequence[Any]) -> Mention:
    """Rebuild a mention from a row selected with :data:`SELECT_COLUMNS`."""
    narrow = dict(zip(_SELECT_NARROW, row[1 : 1 + len(_SELECT_NARROW)], strict=True))
    body = dict(zip(_SELECT_BODY, row[1 + len(_SELECT_NARROW) :], strict=True))
    handle = narrow["author_handle"]
    data: dict[str, Any] = {
        "schema_version": body["schema_version"],
        "source": narrow["source"],
        "native_id": narrow["native_id"],
        "url": body["url"],
        "title": body["title"],
        "text": body["text"],
        "created_at": from_us(narrow["created_at"]),
        "sort_at": None if body["sort_at"] is None else from_us(body["sort_at"]),
        "edited_at": None if narrow["edited_at"] is None else from_us(narrow["edited_at"]),
        "collected_at": from_us(narrow["collected_at"]),
        "language": body["language"],
        "detected_language": body["detected_language"],
        "language_confidence": body["language_confidence"],
        "metrics": {k: narrow[k] for k in ("likes", "shares", "replies", "quotes", "views", "score")},
        "parent_id": narrow["parent_id"],
        "thread_id": narrow["thread_id"],
        "channel": narrow["channel"],
        "query": narrow["query"],
        "brands": loads(body["brands"]),
        "flags": loads(body["flags"]),
        "links": loads(body["links"]),
        "hashtags": loads(body["hashtags"]),
        "mentioned_handles": loads(body["mentioned_handles"]),
        "terms": loads(body["terms"]),
        "extras": loads(body["extras"]),
        "raw": None if body["raw"] is None else loads(body["raw"]),
    }
    if handle is not None:
        verified = narrow["author_verified"]
        data["author"] = {
            "handle": handle,
            "name": body["author_name"],
            "id": body["author_id"],
            "url": body["author_url"],
            "followers": narrow["author_followers"],
            "verified": None if verified is None else bool(verified),
        }
    data.update(loads(body["derived"]))
    return Mention.model_validate(data)
