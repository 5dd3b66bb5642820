"""RSS 0.9x/1.0/2.0 and Atom feeds, Google Alerts feeds included, behind an XML pre-scan.

Each feed URL is one part of a run: it is fetched with a conditional GET (the ETag and
Last-Modified of the previous response are kept in the state; 304 means nothing new), the
body is size-capped and checked by :func:`~social_listen.connectors._xmlguard.guard_feed_xml`
before feedparser sees it (entity declarations, DTDs, UTF-7 and long author fields are
refused or cut), and each entry becomes a mention. Entries without a guid are identified by
their link, else by a hash of title and content, scoped by the feed URL. Dates that cannot
be trusted keep their raw string and flag the mention ``date_unparseable`` (its
``created_at`` is then the collection time); ``javascript:``/``data:`` links are dropped and
flagged; Google Alerts redirect links are unwrapped. Feeds are not searched by the platform:
entries are kept when they match the query (``filter_by_query=False`` keeps every entry).
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import feedparser
import httpx

from social_listen.connectors._html import html_to_text
from social_listen.connectors._native import local_matcher
from social_listen.connectors._parts import run_parts
from social_listen.connectors._timeparse import parse_timestamp
from social_listen.connectors._xmlguard import guard_feed_xml
from social_listen.core import (
    DEFAULT_LIMITS,
    AuthError,
    Author,
    Capabilities,
    ConfigError,
    Limits,
    Mention,
    Page,
    ParseError,
    PlatformError,
    Query,
    RateLimitInfo,
    RequestSpec,
    SkippedItem,
    SourceState,
    utcnow,
)

__all__ = ["RSSConnector", "parse_feed", "unwrap_google_redirect"]

logger = logging.getLogger(__name__)

# Formats: https://www.rssboard.org/rss-specification (RSS 2.0),
# https://www.rssboard.org/rss-0-9-1-netscape, https://web.resource.org/rss/1.0/spec and
# RFC 4287 (Atom); conditional GET per RFC 9110 section 13. Google Alerts "deliver to RSS"
# feeds are Atom whose links are ``https://www.google.com/url?...&url=<target>`` redirects.
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
)
SAFE_LINK_SCHEMES = frozenset({"http", "https"})
GOOGLE_REDIRECT_HOSTS = frozenset({"www.google.com", "google.com"})
MAX_SEEN_IDS = 500  # per feed: short hashes of the entry ids delivered lately (about 8 KB of state)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def unwrap_google_redirect(link: str) -> str:
    """The target of a ``google.com/url?...&url=`` redirect (Google Alerts), else ``link``.

    Examples:
        >>> unwrap_google_redirect("https://www.google.com/url?rct=j&sa=t&url=https://n.test/a&ct=ga")
        'https://n.test/a'
    """
    parts = urlsplit(link)
    if parts.hostname in GOOGLE_REDIRECT_HOSTS and parts.path == "/url":
        params = parse_qs(parts.query)
        for key in ("url", "q"):
            if params.get(key):
                return params[key][0]
    return link


def _safe_link(link: str | None, *, base: str) -> tuple[str | None, bool]:
    """The link (resolved against ``base``) if its scheme is allowed, and whether one was dropped."""
    if not link:
        return None, False
    link = unwrap_google_redirect(urljoin(base, link.strip()))
    scheme = urlsplit(link).scheme.lower()
    if scheme in SAFE_LINK_SCHEMES:
        return link, False
    return None, True


def _text_of(detail: Mapping[str, Any] | None, value: str | None) -> str:
    if not value:
        return ""
    kind = (detail or {}).get("type", "text/html")
    return html_to_text(value) if kind in _HTML_TYPES else value.strip()


def _plain(entry: Mapping[str, Any], key: str) -> Any:
    """A key without feedparser's deprecated ``updated``->``published`` fallback (it warns)."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _cap(text: str, limit: int, flags: set[str]) -> str:
    if len(text) > limit:
        flags.add("text_truncated")
        return text[:limit]
    return text


def _entry_id(feed_url: str, entry: Mapping[str, Any], title: str, text: str) -> tuple[str, str]:
    """``(native_id, kind)``: guid, else link, else a content hash, scoped by the feed URL."""
    guid = str(entry.get("id") or "").strip()
    if guid:
        return f"{feed_url}#{guid}", "guid"
    link = str(entry.get("link") or "").strip()
    if link:
        return f"{feed_url}#{link}", "link"
    digest = hashlib.sha256(f"{title}\x00{text}".encode("utf-8", "replace")).hexdigest()[:32]
    return f"{feed_url}#sha256:{digest}", "hash"


