"""Mention stores: SQLite by default, PostgreSQL to scale out, crash-safe checkpoints, exports.

``open_store("sqlite:///path.db")`` (or a plain path, ``":memory:"``,
``"postgresql://..."``) returns a :class:`MentionStore`. ``commit_page`` is the one write
path; reads stream mentions by :class:`Filter`; :meth:`~MentionStore.aggregate` pushes the
listener's counts, sums and means down into SQL.
"""

from __future__ import annotations

from social_listen.store._base import SQLStoreBase
from social_listen.store._export import (
    CSV_COLUMNS,
    export_csv,
    export_jsonl,
    export_parquet,
    flat_record,
    neutralize_cell,
    to_arrow,
    to_pandas,
    to_polars,
)
from social_listen.store._leases import Lease, Leases
from social_listen.store._open import open_store
from social_listen.store._outbox import Outbox
from social_listen.store._postgres import PostgresStore
from social_listen.store._protocol import (
    DIMENSIONS,
    FREQUENCIES,
    METRICS,
    SORT_KEYS,
    AggregateResult,
    Filter,
    MentionStore,
    MentionVersion,
    OutboxItem,
    OutboxMessage,
    RetentionPolicy,
)
from social_listen.store._schema import SCHEMA_VERSION
from social_listen.store._sqlite import SQLiteStore

__all__ = [
    "CSV_COLUMNS",
    "DIMENSIONS",
    "FREQUENCIES",
    "METRICS",
    "SCHEMA_VERSION",
    "SORT_KEYS",
    "AggregateResult",
    "Filter",
    "Lease",
    "Leases",
    "MentionStore",
    "MentionVersion",
    "Outbox",
    "OutboxItem",
    "OutboxMessage",
    "PostgresStore",
    "RetentionPolicy",
    "SQLStoreBase",
    "SQLiteStore",
    "export_csv",
    "export_jsonl",
    "export_parquet",
    "flat_record",
    "neutralize_cell",
    "open_store",
    "to_arrow",
    "to_pandas",
    "to_polars",
]
