"""Exports: JSONL, CSV (safe to open in a spreadsheet), Parquet, and data frames.

Every export streams from :meth:`~social_listen.store.MentionStore.iter_mentions`, so memory
stays bounded (data frames are the exception: they are built in memory by nature). CSV cells
that a spreadsheet would run as a formula (starting with ``= + - @``, a tab or a carriage
return) get a leading ``'`` (reliability row 43); numeric columns are written as numbers and
never touched; ``bom=True`` writes a UTF-8 BOM so Excel detects the encoding. pandas, polars
and pyarrow are imported lazily: without the extra, the call raises
:class:`~social_listen.core.MissingDependency` naming the extra to install.
"""

from __future__ import annotations

import csv
import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from social_listen.core import Mention, MissingDependency
from social_listen.store._protocol import Filter, MentionStore
from social_listen.store._values import dumps

__all__ = [
    "CSV_COLUMNS",
    "export_csv",
    "export_jsonl",
    "export_parquet",
    "flat_record",
    "neutralize_cell",
    "to_arrow",
    "to_pandas",
    "to_polars",
]

CSV_COLUMNS: tuple[str, ...] = (
    "source",
    "native_id",
    "created_at",
    "collected_at",
    "url",
    "title",
    "text",
    "author_handle",
    "author_name",
    "author_followers",
    "language",
    "brands",
    "hashtags",
    "likes",
    "shares",
    "replies",
    "views",
    "engagement",
    "sentiment_score",
    "sentiment_label",
    "intent",
    "reach",
    "influence",
    "urgency",
    "urgency_reasons",
    "query",
)
"""Columns of :func:`flat_record` written by :func:`export_csv` by default."""

