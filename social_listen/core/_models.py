"""The core data models: what a mention is, what to collect, and where a run stands.

All models are frozen pydantic v2 models with timezone-aware datetimes; they export JSON
Schema (``Mention.model_json_schema()``) and round-trip through JSON. A mention's identity is
``(source, native_id)`` with both as strings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "MENTION_SCHEMA_VERSION",
    "Author",
    "Intent",
    "Mention",
    "Metrics",
    "Query",
    "Score",
    "Sentiment",
    "SentimentLabel",
    "utcnow",
]

MENTION_SCHEMA_VERSION = 1

SentimentLabel = Literal["negative", "neutral", "positive"]


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Author(_Frozen):
    """Who wrote a mention.

    Attributes:
        handle: The platform handle (``user``, ``user@instance``, ``did:plc:...``).
        name: The display name.
        id: The platform's own author id, when it has one.
        url: A link to the author's profile.
        followers: Follower or subscriber count, when the platform reports one.
        verified: Whether the platform marks the account as verified.
    """

    handle: str
    name: str | None = None
    id: str | None = None
    url: str | None = None
    followers: int | None = Field(default=None, ge=0)
    verified: bool | None = None


class Metrics(_Frozen):
    """Engagement counts as the platform reported them at collection time.

    ``None`` means the platform does not report that count, ``0`` that it reported zero.
    """

    likes: int | None = Field(default=None, ge=0)
    shares: int | None = Field(default=None, ge=0)
    replies: int | None = Field(default=None, ge=0)
    quotes: int | None = Field(default=None, ge=0)
    views: int | None = Field(default=None, ge=0)
    score: int | None = None

    @property
    def engagement(self) -> int:
        """Likes + shares + replies + quotes (missing counts as zero)."""
        return sum(v or 0 for v in (self.likes, self.shares, self.replies, self.quotes))


class Score(_Frozen):
    """A derived number that says how it was computed.

    Attributes:
        value: The score.
        method: The name and version of the method (``"followers-log-v1"``).
        inputs: The inputs the method used, for audit.
        reasons: Human-readable reasons (urgency lists them).
    """

    value: float
    method: str
    inputs: Mapping[str, float | int | str | bool | None] = Field(default_factory=dict)
    reasons: tuple[str, ...] = ()


class Sentiment(_Frozen):
    """Sentiment of a mention.

    Attributes:
        score: Compound score in [-1, 1].
        label: negative, neutral or positive.
        method: The analyzer that produced it (``"vader-en"``).
        targeted_score: The score of only the sentences that mention the brand.
    """

    score: float = Field(ge=-1.0, le=1.0)
    label: SentimentLabel
    method: str
    targeted_score: float | None = Field(default=None, ge=-1.0, le=1.0)


class Intent(_Frozen):
    """Intent labels of a mention (complaint, question, praise, purchase, crisis, spam)."""

    labels: tuple[str, ...] = ()
    method: str
    evidence: Mapping[str, tuple[str, ...]] = Field(default_factory=dict)


class Mention(_Frozen):
    """One post, comment, article or message that a source returned.

    Identity is ``(source, native_id)``: the same post collected twice is one mention (see
    PLATFORMS.md in the docs for which id each platform uses). Derived fields (``sentiment``,
    ``intent``, ``reach``, ``influence``, ``urgency``, ``terms``, ``detected_language``) are
    filled by the monitor's pipeline; each score carries the method that produced it.
    ``terms`` are the normalized, stemmed terms the listener aggregates into themes.

    Examples:
        >>> from datetime import datetime, UTC
        >>> m = Mention(source="hackernews", native_id="1", text="I love Acme",
        ...             created_at=datetime(2026, 1, 1, tzinfo=UTC))
        >>> m.key
        ('hackernews', '1')
    """

    schema_version: int = MENTION_SCHEMA_VERSION
    source: str = Field(min_length=1)
    native_id: str = Field(min_length=1)
    url: str | None = None
    title: str | None = None
    text: str = ""
    author: Author | None = None
    created_at: AwareDatetime
    sort_at: AwareDatetime | None = None
    edited_at: AwareDatetime | None = None
    collected_at: AwareDatetime = Field(default_factory=utcnow)
    language: str | None = None
    detected_language: str | None = None
    language_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    metrics: Metrics = Field(default_factory=Metrics)
    parent_id: str | None = None
    thread_id: str | None = None
    channel: str | None = None
    query: str | None = None
    brands: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()
    links: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    mentioned_handles: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    extras: Mapping[str, Any] = Field(default_factory=dict)
    sentiment: Sentiment | None = None
    intent: Intent | None = None
    reach: Score | None = None
    influence: Score | None = None
    urgency: Score | None = None
    raw: Any = Field(default=None, repr=False)

    @field_validator("native_id", mode="before")
    @classmethod
    def _id_as_string(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("text", "title", mode="after")
    @classmethod
    def _no_lone_surrogates(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return value.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(value) else value

    @property
    def key(self) -> tuple[str, str]:
        """The identity ``(source, native_id)``."""
        return (self.source, self.native_id)

    @property
    def effective_time(self) -> datetime:
        """The time used for ordering: the platform's sort time, else ``created_at``."""
        return self.sort_at or self.created_at

    def content_hash(self) -> str:
        """A stable hash of the user-visible content, to tell edits from re-deliveries."""
        digest = hashlib.sha256()
        for part in (self.title or "", self.text, self.url or ""):
            digest.update(part.encode("utf-8", "replace"))
            digest.update(b"\x00")
        return digest.hexdigest()[:32]

    def with_flags(self, *flags: str) -> Mention:
        """A copy with more flags set."""
        return self.model_copy(update={"flags": self.flags | frozenset(flags)})


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


class Query(_Frozen):
    """What to collect.

    Attributes:
        text: The query in the social_listen query language (see the query reference).
        since: Collect items created at or after this time (backfill start).
        until: Collect items created before this time.
        languages: ISO 639-1 codes to restrict to, when the platform can.
        options: Per-connector options keyed by connector name.
        name: A label stored with each mention (``Mention.query``); defaults to ``text``.

    Examples:
        >>> Query(text='acme OR "acme corp"', languages=("en",)).label
        'acme OR "acme corp"'
    """

    text: str
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    languages: tuple[str, ...] = ()
    options: Mapping[str, Mapping[str, Any]] = Field(default_factory=dict)
    name: str | None = None

    @property
    def label(self) -> str:
        """The name stored with each mention this query finds."""
        return self.name or self.text

    def options_for(self, connector: str) -> Mapping[str, Any]:
        """The options given for one connector (empty when none)."""
        return self.options.get(connector, {})


def dedupe_mentions(mentions: Iterable[Mention]) -> list[Mention]:
    """Keep the first mention of each ``(source, native_id)``, in order."""
    seen: set[tuple[str, str]] = set()
    out: list[Mention] = []
    for mention in mentions:
        if mention.key not in seen:
            seen.add(mention.key)
            out.append(mention)
    return out
