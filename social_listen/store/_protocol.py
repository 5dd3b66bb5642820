"""What a mention store promises: the protocol, the filter model and the aggregate API.

:class:`MentionStore` is implemented by :class:`~social_listen.store.SQLiteStore` and
:class:`~social_listen.store.PostgresStore`; both pass one contract suite. Reads take a
:class:`Filter` (every field bound as a value, never pasted into SQL); listening aggregates take
metric and dimension names from the allow-lists :data:`METRICS` and :data:`DIMENSIONS` and
return a small :class:`AggregateResult`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from social_listen.core import Mention, Page, SourceState

__all__ = [
    "DIMENSIONS",
    "FREQUENCIES",
    "METRICS",
    "SORT_KEYS",
    "AggregateResult",
    "Filter",
    "MentionStore",
    "MentionVersion",
    "OutboxItem",
    "OutboxMessage",
    "RetentionPolicy",
]

METRICS: tuple[str, ...] = (
    "count",
    "count_negative",
    "count_neutral",
    "count_positive",
    "count_scored",
    "distinct_authors",
    "first_at",
    "last_at",
    "max_influence",
    "max_urgency",
    "mean_engagement",
    "mean_influence",
    "mean_reach",
    "mean_sentiment",
    "mean_targeted_sentiment",
    "mean_urgency",
    "sum_engagement",
    "sum_likes",
    "sum_reach",
    "sum_shares",
    "sum_views",
)
"""Metric names :meth:`MentionStore.aggregate` accepts."""

DIMENSIONS: tuple[str, ...] = (
    "author",
    "brand",
    "bucket",
    "domain",
    "hashtag",
    "intent",
    "language",
    "link",
    "query",
    "sentiment_label",
    "source",
    "status",
    "term",
)
"""Dimension names :meth:`MentionStore.aggregate` can group by (``bucket`` = time bucket)."""

FREQUENCIES: tuple[str, ...] = ("minute", "hour", "day", "week", "month", "quarter", "year")
"""Bucket units; a multiple may prefix them (``"15minute"``, ``"6hour"``, ``"2day"``)."""

SORT_KEYS: tuple[str, ...] = (
    "collected_at",
    "created_at",
    "engagement",
    "id",
    "influence",
    "reach",
    "sentiment",
    "time",
    "urgency",
)
"""Sort keys :meth:`MentionStore.iter_mentions` accepts (prefix ``-`` for descending)."""


class Filter(BaseModel):
    """Which stored mentions a read or an aggregate covers; every field narrows (AND).

    Tuple fields match any of their values (OR within the field). Every value is bound as a
    SQL parameter; nothing here is pasted into SQL text.

    Attributes:
        since: Mentions whose time (``sort_at`` or ``created_at``) is at or after this.
        until: Mentions whose time is before this.
        sources: Connector names.
        brands: Brands matched at collection or enrichment time.
        queries: Query labels (``Mention.query``).
        languages: Detected language, else the platform's claim.
        sentiment_labels: ``negative``, ``neutral``, ``positive``.
        statuses: Triage status (``new`` when never triaged).
        assignees: Triage assignee.
        authors: Author handles.
        domains: Link domains (``example.com``).
        intents: Intent labels.
        terms: Stored terms (any of them).
        text: Full-text search: every word must match, each stemmed in the candidate languages.
        contains: Case-insensitive substring of the title or text (``%`` and ``_`` are literal).
        min_urgency: Urgency at or above this.
        min_reach: Reach at or above this.

    Examples:
        >>> from datetime import datetime, UTC
        >>> Filter(brands=("acme",), since=datetime(2026, 1, 1, tzinfo=UTC)).brands
        ('acme',)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    sources: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    queries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sentiment_labels: tuple[Literal["negative", "neutral", "positive"], ...] = ()
    statuses: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    text: str | None = Field(default=None, max_length=1000)
    contains: str | None = Field(default=None, max_length=1000)
    min_urgency: float | None = None
    min_reach: float | None = None


