"""The scale-out store: PostgreSQL through psycopg 3 and a psycopg_pool connection pool.

Same schema, same SQL and same contract as :class:`~social_listen.store.SQLiteStore`, with
PostgreSQL's own full-text search (a generated ``tsvector`` column built with the mention
language's text-search configuration, ``hungarian``, ``romanian``, ``english``..., and a GIN
index) and row locks for leases and the outbox (``FOR UPDATE SKIP LOCKED``). Install with
``pip install 'social-listen[postgres]'``; without it, opening raises
:class:`~social_listen.core.MissingDependency`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from social_listen.core import (
    DEFAULT_LIMITS,
    ConfigError,
    Limits,
    Mention,
    MissingDependency,
    Page,
    SourceState,
    StoreBusy,
    StoreCorrupt,
    StoreError,
    StoreWriteError,
)
from social_listen.store._base import Cursor, SQLStoreBase
from social_listen.store._leases import Lease
from social_listen.store._protocol import OutboxItem
from social_listen.store._schema import SCHEMA_VERSION, migrate
from social_listen.store._sql import DISTINCT_VALUES_SQL, Dialect
from social_listen.store._text import pg_config, query_variants

__all__ = ["PostgresStore"]

logger = logging.getLogger(__name__)
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_MIGRATION_LOCK = 0x5F4C5354  # "_LST": serialises schema migrations across processes


def _pg_fts(text: str, languages: Sequence[str]) -> tuple[str, list[object]] | None:
    if not query_variants(text, languages):
        return None
    configs = sorted({pg_config(lang) for lang in languages} | {"simple"})
    query = " || ".join("plainto_tsquery(?::regconfig, ?)" for _ in configs)
    params: list[object] = []
    for config in configs:
        params.extend((config, text))
    return (
        f"EXISTS (SELECT 1 FROM mention_bodies fb WHERE fb.mention_id = m.id AND fb.tsv @@ ({query}))",
        params,
    )


class _Cursor:
    """A psycopg cursor that takes ``?`` placeholders like sqlite3."""

    _cache: dict[str, str] = {}  # noqa: RUF012 - a shared translation cache

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    @classmethod
    def _sql(cls, sql: str) -> str:
        out = cls._cache.get(sql)
        if out is None:
            out = sql.replace("?", "%s")
            if len(cls._cache) < 4096:
                cls._cache[sql] = out
        return out

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(self._sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        batch = [tuple(r) for r in rows]
        if batch:
            self._cursor.executemany(self._sql(sql), batch)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())


class PostgresStore(SQLStoreBase):
    """A mention store in PostgreSQL, shared by many collector processes.

    Args:
        dsn: ``postgresql://user@host:port/dbname``.
        schema: A PostgreSQL schema to keep the tables in (created when missing).
        limits: ``Limits.sqlite_busy_timeout`` doubles as the lock wait (``lock_timeout``).
        pool_size: Most connections the pool opens.
        retries: Extra attempts of a write hit by a deadlock, lock timeout or insert race.
        sleep: Called between retries.
        languages: Candidate languages for full-text query words.

    Raises:
        MissingDependency: psycopg or psycopg_pool is not installed.
        StoreError: The server cannot be reached.

    Examples:
        >>> store = PostgresStore("postgresql://postgres@127.0.0.1:54329/postgres")  # doctest: +SKIP
    """

    name = "postgres"
    dialect = Dialect(name="postgres", real="DOUBLE PRECISION", like="ILIKE", fts=_pg_fts)
    _skip_locked = " FOR UPDATE SKIP LOCKED"
    _for_update = " FOR UPDATE"

    def __init__(
        self,
        dsn: str,
        *,
        schema: str = "public",
        limits: Limits = DEFAULT_LIMITS,
        pool_size: int = 4,
        retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        languages: Sequence[str] = ("en", "hu", "ro"),
    ) -> None:
        try:
            import psycopg
            import psycopg_pool
        except ImportError as exc:
            raise MissingDependency("psycopg", extra="postgres", feature="PostgresStore") from exc
        if not _SCHEMA_NAME.match(schema):
            raise ConfigError(
                f"invalid schema name {schema!r}", source=self.name, hint="use [a-z_][a-z0-9_]*"
            )
        self._psycopg = psycopg
        self.schema = schema
        self.languages = tuple(languages)
        self._retries = retries
        self._sleep = sleep
        lock_ms = int(limits.sqlite_busy_timeout * 1000)
        self._pool = psycopg_pool.ConnectionPool(
            dsn,
            min_size=1,
            max_size=pool_size,
            open=False,
            kwargs={
                "connect_timeout": max(1, int(limits.connect_timeout)),
                "options": f"-c search_path={schema} -c lock_timeout={lock_ms}",
            },
        )
        try:
            self._pool.open(wait=True, timeout=max(1.0, limits.connect_timeout))
        except psycopg_pool.PoolTimeout as exc:
            self._pool.close()
            raise StoreError(
                "cannot connect to PostgreSQL",
                source=self.name,
                hint="check the DSN and that the server is up",
            ) from exc
        self._init_schema()

    def _init_schema(self, *, target: int = SCHEMA_VERSION) -> None:
        with self._pool.connection() as conn, conn.transaction():
            raw = conn.cursor()
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            raw.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            cur = _Cursor(raw)

            def version() -> int | None:
                cur.execute("SELECT value FROM sl_meta WHERE key = 'schema_version'")
                row = cur.fetchone()
                return None if row is None else int(row[0])

            before = None
            cur.execute("SELECT to_regclass('sl_meta') IS NOT NULL")
            if cur.fetchone()[0]:
                before = version()
                if before is not None and before > SCHEMA_VERSION:
                    raise StoreError(
                        f"schema version {before} is newer than this release ({SCHEMA_VERSION})",
                        source=self.name,
                        hint="upgrade social_listen",
                    )
            migrate(cur.execute, version, dialect="postgres", target=target)

    # --- transactions ------------------------------------------------------------------------
    def _translate(self, exc: Exception) -> StoreError:
        errors = self._psycopg.errors
        if isinstance(
            exc,
            (
                errors.LockNotAvailable,
                errors.DeadlockDetected,
                errors.SerializationFailure,
                errors.UniqueViolation,
                errors.QueryCanceled,
            ),
        ):
            return StoreBusy(f"PostgreSQL: {type(exc).__name__}", source=self.name)
        if isinstance(
            exc,
            (
                errors.DiskFull,
                errors.ReadOnlySqlTransaction,
                errors.InsufficientPrivilege,
                errors.OutOfMemory,
            ),
        ):
            return StoreWriteError(f"PostgreSQL: {exc}", source=self.name)
        if isinstance(exc, (errors.DataCorrupted, errors.IndexCorrupted)):
            return StoreCorrupt(f"PostgreSQL: {exc}", source=self.name)
        return StoreError(f"PostgreSQL: {exc}", source=self.name)

    @contextmanager
    def _tx(self) -> Iterator[Cursor]:
        try:
            with self._pool.connection() as conn, conn.transaction():
                yield _Cursor(conn.cursor())
        except self._psycopg.Error as exc:
            raise self._translate(exc) from exc

    def _write_tx(self) -> Any:
        return self._tx()

    def _read_tx(self) -> Any:
        return self._tx()

    def commit_page(
        self,
        page: Page,
        state: SourceState,
        *,
        source_key: str,
        outbox: Iterable[OutboxItem] = (),
        lease: Lease | None = None,
        now: datetime | None = None,
    ) -> None:
        """Commit a page (see :meth:`SQLStoreBase.commit_page`), retrying races and deadlocks."""
        items = list(outbox)
        attempt = 0
        while True:
            try:
                super().commit_page(page, state, source_key=source_key, outbox=items, lease=lease, now=now)
                return
            except StoreBusy:
                if attempt >= self._retries:
                    raise
                attempt += 1
                self._sleep(min(0.05 * 2**attempt, 2.0))

    def _reserve_ids(self, cur: Cursor, n: int) -> list[int]:
        cur.execute("SELECT nextval('mentions_id_seq') FROM generate_series(1, ?)", (n,))
        return [int(row[0]) for row in cur.fetchall()]

    def _body_extra(self, mention: Mention) -> tuple[Any, ...]:
        return (pg_config(mention.detected_language or mention.language),)

    def _body_extra_columns(self) -> tuple[str, ...]:
        return ("ts_config",)

    def _language_changed(self, cur: Cursor, pairs: Sequence[tuple[int, str | None]]) -> None:
        cur.executemany(
            "UPDATE mention_bodies SET ts_config = ?::regconfig WHERE mention_id = ?",
            [(pg_config(lang), mention_id) for mention_id, lang in pairs],
        )

    def _load_buckets(self, cur: Cursor, edges: Sequence[int]) -> None:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS sl_buckets "
            "(start_us BIGINT PRIMARY KEY, end_us BIGINT NOT NULL) ON COMMIT DELETE ROWS"
        )
        cur.execute("DELETE FROM sl_buckets")
        cur.execute(
            "INSERT INTO sl_buckets (start_us, end_us) SELECT * FROM unnest(?::bigint[], ?::bigint[])",
            (list(edges[:-1]), list(edges[1:])),
        )
        cur.execute("ANALYZE sl_buckets")

    def _load_values(self, cur: Cursor, values: list[str] | str) -> None:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS sl_values (id BIGINT PRIMARY KEY, value TEXT NOT NULL) "
            "ON COMMIT DELETE ROWS"
        )
        cur.execute("DELETE FROM sl_values")
        if isinstance(values, str):
            cur.execute(DISTINCT_VALUES_SQL, (values, values))
        else:
            unique = sorted(set(values))
            cur.executemany("INSERT INTO sl_values (id, value) VALUES (?, ?)", list(enumerate(unique, 1)))
        cur.execute("ANALYZE sl_values")

    @property
    def schema_version(self) -> int:
        """The schema version of the database."""
        with self._read_tx() as cur:
            cur.execute("SELECT value FROM sl_meta WHERE key = 'schema_version'")
            return int(cur.fetchone()[0])

    def check(self) -> list[str]:
        """A cheap health check (the server answers and the schema is current)."""
        return [] if self.schema_version == SCHEMA_VERSION else ["schema is not current"]

    def close(self) -> None:
        """Close the pool."""
        self._pool.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PostgresStore(schema={self.schema!r})"
