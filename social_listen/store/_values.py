"""How single values are stored: times, JSON text, hosts, text without NUL.

Times are integer microseconds since the Unix epoch (UTC) in both backends; JSON is compact
(orjson when the ``speed`` extra is installed); a URL's host is what ``domain`` columns hold;
PostgreSQL text cannot hold NUL, so text stored as its own value has NUL replaced by U+FFFD on
both backends alike.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

from social_listen.core import Mention
from social_listen.core._chunk_cache import ChunkCache

__all__ = [
    "EPOCH",
    "MICROSECOND",
    "clean_text",
    "domain_of",
    "dumps",
    "from_us",
    "loads",
    "nul_free",
    "to_us",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


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
        try:  # the plain call is the fast one; the options only matter when it refuses
            return orjson.dumps(value).decode()
        except (TypeError, orjson.JSONEncodeError):
            pass
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


def to_us(value: datetime) -> int:
    """Microseconds since the Unix epoch (exact, no float rounding)."""
    return (value - EPOCH) // MICROSECOND


def from_us(value: int) -> datetime:
    """The aware UTC datetime of microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=value)


_AUTHORITY = re.compile(r".*?://([^/?#]*)", re.DOTALL)


def _host(authority: str) -> str | None:
    host = authority.rpartition("@")[2]
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host[1:]
    else:
        host = host.partition(":")[0]
    host = host.lower()
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


# Authorities repeat (a source's posts share a few hosts): one dict lookup each.
_HOSTS: ChunkCache[str, str | None] = ChunkCache(_host, longest=255)


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
    # The cache is keyed without the credentials, so none stay in the process's memory.
    return _HOSTS[found.group(1).rpartition("@")[2]]


def clean_text(text: str | None) -> str | None:
    """``text`` with NUL replaced by U+FFFD (PostgreSQL text cannot hold NUL; both backends alike)."""
    if text is not None and "\x00" in text:
        return text.replace("\x00", "\ufffd")
    return text


# The mention's text fields that become bound values of their own (SQL columns, tag values);
# the rest travel inside JSON, which escapes NUL.
_NUL_SCALARS = (
    "source",
    "native_id",
    "url",
    "channel",
    "parent_id",
    "thread_id",
    "query",
    "language",
    "detected_language",
)
_NUL_LISTS = ("brands", "terms", "hashtags", "links")
_NUL_FIELDS = attrgetter(*_NUL_SCALARS, *_NUL_LISTS, "author", "intent")


def nul_free(mention: Mention) -> Mention:
    r"""``mention`` with NUL characters replaced (U+FFFD) in every field stored as its own value.

    PostgreSQL text cannot hold NUL: one such character in a channel, a hashtag or a term
    would fail the whole page there. Both backends store the same replacement, as for the
    title and the text. A mention without NUL (nearly all) is returned as it is, after one
    check over its joined fields.

    Examples:
        >>> from datetime import datetime, UTC
        >>> at = datetime(2026, 1, 1, tzinfo=UTC)
        >>> m = Mention(source="x", native_id="1", created_at=at, terms=("a\x00b",))
        >>> clean = nul_free(m)
        >>> clean.terms == ("a\ufffdb",), nul_free(clean) is clean
        (True, True)
    """
    *scalars, brands, terms, hashtags, links, author, intent = _NUL_FIELDS(mention)
    handle = author.handle if author is not None else None
    labels = intent.labels if intent is not None else ()
    probe = "".join(filter(None, (*scalars, handle, *brands, *terms, *hashtags, *links, *labels)))
    if "\x00" not in probe:
        return mention
    update: dict[str, Any] = {}
    for name, value in zip(_NUL_SCALARS, scalars, strict=True):
        if value is not None and "\x00" in value:
            update[name] = clean_text(value)
    for name, values in zip(_NUL_LISTS, (brands, terms, hashtags, links), strict=True):
        if any("\x00" in value for value in values):
            update[name] = tuple(value.replace("\x00", "\ufffd") for value in values)
    if author is not None and author.handle is not None and "\x00" in author.handle:
        update["author"] = author.model_copy(update={"handle": clean_text(author.handle)})
    if intent is not None and any("\x00" in label for label in intent.labels):
        labels = tuple(label.replace("\x00", "\ufffd") for label in intent.labels)
        update["intent"] = intent.model_copy(update={"labels": labels})
    return mention.model_copy(update=update)
