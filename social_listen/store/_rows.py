"""Converting mentions to table rows and back.

The write path turns a :class:`~social_listen.core.Mention` into a narrow ``mentions`` row, a
``mention_bodies`` row and ``mention_tags`` rows with plain attribute access (no per-field
validation: the model was validated when it was built), which keeps ingest fast. Since schema
10 a body row binds few values: the fields no query filters on (author details, languages,
flags, links, hashtags, handles, terms, derived scores) travel as one JSON document (``doc``),
holding only the fields that are set. Reads rebuild the mention, raw payload included, with one
``model_validate``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import compress
from operator import attrgetter
from typing import Any

from social_listen.core import Mention, Sentiment
from social_listen.core._chunk_cache import ChunkCache
from social_listen.store._values import EPOCH, MICROSECOND, clean_text, domain_of, dumps, from_us, loads

__all__ = [
    "BODY_COLUMNS",
    "DERIVED_KEYS",
    "MENTION_COLUMNS",
    "TAG_COLUMNS",
    "body_doc",
    "derived",
    "mention_from_row",
    "mention_rows",
    "null_free_groups",
]


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
    "brands",
    "extras",
    "doc",
    "raw",
)
"""Schema 10: ``brands`` (a JSON list) and ``extras`` (a JSON object) stay columns, ``NULL`` when
empty, because the monitor's inbox reads them in SQL; ``doc`` holds the rest (see
:func:`body_doc`)."""


DERIVED_KEYS = ("sentiment", "intent", "reach", "influence", "urgency")
"""The derived scores' keys in a body document (enrichment replaces them together)."""


def _sentiment_doc(sentiment: Sentiment) -> dict[str, Any]:
    """A sentiment as a body document holds it (plain values, no model dump: faster)."""
    return {
        "score": sentiment.score,
        "label": sentiment.label,
        "method": sentiment.method,
        "targeted_score": sentiment.targeted_score,
    }


def derived(mention: Mention) -> dict[str, Any]:
    """The derived scores present, as the plain values a body document holds."""
    out: dict[str, Any] = {}
    sentiment = mention.sentiment
    if sentiment is not None:
        out["sentiment"] = _sentiment_doc(sentiment)
    for name in ("intent", "reach", "influence", "urgency"):
        value = getattr(mention, name)
        if value is not None:
            out[name] = value.model_dump(mode="json")
    return out


_DOC_FIELDS = attrgetter(
    "language",
    "detected_language",
    "language_confidence",
    "flags",
    "links",
    "hashtags",
    "mentioned_handles",
    "terms",
    "schema_version",
    "intent",
    "reach",
    "influence",
    "urgency",
)


def body_doc(mention: Mention, sort_at: int | None = None) -> str | None:
    """The body document: every rarely filtered field that is set, as one JSON object.

    Absent keys read back as the field's default (``None``, empty, ``schema_version`` 1), so
    a typical mention binds one short string instead of about fifteen values.

    Examples:
        >>> from datetime import datetime, UTC
        >>> m = Mention(source="x", native_id="1", created_at=datetime(2026, 1, 1, tzinfo=UTC), language="hu")
        >>> body_doc(m)
        '{"language":"hu"}'
    """
    doc: dict[str, Any] = {}
    author = mention.author
    if author is not None:
        if author.name is not None:
            doc["author_name"] = author.name
        if author.id is not None:
            doc["author_id"] = author.id
        if author.url is not None:
            doc["author_url"] = author.url
    if sort_at is not None:
        doc["sort_at"] = sort_at
    (
        language,
        detected,
        confidence,
        flags,
        links,
        hashtags,
        handles,
        terms,
        version,
        intent,
        reach,
        influence,
        urgency,
    ) = _DOC_FIELDS(mention)
    if language is not None:
        doc["language"] = language
    if detected is not None:
        doc["detected_language"] = detected
    if confidence is not None:
        doc["language_confidence"] = confidence
    if flags:
        doc["flags"] = sorted(flags)
    if links:
        doc["links"] = links
    if hashtags:
        doc["hashtags"] = hashtags
    if handles:
        doc["mentioned_handles"] = handles
    if terms:
        doc["terms"] = terms
    if version != 1:  # absent means 1, whatever a later release's default is
        doc["schema_version"] = version
    sentiment = mention.sentiment
    if sentiment is not None:
        doc["sentiment"] = _sentiment_doc(sentiment)
    if intent is not None or reach is not None or influence is not None or urgency is not None:
        scores = (("intent", intent), ("reach", reach), ("influence", influence), ("urgency", urgency))
        for name, value in scores:
            if value is not None:
                doc[name] = value.model_dump(mode="json")
    return dumps(doc) if doc else None


def _hashtag_key(tag: str) -> str:
    return tag.lstrip("#").lower()


_HASHTAGS: ChunkCache[str, str] = ChunkCache(_hashtag_key)
_TAG_FIELDS = attrgetter("brands", "terms", "hashtags", "links", "intent")