def parse_entry(
    entry: Mapping[str, Any],
    *,
    feed_url: str,
    feed: Mapping[str, Any],
    now: datetime,
    limits: Limits = DEFAULT_LIMITS,
    source: str = "rss",
) -> Mention:
    """Map one feedparser entry to a mention, field by field; never fails on a bad date.

    Args:
        entry: One element of ``feedparser.parse(...).entries``.
        feed_url: The feed's URL (scopes the id).
        feed: The feed-level metadata (``title``, ``language``).
        now: The collection time (the ``created_at`` of undated entries).
        limits: Text caps and the future-date skew.
        source: The ``Mention.source`` to store.
    """
    flags: set[str] = set()
    title = _cap(_text_of(entry.get("title_detail"), entry.get("title")), limits.max_text_chars, flags)
    contents = entry.get("content") or []
    body_detail = contents[0] if contents else entry.get("summary_detail")
    body = contents[0].get("value") if contents else entry.get("summary")
    text = _cap(_text_of(body_detail, body), limits.max_text_chars, flags)
    native_id, id_kind = _entry_id(feed_url, entry, title, text)
    raw_link = entry.get("link")
    if entry.get("guidislink") and raw_link == entry.get("id") and "://" not in str(raw_link):
        raw_link = None  # feedparser copied a guid that is not a URL ("1234") into the link
    link, unsafe = _safe_link(raw_link, base=feed_url)
    if unsafe:
        flags.add("unsafe_link")
    raw_date = next(
        (str(_plain(entry, k)) for k in ("published", "updated", "created") if _plain(entry, k)), None
    )
    created = parse_timestamp(raw_date) if raw_date else None
    if created is None:
        flags.add("date_unparseable" if raw_date else "date_missing")
        created = now
    elif created > now + limits.future_skew:
        flags.add("date_future")
    updated_raw = _plain(entry, "updated")
    edited = parse_timestamp(updated_raw) if updated_raw and updated_raw != raw_date else None
    detail = entry.get("author_detail") or {}
    author_name = str(detail.get("name") or entry.get("author") or "").strip()[:200]
    author = None
    if author_name or detail.get("email"):
        author = Author(handle=author_name or str(detail["email"])[:200], name=author_name or None)
        href = _safe_link(str(detail["href"]), base=feed_url)[0] if detail.get("href") else None
        if href:
            author = author.model_copy(update={"url": href})
    language = (body_detail or {}).get("language") or feed.get("language") or None
    extras: dict[str, Any] = {"feed_url": feed_url, "id_from": id_kind}
    if raw_date:
        extras["date_raw"] = raw_date[:100]
    return Mention(
        source=source,
        native_id=native_id,
        url=link,
        title=title or None,
        text=text,
        author=author,
        created_at=created,
        edited_at=edited,
        collected_at=now,
        language=str(language)[:20] if language else None,
        channel=str(feed.get("title") or urlsplit(feed_url).hostname or feed_url)[:200],
        hashtags=tuple(str(t["term"])[:100] for t in entry.get("tags") or () if t.get("term")),
        links=(link,) if link else (),
        flags=frozenset(flags),
        extras=extras,
        raw={k: v for k, v in entry.items() if not k.endswith("_parsed")},
    )


def parse_feed(
    body: bytes,
    *,
    feed_url: str,
    now: datetime,
    limits: Limits = DEFAULT_LIMITS,
    source: str = "rss",
) -> tuple[list[Mention], list[SkippedItem]]:
    """Check, parse and map a feed body (RELIABILITY rows 20-24).

    Raises:
        UnsafeXML: The pre-scan refused the document.
        ResponseTooLarge: The body is over ``limits.max_feed_bytes``.
        ParseError: The document is not a feed, or every entry was bad.
    """
    safe = guard_feed_xml(body, source=source, max_bytes=limits.max_feed_bytes)
    # A file-like object: feedparser must never treat the body as a path or URL to open.
    # No base URL is given to feedparser: it would "resolve" opaque guids such as "1" as links.
    # Entry links are resolved against the feed URL in parse_entry instead.
    parsed = feedparser.parse(io.BytesIO(safe), sanitize_html=True, resolve_relative_uris=True)
    entries = parsed.get("entries") or []
    if parsed.get("bozo") and not entries and not parsed.get("feed"):
        reason = parsed.get("bozo_exception")
        raise ParseError(f"malformed feed: {str(reason)[:160]}", source=source)
    mentions: list[Mention] = []
    skipped: list[SkippedItem] = []
    feed = parsed.get("feed") or {}
    for position, entry in enumerate(entries):
        try:
            mention = parse_entry(entry, feed_url=feed_url, feed=feed, now=now, limits=limits, source=source)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            skipped.append(SkippedItem(reason="bad_entry", detail=f"entry {position}: {str(exc)[:160]}"))
            continue
        if not (mention.title or mention.text or mention.url):
            skipped.append(
                SkippedItem(reason="empty_entry", detail=f"entry {position} has no title, text or link")
            )
            continue
        mentions.append(mention)
    if entries and not mentions:
        raise ParseError(f"all {len(entries)} entries of the feed were unusable", source=source)
    return mentions, skipped


