"""Where listener functions get their data: a store, or mentions loaded into an in-memory one.

Every analysis accepts a :class:`~social_listen.store.MentionStore` (the work runs in its SQL
through :meth:`~social_listen.store.MentionStore.aggregate`) or any iterable of
:class:`~social_listen.core.Mention` objects, which :func:`as_store` loads into an in-memory
SQLite store first, so both paths run the same SQL (one implementation). Ranges are explicit:
``since`` inclusive, ``until`` exclusive, both timezone-aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Protocol, TypeAlias

from social_listen.core import ConfigError, Mention, Page, SourceState
from social_listen.listener._terms import extract_terms
from social_listen.store import AggregateResult, Filter, MentionStore, SQLiteStore

__all__ = ["BrandLike", "MentionData", "add_terms", "aggregate", "as_store", "brand_names", "period_filter"]

MentionData: TypeAlias = MentionStore | Iterable[Mention]
"""A store, or mentions (a list, a generator) to analyse in an in-memory store."""

_BATCH = 5000


class BrandLike(Protocol):
    """Anything with a brand ``name`` and ``competitors`` (a ``BrandProfile`` qualifies)."""

    @property
    def name(self) -> str: ...

    @property
    def competitors(self) -> tuple[str, ...]: ...


def as_store(data: MentionData) -> MentionStore:
    """The store to query: ``data`` itself, or its mentions loaded into in-memory SQLite.

    Examples:
        >>> from datetime import datetime, UTC
        >>> m = Mention(source="x", native_id="1", text="hi", created_at=datetime(2026, 1, 1, tzinfo=UTC))
        >>> as_store([m]).count()
        1
    """
    if isinstance(data, MentionStore):
        return data
    if isinstance(data, Mention):
        data = [data]
    store = SQLiteStore(":memory:")
    batch: list[Mention] = []
    for mention in data:
        if not isinstance(mention, Mention):
            raise ConfigError(
                f"expected Mention objects, got {type(mention).__name__}",
                source="listener",
                hint="pass a MentionStore or an iterable of Mention",
            )
        batch.append(mention)
        if len(batch) >= _BATCH:
            store.commit_page(Page(mentions=tuple(batch)), SourceState(), source_key="listener:memory")
            batch = []
    store.commit_page(Page(mentions=tuple(batch)), SourceState(), source_key="listener:memory")
    return store


def aggregate(
    store: MentionStore,
    metrics: tuple[str, ...],
    *,
    by: tuple[str, ...] = (),
    where: Filter | None = None,
    **options: Any,
) -> AggregateResult:
    """``store.aggregate``, with one-value brand and intent filters also applied as groups.

    Grouping by the brand (or intent) restricted to one value gives exactly the same rows (one
    value per group) and lets the database join the tags instead of testing every candidate
    row against a list of mention ids, which is much faster in SQLite on time buckets and
    terms. The extra columns are dropped from the result.
    """
    extra = tuple(
        dim
        for dim, field in (("brand", "brands"), ("intent", "intents"))
        if where is not None and len(getattr(where, field)) == 1 and dim not in by
    )
    if not extra:
        return store.aggregate(metrics, by=by, where=where, **options)
    result = store.aggregate(metrics, by=(*by, *extra), where=where, **options)
    keep = [i for i, name in enumerate(result.columns) if name not in extra]
    return AggregateResult(
        columns=tuple(result.columns[i] for i in keep),
        rows=tuple(tuple(row[i] for i in keep) for row in result.rows),
    )


def period_filter(since: datetime, until: datetime, where: Filter | None = None, **narrow: Any) -> Filter:
    """``where`` narrowed to ``[since, until)`` (and any other :class:`Filter` fields given)."""
    if since.tzinfo is None or until.tzinfo is None:
        raise ConfigError("since and until must be timezone-aware", source="listener")
    if until <= since:
        raise ConfigError(f"empty period: until {until} is not after since {since}", source="listener")
    base = where or Filter()
    return base.model_copy(update={"since": since, "until": until, **narrow})


def brand_names(brand: str | BrandLike, competitors: Iterable[str] = ()) -> tuple[str, ...]:
    """The brand's name then its competitors, de-duplicated, in order."""
    names: list[str] = []
    if isinstance(brand, str):
        names.append(brand)
    else:
        names.append(brand.name)
        names.extend(brand.competitors)
    names.extend(competitors)
    return tuple(dict.fromkeys(n for n in names if n))


def add_terms(mentions: Iterable[Mention], *, overwrite: bool = False) -> Iterator[Mention]:
    """Mentions with ``terms`` filled by :func:`extract_terms` where they are missing.

    The enrichment pipeline stores terms; use this on raw mentions before themes.

    Examples:
        >>> from datetime import datetime, UTC
        >>> m = Mention(source="x", native_id="1", text="late deliveries", language="en",
        ...             created_at=datetime(2026, 1, 1, tzinfo=UTC))
        >>> next(add_terms([m])).terms
        ('late', 'deliveri', 'late deliveri')
    """
    for mention in mentions:
        if mention.terms and not overwrite:
            yield mention
            continue
        text = f"{mention.title}\n{mention.text}" if mention.title else mention.text
        language = mention.detected_language or mention.language
        yield mention.model_copy(update={"terms": extract_terms(text, language=language)})
