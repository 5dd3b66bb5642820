"""AT Protocol post records (``app.bsky.feed.post``) as mentions, shared by search and Jetstream.

A post's text carries rich-text facets whose ranges are UTF-8 byte offsets, not string
indices (https://docs.bsky.app/docs/advanced-guides/post-richtext); ``createdAt`` is set by
the client and can be anything (year 0, 2099), so the sort time is ``min(createdAt,
indexedAt)``. The search connector maps ``postView`` objects (with counts and a handle) and
Jetstream maps bare records (a DID and the event time); both keep the post's ``at://`` URI as
the mention's identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from social_listen.connectors._timeparse import parse_timestamp
from social_listen.core import Author, Mention, Metrics

__all__ = ["facet_entities", "parse_bluesky_post", "parse_post_record", "post_url"]

_FACET = "app.bsky.richtext.facet#"


def post_url(uri: str, handle: str | None) -> str | None:
    """The bsky.app link of a post ``at://<did>/app.bsky.feed.post/<rkey>``.

    Examples:
        >>> post_url("at://did:plc:abc/app.bsky.feed.post/3kxyz", "alice.test")
        'https://bsky.app/profile/alice.test/post/3kxyz'
    """
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != "app.bsky.feed.post" or not parts[2]:
        return None
    return f"https://bsky.app/profile/{handle or parts[0]}/post/{parts[2]}"


def facet_entities(text: str, facets: Any) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Links, mentioned handles and hashtags from a record's facets.

    Facet ranges are UTF-8 byte offsets (``byteStart`` inclusive, ``byteEnd`` exclusive), not
    string indices: with an emoji before a mention the two differ. A mention is reported as the
    handle written in the text (``@alice.test`` -> ``alice.test``), else its DID.

    Args:
        text: The record's text.
        facets: The record's ``facets`` list (anything else yields nothing).

    Returns:
        ``(links, mentioned_handles, hashtags)`` without duplicates, in order.

    Examples:
        >>> text = "🎉 hi @alice.test #acme"
        >>> start = len("🎉 hi ".encode())
        >>> facets = [{"index": {"byteStart": start, "byteEnd": start + 11},
        ...            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:a"}]}]
        >>> facet_entities(text, facets)
        ((), ('alice.test',), ())
    """
    links: list[str] = []
    handles: list[str] = []
    tags: list[str] = []
    if not isinstance(facets, list):
        return (), (), ()
    data = text.encode("utf-8")
    for facet in facets:
        if not isinstance(facet, dict):
            continue
        index = _obj(facet.get("index"))
        start, end = index.get("byteStart"), index.get("byteEnd")
        span = ""
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(data):
            span = data[start:end].decode("utf-8", "replace")
        for feature in facet.get("features") or ():
            if not isinstance(feature, dict):
                continue
            kind = str(feature.get("$type", "")).removeprefix(_FACET)
            if kind == "link" and isinstance(feature.get("uri"), str):
                _add(links, feature["uri"])
            elif kind == "mention":
                handle = span[1:] if span.startswith("@") and len(span) > 1 else feature.get("did")
                if isinstance(handle, str) and handle:
                    _add(handles, handle)
            elif kind == "tag" and isinstance(feature.get("tag"), str):
                _add(tags, feature["tag"].lstrip("#"))
    return tuple(links), tuple(handles), tuple(tags)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _add(values: list[str], value: str) -> None:
    if value and value not in values:
        values.append(value)


def parse_post_record(
    record: Mapping[str, Any],
    *,
    uri: str,
    did: str,
    handle: str | None = None,
    display_name: str | None = None,
    indexed_at: datetime | None = None,
    source: str = "bluesky",
    metrics: Metrics | None = None,
    extras: Mapping[str, Any] | None = None,
    raw: Any = None,
) -> Mention:
    """Map an ``app.bsky.feed.post`` record to a mention (shared by search and Jetstream).

    ``created_at`` is the record's ``createdAt`` (the indexing time when it cannot be parsed,
    flagged ``date_unparseable``); ``sort_at`` is ``min(createdAt, indexedAt)``.

    Raises:
        ValueError: Neither ``createdAt`` nor the indexing time is usable.
    """
    raw_text = record.get("text")
    text = raw_text if isinstance(raw_text, str) else ""
    created = parse_timestamp(record.get("createdAt"))
    flags: set[str] = set()
    if created is None:
        if indexed_at is None:
            raise ValueError("the post has no usable createdAt or indexedAt")
        created = indexed_at
        flags.add("date_unparseable")
    sort_at = min(created, indexed_at) if indexed_at is not None else created
    links, handles, tags = facet_entities(text, record.get("facets"))
    external = _obj(_obj(record.get("embed")).get("external"))
    if isinstance(external.get("uri"), str) and external["uri"] not in links:
        links = (*links, external["uri"])
    langs = tuple(str(lang) for lang in record.get("langs") or () if isinstance(lang, str))
    reply = _obj(record.get("reply"))
    parent, root = _obj(reply.get("parent")), _obj(reply.get("root"))
    return Mention(
        source=source,
        native_id=uri,
        url=post_url(uri, handle),
        text=text,
        author=Author(
            handle=handle or did,
            name=display_name or None,
            id=did,
            url=f"https://bsky.app/profile/{handle or did}",
        ),
        created_at=created,
        sort_at=sort_at,
        language=langs[0] if langs else None,
        metrics=metrics or Metrics(),
        parent_id=parent.get("uri") if isinstance(parent.get("uri"), str) else None,
        thread_id=root.get("uri") if isinstance(root.get("uri"), str) else uri,
        links=links,
        hashtags=tags,
        mentioned_handles=handles,
        flags=frozenset(flags),
        extras={**(extras or {}), "langs": langs},
        raw=raw,
    )


def parse_bluesky_post(post: Mapping[str, Any], *, source: str = "bluesky") -> Mention:
    """Map one ``postView`` of ``searchPosts`` to a mention, field by field.

    Raises:
        KeyError: ``uri``, ``author.did`` or ``record`` is missing.
        ValueError: The post has no usable time.

    Examples:
        >>> m = parse_bluesky_post({"uri": "at://did:plc:a/app.bsky.feed.post/3k", "cid": "c",
        ...     "author": {"did": "did:plc:a", "handle": "alice.test"},
        ...     "record": {"text": "hi", "createdAt": "2099-01-01T00:00:00Z", "langs": ["en"]},
        ...     "indexedAt": "2026-01-01T00:00:00Z", "likeCount": 3})
        >>> m.sort_at.year, m.created_at.year, m.language, m.metrics.likes
        (2026, 2099, 'en', 3)
    """
    uri = str(post["uri"])
    author = post["author"]
    record = post["record"]
    if not isinstance(record, dict) or not isinstance(author, dict):
        raise TypeError("author and record must be objects")
    return parse_post_record(
        record,
        uri=uri,
        did=str(author["did"]),
        handle=author.get("handle") if isinstance(author.get("handle"), str) else None,
        display_name=author.get("displayName") if isinstance(author.get("displayName"), str) else None,
        indexed_at=parse_timestamp(post.get("indexedAt")),
        source=source,
        metrics=Metrics(
            likes=_count(post.get("likeCount")),
            shares=_count(post.get("repostCount")),
            replies=_count(post.get("replyCount")),
            quotes=_count(post.get("quoteCount")),
        ),
        extras={"cid": post.get("cid"), "indexed_at": post.get("indexedAt")},
        raw=dict(post),
    )


def _count(value: Any) -> int | None:
    return max(value, 0) if isinstance(value, int) and not isinstance(value, bool) else None