_FLAT_COLUMNS = frozenset(
    (*CSV_COLUMNS, "sort_at", "edited_at", "author_verified", "links", "terms", "quotes", "parent_id",
     "thread_id", "channel", "raw")
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LIST_COLUMNS = ("brands", "hashtags", "links", "terms", "intent")


def _require(module: str, *, extra: str, feature: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependency(module, extra=extra, feature=feature) from exc


def neutralize_cell(value: Any) -> Any:
    """Prefix ``'`` to a text cell a spreadsheet would treat as a formula; numbers pass.

    Examples:
        >>> neutralize_cell("=1+2"), neutralize_cell(-3), neutralize_cell("ok")
        ("'=1+2", -3, 'ok')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def flat_record(mention: Mention, *, raw: bool = False) -> dict[str, Any]:
    """One mention as a flat dict (lists kept as lists, times as aware datetimes)."""
    author = mention.author
    metrics = mention.metrics
    record: dict[str, Any] = {
        "source": mention.source,
        "native_id": mention.native_id,
        "created_at": mention.created_at,
        "sort_at": mention.sort_at,
        "edited_at": mention.edited_at,
        "collected_at": mention.collected_at,
        "url": mention.url,
        "title": mention.title,
        "text": mention.text,
        "author_handle": author.handle if author else None,
        "author_name": author.name if author else None,
        "author_followers": author.followers if author else None,
        "author_verified": author.verified if author else None,
        "language": mention.detected_language or mention.language,
        "brands": list(mention.brands),
        "hashtags": list(mention.hashtags),
        "links": list(mention.links),
        "terms": list(mention.terms),
        "likes": metrics.likes,
        "shares": metrics.shares,
        "replies": metrics.replies,
        "quotes": metrics.quotes,
        "views": metrics.views,
        "engagement": metrics.engagement,
        "parent_id": mention.parent_id,
        "thread_id": mention.thread_id,
        "channel": mention.channel,
        "query": mention.query,
        "sentiment_score": mention.sentiment.score if mention.sentiment else None,
        "sentiment_label": mention.sentiment.label if mention.sentiment else None,
        "intent": list(mention.intent.labels) if mention.intent else [],
        "reach": mention.reach.value if mention.reach else None,
        "influence": mention.influence.value if mention.influence else None,
        "urgency": mention.urgency.value if mention.urgency else None,
        "urgency_reasons": "; ".join(mention.urgency.reasons) if mention.urgency else None,
    }
    if raw:
        record["raw"] = None if mention.raw is None else dumps(mention.raw)
    return record


@contextmanager
def _open_text(target: str | os.PathLike[str] | IO[str], *, bom: bool = False) -> Iterator[IO[str]]:
    if isinstance(target, (str, os.PathLike)):
        with open(target, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
            yield handle
    else:
        if bom:
            target.write("\ufeff")
        yield target


def export_jsonl(
    store: MentionStore,
    target: str | os.PathLike[str] | IO[str],
    *,
    where: Filter | None = None,
    raw: bool = True,
) -> int:
    """Write one JSON object per mention (the full model, raw payload included by default).

    Returns:
        How many mentions were written.

    Examples:
        >>> import io
        >>> from social_listen.store import SQLiteStore
        >>> export_jsonl(SQLiteStore(":memory:"), io.StringIO())
        0
    """
    count = 0
    with _open_text(target) as handle:
        for mention in store.iter_mentions(where):
            handle.write(mention.model_dump_json(exclude=None if raw else {"raw"}) + "\n")
            count += 1
    return count


def export_csv(
    store: MentionStore,
    target: str | os.PathLike[str] | IO[str],
    *,
    where: Filter | None = None,
    columns: tuple[str, ...] = CSV_COLUMNS,
    bom: bool = False,
) -> int:
    """Write mentions as CSV, safe to open in a spreadsheet (reliability row 43).

    Args:
        store: The store to read.
        target: A path or a text file opened with ``newline=""``.
        where: Which mentions.
        columns: Names from :func:`flat_record`.
        bom: Start with a UTF-8 BOM so Excel reads accents correctly.

    Returns:
        How many rows were written.
    """
    unknown = [c for c in columns if c not in _FLAT_COLUMNS]
    if unknown:
        from social_listen.core import InvalidFilter

        raise InvalidFilter(f"unknown CSV columns {unknown}", source="store")
    count = 0
    with _open_text(target, bom=bom) as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for mention in store.iter_mentions(where):
            record = flat_record(mention, raw="raw" in columns)
            row = []
            for column in columns:
                value = record[column]
                if column in _LIST_COLUMNS:
                    value = ";".join(value)
                elif hasattr(value, "isoformat"):
                    value = value.isoformat()
                row.append(neutralize_cell(value))
            writer.writerow(row)
            count += 1
    return count


def _arrow_batches(store: MentionStore, where: Filter | None, *, raw: bool, batch_size: int) -> Iterator[Any]:
    pa = _require("pyarrow", extra="arrow", feature="Parquet and Arrow export")
    batch: list[dict[str, Any]] = []
    for mention in store.iter_mentions(where):
        batch.append(flat_record(mention, raw=raw))
        if len(batch) >= batch_size:
            yield pa.RecordBatch.from_pylist(batch, schema=_arrow_schema(pa, raw=raw))
            batch = []
    if batch:
        yield pa.RecordBatch.from_pylist(batch, schema=_arrow_schema(pa, raw=raw))


def _arrow_schema(pa: Any, *, raw: bool) -> Any:
    ts = pa.timestamp("us", tz="UTC")
    text, f64, i64 = pa.string(), pa.float64(), pa.int64()
    fields = [
        ("source", text), ("native_id", text), ("created_at", ts), ("sort_at", ts), ("edited_at", ts),
        ("collected_at", ts), ("url", text), ("title", text), ("text", text), ("author_handle", text),
        ("author_name", text), ("author_followers", i64), ("author_verified", pa.bool_()), ("language", text),
        ("brands", pa.list_(text)), ("hashtags", pa.list_(text)), ("links", pa.list_(text)),
        ("terms", pa.list_(text)), ("likes", i64), ("shares", i64), ("replies", i64), ("quotes", i64),
        ("views", i64), ("engagement", i64), ("parent_id", text), ("thread_id", text), ("channel", text),
        ("query", text), ("sentiment_score", f64), ("sentiment_label", text), ("intent", pa.list_(text)),
        ("reach", f64), ("influence", f64), ("urgency", f64), ("urgency_reasons", text),
    ]  # fmt: skip
    if raw:
        fields.append(("raw", text))
    return pa.schema(fields)


def to_arrow(store: MentionStore, where: Filter | None = None, *, raw: bool = False) -> Any:
    """A ``pyarrow.Table`` of the matching mentions (needs the ``arrow`` extra)."""
    pa = _require("pyarrow", extra="arrow", feature="to_arrow")
    batches = list(_arrow_batches(store, where, raw=raw, batch_size=50_000))
    return pa.Table.from_batches(batches, schema=_arrow_schema(pa, raw=raw))


def export_parquet(
    store: MentionStore,
    path: str | os.PathLike[str],
    *,
    where: Filter | None = None,
    raw: bool = False,
    batch_size: int = 50_000,
) -> int:
    """Write matching mentions to a Parquet file in row groups (needs the ``arrow`` extra).

    Returns:
        How many rows were written.
    """
    pa = _require("pyarrow", extra="arrow", feature="Parquet export")
    pq = _require("pyarrow.parquet", extra="arrow", feature="Parquet export")
    count = 0
    with pq.ParquetWriter(os.fspath(path), _arrow_schema(pa, raw=raw)) as writer:
        for batch in _arrow_batches(store, where, raw=raw, batch_size=batch_size):
            writer.write_batch(batch)
            count += batch.num_rows
    return count


def to_pandas(store: MentionStore, where: Filter | None = None, *, raw: bool = False) -> Any:
    """A ``pandas.DataFrame`` of the matching mentions (needs the ``pandas`` extra)."""
    pandas = _require("pandas", extra="pandas", feature="to_pandas")
    return pandas.DataFrame.from_records([flat_record(m, raw=raw) for m in store.iter_mentions(where)])


def to_polars(store: MentionStore, where: Filter | None = None, *, raw: bool = False) -> Any:
    """A ``polars.DataFrame`` of the matching mentions (needs the ``polars`` extra)."""
    polars = _require("polars", extra="polars", feature="to_polars")
    records = [flat_record(m, raw=raw) for m in store.iter_mentions(where)]
    if not records:
        return polars.DataFrame()
    return polars.from_dicts(records, infer_schema_length=None)