class RetentionPolicy(BaseModel):
    """How long mentions are kept.

    Attributes:
        max_age: Mentions older than this (by collection time) are purged.
        per_source: Overrides of ``max_age`` per connector name.
        keep_versions: Edit history older than this is dropped (the current version stays).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_age: timedelta | None = None
    per_source: dict[str, timedelta] = Field(default_factory=dict)
    keep_versions: timedelta | None = None


class OutboxItem(BaseModel):
    """An alert notification to deliver after the transaction that wrote it commits.

    Attributes:
        rule: The alert rule that fired.
        sink: Where to deliver (a sink name the monitor knows).
        payload: JSON-serialisable body.
        source: The mention's connector name (empty for window rules).
        native_id: The mention's id (empty for window rules).
        dedup_key: At most one message per key; defaults to ``rule|sink|source|native_id``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str = Field(min_length=1)
    sink: str = "default"
    payload: dict[str, Any] = Field(default_factory=dict)
    source: str = ""
    native_id: str = ""
    dedup_key: str | None = None

    @property
    def key(self) -> str:
        """The deduplication key."""
        return self.dedup_key or f"{self.rule}|{self.sink}|{self.source}|{self.native_id}"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A claimed outbox row, as a sender sees it."""

    id: int
    rule: str
    sink: str
    payload: dict[str, Any]
    source: str
    native_id: str
    dedup_key: str
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MentionVersion:
    """An earlier version of an edited mention."""

    version: int
    content_hash: str
    title: str | None
    text: str
    url: str | None
    edited_at: datetime | None
    replaced_at: datetime


@dataclass(frozen=True)
class AggregateResult:
    """Rows of an aggregate: one per group, columns named after dimensions then metrics.

    Examples:
        >>> r = AggregateResult(columns=("brand", "count"), rows=(("acme", 3),))
        >>> r.to_records()
        [{'brand': 'acme', 'count': 3}]
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def to_records(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        """One column's values in row order."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` (needs the ``pandas`` extra)."""
        from social_listen.store._export import _require

        pandas = _require("pandas", extra="pandas", feature="AggregateResult.to_pandas")
        return pandas.DataFrame.from_records(list(self.rows), columns=list(self.columns))

    def to_polars(self) -> Any:
        """A ``polars.DataFrame`` (needs the ``polars`` extra)."""
        from social_listen.store._export import _require

        polars = _require("polars", extra="polars", feature="AggregateResult.to_polars")
        return polars.DataFrame(list(self.rows), schema=list(self.columns), orient="row")


@runtime_checkable
class MentionStore(Protocol):
    """A durable home for mentions; also the core's ``Checkpointer``.

    ``commit_page`` is the one write path: mentions, connector state and outbox rows in one
    transaction. Everything else reads, enriches or removes.
    """

    def commit_page(
        self,
        page: Page,
        state: SourceState,
        *,
        source_key: str,
        outbox: Iterable[OutboxItem] = (),
        now: datetime | None = None,
    ) -> None:
        """Commit a page's mentions, the state after it and outbox rows atomically.

        ``now`` is the commit time written with the rows (outbox rows, the state's update
        time); the real clock when ``None``, a caller's clock otherwise.
        """
        ...

    def load_state(self, source_key: str) -> SourceState | None:
        """The last committed state of a collection (``None`` when there is none)."""
        ...

    def upsert_enrichment(self, mentions: Iterable[Mention]) -> int:
        """Write derived fields of stored mentions without creating versions."""
        ...

    def get(self, source: str, native_id: str) -> Mention | None:
        """One stored mention by identity."""
        ...

    def iter_mentions(
        self,
        where: Filter | None = None,
        *,
        order_by: str = "time",
        limit: int | None = None,
        batch_size: int = 500,
    ) -> Iterator[Mention]:
        """Stream matching mentions in batches."""
        ...

    def count(self, where: Filter | None = None) -> int:
        """How many stored mentions match."""
        ...

    def aggregate(
        self,
        metrics: Sequence[str] = ("count",),
        *,
        by: Sequence[str] = (),
        freq: str = "day",
        tz: str = "UTC",
        where: Filter | None = None,
        order_by: Sequence[str] = (),
        top: int | None = None,
    ) -> AggregateResult:
        """Counts, sums and means per group, computed in SQL."""
        ...

    def versions(self, source: str, native_id: str) -> list[MentionVersion]:
        """Earlier versions of an edited mention, oldest first."""
        ...

    def delete(self, source: str, native_id: str, *, reason: str = "platform_delete") -> bool:
        """Remove a mention everywhere and keep it from coming back."""
        ...

    def erase_author(self, handle: str, *, source: str | None = None) -> int:
        """Remove every mention by an author everywhere."""
        ...

    def purge(self, *, older_than: datetime | None = None, source: str | None = None) -> int:
        """Remove mentions collected before a time and/or from one source."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