def tag_values(mention: Mention) -> list[tuple[str, str]]:
    """``(kind, value)`` pairs for ``mention_tags`` (deduplicated)."""
    brands, terms, hashtags, links, intent = _TAG_FIELDS(mention)
    pairs = [("brand", brand) for brand in brands]
    if terms:
        pairs += [("term", term) for term in terms]
    if hashtags:
        pairs += [("hashtag", _HASHTAGS[tag]) for tag in hashtags]
    if links:
        pairs += [("link", link) for link in links]
    if intent is not None:
        pairs += [("intent", label) for label in intent.labels]
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


_MENTION_FIELDS = attrgetter(
    "source",
    "native_id",
    "created_at",
    "sort_at",
    "edited_at",
    "collected_at",
    "author",
    "metrics",
    "sentiment",
    "language",
    "detected_language",
    "query",
    "url",
    "channel",
    "parent_id",
    "thread_id",
    "reach",
    "influence",
    "urgency",
    "title",
    "text",
    "raw",
    "brands",
    "extras",
)
_METRICS = attrgetter("likes", "shares", "replies", "quotes", "views", "score")


def mention_rows(
    mention: Mention, mention_id: int, version: int
) -> tuple[tuple[Any, ...], tuple[Any, ...], list[tuple[Any, ...]]]:
    """The ``mentions`` row, the ``mention_bodies`` row and the ``mention_tags`` rows.

    The fields are read with one ``attrgetter`` call each for the mention and its metrics
    (the per-mention Python work is a large share of ingest time).
    """
    (
        source,
        native_id,
        created_at,
        sort_at_dt,
        edited_at,
        collected_at,
        author,
        metrics,
        sentiment,
        language,
        detected,
        query,
        url,
        channel,
        parent_id,
        thread_id,
        reach,
        influence,
        urgency,
        title,
        text,
        raw,
        brands,
        extras,
    ) = _MENTION_FIELDS(mention)
    likes, shares, replies, quotes, views, score = _METRICS(metrics)
    engagement = (likes or 0) + (shares or 0) + (replies or 0) + (quotes or 0)
    created = (created_at - EPOCH) // MICROSECOND
    sort_at = None if sort_at_dt is None else (sort_at_dt - EPOCH) // MICROSECOND
    ts = created if sort_at is None else sort_at
    if sentiment is not None:
        s_score, s_label, s_targeted = sentiment.score, sentiment.label, sentiment.targeted_score
    else:
        s_score = s_label = s_targeted = None
    reach_value = None if reach is None else reach.value
    if author is not None:
        handle, followers, verified = author.handle, author.followers, author.verified
    else:
        handle = followers = verified = None
    narrow = (
        mention_id,
        source,
        native_id,
        ts,
        created,
        None if edited_at is None else (edited_at - EPOCH) // MICROSECOND,
        (collected_at - EPOCH) // MICROSECOND,
        version,
        mention.content_hash(),
        handle,
        followers,
        None if verified is None else int(verified),
        detected or language,
        query,
        domain_of(url),
        channel,
        parent_id,
        thread_id,
        likes,
        shares,
        replies,
        quotes,
        views,
        score,
        engagement,
        s_score,
        s_label,
        s_targeted,
        reach_value,
        None if influence is None else influence.value,
        None if urgency is None else urgency.value,
    )
    body = (
        mention_id,
        clean_text(title),
        clean_text(text),
        url,
        dumps(list(brands)) if brands else None,
        dumps(dict(extras)) if extras else None,
        body_doc(mention, sort_at),
        None if raw is None else clean_text(dumps(raw)),
    )
    facts = (mention_id, ts, s_score, s_label, reach_value, engagement)
    return narrow, body, [pair + facts for pair in tag_values(mention)]


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
    title, text, url, brands, extras, doc_json, raw = row[1 + len(_SELECT_NARROW) :]
    doc: dict[str, Any] = {} if doc_json is None else loads(doc_json)
    handle = narrow["author_handle"]
    sort_at = doc.pop("sort_at", None)
    data: dict[str, Any] = {
        "schema_version": doc.pop("schema_version", 1),
        "source": narrow["source"],
        "native_id": narrow["native_id"],
        "url": url,
        "title": title,
        "text": text,
        "created_at": from_us(narrow["created_at"]),
        "sort_at": None if sort_at is None else from_us(sort_at),
        "edited_at": None if narrow["edited_at"] is None else from_us(narrow["edited_at"]),
        "collected_at": from_us(narrow["collected_at"]),
        "metrics": {k: narrow[k] for k in ("likes", "shares", "replies", "quotes", "views", "score")},
        "parent_id": narrow["parent_id"],
        "thread_id": narrow["thread_id"],
        "channel": narrow["channel"],
        "query": narrow["query"],
        "brands": [] if brands is None else loads(brands),
        "extras": {} if extras is None else loads(extras),
        "raw": None if raw is None else loads(raw),
    }
    name, author_id, author_url = (doc.pop(key, None) for key in ("author_name", "author_id", "author_url"))
    if handle is not None:
        verified = narrow["author_verified"]
        data["author"] = {
            "handle": handle,
            "name": name,
            "id": author_id,
            "url": author_url,
            "followers": narrow["author_followers"],
            "verified": None if verified is None else bool(verified),
        }
    data.update(doc)  # languages, lists, derived scores: the model's own field names
    return Mention.model_validate(data)