class RSSConnector:
    """Entries of one or several RSS/Atom feeds (Google Alerts feeds included).

    Args:
        feeds: Feed URLs (http or https; a ``file:`` URL is a configuration error).
        filter_by_query: Keep only entries that match the query (default), or every entry.
        limits: Body and text caps, the future-date skew.
        now: The clock.

    Examples:
        >>> from social_listen.core import Query, SourceState
        >>> conn = RSSConnector(feeds=["https://blog.example/feed.xml"])
        >>> request = next(conn.fetch_page(Query(text="acme"), cursor=None, state=SourceState()))
        >>> request.url, request.user_supplied
        ('https://blog.example/feed.xml', True)
    """

    name = "rss"
    capabilities = Capabilities(since_until=False, order="unordered", auth="none")

    def __init__(
        self,
        *,
        feeds: Sequence[str],
        filter_by_query: bool = True,
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if isinstance(feeds, str):
            feeds = (feeds,)
        if not feeds:
            raise ConfigError("give at least one feed URL", source=self.name)
        self.feeds = tuple(dict.fromkeys(_check_feed_url(url) for url in feeds))
        self.filter_by_query = filter_by_query
        self.limits = limits or DEFAULT_LIMITS
        self.now = now or utcnow

    def __repr__(self) -> str:
        return f"RSSConnector(feeds={len(self.feeds)})"

    def rate_limit(self, response: httpx.Response) -> RateLimitInfo | None:
        """Feeds send no rate-limit headers the runner does not already read."""
        return None

    def fetch_page(
        self, query: Query, *, cursor: str | None, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        """Fetch one feed of the run (each feed is one page).

        Raises:
            UnsafeXML: The feed declares entities or a DTD (the page is skipped by the runner).
            ParseError: The body is not a feed, or every entry was bad.
            AuthError: 401/403 (a Google Alerts feed that was deleted answers 404 instead).
            PlatformError: Another 4xx.
        """
        keep = local_matcher(query, self.name) if self.filter_by_query else None
        return (
            yield from run_parts(
                self.feeds,
                lambda url, inner, part_state: self._fetch_feed(url, query, part_state),
                query=query,
                cursor=cursor,
                state=state,
                connector=self,
                keep=keep,
            )
        )

    def _fetch_feed(
        self, url: str, query: Query, state: SourceState
    ) -> Generator[RequestSpec, httpx.Response, Page]:
        feeds_extras: Mapping[str, Any] = state.extras.get("feeds") or {}
        previous: Mapping[str, Any] = feeds_extras.get(url) or {}
        headers = {"Accept": FEED_ACCEPT}
        if previous.get("etag"):
            headers["If-None-Match"] = str(previous["etag"])
        if previous.get("last_modified"):
            headers["If-Modified-Since"] = str(previous["last_modified"])
        response = yield RequestSpec(url=url, headers=headers, user_supplied=True, expect="any")
        if response.status_code == 304:
            return Page(state=state, notes=("not_modified",), requests=1)
        if response.status_code in (401, 403):
            raise AuthError(
                f"the feed answered {response.status_code}",
                source=self.name,
                hint="the feed is private or its URL (a secret for Google Alerts) changed",
            )
        if response.status_code >= 400:
            raise PlatformError(
                f"the feed answered HTTP {response.status_code}",
                source=self.name,
                hint="check the feed URL; a deleted Google Alert answers 404",
            )
        now = self.now()
        mentions, skipped = parse_feed(
            response.content, feed_url=url, now=now, limits=self.limits, source=self.name
        )
        seen = set(previous.get("seen") or ())
        fresh = [m for m in mentions if _short(m.native_id) not in seen and _in_window(m, query)]
        current = [_short(m.native_id) for m in mentions]
        kept_seen = list(dict.fromkeys([*current, *(previous.get("seen") or ())]))[:MAX_SEEN_IDS]
        entry = {
            "etag": response.headers.get("ETag"),
            "last_modified": response.headers.get("Last-Modified"),
            "seen": kept_seen,
        }
        extras = {**feeds_extras, url: {k: v for k, v in entry.items() if v}}
        notes = tuple(f"unsafe_link:{m.native_id}" for m in fresh if "unsafe_link" in m.flags)[:20]
        return Page(
            mentions=tuple(fresh),
            state=state.with_extras(feeds=extras),
            skipped=tuple(skipped),
            notes=notes,
            requests=1,
        )


def _check_feed_url(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "file":
        raise ConfigError(
            "file: feed URLs are refused",
            source="rss",
            hint="serve the file over http(s), or import it with the jsonl/csv connectors",
        )
    if scheme not in SAFE_LINK_SCHEMES or not parts.hostname:
        raise ConfigError(f"feed URL {url[:80]!r} is not an http(s) URL", source="rss")
    return url.strip()


def _short(native_id: str) -> str:
    return hashlib.blake2s(native_id.encode("utf-8", "replace"), digest_size=8).hexdigest()


def _in_window(mention: Mention, query: Query) -> bool:
    if query.since is not None and mention.created_at < query.since:
        return False
    return not (query.until is not None and mention.created_at >= query.until)
